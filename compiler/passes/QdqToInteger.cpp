// rqc-qdq-to-integer: the QDQ form of a quantized convolution (what ONNX Runtime's and
// rqc's quantizers write) computed in integers, as ONNX Runtime's QDQ fusion does:
//   quantize(relu?(conv2d(dequantize(x), dequantize(W), dequantize(b) | b)))
// becomes requantize(conv2d_integer(x, W, b_i32), sx * sw[c] / sy, zy), so x and y stay
// 8-bit and the convolution accumulates in i32 (integer kernels: conv2d_NCHWc_int8, and
// depthwise_conv2d_NCHWc on 8-bit data). A quantized dense layer becomes the same integer
// convolution on a 1x1 image, and a QDQ max pool a max pool of the 8-bit data.
#include "compiler/passes/ConstantValue.h"
#include "compiler/passes/Passes.h"

#include "ir/Graph/TensorAttr.h"

#include <cmath>

namespace rqc {
#define GEN_PASS_DEF_QDQTOINTEGER
#include "compiler/passes/Passes.h.inc"
} // namespace rqc

using namespace mlir;
using namespace rqc;

namespace {

bool isPerTensor(graph::DequantizeOp d) { return d.getScale().size() == 1 && d.getZeroPoint().size() == 1; }

// The smallest value of an 8-bit element type.
int32_t typeMinimum(Type element) { return element.isUnsignedInteger() ? 0 : -128; }

} // namespace

std::optional<Tensor> rqc::integerBias(Value bias, const std::vector<float> &accScale) {
  const size_t channels = accScale.size();
  if (auto d = bias.getDefiningOp<graph::DequantizeOp>()) {
    std::optional<Tensor> b = constantValue(d.getInput());
    if (!b || b->dtype() != DType::I32 || b->numel() != static_cast<int64_t>(channels)) return std::nullopt;
    if (llvm::any_of(d.getZeroPoint(), [](int32_t z) { return z != 0; })) return std::nullopt;
    for (size_t c = 0; c < channels; ++c) {
      float s = d.getScale()[d.getScale().size() == 1 ? 0 : c];
      if (std::fabs(s - accScale[c]) > 1e-6f * accScale[c]) return std::nullopt;
    }
    return b;
  }
  std::optional<Tensor> f = constantValue(bias);
  if (!f || f->dtype() != DType::F32 || f->numel() != static_cast<int64_t>(channels)) return std::nullopt;
  Tensor b(DType::I32, {static_cast<int64_t>(channels)});
  for (size_t c = 0; c < channels; ++c) {
    double q = std::nearbyint(static_cast<double>(f->data<float>()[c]) / accScale[c]);
    if (!(std::fabs(q) <= 2147483647.0)) return std::nullopt;
    b.data<int32_t>()[c] = static_cast<int32_t>(q);
  }
  return b;
}

bool rqc::neighbourPairsFitI16(const Tensor &w) {
  if (w.dtype() != DType::I8 || w.rank() < 2) return false;
  const int64_t O = w.dim(0), I = w.dim(1), window = w.numel() / (O * I);
  for (int64_t o = 0; o < O; ++o) {
    const int8_t *base = w.data<int8_t>() + o * I * window;
    for (int64_t i = 0; i < I; i += 2)
      for (int64_t t = 0; t < window; ++t) {
        const int second = i + 1 < I ? std::abs(int(base[(i + 1) * window + t])) : 0;
        if (255 * (std::abs(int(base[i * window + t])) + second) > 32767) return false;
      }
  }
  return true;
}

namespace {

// The per-output-channel scales of an integer convolution: the accumulator's (x's scale
// times the weight's, which the bias is quantized with) and the requantization multiplier.
struct Rescale {
  std::vector<float> accScale, multiplier;
  Rescale(float sx, graph::DequantizeOp dw, float sy, int64_t channels) : accScale(channels), multiplier(channels) {
    for (int64_t c = 0; c < channels; ++c) {
      const float sw = dw.getScale()[dw.getScale().size() == 1 ? 0 : c];
      accScale[c] = sx * sw;
      multiplier[c] = sx * sw / sy; // in f32, the order ONNX Runtime's QLinearConv uses
    }
  }
};

// requantize(acc) to `type` along axis 1, per tensor (axis 0) when every channel's
// multiplier is the same.
graph::RequantizeOp createRequantize(OpBuilder &b, Location loc, Type type, Value acc, const std::vector<float> &multiplier,
                                     int32_t zeroPoint) {
  auto r = b.create<graph::RequantizeOp>(loc, type, acc, multiplier, static_cast<uint32_t>(zeroPoint),
                                         multiplier.size() == 1 ? int64_t(0) : int64_t(1));
  if (multiplier.size() > 1 && llvm::all_of(multiplier, [&](float m) { return m == multiplier[0]; })) {
    r.setScale(ArrayRef<float>(multiplier[0]));
    r.setAxis(0);
  }
  return r;
}

// Rewrites the pattern ending in `q`; false (nothing changed) when it does not match.
bool rewrite(graph::QuantizeOp q, bool onlyPairSumsFitI16) {
  if (q.getScale().size() != 1 || q.getZeroPoint().size() != 1) return false;
  const float sy = q.getScale()[0];
  const int32_t zy = q.getZeroPoint()[0];
  Value y = q.getInput();
  Operation *activation = nullptr;
  if (auto relu = y.getDefiningOp<graph::ReluOp>()) {
    // quantize(relu(v)) == max(quantize(v), zy), which saturation already gives when zy
    // is the type's smallest value (a range calibrated on a ReLU output starts at 0).
    if (zy != typeMinimum(q.getType().getElementType()) || !relu->hasOneUse()) return false;
    activation = relu;
    y = relu.getInput();
  }
  auto conv = y.getDefiningOp<graph::Conv2DOp>();
  if (!conv || !conv->hasOneUse() || conv.getDataLayout() != "NCHW" || conv.getWeightLayout() != "OIHW") return false;
  auto dx = conv.getInput().getDefiningOp<graph::DequantizeOp>();
  auto dw = conv.getWeight().getDefiningOp<graph::DequantizeOp>();
  if (!dx || !dw || !isPerTensor(dx) || dx.getInput().getType().getElementType().isInteger(32)) return false;
  std::optional<Tensor> w = constantValue(dw.getInput());
  if (!w || (w->dtype() != DType::I8 && w->dtype() != DType::U8)) return false;
  // Only the forms the integer kernels compute (8-bit data, int8 weights): ungrouped with
  // output channels in fours (conv2d_NCHWc_int8) or depthwise (depthwise_conv2d_NCHWc); a
  // grouped convolution stays float between its QDQ pairs.
  const int64_t inputChannels = llvm::cast<RankedTensorType>(dx.getInput().getType()).getDimSize(1);
  const bool depthwise = conv.getGroups() > 1 && conv.getGroups() == inputChannels && w->dim(0) == inputChannels &&
                         w->dim(1) == 1;
  if (!dx.getInput().getType().getElementType().isInteger(8) || w->dtype() != DType::I8 ||
      !(depthwise || (conv.getGroups() == 1 && w->dim(0) % 4 == 0)))
    return false;
  if (onlyPairSumsFitI16 && (depthwise || !neighbourPairsFitI16(*w))) return false;
  // Input channels not in fours (an RGB first convolution): padded to the next four with
  // the zero point in the data and zeros in the weights, which adds (xz - xz) * 0 = 0.
  const int64_t inChannels = w->dim(1), paddedChannels = depthwise ? inChannels : (inChannels + 3) / 4 * 4;
  const bool padChannels = paddedChannels != inChannels;
  if (padChannels && llvm::any_of(dw.getZeroPoint(), [](int32_t z) { return z != 0; })) return false;
  const int64_t channels = w->dim(0);
  if (dw.getScale().size() != 1 && (dw.getAxis() != 0 || static_cast<int64_t>(dw.getScale().size()) != channels))
    return false;
  const Rescale rescale(dx.getScale()[0], dw, sy, channels);
  std::optional<Tensor> bias;
  if (conv.getBias() && !(bias = integerBias(conv.getBias(), rescale.accScale))) return false;

  OpBuilder b(q);
  Location loc = conv.getLoc();
  MLIRContext *ctx = b.getContext();
  Value biasValue;
  if (bias) biasValue = b.create<graph::ConstantOp>(loc, graph::toAttr(*bias, ctx));
  std::vector<int32_t> wz(dw.getZeroPoint().begin(), dw.getZeroPoint().end());
  Value x = dx.getInput(), weight = dw.getInput();
  if (padChannels) {
    auto xt = llvm::cast<RankedTensorType>(x.getType());
    SmallVector<int64_t> shape(xt.getShape());
    shape[1] = paddedChannels;
    SmallVector<int64_t> pads(8, 0);
    pads[5] = paddedChannels - inChannels; // the end of axis 1
    x = b.create<graph::PadOp>(loc, RankedTensorType::get(shape, xt.getElementType()), x, b.getDenseI64ArrayAttr(pads),
                               b.getStringAttr("constant"), b.getF32FloatAttr(static_cast<float>(dx.getZeroPoint()[0])));
    Tensor wp(DType::I8, {channels, paddedChannels, w->dim(2), w->dim(3)});
    const int64_t window = w->dim(2) * w->dim(3);
    for (int64_t o = 0; o < channels; ++o)
      std::copy_n(w->data<int8_t>() + o * inChannels * window, inChannels * window,
                  wp.data<int8_t>() + o * paddedChannels * window);
    weight = b.create<graph::ConstantOp>(dw.getLoc(), graph::toAttr(wp, ctx));
  }
  auto acc = b.create<graph::Conv2DIntegerOp>(loc, x, weight, biasValue,
                                              static_cast<uint32_t>(dx.getZeroPoint()[0]), wz, conv.getStrides(),
                                              conv.getPads(), conv.getDilations(), conv.getGroups());
  auto r = createRequantize(b, q.getLoc(), q.getType(), acc.getResult(), rescale.multiplier, zy);
  q.getResult().replaceAllUsesWith(r.getResult());
  q.erase();
  if (activation) activation->erase();
  Value bias0 = conv.getBias();
  conv.erase();
  for (Value v : {Value(dx), Value(dw), bias0})
    if (v && v.use_empty() && v.getDefiningOp()) v.getDefiningOp()->erase();
  return true;
}

// A quantized dense layer (ONNX Gemm with transB: quantize(dense(dequantize(x),
// dequantize(W)) + b)) is a 1x1 convolution on a 1x1 image: x [N, K] -> [N, K, 1, 1],
// conv2d_integer with W [M, K, 1, 1], requantize, -> [N, M], so conv2d_NCHWc_int8's kernels
// (vpdpbusd, SDOT) compute it with 8-bit weights. False (nothing changed) when it does not
// match; K and M must be multiples of 4 (the kernels' four-channel groups). A quantized
// MatMul of a constant [K, M] weight (per-column scales, axis 1: what rqc quantize and ONNX
// Runtime write for one) is the same dense layer with the weight transposed.
bool rewriteDense(graph::QuantizeOp q, bool onlyPairSumsFitI16) {
  if (q.getScale().size() != 1 || q.getZeroPoint().size() != 1) return false;
  Value y = q.getInput(), biasInput;
  Operation *add = nullptr;
  auto isDenseLike = [](Value v) { return v.getDefiningOp<graph::DenseOp>() || v.getDefiningOp<graph::MatMulOp>(); };
  if (auto a = y.getDefiningOp<graph::AddOp>()) {
    if (!a->hasOneUse()) return false;
    const bool lhs = isDenseLike(a.getLhs());
    y = lhs ? a.getLhs() : a.getRhs();
    biasInput = lhs ? a.getRhs() : a.getLhs();
    add = a;
  }
  Operation *dense = y.getDefiningOp();
  Value xIn, wIn;
  bool kMajor = false; // the weight is [K, M] (MatMul), not [M, K] (Gemm with transB)
  if (auto d = y.getDefiningOp<graph::DenseOp>()) {
    if (d.getWeightLayout() != "MK" || (d.getBias() && add)) return false;
    if (d.getBias()) biasInput = d.getBias();
    xIn = d.getInput(), wIn = d.getWeight();
  } else if (auto m = y.getDefiningOp<graph::MatMulOp>()) {
    xIn = m.getLhs(), wIn = m.getRhs(), kMajor = true;
  } else {
    return false;
  }
  if (!dense->hasOneUse()) return false;
  auto dx = xIn.getDefiningOp<graph::DequantizeOp>();
  auto dw = wIn.getDefiningOp<graph::DequantizeOp>();
  if (!dx || !dw || !isPerTensor(dx) || !dx.getInput().getType().getElementType().isInteger(8)) return false;
  std::optional<Tensor> w = constantValue(dw.getInput());
  if (!w || w->dtype() != DType::I8 || w->rank() != 2) return false;
  if (kMajor) { // [K, M] -> [M, K]
    Tensor t(DType::I8, {w->dim(1), w->dim(0)});
    for (int64_t k = 0; k < w->dim(0); ++k)
      for (int64_t m = 0; m < w->dim(1); ++m) t.data<int8_t>()[m * w->dim(0) + k] = w->data<int8_t>()[k * w->dim(1) + m];
    w = std::move(t);
  }
  const int64_t M = w->dim(0), K = w->dim(1);
  const int64_t weightAxis = kMajor ? 1 : 0; // the axis of M in the dequantized weight
  auto xt = llvm::cast<RankedTensorType>(dx.getInput().getType());
  if (xt.getRank() != 2 || xt.getDimSize(1) != K || K % 4 != 0 || M % 4 != 0) return false;
  if (onlyPairSumsFitI16 && !neighbourPairsFitI16(*w)) return false;
  if (llvm::any_of(dw.getZeroPoint(), [](int32_t z) { return z != 0; })) return false;
  if (dw.getScale().size() != 1 && (dw.getAxis() != weightAxis || static_cast<int64_t>(dw.getScale().size()) != M))
    return false;
  if (biasInput) {
    auto bt = llvm::cast<RankedTensorType>(biasInput.getType());
    if (bt.getNumElements() != M || bt.getRank() > 2 || (bt.getRank() == 2 && bt.getDimSize(0) != 1)) return false;
  }
  const Rescale rescale(dx.getScale()[0], dw, q.getScale()[0], M);
  std::optional<Tensor> bias;
  if (biasInput) {
    std::optional<Tensor> b = integerBias(biasInput, rescale.accScale);
    if (!b) return false;
    bias = Tensor(DType::I32, {M});
    std::copy_n(b->data<int32_t>(), M, bias->data<int32_t>());
  }
  OpBuilder b(q);
  Location loc = dense->getLoc();
  MLIRContext *ctx = b.getContext();
  const int64_t N = xt.getDimSize(0);
  Value x = b.create<graph::ReshapeOp>(loc, RankedTensorType::get({N, K, 1, 1}, xt.getElementType()), dx.getInput());
  Tensor w4(DType::I8, {M, K, 1, 1});
  std::copy_n(w->data<int8_t>(), M * K, w4.data<int8_t>());
  Value weight = b.create<graph::ConstantOp>(dw.getLoc(), graph::toAttr(w4, ctx));
  Value biasValue;
  if (bias) biasValue = b.create<graph::ConstantOp>(loc, graph::toAttr(*bias, ctx));
  std::vector<int32_t> wz(dw.getZeroPoint().begin(), dw.getZeroPoint().end());
  auto acc = b.create<graph::Conv2DIntegerOp>(loc, x, weight, biasValue, static_cast<uint32_t>(dx.getZeroPoint()[0]), wz,
                                              ArrayRef<int64_t>{1, 1}, ArrayRef<int64_t>{0, 0, 0, 0},
                                              ArrayRef<int64_t>{1, 1}, int64_t(1));
  auto qType = RankedTensorType::get({N, M, 1, 1}, q.getType().getElementType());
  auto r = createRequantize(b, q.getLoc(), qType, acc.getResult(), rescale.multiplier, q.getZeroPoint()[0]);
  Value out = b.create<graph::ReshapeOp>(q.getLoc(), q.getType(), r.getResult());
  q.getResult().replaceAllUsesWith(out);
  q.erase();
  if (add) add->erase();
  dense->erase();
  for (Value v : {Value(dx), Value(dw), biasInput})
    if (v && v.use_empty() && v.getDefiningOp()) v.getDefiningOp()->erase();
  return true;
}

// quantize(max_pool2d(dequantize(x))) with the same scale and zero point on both sides is
// max_pool2d(x) on the 8-bit data (dequantize is increasing, and quantize undoes it
// exactly), as ONNX Runtime runs a QDQ MaxPool: 8-bit reads and writes instead of float.
bool rewriteMaxPool(graph::QuantizeOp q) {
  auto pool = q.getInput().getDefiningOp<graph::MaxPool2DOp>();
  if (!pool || !pool->hasOneUse()) return false;
  auto dx = pool.getInput().getDefiningOp<graph::DequantizeOp>();
  if (!dx || !isPerTensor(dx) || q.getScale().size() != 1 || q.getZeroPoint().size() != 1 ||
      dx.getScale()[0] != q.getScale()[0] || dx.getZeroPoint()[0] != q.getZeroPoint()[0] ||
      dx.getInput().getType().getElementType() != q.getType().getElementType() || !(dx.getScale()[0] > 0.f))
    return false;
  OpBuilder b(q);
  Operation *clone = b.clone(*pool);
  clone->setOperand(0, dx.getInput());
  clone->getResult(0).setType(q.getType());
  q.getResult().replaceAllUsesWith(clone->getResult(0));
  q.erase();
  pool.erase();
  if (dx->use_empty()) dx.erase();
  return true;
}

struct QdqToIntegerPass : rqc::impl::QdqToIntegerBase<QdqToIntegerPass> {
  using QdqToIntegerBase::QdqToIntegerBase;
  void runOnOperation() override {
    SmallVector<graph::QuantizeOp> quantizes;
    getOperation().walk([&](graph::QuantizeOp q) { quantizes.push_back(q); });
    for (graph::QuantizeOp q : quantizes)
      if (!rewrite(q, onlyPairSumsFitI16) && !rewriteDense(q, onlyPairSumsFitI16)) rewriteMaxPool(q);
    // Constants only the rewritten ops read.
    SmallVector<graph::ConstantOp> dead;
    getOperation().walk([&](graph::ConstantOp c) {
      if (c->use_empty()) dead.push_back(c);
    });
    for (graph::ConstantOp c : dead) c->erase();
  }
};

} // namespace
