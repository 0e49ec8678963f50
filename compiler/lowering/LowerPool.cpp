// Pooling -> linalg, over an explicitly padded input (with the extra end padding ceil_mode
// needs): on channel-blocked data (NCHW{c}c, rqc-alter-layout) one generic marked as the
// kernel's root; plain NCHW ones with the named pooling ops. Plain average pooling divides
// by a compile-time table of window counts, which encodes count_include_pad exactly as
// the reference does; blocked average pooling has a constant divisor.
#include "compiler/lowering/LoweringUtils.h"

#include "ir/Graph/GraphDialect.h"

#include <cmath>
#include <limits>

using namespace mlir;

namespace rqc::lowering {

namespace {

RankedTensorType rtt(Value v) { return llvm::cast<RankedTensorType>(v.getType()); }

// End padding beyond `pads` so that every output window lies inside the padded input.
int64_t extraEnd(int64_t in, int64_t out, int64_t kernel, int64_t stride, int64_t dilation, int64_t padBegin,
                 int64_t padEnd) {
  int64_t need = (out - 1) * stride + dilation * (kernel - 1) + 1;
  return std::max<int64_t>(0, need - (in + padBegin + padEnd));
}

// A pooling window over channel-blocked data [N, C/c, H, W, c] (already padded): one
// generic over (n, co, oh, ow, ci | kh, kw), the kernel's root; the window sizes come from
// a dummy [KH, KW] operand.
Value blockedWindow(OpBuilder &b, Location loc, Value x, Value init, ArrayRef<int64_t> k, ArrayRef<int64_t> s,
                    ArrayRef<int64_t> d, const std::function<Value(OpBuilder &, Location, Value, Value)> &combine) {
  Value window = b.create<tensor::EmptyOp>(loc, ArrayRef<int64_t>{k[0], k[1]}, b.getF32Type());
  auto dim = [&](unsigned i) { return b.getAffineDimExpr(i); };
  MLIRContext *ctx = b.getContext();
  SmallVector<AffineMap> maps{
      AffineMap::get(7, 0, {dim(0), dim(1), dim(2) * s[0] + dim(5) * d[0], dim(3) * s[1] + dim(6) * d[1], dim(4)}, ctx),
      AffineMap::get(7, 0, {dim(5), dim(6)}, ctx), AffineMap::get(7, 0, {dim(0), dim(1), dim(2), dim(3), dim(4)}, ctx)};
  SmallVector<utils::IteratorType> iters(5, utils::IteratorType::parallel);
  iters.append(2, utils::IteratorType::reduction);
  return markRoot(b.create<linalg::GenericOp>(loc, init.getType(), ValueRange{x, window}, ValueRange{init}, maps, iters,
                                              [&](OpBuilder &nb, Location nl, ValueRange v) {
                                                nb.create<linalg::YieldOp>(nl, combine(nb, nl, v[0], v[2]));
                                              })
                      .getResult(0));
}

struct MaxPoolPattern : OpConversionPattern<graph::MaxPool2DOp> {
  using OpConversionPattern::OpConversionPattern;

  // Integer max pooling (int8/uint8/int32): a generic whose window loops come from a dummy
  // operand; signedness picks maxsi/maxui and the padding value.
  LogicalResult integerMaxPool(graph::MaxPool2DOp op, OpAdaptor a, ConversionPatternRewriter &b) const {
    Location loc = op.getLoc();
    auto graphElem = op.getType().getElementType();
    bool isUnsigned = graphElem.isUnsignedInteger();
    unsigned width = graphElem.getIntOrFloatBitWidth();
    auto out = llvm::cast<RankedTensorType>(signlessType(op.getType()));
    auto in = rtt(a.getInput());
    auto k = op.getKernel(), s = op.getStrides(), p = op.getPads(), d = op.getDilations();
    int64_t eh = extraEnd(in.getDimSize(2), out.getDimSize(2), k[0], s[0], d[0], p[0], p[2]);
    int64_t ew = extraEnd(in.getDimSize(3), out.getDimSize(3), k[1], s[1], d[1], p[1], p[3]);
    double lowest = isUnsigned ? 0.0 : -std::pow(2.0, width - 1);
    auto maximum = [isUnsigned](OpBuilder &nb, Location nl, Value x, Value acc) -> Value {
      if (isUnsigned) return nb.create<arith::MaxUIOp>(nl, x, acc);
      return nb.create<arith::MaxSIOp>(nl, x, acc);
    };
    if (op.getDataLayout() != "NCHW") { // channel-blocked (pool2d_NCHWc on 8-bit data)
      // For uint8 the pad value is 0 in the signless storage; for int8 -2^(w-1).
      Value x = padded(b, loc, a.getInput(), {0, 0, p[0], p[1], 0}, {0, 0, p[2] + eh, p[3] + ew, 0}, lowest);
      b.replaceOp(op, blockedWindow(b, loc, x, filled(b, loc, out, lowest), k, s, d, maximum));
      return success();
    }
    Value x = padded(b, loc, a.getInput(), {0, 0, p[0], p[1]}, {0, 0, p[2] + eh, p[3] + ew}, lowest);
    Value window = b.create<tensor::EmptyOp>(loc, ArrayRef<int64_t>{k[0], k[1]}, b.getF32Type());
    auto dim = [&](unsigned i) { return b.getAffineDimExpr(i); };
    auto ctx = b.getContext();
    SmallVector<AffineMap> maps{
        AffineMap::get(6, 0, {dim(0), dim(1), dim(2) * s[0] + dim(4) * d[0], dim(3) * s[1] + dim(5) * d[1]}, ctx),
        AffineMap::get(6, 0, {dim(4), dim(5)}, ctx), AffineMap::get(6, 0, {dim(0), dim(1), dim(2), dim(3)}, ctx)};
    SmallVector<utils::IteratorType> iters(4, utils::IteratorType::parallel);
    iters.append(2, utils::IteratorType::reduction);
    Value r = b.create<linalg::GenericOp>(loc, out, ValueRange{x, window}, ValueRange{filled(b, loc, out, lowest)}, maps,
                                          iters,
                                          [&](OpBuilder &nb, Location nl, ValueRange v) {
                                            nb.create<linalg::YieldOp>(nl, maximum(nb, nl, v[0], v[2]));
                                          })
                  .getResult(0);
    b.replaceOp(op, r);
    return success();
  }

  LogicalResult matchAndRewrite(graph::MaxPool2DOp op, OpAdaptor a,
                                ConversionPatternRewriter &b) const override {
    Location loc = op.getLoc();
    if (!op.getType().getElementType().isF32()) return integerMaxPool(op, a, b);
    auto in = rtt(a.getInput());
    auto out = op.getType();
    auto k = op.getKernel(), s = op.getStrides(), p = op.getPads(), d = op.getDilations();
    int64_t eh = extraEnd(in.getDimSize(2), out.getDimSize(2), k[0], s[0], d[0], p[0], p[2]);
    int64_t ew = extraEnd(in.getDimSize(3), out.getDimSize(3), k[1], s[1], d[1], p[1], p[3]);
    double lowest = -std::numeric_limits<double>::infinity();
    Value init = filled(b, loc, out, lowest);
    if (op.getDataLayout() != "NCHW") {
      Value x = padded(b, loc, a.getInput(), {0, 0, p[0], p[1], 0}, {0, 0, p[2] + eh, p[3] + ew, 0}, lowest);
      b.replaceOp(op, blockedWindow(b, loc, x, init, k, s, d, [](OpBuilder &nb, Location nl, Value x, Value acc) -> Value {
                    return nb.create<arith::MaximumFOp>(nl, x, acc);
                  }));
      return success();
    }
    Value x = padded(b, loc, a.getInput(), {0, 0, p[0], p[1]}, {0, 0, p[2] + eh, p[3] + ew}, lowest);
    Value window = b.create<tensor::EmptyOp>(loc, ArrayRef<int64_t>{k[0], k[1]}, b.getF32Type());
    b.replaceOp(op, markRoot(b.create<linalg::PoolingNchwMaxOp>(loc, TypeRange{out}, ValueRange{x, window},
                                                                ValueRange{init}, b.getI64TensorAttr(s),
                                                                b.getI64TensorAttr(d))
                                 .getResult(0)));
    return success();
  }
};

struct AvgPoolPattern : OpConversionPattern<graph::AvgPool2DOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(graph::AvgPool2DOp op, OpAdaptor a,
                                ConversionPatternRewriter &b) const override {
    Location loc = op.getLoc();
    auto in = rtt(a.getInput());
    auto out = op.getType();
    auto k = op.getKernel(), s = op.getStrides(), p = op.getPads();
    int64_t H = in.getDimSize(2), W = in.getDimSize(3), OH = out.getDimSize(2), OW = out.getDimSize(3);
    int64_t eh = extraEnd(H, OH, k[0], s[0], 1, p[0], p[2]);
    int64_t ew = extraEnd(W, OW, k[1], s[1], 1, p[1], p[3]);
    if (op.getDataLayout() != "NCHW") {
      // rqc-alter-layout blocks only average pooling with a constant divisor.
      if (eh || ew || !(op.getCountIncludePad() || p == ArrayRef<int64_t>{0, 0, 0, 0}))
        return b.notifyMatchFailure(op, "blocked average pooling needs a constant divisor");
      Value x = padded(b, loc, a.getInput(), {0, 0, p[0], p[1], 0}, {0, 0, p[2], p[3], 0}, 0.0);
      Value sum = blockedWindow(b, loc, x, filled(b, loc, out, 0.0), k, s, {1, 1},
                                [](OpBuilder &nb, Location nl, Value x, Value acc) -> Value {
                                  return nb.create<arith::AddFOp>(nl, x, acc);
                                });
      float inv = 1.f / static_cast<float>(k[0] * k[1]);
      b.replaceOp(op, elementwise(b, loc, out, ValueRange{sum}, [inv](OpBuilder &nb, Location nl, ValueRange v) -> Value {
                    return nb.create<arith::MulFOp>(nl, v[0], scalar(nb, nl, nb.getF32Type(), inv));
                  }));
      return success();
    }
    Value x = padded(b, loc, a.getInput(), {0, 0, p[0], p[1]}, {0, 0, p[2] + eh, p[3] + ew}, 0.0);
    Value window = b.create<tensor::EmptyOp>(loc, ArrayRef<int64_t>{k[0], k[1]}, b.getF32Type());
    Value sum = markRoot(b.create<linalg::PoolingNchwSumOp>(loc, TypeRange{out}, ValueRange{x, window},
                                                            ValueRange{filled(b, loc, out, 0.0)}, b.getI64TensorAttr(s),
                                                            b.getI64TensorAttr({1, 1}))
                             .getResult(0));
    // Divisor per output position (same rule as the reference kernel).
    std::vector<float> counts;
    for (int64_t oh = 0; oh < OH; ++oh)
      for (int64_t ow = 0; ow < OW; ++ow) {
        int64_t h0 = oh * s[0] - p[0], w0 = ow * s[1] - p[1];
        int64_t h1 = std::min(h0 + k[0], H + p[2]), w1 = std::min(w0 + k[1], W + p[3]);
        int64_t inside = (std::min(h1, H) - std::max<int64_t>(h0, 0)) * (std::min(w1, W) - std::max<int64_t>(w0, 0));
        int64_t n = op.getCountIncludePad() ? (h1 - h0) * (w1 - w0) : inside;
        counts.push_back(static_cast<float>(std::max<int64_t>(n, 1)));
      }
    Value divisor = constantTensor(b, loc, ArrayRef<float>(counts), {OH, OW});
    b.replaceOp(op, elementwise(b, loc, out, ValueRange{sum, divisor},
                                [](OpBuilder &nb, Location nl, ValueRange v) -> Value {
                                  return nb.create<arith::DivFOp>(nl, v[0], v[1]);
                                }));
    return success();
  }
};

// Global pooling: a reduction generic over the spatial dimensions.
template <typename OpT, bool isMax> struct GlobalPoolPattern : OpConversionPattern<OpT> {
  using OpConversionPattern<OpT>::OpConversionPattern;
  LogicalResult matchAndRewrite(OpT op, typename OpT::Adaptor a, ConversionPatternRewriter &b) const override {
    if (!op.getType().getElementType().isF32()) return b.notifyMatchFailure(op, "only float32 is compiled");
    Location loc = op.getLoc();
    auto in = rtt(a.getInput());
    auto out = op.getType();
    int64_t rank = in.getRank();
    // Reduce into [N, C] (or [N, C/c, c] when channel-blocked): an output map the tiler
    // understands; then expand to [N, C, 1, ...] ([N, C/c, 1, 1, c]).
    bool blocked = op.getDataLayout() != "NCHW";
    SmallVector<int64_t> kept = blocked ? SmallVector<int64_t>{0, 1, 4} : SmallVector<int64_t>{0, 1};
    SmallVector<int64_t> flatShape;
    SmallVector<AffineExpr> flatExprs;
    for (int64_t i : kept) {
      flatShape.push_back(out.getDimSize(i));
      flatExprs.push_back(b.getAffineDimExpr(i));
    }
    auto flat = RankedTensorType::get(flatShape, out.getElementType());
    SmallVector<AffineMap> maps{b.getMultiDimIdentityMap(rank), AffineMap::get(rank, 0, flatExprs, b.getContext())};
    SmallVector<utils::IteratorType> iters(rank, utils::IteratorType::reduction);
    for (int64_t i : kept) iters[i] = utils::IteratorType::parallel;
    Value init = filled(b, loc, flat, isMax ? -std::numeric_limits<double>::infinity() : 0.0);
    Value r = b.create<linalg::GenericOp>(loc, flat, ValueRange{a.getInput()}, ValueRange{init}, maps, iters,
                                          [](OpBuilder &nb, Location nl, ValueRange v) {
                                            Value r = isMax ? Value(nb.create<arith::MaximumFOp>(nl, v[0], v[1]))
                                                            : Value(nb.create<arith::AddFOp>(nl, v[0], v[1]));
                                            nb.create<linalg::YieldOp>(nl, r);
                                          })
                  .getResult(0);
    if (!isMax) {
      float n = 1.f;
      for (int64_t i = 0; i < rank; ++i)
        if (iters[i] == utils::IteratorType::reduction) n *= static_cast<float>(in.getDimSize(i));
      r = elementwise(b, loc, flat, ValueRange{r}, [n](OpBuilder &nb, Location nl, ValueRange v) -> Value {
        return nb.create<arith::DivFOp>(nl, v[0], scalar(nb, nl, nb.getF32Type(), n));
      });
    }
    SmallVector<ReassociationIndices> groups{{0}, {1}};
    for (int64_t i = 2; i < rank; ++i) groups.back().push_back(i);
    if (blocked) groups = {{0}, {1, 2, 3}, {4}};
    r = b.create<tensor::ExpandShapeOp>(loc, out, r, groups);
    b.replaceOp(op, r);
    return success();
  }
};

} // namespace

void populatePoolPatterns(TypeConverter &tc, RewritePatternSet &patterns) {
  patterns.add<MaxPoolPattern, AvgPoolPattern, GlobalPoolPattern<graph::GlobalAvgPoolOp, false>,
               GlobalPoolPattern<graph::GlobalMaxPoolOp, true>>(tc, patterns.getContext());
}

} // namespace rqc::lowering
