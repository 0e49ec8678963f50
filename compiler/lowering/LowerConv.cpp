// conv2d, dense, matmul and their integer forms -> linalg. Float convolutions use named
// ops so schedules can tile and vectorize them: ungrouped and depthwise ones channels-last
// (conv_2d_nhwc_hwcf, depthwise_conv_2d_nhwc_hwc between transposes), other grouped ones
// in NCHW (conv_2d_ngchw_fgchw); the bias initializes the accumulator.
// Integer convolutions are linalg.generic with zero points subtracted in i32.
#include "compiler/lowering/LoweringUtils.h"

#include "ir/Graph/GraphDialect.h"

using namespace mlir;

namespace rqc::lowering {

namespace {

RankedTensorType rtt(Value v) { return llvm::cast<RankedTensorType>(v.getType()); }

// Accumulator initialised with the bias broadcast along the channel axis, or zeros.
Value accumulatorInitAlong(OpBuilder &b, Location loc, RankedTensorType type, Value bias, int64_t channelAxis) {
  if (bias) return broadcastAlong(b, loc, bias, type, channelAxis);
  return filled(b, loc, type, 0.0);
}

Value accumulatorInit(OpBuilder &b, Location loc, RankedTensorType type, Value bias) {
  return accumulatorInitAlong(b, loc, type, bias, 1);
}

// An ungrouped convolution computed channels-last inside the kernel: input NCHW -> NHWC,
// weight OIHW (or OHWI, as rqc-pack-conv-weights repacks constants) -> HWIO,
// linalg.conv_2d_nhwc_hwcf, result back to NCHW (fused with the kernel's epilogue). Output
// channels are then the innermost dimension of both the accumulator and the weights, so schedules vectorize along them (64..512 in real
// networks, always whole vectors) instead of along output rows (7, 14, 28 wide: partial
// vectors). The transposes are linear in the activations; the convolution is not.
Value channelsLastConv(OpBuilder &b, Location loc, Value x, Value w, bool weightIsOhwi, Value bias,
                       RankedTensorType outType, DenseIntElementsAttr strides, DenseIntElementsAttr dilations) {
  return channelsLast(b, loc, x, outType, [&](Value xh, RankedTensorType nhwc) {
    // Tile-and-fuse places the weight repacking in each tile of output channels: the tile
    // then reads its filters from a small contiguous buffer.
    Value wh = transposed(b, loc, w, weightIsOhwi ? ArrayRef<int64_t>{1, 2, 3, 0} : ArrayRef<int64_t>{2, 3, 1, 0});
    Value init = accumulatorInitAlong(b, loc, nhwc, bias, 3);
    return b.create<linalg::Conv2DNhwcHwcfOp>(loc, TypeRange{nhwc}, ValueRange{xh, wh}, ValueRange{init}, strides,
                                              dilations)
        .getResult(0);
  });
}

// A depthwise convolution channels-last as well (input NHWC, filter [KH, KW, C]): vectors
// along channels, the window unrolled.
Value channelsLastDepthwise(OpBuilder &b, Location loc, Value x, Value wChw, Value bias, RankedTensorType outType,
                            DenseIntElementsAttr strides, DenseIntElementsAttr dilations) {
  return channelsLast(b, loc, x, outType, [&](Value xh, RankedTensorType nhwc) {
    Value wh = transposed(b, loc, wChw, {1, 2, 0});
    Value init = accumulatorInitAlong(b, loc, nhwc, bias, 3);
    return b.create<linalg::DepthwiseConv2DNhwcHwcOp>(loc, TypeRange{nhwc}, ValueRange{xh, wh}, ValueRange{init},
                                                      strides, dilations)
        .getResult(0);
  });
}

struct ConvPattern : OpConversionPattern<graph::Conv2DOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(graph::Conv2DOp op, OpAdaptor a,
                                ConversionPatternRewriter &b) const override {
    Location loc = op.getLoc();
    auto outType = op.getType();
    auto pads = op.getPads();
    Value x = padded(b, loc, a.getInput(), {0, 0, pads[0], pads[1]}, {0, 0, pads[2], pads[3]}, 0.0);
    Value w = a.getWeight();
    auto strides = b.getI64TensorAttr(op.getStrides());
    auto dilations = b.getI64TensorAttr(op.getDilations());
    int64_t groups = op.getGroups();
    if (groups == 1) {
      b.replaceOp(op, channelsLastConv(b, loc, x, w, op.getWeightLayout() == "OHWI", a.getBias(), outType, strides,
                                       dilations));
      return success();
    }
    Value init = accumulatorInit(b, loc, outType, a.getBias());
    auto inType = rtt(a.getInput()), wType = rtt(w);
    int64_t C = inType.getDimSize(1), O = wType.getDimSize(0);
    Value result;
    if (groups == C && O == C && wType.getDimSize(1) == 1) {
      auto w3 = RankedTensorType::get({O, wType.getDimSize(2), wType.getDimSize(3)}, wType.getElementType());
      Value wc = b.create<tensor::CollapseShapeOp>(loc, w3, w, SmallVector<ReassociationIndices>{{0, 1}, {2}, {3}});
      result = channelsLastDepthwise(b, loc, x, wc, a.getBias(), outType, strides, dilations);
    } else {
      // Grouped: split the channel dimensions into [groups, channels per group]; the named
      // op wants the weight as [filters per group, groups, ...] (fgchw).
      auto xt = rtt(x);
      auto xg = RankedTensorType::get({xt.getDimSize(0), groups, C / groups, xt.getDimSize(2), xt.getDimSize(3)},
                                      xt.getElementType());
      auto wg = RankedTensorType::get({groups, O / groups, wType.getDimSize(1), wType.getDimSize(2),
                                       wType.getDimSize(3)},
                                      wType.getElementType());
      auto wf = RankedTensorType::get({O / groups, groups, wType.getDimSize(1), wType.getDimSize(2),
                                       wType.getDimSize(3)},
                                      wType.getElementType());
      auto og = RankedTensorType::get({outType.getDimSize(0), groups, O / groups, outType.getDimSize(2),
                                       outType.getDimSize(3)},
                                      outType.getElementType());
      SmallVector<ReassociationIndices> split{{0}, {1, 2}, {3}, {4}}, splitW{{0, 1}, {2}, {3}, {4}};
      Value xe = b.create<tensor::ExpandShapeOp>(loc, xg, x, split);
      Value wgv = b.create<tensor::ExpandShapeOp>(loc, wg, w, splitW);
      Value wInit = b.create<tensor::EmptyOp>(loc, wf.getShape(), wf.getElementType());
      Value we = b.create<linalg::TransposeOp>(loc, wgv, wInit, ArrayRef<int64_t>{1, 0, 2, 3, 4})->getResult(0);
      Value ie = b.create<tensor::ExpandShapeOp>(loc, og, init, split);
      Value r = b.create<linalg::Conv2DNgchwFgchwOp>(loc, TypeRange{og}, ValueRange{xe, we}, ValueRange{ie},
                                                     strides, dilations)
                    .getResult(0);
      result = b.create<tensor::CollapseShapeOp>(loc, outType, r, split);
    }
    b.replaceOp(op, result);
    return success();
  }
};

struct DensePattern : OpConversionPattern<graph::DenseOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(graph::DenseOp op, OpAdaptor a,
                                ConversionPatternRewriter &b) const override {
    Value init = accumulatorInit(b, op.getLoc(), op.getType(), a.getBias());
    b.replaceOp(op, b.create<linalg::MatmulTransposeBOp>(op.getLoc(), TypeRange{op.getType()},
                                                         ValueRange{a.getInput(), a.getWeight()},
                                                         ValueRange{init})
                        ->getResults());
    return success();
  }
};

// Batched product with NumPy broadcasting as one generic: loops (batch..., m, n, k).
// `mac(b, loc, lhs, rhs, acc)` accumulates one product.
Value genericMatmul(OpBuilder &b, Location loc, Value lhs, Value rhs, RankedTensorType outType, Value init,
                    const std::function<Value(OpBuilder &, Location, Value, Value, Value)> &mac) {
  auto lt = rtt(lhs), rt = rtt(rhs);
  bool lhsVec = lt.getRank() == 1, rhsVec = rt.getRank() == 1;
  int64_t batch = std::max(lt.getRank(), rt.getRank()) - 2;
  if (lhsVec || rhsVec) batch = std::max<int64_t>(0, (lhsVec ? rt.getRank() : lt.getRank()) - 2);
  // Loop dims: [0, batch) batch, m, n, k (m or n absent for vector operands).
  int64_t m = batch, n = batch + (lhsVec ? 0 : 1), k = n + (rhsVec ? 0 : 1);
  int64_t numLoops = k + 1;
  auto operandMap = [&](RankedTensorType t, bool isLhs, bool isVec) {
    SmallVector<AffineExpr> exprs;
    int64_t matRank = isVec ? 1 : 2, bdims = t.getRank() - matRank;
    for (int64_t i = 0; i < bdims; ++i) {
      int64_t loop = batch - bdims + i;
      exprs.push_back(t.getDimSize(i) == 1 && outType.getDimSize(loop) != 1 ? b.getAffineConstantExpr(0)
                                                                          : b.getAffineDimExpr(loop));
    }
    if (isLhs) {
      if (!isVec) exprs.push_back(b.getAffineDimExpr(m));
      exprs.push_back(b.getAffineDimExpr(k));
    } else {
      exprs.push_back(b.getAffineDimExpr(k));
      if (!isVec) exprs.push_back(b.getAffineDimExpr(n));
    }
    return AffineMap::get(numLoops, 0, exprs, b.getContext());
  };
  SmallVector<AffineExpr> outExprs;
  for (int64_t i = 0; i < k; ++i) outExprs.push_back(b.getAffineDimExpr(i));
  SmallVector<AffineMap> maps{operandMap(lt, true, lhsVec), operandMap(rt, false, rhsVec),
                              AffineMap::get(numLoops, 0, outExprs, b.getContext())};
  SmallVector<utils::IteratorType> iters(numLoops, utils::IteratorType::parallel);
  iters.back() = utils::IteratorType::reduction;
  return b
      .create<linalg::GenericOp>(loc, outType, ValueRange{lhs, rhs}, ValueRange{init}, maps, iters,
                                 [&](OpBuilder &nb, Location nl, ValueRange args) {
                                   nb.create<linalg::YieldOp>(nl, mac(nb, nl, args[0], args[1], args[2]));
                                 })
      .getResult(0);
}

struct MatMulPattern : OpConversionPattern<graph::MatMulOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(graph::MatMulOp op, OpAdaptor a,
                                ConversionPatternRewriter &b) const override {
    Location loc = op.getLoc();
    auto outType = op.getType();
    Value init = filled(b, loc, outType, 0.0);
    if (rtt(a.getLhs()).getRank() == 2 && rtt(a.getRhs()).getRank() == 2) {
      b.replaceOp(op, b.create<linalg::MatmulOp>(loc, TypeRange{outType}, ValueRange{a.getLhs(), a.getRhs()},
                                                 ValueRange{init})
                          ->getResults());
      return success();
    }
    b.replaceOp(op, genericMatmul(b, loc, a.getLhs(), a.getRhs(), outType, init,
                                  [](OpBuilder &nb, Location nl, Value x, Value y, Value acc) {
                                    return nb.create<arith::AddFOp>(nl, acc, nb.create<arith::MulFOp>(nl, x, y));
                                  }));
    return success();
  }
};

// i8/ui8 element (signless storage) -> i32 with the graph type's signedness.
Value extendTo32(OpBuilder &b, Location loc, Value v, bool isUnsigned) {
  if (isUnsigned) return b.create<arith::ExtUIOp>(loc, b.getI32Type(), v);
  return b.create<arith::ExtSIOp>(loc, b.getI32Type(), v);
}

bool isUnsignedElement(Value graphValue) { return rtt(graphValue).getElementType().isUnsignedInteger(); }

struct ConvIntegerPattern : OpConversionPattern<graph::Conv2DIntegerOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(graph::Conv2DIntegerOp op, OpAdaptor a,
                                ConversionPatternRewriter &b) const override {
    Location loc = op.getLoc();
    auto outType = op.getType();
    auto pads = op.getPads();
    auto strides = op.getStrides();
    auto dil = op.getDilations();
    int32_t xz = static_cast<int32_t>(op.getInputZeroPoint());
    // Pad with the input zero point: padded cells contribute (xz - xz) * w = 0.
    bool xu = isUnsignedElement(op.getInput()), wu = isUnsignedElement(op.getWeight());
    double padValue = xu ? static_cast<double>(static_cast<int8_t>(static_cast<uint8_t>(xz))) : xz;
    Value x = padded(b, loc, a.getInput(), {0, 0, pads[0], pads[1]}, {0, 0, pads[2], pads[3]}, padValue);
    auto wt = rtt(a.getWeight());
    int64_t O = wt.getDimSize(0), CG = wt.getDimSize(1), groups = op.getGroups(), OG = O / groups;
    std::vector<int32_t> wzv(op.getWeightZeroPoint().begin(), op.getWeightZeroPoint().end());
    if (wzv.size() == 1) wzv.assign(O, wzv[0]);
    Value wz = constantTensor(b, loc, ArrayRef<int32_t>(wzv), {O});
    Value init = filled(b, loc, outType, 0.0);
    // loops: n, o, oh, ow | c, kh, kw
    auto d = [&](unsigned i) { return b.getAffineDimExpr(i); };
    AffineExpr chan = d(1).floorDiv(OG) * CG + d(4);
    auto ctx = b.getContext();
    SmallVector<AffineMap> maps{
        AffineMap::get(7, 0, {d(0), chan, d(2) * strides[0] + d(5) * dil[0], d(3) * strides[1] + d(6) * dil[1]}, ctx),
        AffineMap::get(7, 0, {d(1), d(4), d(5), d(6)}, ctx), AffineMap::get(7, 0, {d(1)}, ctx),
        AffineMap::get(7, 0, {d(0), d(1), d(2), d(3)}, ctx)};
    SmallVector<utils::IteratorType> iters(4, utils::IteratorType::parallel);
    iters.append(3, utils::IteratorType::reduction);
    Value r = b.create<linalg::GenericOp>(
                   loc, outType, ValueRange{x, a.getWeight(), wz}, ValueRange{init}, maps, iters,
                   [&](OpBuilder &nb, Location nl, ValueRange args) {
                     Value xv = nb.create<arith::SubIOp>(nl, extendTo32(nb, nl, args[0], xu),
                                                         scalar(nb, nl, nb.getI32Type(), xz));
                     Value wv = nb.create<arith::SubIOp>(nl, extendTo32(nb, nl, args[1], wu), args[2]);
                     nb.create<linalg::YieldOp>(
                         nl, Value(nb.create<arith::AddIOp>(nl, args[3], nb.create<arith::MulIOp>(nl, xv, wv))));
                   })
                  .getResult(0);
    b.replaceOp(op, r);
    return success();
  }
};

struct MatMulIntegerPattern : OpConversionPattern<graph::MatMulIntegerOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(graph::MatMulIntegerOp op, OpAdaptor a,
                                ConversionPatternRewriter &b) const override {
    Location loc = op.getLoc();
    bool au = isUnsignedElement(op.getLhs()), bu = isUnsignedElement(op.getRhs());
    int32_t az = static_cast<int32_t>(op.getLhsZeroPoint());
    auto bzs = op.getRhsZeroPoint();
    // Per-column zero points: subtract from the rhs first (elementwise over rhs).
    auto rhsType = rtt(a.getRhs());
    auto rhs32Type = RankedTensorType::get(rhsType.getShape(), b.getI32Type());
    std::vector<int32_t> bzv(bzs.begin(), bzs.end());
    int64_t cols = rhsType.getShape().back();
    if (bzv.size() == 1) bzv.assign(cols, bzv[0]);
    Value bz = constantTensor(b, loc, ArrayRef<int32_t>(bzv), {cols});
    Value rhs = elementwise(b, loc, rhs32Type, ValueRange{a.getRhs(), bz},
                            [&](OpBuilder &nb, Location nl, ValueRange v) -> Value {
                              return nb.create<arith::SubIOp>(nl, extendTo32(nb, nl, v[0], bu), v[1]);
                            });
    Value init = filled(b, loc, op.getType(), 0.0);
    b.replaceOp(op, genericMatmul(b, loc, a.getLhs(), rhs, op.getType(), init,
                                  [&](OpBuilder &nb, Location nl, Value x, Value y, Value acc) -> Value {
                                    Value xv = nb.create<arith::SubIOp>(nl, extendTo32(nb, nl, x, au),
                                                                        scalar(nb, nl, nb.getI32Type(), az));
                                    return nb.create<arith::AddIOp>(nl, acc, nb.create<arith::MulIOp>(nl, xv, y));
                                  }));
    return success();
  }
};

} // namespace

void populateConvPatterns(TypeConverter &tc, RewritePatternSet &patterns) {
  patterns.add<ConvPattern, DensePattern, MatMulPattern, ConvIntegerPattern, MatMulIntegerPattern>(
      tc, patterns.getContext());
}

} // namespace rqc::lowering
