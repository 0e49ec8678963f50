// Elementwise ops, batch norm, LRN and softmax -> linalg.generic.
#include "compiler/lowering/LoweringUtils.h"

#include "ir/Graph/GraphDialect.h"

#include <limits>

using namespace mlir;

namespace rqc::lowering {

namespace {

RankedTensorType rtt(Value v) { return llvm::cast<RankedTensorType>(v.getType()); }

template <typename OpT, typename FloatOp, typename IntOp> struct BinaryPattern : OpConversionPattern<OpT> {
  using OpConversionPattern<OpT>::OpConversionPattern;
  LogicalResult matchAndRewrite(OpT op, typename OpT::Adaptor a, ConversionPatternRewriter &b) const override {
    bool isFloat = op.getType().getElementType().isF32();
    b.replaceOp(op, elementwise(b, op.getLoc(), op.getType(), ValueRange{a.getLhs(), a.getRhs()},
                                [isFloat](OpBuilder &nb, Location nl, ValueRange v) -> Value {
                                  if (isFloat) return nb.create<FloatOp>(nl, v[0], v[1]);
                                  return nb.create<IntOp>(nl, v[0], v[1]);
                                }));
    return success();
  }
};

template <typename OpT> struct UnaryPattern : OpConversionPattern<OpT> {
  using OpConversionPattern<OpT>::OpConversionPattern;
  virtual Value body(OpT op, OpBuilder &b, Location loc, Value x) const = 0;
  LogicalResult matchAndRewrite(OpT op, typename OpT::Adaptor a, ConversionPatternRewriter &b) const override {
    b.replaceOp(op, elementwise(b, op.getLoc(), op.getType(), ValueRange{a.getInput()},
                                [&](OpBuilder &nb, Location nl, ValueRange v) { return body(op, nb, nl, v[0]); }));
    return success();
  }
};

struct ReluPattern : UnaryPattern<graph::ReluOp> {
  using UnaryPattern::UnaryPattern;
  Value body(graph::ReluOp, OpBuilder &b, Location loc, Value x) const override {
    return b.create<arith::MaximumFOp>(loc, x, scalar(b, loc, b.getF32Type(), 0.0));
  }
};

struct ClipPattern : UnaryPattern<graph::ClipOp> {
  using UnaryPattern::UnaryPattern;
  Value body(graph::ClipOp op, OpBuilder &b, Location loc, Value x) const override {
    Value lo = scalar(b, loc, b.getF32Type(), op.getMin().convertToFloat());
    Value hi = scalar(b, loc, b.getF32Type(), op.getMax().convertToFloat());
    return b.create<arith::MinimumFOp>(loc, b.create<arith::MaximumFOp>(loc, x, lo), hi);
  }
};

struct LeakyReluPattern : UnaryPattern<graph::LeakyReluOp> {
  using UnaryPattern::UnaryPattern;
  Value body(graph::LeakyReluOp op, OpBuilder &b, Location loc, Value x) const override {
    Value zero = scalar(b, loc, b.getF32Type(), 0.0);
    Value scaled = b.create<arith::MulFOp>(loc, x, scalar(b, loc, b.getF32Type(), op.getAlpha().convertToFloat()));
    Value positive = b.create<arith::CmpFOp>(loc, arith::CmpFPredicate::OGE, x, zero);
    return b.create<arith::SelectOp>(loc, positive, x, scaled);
  }
};

struct SigmoidPattern : UnaryPattern<graph::SigmoidOp> {
  using UnaryPattern::UnaryPattern;
  Value body(graph::SigmoidOp, OpBuilder &b, Location loc, Value x) const override {
    Value one = scalar(b, loc, b.getF32Type(), 1.0);
    Value e = b.create<math::ExpOp>(loc, b.create<arith::NegFOp>(loc, x));
    return b.create<arith::DivFOp>(loc, one, b.create<arith::AddFOp>(loc, one, e));
  }
};

// (x - mean) * (scale / sqrt(var + eps)) + bias, parameters broadcast along axis 1.
struct BatchNormPattern : OpConversionPattern<graph::BatchNormOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(graph::BatchNormOp op, OpAdaptor a, ConversionPatternRewriter &b) const override {
    Location loc = op.getLoc();
    auto t = op.getType();
    float eps = op.getEpsilon().convertToFloat();
    SmallVector<Value> params;
    for (Value p : {a.getScale(), a.getBias(), a.getMean(), a.getVariance()})
      params.push_back(broadcastAlong(b, loc, p, t, 1));
    b.replaceOp(op, elementwise(b, loc, t, ValueRange{a.getInput(), params[0], params[1], params[2], params[3]},
                                [eps](OpBuilder &nb, Location nl, ValueRange v) -> Value {
                                  Value denom = nb.create<math::SqrtOp>(
                                      nl, nb.create<arith::AddFOp>(nl, v[4], scalar(nb, nl, nb.getF32Type(), eps)));
                                  Value scale = nb.create<arith::DivFOp>(nl, v[1], denom);
                                  Value centered = nb.create<arith::SubFOp>(nl, v[0], v[3]);
                                  return nb.create<arith::AddFOp>(nl, nb.create<arith::MulFOp>(nl, centered, scale), v[2]);
                                }));
    return success();
  }
};

// A reduction of `x` over `axis` into a tensor without that axis.
Value reduceAxis(OpBuilder &b, Location loc, Value x, int64_t axis, double init,
                 const std::function<Value(OpBuilder &, Location, Value, Value)> &combine) {
  auto t = rtt(x);
  int64_t rank = t.getRank();
  SmallVector<int64_t> shape;
  SmallVector<AffineExpr> outExprs;
  for (int64_t i = 0; i < rank; ++i)
    if (i != axis) {
      shape.push_back(t.getDimSize(i));
      outExprs.push_back(b.getAffineDimExpr(i));
    }
  auto outType = RankedTensorType::get(shape, t.getElementType());
  SmallVector<AffineMap> maps{b.getMultiDimIdentityMap(rank), AffineMap::get(rank, 0, outExprs, b.getContext())};
  SmallVector<utils::IteratorType> iters(rank, utils::IteratorType::parallel);
  iters[axis] = utils::IteratorType::reduction;
  return b
      .create<linalg::GenericOp>(loc, outType, ValueRange{x}, ValueRange{filled(b, loc, outType, init)}, maps, iters,
                                 [&](OpBuilder &nb, Location nl, ValueRange v) {
                                   nb.create<linalg::YieldOp>(nl, combine(nb, nl, v[0], v[1]));
                                 })
      .getResult(0);
}

// Re-inserts a reduced axis as size 1 so `elementwise` can broadcast it back.
Value keepDim(OpBuilder &b, Location loc, Value reduced, RankedTensorType full, int64_t axis) {
  SmallVector<int64_t> shape(full.getShape());
  shape[axis] = 1;
  auto type = RankedTensorType::get(shape, full.getElementType());
  SmallVector<ReassociationIndices> groups;
  auto rt = rtt(reduced);
  if (rt.getRank() == 0) {
    SmallVector<ReassociationIndices> none;
    return b.create<tensor::ExpandShapeOp>(loc, type, reduced, none);
  }
  for (int64_t i = 0, r = 0; i < full.getRank(); ++i) {
    if (i == axis) continue;
    groups.push_back({i});
    ++r;
  }
  // The kept axis joins its neighbour's group.
  if (axis == 0) groups.front().insert(groups.front().begin(), 0);
  else groups[axis - 1].push_back(axis);
  return b.create<tensor::ExpandShapeOp>(loc, type, reduced, groups);
}

struct SoftmaxPattern : OpConversionPattern<graph::SoftmaxOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(graph::SoftmaxOp op, OpAdaptor a, ConversionPatternRewriter &b) const override {
    Location loc = op.getLoc();
    auto t = op.getType();
    int64_t axis = op.getAxis();
    Value x = a.getInput();
    Value mx = keepDim(b, loc,
                       reduceAxis(b, loc, x, axis, -std::numeric_limits<double>::infinity(),
                                  [](OpBuilder &nb, Location nl, Value in, Value acc) -> Value {
                                    return nb.create<arith::MaximumFOp>(nl, in, acc);
                                  }),
                       t, axis);
    Value e = elementwise(b, loc, t, ValueRange{x, mx}, [](OpBuilder &nb, Location nl, ValueRange v) -> Value {
      return nb.create<math::ExpOp>(nl, nb.create<arith::SubFOp>(nl, v[0], v[1]));
    });
    Value sum = keepDim(b, loc,
                        reduceAxis(b, loc, e, axis, 0.0, [](OpBuilder &nb, Location nl, Value in, Value acc) -> Value {
                          return nb.create<arith::AddFOp>(nl, in, acc);
                        }),
                        t, axis);
    b.replaceOp(op, elementwise(b, loc, t, ValueRange{e, sum}, [](OpBuilder &nb, Location nl, ValueRange v) -> Value {
                  return nb.create<arith::DivFOp>(nl, v[0], v[1]);
                }));
    return success();
  }
};

// LRN: squares summed over a channel window of the zero-padded input, then
// x / (bias + alpha / size * sum)^beta.
struct LRNPattern : OpConversionPattern<graph::LRNOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(graph::LRNOp op, OpAdaptor a, ConversionPatternRewriter &b) const override {
    Location loc = op.getLoc();
    auto t = op.getType();
    int64_t rank = t.getRank(), size = op.getSize();
    int64_t before = (size - 1) / 2, after = size - 1 - before;
    SmallVector<int64_t> lo(rank, 0), hi(rank, 0);
    lo[1] = before;
    hi[1] = after;
    Value xp = padded(b, loc, a.getInput(), lo, hi, 0.0);
    // loops: the output dims, then the window k.
    SmallVector<AffineExpr> inExprs;
    for (int64_t i = 0; i < rank; ++i)
      inExprs.push_back(i == 1 ? b.getAffineDimExpr(1) + b.getAffineDimExpr(rank) : b.getAffineDimExpr(i));
    SmallVector<AffineExpr> outExprs;
    for (int64_t i = 0; i < rank; ++i) outExprs.push_back(b.getAffineDimExpr(i));
    SmallVector<AffineMap> maps{AffineMap::get(rank + 1, 0, inExprs, b.getContext()),
                                AffineMap::get(rank + 1, 0, outExprs, b.getContext())};
    SmallVector<utils::IteratorType> iters(rank + 1, utils::IteratorType::parallel);
    iters.back() = utils::IteratorType::reduction;
    // The window dimension's extent comes from a dummy operand of size `size`.
    Value window = b.create<tensor::EmptyOp>(loc, ArrayRef<int64_t>{size}, b.getF32Type());
    maps.insert(maps.begin() + 1, AffineMap::get(rank + 1, 0, {b.getAffineDimExpr(rank)}, b.getContext()));
    Value sq = b.create<linalg::GenericOp>(loc, t, ValueRange{xp, window}, ValueRange{filled(b, loc, t, 0.0)}, maps,
                                           iters,
                                           [](OpBuilder &nb, Location nl, ValueRange v) {
                                             Value s = nb.create<arith::MulFOp>(nl, v[0], v[0]);
                                             nb.create<linalg::YieldOp>(nl, Value(nb.create<arith::AddFOp>(nl, v[2], s)));
                                           })
                   .getResult(0);
    float alpha = op.getAlpha().convertToFloat() / static_cast<float>(size), beta = op.getBeta().convertToFloat(),
          bias = op.getBias().convertToFloat();
    b.replaceOp(op, elementwise(b, loc, t, ValueRange{a.getInput(), sq},
                                [=](OpBuilder &nb, Location nl, ValueRange v) -> Value {
                                  Value base = nb.create<arith::AddFOp>(
                                      nl, scalar(nb, nl, nb.getF32Type(), bias),
                                      nb.create<arith::MulFOp>(nl, scalar(nb, nl, nb.getF32Type(), alpha), v[1]));
                                  Value den = nb.create<math::PowFOp>(nl, base, scalar(nb, nl, nb.getF32Type(), beta));
                                  return nb.create<arith::DivFOp>(nl, v[0], den);
                                }));
    return success();
  }
};

} // namespace

void populateElementwisePatterns(TypeConverter &tc, RewritePatternSet &patterns) {
  patterns.add<BinaryPattern<graph::AddOp, arith::AddFOp, arith::AddIOp>,
               BinaryPattern<graph::SubOp, arith::SubFOp, arith::SubIOp>,
               BinaryPattern<graph::MulOp, arith::MulFOp, arith::MulIOp>,
               BinaryPattern<graph::DivOp, arith::DivFOp, arith::DivSIOp>,
               BinaryPattern<graph::MaxOp, arith::MaximumFOp, arith::MaxSIOp>,
               BinaryPattern<graph::MinOp, arith::MinimumFOp, arith::MinSIOp>, ReluPattern, ClipPattern,
               LeakyReluPattern, SigmoidPattern, BatchNormPattern, SoftmaxPattern, LRNPattern>(tc,
                                                                                               patterns.getContext());
}

} // namespace rqc::lowering
