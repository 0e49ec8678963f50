#include "compiler/split/SplitNetwork.h"

#include "compiler/frontend/onnx/OnnxTensor.h"

#include "rqc/runtime/Error.h"

#include <onnx/onnx_pb.h>

#include <cstring>
#include <map>
#include <set>

namespace rqc::split {

namespace {

using ::onnx::GraphProto;
using ::onnx::ModelProto;
using ::onnx::NodeProto;
using ::onnx::TensorProto;

// What a body tensor is: derived from the image alone (all its channels in every part),
// a constant, or divided into channel groups (`channels` in the whole model).
struct Kind {
  enum { Image, Const, Split } what = Image;
  int64_t channels = 0;
};

int64_t intAttr(const NodeProto &n, const std::string &name, int64_t dflt) {
  for (const auto &a : n.attribute())
    if (a.name() == name) return a.i();
  return dflt;
}

void setIntAttr(NodeProto &n, const std::string &name, int64_t v) {
  for (auto &a : *n.mutable_attribute())
    if (a.name() == name) {
      a.set_i(v);
      return;
    }
  auto *a = n.add_attribute();
  a->set_name(name);
  a->set_type(::onnx::AttributeProto::INT);
  a->set_i(v);
}

// Rows [r0, r0+rn) of dim 0 and, when cn > 0, columns [c0, c0+cn) of dim 1, of a float tensor.
TensorProto sliceFloat(const Tensor &t, const std::string &name, int64_t r0, int64_t rn, int64_t c0 = 0, int64_t cn = 0) {
  Shape shape = t.shape();
  int64_t inner = 1;
  for (size_t d = 2; d < shape.size(); ++d) inner *= shape[d];
  const int64_t cols = shape.size() > 1 ? shape[1] : 1;
  if (shape.size() < 2) inner = 1;
  if (cn == 0) c0 = 0, cn = cols;
  std::vector<float> out;
  const float *src = t.data<float>();
  for (int64_t r = r0; r < r0 + rn; ++r)
    for (int64_t c = c0; c < c0 + cn; ++c)
      for (int64_t k = 0; k < inner; ++k) out.push_back(src[(r * cols + c) * inner + k]);
  TensorProto p;
  p.set_name(name);
  p.set_data_type(TensorProto::FLOAT);
  shape[0] = rn;
  if (shape.size() > 1) shape[1] = cn;
  for (int64_t d : shape) p.add_dims(d);
  p.set_raw_data(std::string(reinterpret_cast<const char *>(out.data()), out.size() * sizeof(float)));
  return p;
}

} // namespace

SplitModel splitNetwork(const ModelProto &model, int n, const std::string &name) {
  if (n < 2) throw Error("--split " + std::to_string(n) + ": a split network has at least 2 parts");
  const GraphProto &g = model.graph();
  std::map<std::string, const TensorProto *> inits;
  for (const auto &t : g.initializer()) inits[t.name()] = &t;
  std::vector<const ::onnx::ValueInfoProto *> inputs;
  for (const auto &vi : g.input())
    if (!inits.count(vi.name())) inputs.push_back(&vi);
  if (inputs.size() != 1)
    throw Error(name + ": --split divides networks with one input image; this one has " + std::to_string(inputs.size()));

  // The cut: what the classifier flattens.
  std::string cut;
  for (const auto &node : g.node())
    if ((node.op_type() == "Flatten" || node.op_type() == "Reshape") && node.input_size() > 0) {
      cut = node.input(0);
      break;
    }
  if (cut.empty())
    throw Error(name + ": --split needs a network whose classifier flattens pooled features (Flatten or Reshape); "
                       "this one has none");

  // The body: the nodes the cut depends on.
  std::map<std::string, int> producer;
  for (int i = 0; i < g.node_size(); ++i)
    for (const auto &o : g.node(i).output()) producer[o] = i;
  std::set<int> body;
  std::vector<std::string> work{cut};
  while (!work.empty()) {
    std::string t = work.back();
    work.pop_back();
    auto it = producer.find(t);
    if (it == producer.end() || !body.insert(it->second).second) continue;
    for (const auto &in : g.node(it->second).input())
      if (!in.empty()) work.push_back(in);
  }
  std::set<std::string> bodyTensors;
  for (int i : body)
    for (const auto &o : g.node(i).output()) bodyTensors.insert(o);
  for (int i = 0; i < g.node_size(); ++i) {
    if (body.count(i)) continue;
    for (const auto &in : g.node(i).input())
      if (bodyTensors.count(in) && in != cut)
        throw Error(name + ": --split: node '" + g.node(i).name() + "' (" + g.node(i).op_type() +
                    ") after the cut reads '" + in + "' from inside the split part");
  }

  // Classify the body's tensors and check every op can be divided.
  std::map<std::string, Kind> kinds;
  kinds[inputs[0]->name()] = Kind{};
  for (const auto &[n2, t] : inits) kinds[n2] = Kind{Kind::Const, 0};
  std::map<std::string, Tensor> weights; // float initializers the parts slice
  // An initializer by name, also through Identity nodes (exporters share equal constants so).
  auto weight = [&](const std::string &t) -> const Tensor & {
    if (!weights.count(t)) {
      std::string source = t;
      for (auto p = producer.find(source); !inits.count(source) && p != producer.end() &&
                                           g.node(p->second).op_type() == "Identity";
           p = producer.find(source))
        source = g.node(p->second).input(0);
      auto it = inits.find(source);
      if (it == inits.end()) throw Error(name + ": --split: '" + t + "' must be an initializer");
      weights.emplace(t, onnx_import::readTensorProto(*it->second, ""));
    }
    return weights.at(t);
  };
  static const std::set<std::string> unary = {"Relu", "Clip", "LeakyRelu", "Sigmoid", "HardSigmoid", "HardSwish",
                                              "Identity", "MaxPool", "AveragePool", "GlobalAveragePool",
                                              "GlobalMaxPool", "Tanh", "Elu"};
  static const std::set<std::string> binary = {"Add", "Sub", "Mul", "Div", "Sum", "Max", "Min"};
  auto fail = [&](const NodeProto &node, const std::string &why) -> Error {
    return Error(name + ": --split: " + node.op_type() + " node '" + node.name() + "': " + why);
  };
  for (int i = 0; i < g.node_size(); ++i) {
    if (!body.count(i)) continue;
    const NodeProto &node = g.node(i);
    const std::string &op = node.op_type();
    auto kindOf = [&](const std::string &t) {
      auto it = kinds.find(t);
      if (it == kinds.end()) throw fail(node, "input '" + t + "' is not known");
      return it->second;
    };
    Kind out;
    if (op == "Constant") {
      out = Kind{Kind::Const, 0};
    } else if (op == "Conv") {
      Kind x = kindOf(node.input(0));
      const Tensor &w = weight(node.input(1));
      const int64_t cout = w.dim(0), groups = intAttr(node, "group", 1);
      if (cout % n) throw fail(node, std::to_string(cout) + " output channels do not divide into " + std::to_string(n) + " groups");
      if (x.what == Kind::Split && x.channels % n)
        throw fail(node, std::to_string(x.channels) + " input channels do not divide into " + std::to_string(n) + " groups");
      if (x.what == Kind::Const) throw fail(node, "a convolution of a constant");
      // A grouped convolution (depthwise ones too) divides when its groups fall whole into parts.
      if (groups != 1 && !(x.what == Kind::Split && groups % n == 0))
        throw fail(node, std::to_string(groups) + " convolution groups do not divide into " + std::to_string(n) + " parts");
      out = Kind{Kind::Split, cout};
    } else if (op == "BatchNormalization") {
      Kind x = kindOf(node.input(0));
      if (x.what != Kind::Split) throw fail(node, "a batch norm before the first convolution");
      out = x;
    } else if (unary.count(op)) {
      out = kindOf(node.input(0));
      for (int k = 1; k < node.input_size(); ++k)
        if (!node.input(k).empty() && kindOf(node.input(k)).what != Kind::Const) throw fail(node, "a non-constant parameter");
    } else if (binary.count(op)) {
      bool anySplit = false;
      int64_t channels = 0;
      for (const auto &in : node.input()) {
        Kind k = kindOf(in);
        if (k.what == Kind::Split) {
          if (anySplit && k.channels != channels) throw fail(node, "inputs with different channel counts");
          anySplit = true;
          channels = k.channels;
        }
      }
      if (anySplit)
        for (const auto &in : node.input()) {
          Kind k = kindOf(in);
          if (k.what == Kind::Image) throw fail(node, "mixes the image with divided channels");
          if (k.what == Kind::Const && (!inits.count(in) || weight(in).numel() != 1))
            throw fail(node, "a per-channel constant '" + in + "' (only scalars are divided)");
        }
      out = anySplit ? Kind{Kind::Split, channels} : Kind{};
    } else {
      throw fail(node, "rqc does not know how to divide this op into channel groups");
    }
    for (const auto &o : node.output()) kinds[o] = out;
  }
  const Kind cutKind = kinds.at(cut);
  if (cutKind.what != Kind::Split) throw Error(name + ": --split: the classifier's input '" + cut + "' has no convolution before it");

  SplitModel result;
  result.cut = cut;
  result.channels = static_cast<int>(cutKind.channels);
  auto baseModel = [&]() {
    ModelProto m;
    m.set_ir_version(model.ir_version());
    *m.mutable_opset_import() = model.opset_import();
    m.set_producer_name("rqc --split");
    return m;
  };

  for (int part = 0; part < n; ++part) {
    const std::string output = "part" + std::to_string(part);
    result.partNames.push_back(output);
    ModelProto m = baseModel();
    GraphProto &pg = *m.mutable_graph();
    pg.set_name(g.name() + "_" + output);
    *pg.add_input() = *inputs[0];
    std::set<std::string> usedInits;
    for (int i = 0; i < g.node_size(); ++i) {
      if (!body.count(i)) continue;
      NodeProto node = g.node(i);
      const std::string &op = node.op_type();
      auto slice = [&](int input, int64_t rowsPerGroup, int64_t colsPerGroup) {
        const std::string src = node.input(input);
        const std::string dst = src + "__" + output + "_n" + std::to_string(i);
        *pg.add_initializer() = sliceFloat(weight(src), dst, part * rowsPerGroup, rowsPerGroup,
                                           part * colsPerGroup, colsPerGroup);
        node.set_input(input, dst);
      };
      if (op == "Conv") {
        Kind x = kinds.at(node.input(0));
        const Tensor &w = weight(node.input(1));
        const int64_t cout = w.dim(0) / n;
        const int64_t groups = intAttr(node, "group", 1);
        if (x.what == Kind::Split && groups == 1) slice(1, cout, w.dim(1) / n);
        else slice(1, cout, 0); // the image's convolution, or a grouped one (its groups stay whole)
        if (groups != 1) setIntAttr(node, "group", groups / n);
        if (node.input_size() > 2 && !node.input(2).empty()) slice(2, cout, 0);
      } else if (op == "BatchNormalization") {
        const int64_t c = kinds.at(node.input(0)).channels / n;
        for (int k = 1; k < 5 && k < node.input_size(); ++k) slice(k, c, 0);
      }
      for (auto &in : *node.mutable_input()) {
        if (in == cut) in = output;
        if (inits.count(in)) usedInits.insert(in);
      }
      for (auto &o : *node.mutable_output())
        if (o == cut) o = output;
      *pg.add_node() = node;
    }
    for (const std::string &t : usedInits) *pg.add_initializer() = *inits.at(t);
    auto *out = pg.add_output();
    out->set_name(output);
    out->mutable_type()->mutable_tensor_type()->set_elem_type(TensorProto::FLOAT);
    std::string bytes;
    m.SerializeToString(&bytes);
    result.parts.push_back(std::move(bytes));
  }

  ModelProto head = baseModel();
  GraphProto &hg = *head.mutable_graph();
  hg.set_name(g.name() + "_head");
  for (const std::string &p : result.partNames) {
    auto *in = hg.add_input();
    in->set_name(p);
    in->mutable_type()->mutable_tensor_type()->set_elem_type(TensorProto::FLOAT);
  }
  NodeProto concat;
  concat.set_op_type("Concat");
  concat.set_name("rqc_split_concat");
  for (const std::string &p : result.partNames) concat.add_input(p);
  concat.add_output(cut);
  setIntAttr(concat, "axis", 1);
  *hg.add_node() = concat;
  std::set<std::string> usedInits;
  for (int i = 0; i < g.node_size(); ++i) {
    if (body.count(i)) continue;
    *hg.add_node() = g.node(i);
    for (const auto &in : g.node(i).input())
      if (inits.count(in)) usedInits.insert(in);
  }
  for (const std::string &t : usedInits) *hg.add_initializer() = *inits.at(t);
  for (const auto &o : g.output()) *hg.add_output() = o;
  head.SerializeToString(&result.head);
  return result;
}

std::string headWithInputShapes(const SplitModel &split, const std::vector<int64_t> &partShape) {
  ModelProto head;
  head.ParseFromString(split.head);
  for (auto &in : *head.mutable_graph()->mutable_input()) {
    auto *shape = in.mutable_type()->mutable_tensor_type()->mutable_shape();
    shape->clear_dim();
    for (int64_t d : partShape) shape->add_dim()->set_dim_value(d);
  }
  std::string bytes;
  head.SerializeToString(&bytes);
  return bytes;
}

} // namespace rqc::split
