// Handlers for the float network ops: convolution, dense layers, pooling, elementwise,
// normalization. Each handler maps ONNX attributes (and their opset differences) onto
// one graph-dialect op.
#include "compiler/frontend/onnx/NodeContext.h"

#include <cmath>
#include <limits>

using namespace mlir;

namespace rqc::onnx_import {

namespace {

// Explicit [top, left, bottom, right] pads from `pads` or `auto_pad`.
std::vector<int64_t> spatialPads(NodeContext &n, const Shape &in, const std::vector<int64_t> &kernel,
                                 const std::vector<int64_t> &strides,
                                 const std::vector<int64_t> &dilations) {
  std::string autoPad = n.attrString("auto_pad", "NOTSET");
  if (autoPad == "NOTSET") {
    std::vector<int64_t> pads = n.attrInts("pads", {0, 0, 0, 0});
    if (pads.size() != 4) n.fail("pads must have 4 values for a 2-D window");
    return pads;
  }
  if (n.hasAttr("pads")) n.fail("pads and auto_pad=" + autoPad + " are both given");
  if (autoPad == "VALID") return {0, 0, 0, 0};
  if (autoPad != "SAME_UPPER" && autoPad != "SAME_LOWER") n.fail("auto_pad '" + autoPad + "' is not supported");
  // Checked here, before the SAME arithmetic divides by them (the verifier checks them
  // again, with the same words, for explicit pads).
  for (const auto *values : {&strides, &dilations})
    if (values->size() != 2 || (*values)[0] <= 0 || (*values)[1] <= 0) {
      std::string list;
      for (int64_t v : *values) list += (list.empty() ? "" : ", ") + std::to_string(v);
      n.fail(std::string(values == &strides ? "strides" : "dilations") + " must be 2 positive values, got [" + list + "]");
    }
  std::vector<int64_t> pads(4);
  for (int a = 0; a < 2; ++a) {
    int64_t size = in[2 + a];
    int64_t out = (size + strides[a] - 1) / strides[a];
    int64_t total = std::max<int64_t>((out - 1) * strides[a] + (kernel[a] - 1) * dilations[a] + 1 - size, 0);
    int64_t small = total / 2, big = total - small;
    pads[a] = autoPad == "SAME_UPPER" ? small : big;
    pads[a + 2] = autoPad == "SAME_UPPER" ? big : small;
  }
  return pads;
}

void requireRank4(NodeContext &n, const Shape &s, const char *what) {
  if (s.size() != 4)
    n.fail(std::string("only 2-D ") + what + " (NCHW input) is supported, input has shape " +
           shapeToString(s));
}

} // namespace

ConvAttrs convAttrs(NodeContext &n, int inputIdx, int weightIdx) {
  n.allowOnlyAttrs({"auto_pad", "dilations", "group", "kernel_shape", "pads", "strides"});
  Shape in = n.inputShape(inputIdx), w = n.inputShape(weightIdx);
  requireRank4(n, in, "convolution");
  if (w.size() != 4) n.fail("weight must be rank 4, got " + shapeToString(w));
  std::vector<int64_t> kernel = n.attrInts("kernel_shape", {w[2], w[3]});
  if (kernel != std::vector<int64_t>{w[2], w[3]})
    n.fail("kernel_shape does not match the weight shape " + shapeToString(w));
  ConvAttrs c;
  c.strides = n.attrInts("strides", {1, 1});
  c.dilations = n.attrInts("dilations", {1, 1});
  if (c.strides.size() != 2 || c.dilations.size() != 2) n.fail("strides and dilations need 2 values");
  c.pads = spatialPads(n, in, kernel, c.strides, c.dilations);
  c.groups = n.attrInt("group", 1);
  return c;
}

namespace {

void requireFloat(NodeContext &n, int i) {
  if (n.inputDType(i) != DType::F32)
    n.fail(std::string("input ") + std::to_string(i) + " has element type " + dtypeName(n.inputDType(i)) +
           "; only float32 is supported");
}

void importConv(NodeContext &n) {
  n.requireInputs(2, 3);
  ConvAttrs c = convAttrs(n, 0, 1);
  Value bias = n.hasInput(2) ? n.input(2) : Value();
  n.setOutput(0, n.build<graph::Conv2DOp>(n.input(0), n.input(1), bias, c.strides, c.pads,
                                          c.dilations, c.groups));
}

// Gemm: Y = alpha * A' x B' + beta * C. Lowered to graph.dense (weight [M, K]) with the
// transposes and scalings applied to constants at import where possible.
void importGemm(NodeContext &n) {
  n.requireInputs(2, 3);
  n.allowOnlyAttrs({"alpha", "beta", "transA", "transB"});
  float alpha = n.attrFloat("alpha", 1.f), beta = n.attrFloat("beta", 1.f);
  bool transA = n.attrInt("transA", 0), transB = n.attrInt("transB", 0);
  if (n.inputShape(0).size() != 2 || n.inputShape(1).size() != 2) n.fail("A and B must be 2-D");
  Value a = n.input(0);
  if (transA) a = n.build<graph::TransposeOp>(a, ArrayRef<int64_t>{1, 0});

  // Weight in [M, K] layout, scaled by alpha.
  Value weight;
  if (const Tensor *bc = n.constantInput(1)) {
    Tensor wt(DType::F32, transB ? bc->shape() : Shape{bc->dim(1), bc->dim(0)});
    auto src = tensorAsFloats(*bc);
    float *dst = wt.data<float>();
    int64_t r = bc->dim(0), c = bc->dim(1);
    for (int64_t i = 0; i < r; ++i)
      for (int64_t j = 0; j < c; ++j)
        dst[transB ? i * c + j : j * r + i] = alpha * src[i * c + j];
    weight = n.constant(wt);
  } else {
    weight = n.input(1);
    if (!transB) weight = n.build<graph::TransposeOp>(weight, ArrayRef<int64_t>{1, 0});
    if (alpha != 1.f) {
      Tensor s(DType::F32, {});
      s.data<float>()[0] = alpha;
      weight = n.build<graph::MulOp>(weight, n.constant(s));
    }
  }
  int64_t m = llvm::cast<RankedTensorType>(weight.getType()).getDimSize(0);

  if (!n.hasInput(2) || beta == 0.f) {
    n.setOutput(0, n.build<graph::DenseOp>(a, weight, Value()));
    return;
  }
  const Tensor *c = n.constantInput(2);
  if (c && c->numel() == m && (c->rank() == 1 || (c->rank() == 2 && c->dim(0) == 1))) {
    Tensor bias(DType::F32, {m});
    auto src = tensorAsFloats(*c);
    for (int64_t i = 0; i < m; ++i) bias.data<float>()[i] = beta * src[i];
    n.setOutput(0, n.build<graph::DenseOp>(a, weight, n.constant(bias)));
    return;
  }
  Value y = n.build<graph::DenseOp>(a, weight, Value());
  Value cv = n.input(2);
  if (beta != 1.f) {
    Tensor s(DType::F32, {});
    s.data<float>()[0] = beta;
    cv = n.build<graph::MulOp>(cv, n.constant(s));
  }
  n.setOutput(0, n.build<graph::AddOp>(y, cv));
}

void importMatMul(NodeContext &n) {
  n.requireInputs(2, 2);
  n.allowOnlyAttrs({});
  requireFloat(n, 0);
  requireFloat(n, 1);
  n.setOutput(0, n.build<graph::MatMulOp>(n.input(0), n.input(1)));
}

struct PoolParams {
  std::vector<int64_t> kernel, strides, pads, dilations;
  bool ceilMode;
};

PoolParams poolParams(NodeContext &n) {
  Shape in = n.inputShape(0);
  requireRank4(n, in, "pooling");
  PoolParams p;
  p.kernel = n.attrInts("kernel_shape");
  if (p.kernel.size() != 2) n.fail("kernel_shape must have 2 values");
  p.strides = n.attrInts("strides", {1, 1});
  p.dilations = n.attrInts("dilations", {1, 1});
  if (p.strides.size() != 2 || p.dilations.size() != 2) n.fail("strides and dilations need 2 values");
  p.pads = spatialPads(n, in, p.kernel, p.strides, p.dilations);
  p.ceilMode = n.attrInt("ceil_mode", 0) != 0;
  return p;
}

void importMaxPool(NodeContext &n) {
  n.requireInputs(1, 1);
  n.allowOnlyAttrs({"auto_pad", "ceil_mode", "dilations", "kernel_shape", "pads", "storage_order", "strides"});
  if (n.outputUsed(1)) n.fail("the Indices output of MaxPool is not supported");
  PoolParams p = poolParams(n);
  n.setOutput(0, n.build<graph::MaxPool2DOp>(n.input(0), p.kernel, p.strides, p.pads, p.dilations,
                                             p.ceilMode));
}

void importAveragePool(NodeContext &n) {
  n.requireInputs(1, 1);
  n.allowOnlyAttrs({"auto_pad", "ceil_mode", "count_include_pad", "kernel_shape", "pads", "strides"});
  PoolParams p = poolParams(n);
  n.setOutput(0, n.build<graph::AvgPool2DOp>(n.input(0), p.kernel, p.strides, p.pads, p.ceilMode,
                                             n.attrInt("count_include_pad", 0) != 0));
}

template <typename OpT> void importGlobalPool(NodeContext &n) {
  n.requireInputs(1, 1);
  n.allowOnlyAttrs({});
  n.setOutput(0, n.build<OpT>(n.input(0)));
}

// Host evaluation of constant binary ops (shape arithmetic in exported graphs).
Tensor foldBinary(NodeContext &n, const std::string &op, const Tensor &a, const Tensor &b) {
  if (a.dtype() != b.dtype()) n.fail("operand types differ");
  Shape out(std::max(a.rank(), b.rank()), 1);
  auto dimOf = [&](const Tensor &t, size_t i) {
    size_t off = out.size() - t.shape().size();
    return i < off ? int64_t(1) : t.shape()[i - off];
  };
  for (size_t i = 0; i < out.size(); ++i) {
    int64_t da = dimOf(a, i), db = dimOf(b, i);
    if (da != db && da != 1 && db != 1) n.fail("shapes cannot be broadcast together");
    out[i] = std::max(da, db);
  }
  auto index = [&](const Tensor &t, int64_t flat) {
    int64_t idx = 0, stride = 1;
    for (int64_t i = static_cast<int64_t>(out.size()) - 1; i >= 0; --i) {
      int64_t coord = flat % out[i];
      flat /= out[i];
      int64_t d = dimOf(t, i);
      if (d != 1) idx += coord * stride;
      stride *= d;
    }
    return idx;
  };
  bool isFloat = a.dtype() == DType::F32;
  auto av = tensorAsFloats(a), bv = tensorAsFloats(b);
  auto ai = tensorAsInts(a), bi = tensorAsInts(b);
  Tensor r(isFloat ? DType::F32 : DType::I64, out);
  for (int64_t i = 0; i < r.numel(); ++i) {
    int64_t ia = index(a, i), ib = index(b, i);
    if (isFloat) {
      float x = av[ia], y = bv[ib];
      r.data<float>()[i] = op == "Add" ? x + y : op == "Sub" ? x - y : op == "Mul" ? x * y : op == "Div" ? x / y
                         : x != x || y != y ? NAN : op == "Max" ? std::max(x, y) : std::min(x, y);
    } else {
      int64_t x = ai[ia], y = bi[ib];
      if (op == "Div" && y == 0) n.fail("integer division by zero in a constant expression");
      r.data<int64_t>()[i] = op == "Add" ? x + y : op == "Sub" ? x - y : op == "Mul" ? x * y : op == "Div" ? x / y
                           : op == "Max" ? std::max(x, y) : std::min(x, y);
    }
  }
  // Back to the inputs' integer type, wrapping around as ONNX Runtime's integer arithmetic does.
  auto narrowed = [&](auto tag) {
    using T = decltype(tag);
    Tensor t(a.dtype(), out);
    for (int64_t i = 0; i < r.numel(); ++i) t.data<T>()[i] = static_cast<T>(static_cast<uint64_t>(r.data<int64_t>()[i]));
    return t;
  };
  switch (a.dtype()) {
  case DType::I32: return narrowed(int32_t());
  case DType::I8: return narrowed(int8_t());
  case DType::U8: return narrowed(uint8_t());
  default: return r;
  }
}

template <typename OpT> void importBinary(NodeContext &n) {
  n.requireInputs(2, 2);
  n.allowOnlyAttrs({});
  if (n.allInputsConstant()) {
    n.setConstantOutput(0, foldBinary(n, n.node().op_type(), *n.constantInput(0), *n.constantInput(1)));
    return;
  }
  DType t = n.inputDType(0);
  if (t != DType::F32 && t != DType::I32)
    n.fail(std::string("element type ") + dtypeName(t) + " is not supported (float32 or int32)");
  n.setOutput(0, n.build<OpT>(n.input(0), n.input(1)));
}

// Sum, Max, Min, Mean: one or more inputs with NumPy broadcasting (opset 8 on; before it
// the shapes had to agree, which broadcasting accepts too). Folded left to right as the
// specification's reference does; Mean divides the sum by the input count.
template <typename OpT> void importVariadic(NodeContext &n) {
  const int count = n.node().input_size();
  if (count < 1) n.fail("needs at least one input");
  n.allowOnlyAttrs({});
  const std::string &op = n.node().op_type();
  for (int i = 0; i < count; ++i) {
    if (!n.hasInput(i)) n.fail("input " + std::to_string(i) + " is empty");
    DType t = n.inputDType(i);
    if (t != n.inputDType(0)) n.fail("inputs 0 and " + std::to_string(i) + " differ in element type");
    if (t != DType::F32 && (t != DType::I32 || op == "Mean"))
      n.fail(std::string("element type ") + dtypeName(t) + " is not supported (float32" +
             (op == "Mean" ? ")" : " or int32)"));
  }
  const std::string binaryOp = op == "Sum" || op == "Mean" ? "Add" : op;
  if (n.allInputsConstant()) {
    Tensor acc = *n.constantInput(0);
    for (int i = 1; i < count; ++i) acc = foldBinary(n, binaryOp, acc, *n.constantInput(i));
    if (op == "Mean") {
      Tensor divisor(DType::F32, {});
      divisor.data<float>()[0] = static_cast<float>(count);
      acc = foldBinary(n, "Div", acc, divisor);
    }
    n.setConstantOutput(0, acc);
    return;
  }
  Value acc = n.input(0);
  for (int i = 1; i < count; ++i) acc = n.build<OpT>(acc, n.input(i));
  if (op == "Mean") {
    Tensor divisor(DType::F32, {});
    divisor.data<float>()[0] = static_cast<float>(count);
    acc = n.build<graph::DivOp>(acc, n.constant(divisor));
  }
  n.setOutput(0, acc);
}

template <typename OpT> void importUnary(NodeContext &n) {
  n.requireInputs(1, 1);
  n.allowOnlyAttrs({});
  requireFloat(n, 0);
  Value x = n.input(0);
  n.setOutput(0, n.buildTyped<OpT>(x.getType(), x));
}

void importLeakyRelu(NodeContext &n) {
  n.requireInputs(1, 1);
  n.allowOnlyAttrs({"alpha"});
  requireFloat(n, 0);
  Value x = n.input(0);
  n.setOutput(0, n.buildTyped<graph::LeakyReluOp>(x.getType(), x, APFloat(n.attrFloat("alpha", 0.01f))));
}

// Clip: bounds are attributes before opset 11 and optional constant inputs after.
void importClip(NodeContext &n) {
  float lo = std::numeric_limits<float>::lowest(), hi = std::numeric_limits<float>::max();
  if (n.opset() < 11) {
    n.requireInputs(1, 1);
    n.allowOnlyAttrs({"min", "max"});
    lo = n.attrFloat("min", lo);
    hi = n.attrFloat("max", hi);
  } else {
    n.requireInputs(1, 3);
    n.allowOnlyAttrs({});
    auto bound = [&](int index, const char *name) {
      std::vector<float> v = tensorAsFloats(n.requireConstant(index, name));
      if (v.size() != 1) n.fail(std::string("input '") + name + "' must be a scalar, it holds " + std::to_string(v.size()) + " values");
      return v[0];
    };
    if (n.hasInput(1)) lo = bound(1, "min");
    if (n.hasInput(2)) hi = bound(2, "max");
  }
  // The specification: with min > max every value becomes max.
  if (lo > hi) lo = hi;
  requireFloat(n, 0);
  Value x = n.input(0);
  n.setOutput(0, n.buildTyped<graph::ClipOp>(x.getType(), x, APFloat(lo), APFloat(hi)));
}

void importBatchNorm(NodeContext &n) {
  n.requireInputs(5, 5);
  n.allowOnlyAttrs({"epsilon", "momentum", "spatial", "training_mode", "is_test", "consumed_inputs"});
  if (n.attrInt("spatial", 1) != 1) n.fail("spatial=0 is not supported");
  if (n.attrInt("training_mode", 0) != 0) n.fail("training_mode=1 is not supported (inference only)");
  for (int i = 1; i < n.numOutputs(); ++i)
    if (n.outputUsed(i)) n.fail("training outputs (running mean/variance) are not supported");
  requireFloat(n, 0);
  n.setOutput(0, n.build<graph::BatchNormOp>(n.input(0), n.input(1), n.input(2), n.input(3),
                                             n.input(4), APFloat(n.attrFloat("epsilon", 1e-5f))));
}

void importLRN(NodeContext &n) {
  n.requireInputs(1, 1);
  n.allowOnlyAttrs({"alpha", "beta", "bias", "size"});
  if (!n.hasAttr("size")) n.fail("attribute 'size' is required");
  if (n.attrInt("size", 1) < 1) n.fail("size must be >= 1, got " + std::to_string(n.attrInt("size", 1)));
  requireFloat(n, 0);
  Value x = n.input(0);
  n.setOutput(0, n.buildTyped<graph::LRNOp>(x.getType(), x, n.attrInt("size", 1),
                                           APFloat(n.attrFloat("alpha", 1e-4f)),
                                           APFloat(n.attrFloat("beta", 0.75f)),
                                           APFloat(n.attrFloat("bias", 1.f))));
}

// Softmax before opset 13 flattens the input to 2-D at `axis` (default 1) and
// normalizes the second dimension; from 13 on it normalizes one axis (default -1).
void importSoftmax(NodeContext &n) {
  n.requireInputs(1, 1);
  n.allowOnlyAttrs({"axis"});
  requireFloat(n, 0);
  Shape in = n.inputShape(0);
  int64_t rank = static_cast<int64_t>(in.size());
  Value x = n.input(0);
  if (n.opset() >= 13) {
    int64_t axis = normalizeAxis(n, n.attrInt("axis", -1), rank);
    n.setOutput(0, n.buildTyped<graph::SoftmaxOp>(x.getType(), x, axis));
    return;
  }
  int64_t axis = normalizeAxis(n, n.attrInt("axis", 1), rank);
  int64_t outer = 1, inner = 1;
  for (int64_t i = 0; i < rank; ++i) (i < axis ? outer : inner) *= in[i];
  Value flat = n.reshape(x, {outer, inner});
  Value sm = n.buildTyped<graph::SoftmaxOp>(flat.getType(), flat, int64_t(1));
  n.setOutput(0, n.reshape(sm, in));
}

void importTranspose(NodeContext &n) {
  n.requireInputs(1, 1);
  n.allowOnlyAttrs({"perm"});
  int64_t rank = static_cast<int64_t>(n.inputShape(0).size());
  std::vector<int64_t> dflt;
  for (int64_t i = rank - 1; i >= 0; --i) dflt.push_back(i);
  n.setOutput(0, n.build<graph::TransposeOp>(n.input(0), n.attrInts("perm", dflt)));
}

// Pad: pads/value are attributes before opset 11, inputs after; opset 18 adds `axes`.
// Negative pads crop (ONNX Runtime's reading: crop first, then pad what is positive, so
// edge and reflect padding see the cropped tensor): a graph.slice, then a graph.pad.
void importPad(NodeContext &n) {
  std::vector<int64_t> listed;
  float value = 0.f;
  std::string mode = n.attrString("mode", "constant");
  if (mode != "constant" && mode != "edge" && mode != "reflect")
    n.fail("mode '" + mode + "' is not supported (constant, edge or reflect)");
  int64_t rank = static_cast<int64_t>(n.inputShape(0).size());
  std::vector<int64_t> axes;
  if (n.opset() < 11) {
    n.requireInputs(1, 1);
    n.allowOnlyAttrs({"mode", "pads", "value"});
    if (!n.hasAttr("pads")) n.fail("the pads attribute is required");
    listed = n.attrInts("pads");
    value = n.attrFloat("value", 0.f);
  } else {
    n.requireInputs(2, n.opset() >= 18 ? 4 : 3);
    n.allowOnlyAttrs({"mode"});
    listed = tensorAsInts(n.requireConstant(1, "pads"));
    if (n.hasInput(2)) {
      auto v = tensorAsFloats(n.requireConstant(2, "constant_value"));
      if (v.size() != 1) n.fail("constant_value must hold one value, it has " + std::to_string(v.size()));
      value = v[0];
    }
    if (n.hasInput(3))
      for (int64_t a : tensorAsInts(n.requireConstant(3, "axes"))) axes.push_back(normalizeAxis(n, a, rank));
  }
  if (axes.empty())
    for (int64_t d = 0; d < rank; ++d) axes.push_back(d);
  if (listed.size() != 2 * axes.size())
    n.fail("pads has " + std::to_string(listed.size()) + " entries, expected 2 x " + std::to_string(axes.size()));
  std::vector<int64_t> pads(2 * rank, 0);
  std::vector<bool> seen(rank, false);
  for (size_t i = 0; i < axes.size(); ++i) {
    if (seen[axes[i]]) n.fail("axis " + std::to_string(axes[i]) + " is listed twice in axes");
    seen[axes[i]] = true;
    pads[axes[i]] = listed[i];
    pads[axes[i] + rank] = listed[i + axes.size()];
  }
  Value x = n.input(0);
  Shape shape = n.inputShape(0);
  if (llvm::any_of(pads, [](int64_t p) { return p < 0; })) {
    std::vector<int64_t> starts(rank), sizes(rank), steps(rank, 1);
    for (int64_t d = 0; d < rank; ++d) {
      starts[d] = std::max<int64_t>(0, -pads[d]);
      sizes[d] = shape[d] + std::min<int64_t>(0, pads[d]) + std::min<int64_t>(0, pads[d + rank]);
      if (sizes[d] < 0)
        n.fail("pads crop " + std::to_string(-std::min<int64_t>(0, pads[d]) - std::min<int64_t>(0, pads[d + rank])) +
               " elements from axis " + std::to_string(d) + " of size " + std::to_string(shape[d]));
      if (sizes[d] == 0) starts[d] = 0;
    }
    x = n.build<graph::SliceOp>(x, starts, sizes, steps);
    for (int64_t &p : pads) p = std::max<int64_t>(0, p);
  }
  if (llvm::all_of(pads, [](int64_t p) { return p == 0; })) {
    n.setOutput(0, x);
    return;
  }
  n.setOutput(0, n.build<graph::PadOp>(x, pads, mode, APFloat(value)));
}

void importIdentity(NodeContext &n) {
  n.requireInputs(1, 1);
  if (const Tensor *c = n.constantInput(0)) n.setConstantOutput(0, *c);
  else n.setOutput(0, n.input(0));
}

// Dropout is the identity at inference. Its optional mask output is not supported.
void importDropout(NodeContext &n) {
  n.requireInputs(1, 3);
  n.allowOnlyAttrs({"ratio", "is_test", "seed"});
  if (n.hasInput(2)) {
    auto training = tensorAsInts(n.requireConstant(2, "training_mode"));
    if (!training.empty() && training[0]) n.fail("training_mode=true is not supported (inference only)");
  }
  if (n.outputUsed(1)) n.fail("the mask output of Dropout is not supported");
  if (const Tensor *c = n.constantInput(0)) n.setConstantOutput(0, *c);
  else n.setOutput(0, n.input(0));
}

} // namespace

void addNNOps(OpHandlerMap &m) {
  m["Conv"] = importConv;
  m["Gemm"] = importGemm;
  m["MatMul"] = importMatMul;
  m["MaxPool"] = importMaxPool;
  m["AveragePool"] = importAveragePool;
  m["GlobalAveragePool"] = importGlobalPool<graph::GlobalAvgPoolOp>;
  m["GlobalMaxPool"] = importGlobalPool<graph::GlobalMaxPoolOp>;
  m["Add"] = importBinary<graph::AddOp>;
  m["Sub"] = importBinary<graph::SubOp>;
  m["Mul"] = importBinary<graph::MulOp>;
  m["Div"] = importBinary<graph::DivOp>;
  m["Sum"] = importVariadic<graph::AddOp>;
  m["Mean"] = importVariadic<graph::AddOp>;
  m["Max"] = importVariadic<graph::MaxOp>;
  m["Min"] = importVariadic<graph::MinOp>;
  m["Relu"] = importUnary<graph::ReluOp>;
  m["Sigmoid"] = importUnary<graph::SigmoidOp>;
  m["LeakyRelu"] = importLeakyRelu;
  m["Clip"] = importClip;
  m["BatchNormalization"] = importBatchNorm;
  m["LRN"] = importLRN;
  m["Softmax"] = importSoftmax;
  m["Transpose"] = importTranspose;
  m["Pad"] = importPad;
  m["Identity"] = importIdentity;
  m["Dropout"] = importDropout;
}

} // namespace rqc::onnx_import
