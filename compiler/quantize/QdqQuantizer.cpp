#include "compiler/quantize/QdqQuantizer.h"

#include "compiler/frontend/onnx/OnnxTensor.h"

#include "rqc/runtime/Error.h"

#include <onnx/onnx_pb.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <set>

namespace rqc::quantize {

namespace {

using ::onnx::GraphProto;
using ::onnx::ModelProto;
using ::onnx::NodeProto;
using ::onnx::TensorProto;

// Ops whose activations get QDQ pairs even without weights: ONNX Runtime's QDQ quantizer
// covers the same ones, so that an integer pipeline stays int8 between kernels.
const std::set<std::string> kActivationOps = {"Add", "Concat", "MaxPool", "AveragePool", "GlobalAveragePool",
                                              "Flatten"};
// A model with any of these is already quantized.
const std::set<std::string> kQuantizedOps = {"QuantizeLinear", "DequantizeLinear", "DynamicQuantizeLinear",
                                             "QLinearConv", "QLinearMatMul", "ConvInteger", "MatMulInteger"};

int64_t defaultOpset(const ModelProto &model) {
  int64_t opset = -1;
  for (const auto &imp : model.opset_import())
    if (imp.domain().empty() || imp.domain() == "ai.onnx") opset = imp.version();
  return opset;
}

const ::onnx::AttributeProto *findAttr(const NodeProto &n, const char *name) {
  for (const auto &a : n.attribute())
    if (a.name() == name) return &a;
  return nullptr;
}
int64_t intAttr(const NodeProto &n, const char *name, int64_t fallback) {
  const auto *a = findAttr(n, name);
  return a ? a->i() : fallback;
}
float floatAttr(const NodeProto &n, const char *name, float fallback) {
  const auto *a = findAttr(n, name);
  return a ? a->f() : fallback;
}

std::string nodeLabel(const NodeProto &n, int index) {
  return "node '" + (n.name().empty() ? "#" + std::to_string(index) : n.name()) + "' (" + n.op_type() + ")";
}

struct GraphIndex {
  std::map<std::string, const TensorProto *> initializers;
  std::map<std::string, std::vector<int>> readers;
  std::set<std::string> outputs;

  explicit GraphIndex(const GraphProto &g) {
    for (const auto &t : g.initializer()) initializers[t.name()] = &t;
    for (int i = 0; i < g.node_size(); ++i)
      for (const auto &in : g.node(i).input())
        if (!in.empty()) readers[in].push_back(i);
    for (const auto &o : g.output()) outputs.insert(o.name());
  }
  bool isInitializer(const std::string &name) const { return initializers.count(name) != 0; }
};

// The output-channel axis of a node's constant float weight, or -1 when the node's weight is
// not one rqc quantizes (not constant, not float, another rank, a transposed activation).
int weightAxis(const NodeProto &n, const GraphIndex &g) {
  if (n.input_size() < 2 || g.isInitializer(n.input(0))) return -1;
  auto it = g.initializers.find(n.input(1));
  if (it == g.initializers.end() || it->second->data_type() != TensorProto::FLOAT) return -1;
  const int rank = it->second->dims_size();
  if (n.op_type() == "Conv") return rank == 4 ? 0 : -1;
  if (n.op_type() == "Gemm") return rank == 2 && intAttr(n, "transA", 0) == 0 ? (intAttr(n, "transB", 0) ? 0 : 1) : -1;
  if (n.op_type() == "MatMul") return rank == 2 ? 1 : -1;
  return -1;
}

bool isDense(const NodeProto &n) { return n.op_type() == "Gemm" || n.op_type() == "MatMul"; }

TensorProto makeInitializer(const std::string &name, int dataType, const std::vector<int64_t> &dims,
                            const void *data, size_t bytes) {
  TensorProto t;
  t.set_name(name);
  t.set_data_type(dataType);
  for (int64_t d : dims) t.add_dims(d);
  t.set_raw_data(std::string(static_cast<const char *>(data), bytes));
  return t;
}

// Fresh tensor and node names next to the model's own.
class Names {
public:
  explicit Names(const GraphProto &g) {
    for (const auto &t : g.initializer()) used_.insert(t.name());
    for (const auto &v : g.input()) used_.insert(v.name());
    for (const auto &n : g.node()) {
      used_.insert(n.name());
      for (const auto &o : n.output()) used_.insert(o);
    }
  }
  std::string fresh(const std::string &base) {
    std::string name = base;
    for (int i = 1; used_.count(name); ++i) name = base + "_" + std::to_string(i);
    used_.insert(name);
    return name;
  }

private:
  std::set<std::string> used_;
};

// Removes the initializers named in `candidates` that no node and no graph output reads any
// more, and their entries among the graph inputs (where IR < 4 models list initializers).
void dropUnreadInitializers(GraphProto *g, const std::set<std::string> &candidates) {
  std::set<std::string> read;
  for (const auto &n : g->node())
    for (const auto &in : n.input()) read.insert(in);
  for (const auto &o : g->output()) read.insert(o.name());
  auto unread = [&](const std::string &name) { return candidates.count(name) && !read.count(name); };
  auto *inits = g->mutable_initializer();
  for (int i = inits->size() - 1; i >= 0; --i)
    if (unread(inits->Get(i).name())) inits->DeleteSubrange(i, 1);
  auto *inputs = g->mutable_input();
  for (int i = inputs->size() - 1; i >= 0; --i)
    if (unread(inputs->Get(i).name())) inputs->DeleteSubrange(i, 1);
}

NodeProto makeNode(const std::string &op, const std::string &name, std::vector<std::string> inputs,
                   const std::string &output, int64_t axis = -1) {
  NodeProto n;
  n.set_op_type(op);
  n.set_name(name);
  for (auto &i : inputs) n.add_input(i);
  n.add_output(output);
  if (axis >= 0) {
    auto *a = n.add_attribute();
    a->set_name("axis");
    a->set_type(::onnx::AttributeProto::INT);
    a->set_i(axis);
  }
  return n;
}

} // namespace

bool isQuantized(const ModelProto &model) {
  return std::any_of(model.graph().node().begin(), model.graph().node().end(),
                     [](const NodeProto &n) { return kQuantizedOps.count(n.op_type()) != 0; });
}

QuantizationPlan planQuantization(const ModelProto &model, const QuantizeOptions &options, const std::string &what) {
  const GraphProto &g = model.graph();
  int64_t opset = defaultOpset(model);
  if (opset < 13)
    throw Error(what + ": quantizing needs opset 13 or later (per-channel DequantizeLinear); the model is opset " +
                std::to_string(opset) + " (re-export it at opset 13)");
  for (int i = 0; i < g.node_size(); ++i)
    if (kQuantizedOps.count(g.node(i).op_type()))
      throw Error(what + ": already quantized (" + nodeLabel(g.node(i), i) +
                  "); rqc quantize takes a float model");
  std::set<std::string> keep(options.keepFloatNodes.begin(), options.keepFloatNodes.end());
  GraphIndex index(g);
  for (const auto &name : keep) {
    auto node = std::find_if(g.node().begin(), g.node().end(), [&](const NodeProto &n) { return n.name() == name; });
    if (node == g.node().end()) throw Error(what + ": --keep-float names node '" + name + "', which is not in the graph");
    // Only a weighted node's own choice is its to make: the activations around an Add or a
    // pooling are quantized for the convolutions that read or write them.
    if (weightAxis(*node, index) < 0)
      throw Error(what + ": --keep-float applies to Conv, Gemm and MatMul nodes with a constant weight; '" + name +
                  "' is " + node->op_type());
  }

  QuantizationPlan plan;
  std::vector<int> weighted;
  for (int i = 0; i < g.node_size(); ++i)
    if (weightAxis(g.node(i), index) >= 0) weighted.push_back(i);
  if (weighted.empty())
    throw Error(what + ": nothing to quantize (no Conv, Gemm or MatMul with a constant float weight)");

  std::set<int> excluded;
  auto exclude = [&](int i, const std::string &why) {
    if (excluded.insert(i).second) plan.keptFloat.push_back(nodeLabel(g.node(i), i) + ": " + why);
  };
  for (int i = 0; i < g.node_size(); ++i)
    if (keep.count(g.node(i).name())) exclude(i, "--keep-float");
  if (options.keepFirstConvFloat) {
    auto conv = std::find_if(weighted.begin(), weighted.end(), [&](int i) { return g.node(i).op_type() == "Conv"; });
    if (conv == weighted.end())
      throw Error(what + ": --keep-first-conv-float: the model has no Conv with a constant weight");
    exclude(*conv, "--keep-first-conv-float");
  }
  if (options.keepLastDenseFloat) {
    auto dense = std::find_if(weighted.rbegin(), weighted.rend(), [&](int i) { return isDense(g.node(i)); });
    if (dense == weighted.rend())
      throw Error(what + ": --keep-last-dense-float: the model has no Gemm or MatMul with a constant weight");
    exclude(*dense, "--keep-last-dense-float");
  }

  std::set<std::string> chosen;
  auto quantizeOutput = [&](const NodeProto &n) {
    const std::string &out = n.output(0);
    if (out.empty() || index.outputs.count(out)) return;
    auto readers = index.readers.find(out);
    if (readers != index.readers.end() && readers->second.size() == 1) {
      const NodeProto &reader = g.node(readers->second[0]);
      if ((reader.op_type() == "Relu" || reader.op_type() == "Clip") && !excluded.count(readers->second[0])) {
        if (!index.outputs.count(reader.output(0))) chosen.insert(reader.output(0));
        return;
      }
    }
    chosen.insert(out);
  };
  for (int i = 0; i < g.node_size(); ++i) {
    if (excluded.count(i)) continue;
    const NodeProto &n = g.node(i);
    if (std::find(weighted.begin(), weighted.end(), i) != weighted.end()) {
      plan.weightedNodes.push_back(i);
      chosen.insert(n.input(0));
      quantizeOutput(n);
    } else if (kActivationOps.count(n.op_type()) && n.input_size() > 0 && n.output_size() == 1) {
      bool allActivations = std::all_of(n.input().begin(), n.input().end(), [&](const std::string &in) {
        return !in.empty() && !index.isInitializer(in);
      });
      if (!allActivations) continue;
      for (const auto &in : n.input()) chosen.insert(in);
      quantizeOutput(n);
    }
  }
  // Graph order: graph inputs first, then by producing node.
  for (const auto &v : g.input())
    if (chosen.count(v.name())) plan.activations.push_back(v.name());
  for (const auto &n : g.node())
    for (const auto &o : n.output())
      if (chosen.count(o)) plan.activations.push_back(o);
  return plan;
}

void inlineExternalData(ModelProto &model, const std::string &baseDir) {
  for (auto &init : *model.mutable_graph()->mutable_initializer()) {
    if (init.data_location() != TensorProto::EXTERNAL) continue;
    Tensor t = onnx_import::readTensorProto(init, baseDir);
    init.clear_external_data();
    init.set_data_location(TensorProto::DEFAULT);
    init.set_raw_data(std::string(static_cast<const char *>(t.raw()), t.nbytes()));
  }
}

int foldBatchNormIntoConv(ModelProto &model) {
  GraphProto *g = model.mutable_graph();
  GraphIndex index(*g);
  Names names(*g);
  auto floatInit = [&](const std::string &name, int64_t size) -> const TensorProto * {
    auto it = index.initializers.find(name);
    if (it == index.initializers.end() || it->second->data_type() != TensorProto::FLOAT) return nullptr;
    int64_t n = 1;
    for (int64_t d : it->second->dims()) n *= d;
    return size < 0 || n == size ? it->second : nullptr;
  };
  std::map<int, int> convOfBn; // BN node -> Conv node
  for (int i = 0; i < g->node_size(); ++i) {
    const NodeProto &bn = g->node(i);
    if (bn.op_type() != "BatchNormalization" || bn.input_size() != 5 || bn.output_size() < 1) continue;
    if (bn.output_size() > 1 && std::any_of(bn.output().begin() + 1, bn.output().end(),
                                            [](const std::string &o) { return !o.empty(); }))
      continue; // training-mode outputs
    auto readers = index.readers.find(bn.input(0));
    if (readers == index.readers.end() || readers->second.size() != 1 || index.outputs.count(bn.input(0))) continue;
    int c = -1;
    for (int j = 0; j < i; ++j)
      if (g->node(j).output_size() > 0 && g->node(j).output(0) == bn.input(0)) c = j;
    if (c < 0 || g->node(c).op_type() != "Conv") continue;
    const TensorProto *w = floatInit(g->node(c).input(1), -1);
    if (!w || w->dims_size() != 4) continue;
    const int64_t channels = w->dims(0);
    bool constant = true;
    for (int k = 1; k < 5; ++k) constant &= floatInit(bn.input(k), channels) != nullptr;
    if (g->node(c).input_size() > 2 && !g->node(c).input(2).empty())
      constant &= floatInit(g->node(c).input(2), channels) != nullptr;
    if (constant) convOfBn[i] = c;
  }
  std::vector<TensorProto> added;
  std::vector<std::string> folded; // the convolutions' old weights and biases
  for (auto [b, c] : convOfBn) {
    const NodeProto &bn = g->node(b);
    NodeProto &conv = *g->mutable_node(c);
    auto read = [&](const std::string &name) { return onnx_import::readTensorProto(*index.initializers.at(name), ""); };
    Tensor w = read(conv.input(1)), gamma = read(bn.input(1)), beta = read(bn.input(2)), mean = read(bn.input(3)),
           var = read(bn.input(4));
    const float eps = floatAttr(bn, "epsilon", 1e-5f);
    const int64_t channels = w.dim(0), per = w.numel() / channels;
    std::vector<float> bias(channels, 0.0f);
    if (conv.input_size() > 2 && !conv.input(2).empty()) {
      Tensor b0 = read(conv.input(2));
      std::copy(b0.data<float>(), b0.data<float>() + channels, bias.begin());
    }
    std::vector<float> newW(w.data<float>(), w.data<float>() + w.numel());
    for (int64_t o = 0; o < channels; ++o) {
      const float k = gamma.data<float>()[o] / std::sqrt(var.data<float>()[o] + eps);
      for (int64_t e = 0; e < per; ++e) newW[o * per + e] *= k;
      bias[o] = (bias[o] - mean.data<float>()[o]) * k + beta.data<float>()[o];
    }
    std::string wName = names.fresh(conv.input(1) + "_bn_folded"), bName = names.fresh(bn.name() + "_folded_bias");
    added.push_back(makeInitializer(wName, TensorProto::FLOAT, std::vector<int64_t>(w.shape().begin(), w.shape().end()),
                                    newW.data(), newW.size() * sizeof(float)));
    added.push_back(makeInitializer(bName, TensorProto::FLOAT, {channels}, bias.data(), bias.size() * sizeof(float)));
    folded.push_back(conv.input(1));
    if (conv.input_size() > 2 && !conv.input(2).empty()) folded.push_back(conv.input(2));
    conv.set_input(1, wName);
    if (conv.input_size() > 2) conv.set_input(2, bName);
    else conv.add_input(bName);
    conv.set_output(0, bn.output(0));
  }
  if (convOfBn.empty()) return 0;
  // Drop the folded BatchNormalization nodes, then the weights and statistics nothing reads
  // any more.
  std::set<std::string> replaced;
  for (auto [b, c] : convOfBn)
    for (const auto &in : g->node(b).input()) replaced.insert(in);
  replaced.insert(folded.begin(), folded.end());
  auto *nodes = g->mutable_node();
  for (auto it = convOfBn.rbegin(); it != convOfBn.rend(); ++it) nodes->DeleteSubrange(it->first, 1);
  for (auto &t : added) *g->add_initializer() = std::move(t);
  dropUnreadInitializers(g, replaced);
  return static_cast<int>(convOfBn.size());
}

void addCalibrationOutputs(ModelProto &model, const std::vector<std::string> &tensors) {
  auto *g = model.mutable_graph();
  std::set<std::string> outputs;
  for (const auto &o : g->output()) outputs.insert(o.name());
  for (const auto &t : tensors) {
    if (outputs.count(t)) continue;
    auto *vi = g->add_output();
    vi->set_name(t);
    vi->mutable_type()->mutable_tensor_type()->set_elem_type(TensorProto::FLOAT);
  }
}

QuantizeSummary applyQuantization(ModelProto &model, const QuantizationPlan &plan,
                                  const std::map<std::string, QuantParams> &params, const QuantizeOptions &options,
                                  const std::string &description) {
  GraphProto *g = model.mutable_graph();
  Names names(*g);
  QuantizeSummary summary;
  std::vector<NodeProto> prologue; // DequantizeLinear of weights and biases, and QDQ of graph inputs
  std::vector<TensorProto> newInitializers;
  std::map<std::pair<std::string, int>, std::pair<std::string, std::vector<float>>> weightDq; // (W, axis)
  std::set<std::string> replacedWeights;
  const bool pow2 = options.activations.powerOfTwo;

  std::vector<NodeProto> nodes(g->node().begin(), g->node().end());
  {
    GraphIndex index(*g);
    for (int i : plan.weightedNodes) {
      NodeProto &n = nodes[i];
      const int axis = weightAxis(n, index);
      const std::string weightName = n.input(1);
      auto key = std::make_pair(weightName, axis);
      auto cached = weightDq.find(key);
      if (cached == weightDq.end()) {
        Tensor w = onnx_import::readTensorProto(*index.initializers.at(weightName), "");
        const Shape &shape = w.shape();
        const int64_t channels = shape[axis];
        int64_t inner = 1;
        for (size_t d = axis + 1; d < shape.size(); ++d) inner *= shape[d];
        const float *wd = w.data<float>();
        std::vector<float> absMax(channels, 0.0f), scales(channels);
        for (int64_t e = 0; e < w.numel(); ++e) {
          int64_t c = (e / inner) % channels;
          absMax[c] = std::max(absMax[c], std::fabs(wd[e]));
        }
        const int qmax = options.reduceRange ? 63 : 127;
        for (int64_t c = 0; c < channels; ++c) scales[c] = weightScale(absMax[c], pow2, qmax);
        std::vector<int8_t> q(w.numel());
        for (int64_t e = 0; e < w.numel(); ++e)
          q[e] = static_cast<int8_t>(quantizeValue(wd[e], scales[(e / inner) % channels], 0, -qmax, qmax));
        std::vector<int8_t> zeros(channels, 0);
        std::string qName = names.fresh(weightName + "_quantized"), sName = names.fresh(weightName + "_scale"),
                    zName = names.fresh(weightName + "_zero_point");
        newInitializers.push_back(makeInitializer(qName, TensorProto::INT8, shape, q.data(), q.size()));
        newInitializers.push_back(
            makeInitializer(sName, TensorProto::FLOAT, {channels}, scales.data(), scales.size() * sizeof(float)));
        newInitializers.push_back(makeInitializer(zName, TensorProto::INT8, {channels}, zeros.data(), zeros.size()));
        std::string out = names.fresh(weightName + "_DequantizeLinear_Output");
        prologue.push_back(makeNode("DequantizeLinear", names.fresh(weightName + "_DequantizeLinear"),
                                    {qName, sName, zName}, out, axis));
        cached = weightDq.emplace(key, std::make_pair(out, scales)).first;
        ++summary.weights;
      }
      replacedWeights.insert(weightName);
      n.set_input(1, cached->second.first);
      const std::vector<float> &wScales = cached->second.second;

      // Bias: int32 at input_scale * weight_scale, what an integer kernel accumulates in.
      if (n.input_size() < 3 || n.input(2).empty()) continue;
      auto bias = index.initializers.find(n.input(2));
      auto inParams = params.find(n.input(0));
      bool plainGemm = n.op_type() != "Gemm" || (floatAttr(n, "alpha", 1) == 1 && floatAttr(n, "beta", 1) == 1);
      if (bias == index.initializers.end() || inParams == params.end() || !plainGemm ||
          bias->second->data_type() != TensorProto::FLOAT || bias->second->dims_size() != 1 ||
          bias->second->dims(0) != int64_t(wScales.size()))
        continue;
      Tensor b = onnx_import::readTensorProto(*bias->second, "");
      const int64_t channels = b.numel();
      std::vector<float> bScales(channels);
      std::vector<int32_t> q(channels), zeros(channels, 0);
      for (int64_t c = 0; c < channels; ++c) {
        bScales[c] = inParams->second.scale * wScales[c];
        double v = std::nearbyint(double(b.data<float>()[c]) / double(bScales[c]));
        q[c] = static_cast<int32_t>(std::clamp(v, double(std::numeric_limits<int32_t>::min()),
                                               double(std::numeric_limits<int32_t>::max())));
      }
      const std::string biasName = n.input(2);
      std::string qName = names.fresh(biasName + "_quantized"), sName = names.fresh(biasName + "_quantized_scale"),
                  zName = names.fresh(biasName + "_quantized_zero_point");
      newInitializers.push_back(
          makeInitializer(qName, TensorProto::INT32, {channels}, q.data(), q.size() * sizeof(int32_t)));
      newInitializers.push_back(
          makeInitializer(sName, TensorProto::FLOAT, {channels}, bScales.data(), bScales.size() * sizeof(float)));
      newInitializers.push_back(
          makeInitializer(zName, TensorProto::INT32, {channels}, zeros.data(), zeros.size() * sizeof(int32_t)));
      std::string out = names.fresh(biasName + "_DequantizeLinear_Output");
      prologue.push_back(
          makeNode("DequantizeLinear", names.fresh(biasName + "_DequantizeLinear"), {qName, sName, zName}, out, 0));
      replacedWeights.insert(biasName);
      n.set_input(2, out);
      ++summary.biases;
    }
  }

  // Activations: QuantizeLinear -> DequantizeLinear after the producer; every reader then
  // reads the dequantized tensor.
  const bool s8 = pow2 || options.activations.type == QuantType::S8;
  std::map<std::string, std::vector<NodeProto>> pairsAfter; // producer output -> Q, DQ
  std::map<std::string, std::string> dequantized;
  for (const auto &t : plan.activations) {
    auto p = params.find(t);
    if (p == params.end()) continue;
    std::string sName = names.fresh(t + "_scale"), zName = names.fresh(t + "_zero_point");
    float scale = p->second.scale;
    newInitializers.push_back(makeInitializer(sName, TensorProto::FLOAT, {}, &scale, sizeof scale));
    if (s8) {
      int8_t zp = static_cast<int8_t>(p->second.zeroPoint);
      newInitializers.push_back(makeInitializer(zName, TensorProto::INT8, {}, &zp, 1));
    } else {
      uint8_t zp = static_cast<uint8_t>(p->second.zeroPoint);
      newInitializers.push_back(makeInitializer(zName, TensorProto::UINT8, {}, &zp, 1));
    }
    std::string qOut = names.fresh(t + "_QuantizeLinear_Output"), dqOut = names.fresh(t + "_DequantizeLinear_Output");
    auto &pair = pairsAfter[t];
    pair.push_back(makeNode("QuantizeLinear", names.fresh(t + "_QuantizeLinear"), {t, sName, zName}, qOut));
    pair.push_back(makeNode("DequantizeLinear", names.fresh(t + "_DequantizeLinear"), {qOut, sName, zName}, dqOut));
    dequantized[t] = dqOut;
    ++summary.activations;
  }
  for (auto &n : nodes)
    for (int k = 0; k < n.input_size(); ++k) {
      auto it = dequantized.find(n.input(k));
      if (it != dequantized.end()) n.set_input(k, it->second);
    }

  // New node order: weight and bias dequantization, graph inputs' pairs, then each node
  // followed by the pairs of its outputs. The original order was topological, so this is.
  g->clear_node();
  for (auto &n : prologue) *g->add_node() = std::move(n);
  for (const auto &v : g->input()) {
    auto it = pairsAfter.find(v.name());
    if (it != pairsAfter.end())
      for (auto &n : it->second) *g->add_node() = n;
  }
  for (auto &n : nodes) {
    *g->add_node() = n;
    for (const auto &o : n.output()) {
      auto it = pairsAfter.find(o);
      if (it != pairsAfter.end())
        for (auto &q : it->second) *g->add_node() = q;
    }
  }

  // Float weights and biases nothing reads any more are dropped.
  dropUnreadInitializers(g, replacedWeights);
  for (auto &t : newInitializers) *g->add_initializer() = std::move(t);

  auto *meta = model.add_metadata_props();
  meta->set_key("rqc.quantization");
  meta->set_value(description);
  return summary;
}

} // namespace rqc::quantize
