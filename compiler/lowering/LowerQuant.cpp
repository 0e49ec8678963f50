// quantize, dequantize, requantize -> linalg.generic with ONNX semantics: f32 math,
// round half to even (math.roundeven), saturation to the 8-bit range. ui8 is stored as
// signless i8; the unsigned meaning selects extui/fptoui and the [0, 255] range.
#include "compiler/lowering/LoweringUtils.h"

#include "ir/Graph/GraphDialect.h"

using namespace mlir;

namespace rqc::lowering {

namespace {

RankedTensorType rtt(Value v) { return llvm::cast<RankedTensorType>(v.getType()); }

// Per-axis parameters as a 1-D constant broadcast along `axis`, or a scalar.
Value paramFor(OpBuilder &b, Location loc, ArrayRef<float> values, RankedTensorType t, int64_t axis) {
  if (values.size() == 1) return {};
  return broadcastAlong(b, loc, constantTensor(b, loc, values, {static_cast<int64_t>(values.size())}),
                        RankedTensorType::get(t.getShape(), b.getF32Type()), axis);
}

// The scale and zero point of a quantize/dequantize: per tensor, as scalars in the body;
// per axis, as two extra broadcast operands of the elementwise generic (after `ins`).
struct QuantParams {
  SmallVector<Value> operands;
  float scale0, zeroPoint0;
  bool perAxis() const { return !operands.empty(); }
  // The element's scale and zero point inside the generic body (`v` = its arguments).
  std::pair<Value, Value> at(OpBuilder &b, Location loc, ValueRange v, size_t first) const {
    if (perAxis()) return {v[first], v[first + 1]};
    return {scalar(b, loc, b.getF32Type(), scale0), scalar(b, loc, b.getF32Type(), zeroPoint0)};
  }
};

QuantParams quantParams(OpBuilder &b, Location loc, ArrayRef<float> scales, ArrayRef<int32_t> zeroPoints,
                        RankedTensorType t, int64_t axis) {
  std::vector<float> zps(zeroPoints.begin(), zeroPoints.end());
  if (zps.size() == 1 && scales.size() > 1) zps.assign(scales.size(), zps[0]);
  QuantParams p{{}, scales[0], zps[0]};
  if (scales.size() > 1) p.operands = {paramFor(b, loc, scales, t, axis), paramFor(b, loc, zps, t, axis)};
  return p;
}

// f32 already scaled -> saturated 8-bit (signless storage).
Value saturateTo8(OpBuilder &b, Location loc, Value v, Value zeroPoint, bool isUnsigned) {
  Value q = b.create<arith::AddFOp>(loc, b.create<math::RoundEvenOp>(loc, v), zeroPoint);
  Value lo = scalar(b, loc, b.getF32Type(), isUnsigned ? 0.0 : -128.0);
  Value hi = scalar(b, loc, b.getF32Type(), isUnsigned ? 255.0 : 127.0);
  q = b.create<arith::MinimumFOp>(loc, b.create<arith::MaximumFOp>(loc, q, lo), hi);
  Value i32 = b.create<arith::FPToSIOp>(loc, b.getI32Type(), q);
  return b.create<arith::TruncIOp>(loc, b.getI8Type(), i32);
}

struct QuantizePattern : OpConversionPattern<graph::QuantizeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(graph::QuantizeOp op, OpAdaptor a, ConversionPatternRewriter &b) const override {
    Location loc = op.getLoc();
    bool isUnsigned = op.getType().getElementType().isUnsignedInteger();
    auto outType = llvm::cast<RankedTensorType>(signlessType(op.getType()));
    QuantParams q = quantParams(b, loc, op.getScale(), op.getZeroPoint(), outType, op.getAxis());
    SmallVector<Value> ins{a.getInput()};
    ins.append(q.operands);
    b.replaceOp(op, elementwise(b, loc, outType, ins, [&](OpBuilder &nb, Location nl, ValueRange v) -> Value {
                  auto [scale, zp] = q.at(nb, nl, v, 1);
                  return saturateTo8(nb, nl, nb.create<arith::DivFOp>(nl, v[0], scale), zp, isUnsigned);
                }));
    return success();
  }
};

struct DequantizePattern : OpConversionPattern<graph::DequantizeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(graph::DequantizeOp op, OpAdaptor a, ConversionPatternRewriter &b) const override {
    Location loc = op.getLoc();
    auto inElem = op.getInput().getType().getElementType();
    bool isUnsigned = inElem.isUnsignedInteger(), is32 = inElem.getIntOrFloatBitWidth() == 32;
    auto outType = op.getType();
    QuantParams q = quantParams(b, loc, op.getScale(), op.getZeroPoint(), outType, op.getAxis());
    SmallVector<Value> ins{a.getInput()};
    ins.append(q.operands);
    b.replaceOp(op, elementwise(b, loc, outType, ins, [&](OpBuilder &nb, Location nl, ValueRange v) -> Value {
                  Value x = v[0];
                  if (!is32) x = isUnsigned ? Value(nb.create<arith::ExtUIOp>(nl, nb.getI32Type(), x))
                                            : Value(nb.create<arith::ExtSIOp>(nl, nb.getI32Type(), x));
                  Value f = nb.create<arith::SIToFPOp>(nl, nb.getF32Type(), x);
                  auto [scale, zp] = q.at(nb, nl, v, 1);
                  return nb.create<arith::MulFOp>(nl, nb.create<arith::SubFOp>(nl, f, zp), scale);
                }));
    return success();
  }
};

struct RequantizePattern : OpConversionPattern<graph::RequantizeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(graph::RequantizeOp op, OpAdaptor a, ConversionPatternRewriter &b) const override {
    Location loc = op.getLoc();
    bool isUnsigned = op.getType().getElementType().isUnsignedInteger();
    auto outType = llvm::cast<RankedTensorType>(signlessType(op.getType()));
    auto scales = op.getScale();
    SmallVector<Value> ins{a.getInput()};
    if (scales.size() > 1 && !op.getDataLayout().empty()) // channel-blocked NCHW{x}c
      ins.push_back(broadcastBlocked(b, loc, constantTensor(b, loc, scales, {static_cast<int64_t>(scales.size())}),
                                     RankedTensorType::get(outType.getShape(), b.getF32Type()), 1, 4));
    else if (Value s = paramFor(b, loc, scales, outType, op.getAxis()))
      ins.push_back(s);
    float s0 = scales[0], z0 = static_cast<float>(static_cast<int32_t>(op.getZeroPoint()));
    b.replaceOp(op, elementwise(b, loc, outType, ins, [&](OpBuilder &nb, Location nl, ValueRange v) -> Value {
                  Value f = nb.create<arith::SIToFPOp>(nl, nb.getF32Type(), v[0]);
                  Value scale = v.size() > 1 ? v[1] : scalar(nb, nl, nb.getF32Type(), s0);
                  return saturateTo8(nb, nl, nb.create<arith::MulFOp>(nl, f, scale),
                                     scalar(nb, nl, nb.getF32Type(), z0), isUnsigned);
                }));
    return success();
  }
};

} // namespace

void populateQuantPatterns(TypeConverter &tc, RewritePatternSet &patterns) {
  patterns.add<QuantizePattern, DequantizePattern, RequantizePattern>(tc, patterns.getContext());
}

} // namespace rqc::lowering
