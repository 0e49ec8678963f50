// conv2d, dense, matmul and their integer forms -> linalg. Convolutions and dense ops in
// the blocked layouts their schedules packed (rqc-alter-layout) become one linalg.generic
// each, marked as the kernel's root for the schedule's steps; plain-layout ones use
// MLIR's named NCHW ops. The bias initializes the accumulator.
// Integer convolutions are linalg.generic with zero points subtracted in i32.
#include "compiler/lowering/LoweringUtils.h"

#include "ir/Graph/GraphDialect.h"
#include "ir/Graph/Winograd.h"

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

// A convolution on channel-blocked data (the layouts its schedule packed,
// rqc-alter-layout): input [N, IC/ic, H, W, ic], weight [OC/oc, IC/ic, KH, KW, ic, oc]
// (depthwise: [C/c, 1, KH, KW, 1, c]), result [N, OC/oc, OH, OW, oc]; one linalg.generic,
// the kernel's root, whose loops are
//   ungrouped (n, oco, oh, ow, oci | ico, kh, kw, ici)   depthwise (n, co, oh, ow, ci | kh, kw)
// The output channels are innermost in the result and the weights: whole vectors.
Value blockedConv(OpBuilder &b, Location loc, graph::Conv2DOp op, Value input, Value weight, Value bias) {
  auto outType = op.getType();
  auto pads = op.getPads();
  auto st = op.getStrides(), dil = op.getDilations();
  Value x = padded(b, loc, input, {0, 0, pads[0], pads[1], 0}, {0, 0, pads[2], pads[3], 0}, 0.0);
  Value init = bias ? broadcastBlocked(b, loc, bias, outType, 1, 4) : filled(b, loc, outType, 0.0);
  bool depthwise = op.getGroups() > 1;
  auto d = [&](unsigned i) { return b.getAffineDimExpr(i); };
  MLIRContext *ctx = b.getContext();
  SmallVector<AffineMap> maps;
  SmallVector<utils::IteratorType> iters(5, utils::IteratorType::parallel);
  if (depthwise) {
    maps = {AffineMap::get(7, 0, {d(0), d(1), d(2) * st[0] + d(5) * dil[0], d(3) * st[1] + d(6) * dil[1], d(4)}, ctx),
            AffineMap::get(7, 0, {d(1), b.getAffineConstantExpr(0), d(5), d(6), b.getAffineConstantExpr(0), d(4)}, ctx),
            AffineMap::get(7, 0, {d(0), d(1), d(2), d(3), d(4)}, ctx)};
    iters.append(2, utils::IteratorType::reduction);
  } else {
    maps = {AffineMap::get(9, 0, {d(0), d(5), d(2) * st[0] + d(6) * dil[0], d(3) * st[1] + d(7) * dil[1], d(8)}, ctx),
            AffineMap::get(9, 0, {d(1), d(5), d(6), d(7), d(8), d(4)}, ctx),
            AffineMap::get(9, 0, {d(0), d(1), d(2), d(3), d(4)}, ctx)};
    iters.append(4, utils::IteratorType::reduction);
  }
  return markRoot(b.create<linalg::GenericOp>(loc, outType, ValueRange{x, weight}, ValueRange{init}, maps, iters,
                                              [](OpBuilder &nb, Location nl, ValueRange v) {
                                                Value m = nb.create<arith::MulFOp>(nl, v[0], v[1]);
                                                nb.create<linalg::YieldOp>(nl, Value(nb.create<arith::AddFOp>(nl, v[2], m)));
                                              })
                      .getResult(0));
}

// Winograd's F(m x m, 3 x 3) on channel-blocked data as three linalg ops, each scheduled
// on its own (schedules/cpu/conv2d_NCHWc_winograd.cpp):
//   input transform  V[xi, nu, ico, th, tw, ici] = sum_ij BT[xi, i] Xp[ico, th*m+i, tw*m+j, ici] BT[nu, j]
//   GEMM (the root)  M[xi, nu, oco, th, tw, oci] = sum_(ico, ici) V[xi, nu, ico, th, tw, ici] U[xi, nu, oco, ico, ici, oci]
//   output transform Y[0, oco, th, a, tw, b, oci] = bias + sum_(xi, nu) AT[a, xi] M[xi, nu, oco, th, tw, oci] AT[b, nu]
// with Xp the padded input, U the filter transformed at compile time, and Y in output tiles
// ("NCH{m}hW{m}w{oc}c"). Their bodies are the plain sums; the micro-kernels compute them
// with the matrices' few nonzeros.
struct ConvWinogradPattern : OpConversionPattern<graph::Conv2DWinogradOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(graph::Conv2DWinogradOp op, OpAdaptor a, ConversionPatternRewriter &b) const override {
    Location loc = op.getLoc();
    const graph::winograd::Matrices &t = *graph::winograd::matrices(op.getTileSize());
    const int64_t m = t.m, al = t.alpha;
    auto pads = op.getPads();
    auto outType = op.getType();
    auto uType = rtt(a.getWeight());
    auto inType = rtt(a.getInput());
    const int64_t ICo = inType.getDimSize(1), ib = inType.getDimSize(4), OCo = uType.getDimSize(2), ob = uType.getDimSize(5);
    const int64_t TH = outType.getDimSize(2), TW = outType.getDimSize(4);
    Value x = padded(b, loc, a.getInput(), {0, 0, pads[0], pads[1], 0}, {0, 0, pads[2], pads[3], 0}, 0.0);
    if (x != a.getInput()) x.getDefiningOp()->setAttr("rqc.role", b.getStringAttr("pad"));
    Value bt = constantTensor(b, loc, ArrayRef<float>(t.BT, al * al), {al, al});
    Value at = constantTensor(b, loc, ArrayRef<float>(t.AT, m * al), {m, al});
    auto d = [&](unsigned i) { return b.getAffineDimExpr(i); };
    MLIRContext *ctx = b.getContext();
    auto sumOfProducts = [](OpBuilder &nb, Location nl, ValueRange v) {
      Value p = nb.create<arith::MulFOp>(nl, nb.create<arith::MulFOp>(nl, v[0], v[1]), v[2]);
      nb.create<linalg::YieldOp>(nl, Value(nb.create<arith::AddFOp>(nl, v[3], p)));
    };
    auto par = utils::IteratorType::parallel, red = utils::IteratorType::reduction;
    // Input transform: loops (xi, nu, ico, th, tw, ici | i, j).
    auto vType = RankedTensorType::get({al, al, ICo, TH, TW, ib}, b.getF32Type());
    Value v = b.create<linalg::GenericOp>(
                   loc, vType, ValueRange{bt, x, bt}, ValueRange{filled(b, loc, vType, 0.0)},
                   SmallVector<AffineMap>{AffineMap::get(8, 0, {d(0), d(6)}, ctx),
                                          AffineMap::get(8, 0, {b.getAffineConstantExpr(0), d(2), d(3) * m + d(6), d(4) * m + d(7), d(5)}, ctx),
                                          AffineMap::get(8, 0, {d(1), d(7)}, ctx),
                                          AffineMap::get(8, 0, {d(0), d(1), d(2), d(3), d(4), d(5)}, ctx)},
                   SmallVector<utils::IteratorType>{par, par, par, par, par, par, red, red}, sumOfProducts)
                  .getResult(0);
    v.getDefiningOp()->setAttr("rqc.role", b.getStringAttr("input_transform"));
    // GEMM: loops (xi, nu, oco, th, tw, oci | ico, ici).
    auto mType = RankedTensorType::get({al, al, OCo, TH, TW, ob}, b.getF32Type());
    Value mm = markRoot(b.create<linalg::GenericOp>(
                             loc, mType, ValueRange{v, a.getWeight()}, ValueRange{filled(b, loc, mType, 0.0)},
                             SmallVector<AffineMap>{AffineMap::get(8, 0, {d(0), d(1), d(6), d(3), d(4), d(7)}, ctx),
                                                    AffineMap::get(8, 0, {d(0), d(1), d(2), d(6), d(7), d(5)}, ctx),
                                                    AffineMap::get(8, 0, {d(0), d(1), d(2), d(3), d(4), d(5)}, ctx)},
                             SmallVector<utils::IteratorType>{par, par, par, par, par, par, red, red},
                             [](OpBuilder &nb, Location nl, ValueRange w) {
                               Value p = nb.create<arith::MulFOp>(nl, w[0], w[1]);
                               nb.create<linalg::YieldOp>(nl, Value(nb.create<arith::AddFOp>(nl, w[2], p)));
                             })
                             .getResult(0));
    // Output transform: loops (n, oco, th, a, tw, b, oci | xi, nu).
    Value init = a.getBias() ? broadcastBlocked(b, loc, a.getBias(), outType, 1, 6) : filled(b, loc, outType, 0.0);
    Value y = b.create<linalg::GenericOp>(
                   loc, outType, ValueRange{at, mm, at}, ValueRange{init},
                   SmallVector<AffineMap>{AffineMap::get(9, 0, {d(3), d(7)}, ctx),
                                          AffineMap::get(9, 0, {d(7), d(8), d(1), d(2), d(4), d(6)}, ctx),
                                          AffineMap::get(9, 0, {d(5), d(8)}, ctx),
                                          AffineMap::get(9, 0, {d(0), d(1), d(2), d(3), d(4), d(5), d(6)}, ctx)},
                   SmallVector<utils::IteratorType>{par, par, par, par, par, par, par, red, red}, sumOfProducts)
                  .getResult(0);
    y.getDefiningOp()->setAttr("rqc.role", b.getStringAttr("output_transform"));
    b.replaceOp(op, y);
    return success();
  }
};

struct ConvPattern : OpConversionPattern<graph::Conv2DOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(graph::Conv2DOp op, OpAdaptor a,
                                ConversionPatternRewriter &b) const override {
    Location loc = op.getLoc();
    if (op.getDataLayout() != "NCHW") {
      b.replaceOp(op, blockedConv(b, loc, op, a.getInput(), a.getWeight(), a.getBias()));
      return success();
    }
    // Plain NCHW (no schedule packed it): MLIR's named NCHW convolutions.
    auto outType = op.getType();
    auto pads = op.getPads();
    Value x = padded(b, loc, a.getInput(), {0, 0, pads[0], pads[1]}, {0, 0, pads[2], pads[3]}, 0.0);
    Value w = a.getWeight();
    auto strides = b.getI64TensorAttr(op.getStrides());
    auto dilations = b.getI64TensorAttr(op.getDilations());
    int64_t groups = op.getGroups();
    Value init = accumulatorInit(b, loc, outType, a.getBias());
    if (groups == 1) {
      b.replaceOp(op, markRoot(b.create<linalg::Conv2DNchwFchwOp>(loc, TypeRange{outType}, ValueRange{x, w},
                                                                  ValueRange{init}, strides, dilations)
                                   .getResult(0)));
      return success();
    }
    auto inType = rtt(a.getInput()), wType = rtt(w);
    int64_t C = inType.getDimSize(1), O = wType.getDimSize(0);
    Value result;
    if (groups == C && O == C && wType.getDimSize(1) == 1) {
      auto w3 = RankedTensorType::get({O, wType.getDimSize(2), wType.getDimSize(3)}, wType.getElementType());
      Value wc = b.create<tensor::CollapseShapeOp>(loc, w3, w, SmallVector<ReassociationIndices>{{0, 1}, {2}, {3}});
      result = markRoot(b.create<linalg::DepthwiseConv2DNchwChwOp>(loc, TypeRange{outType}, ValueRange{x, wc},
                                                                   ValueRange{init}, strides, dilations)
                            .getResult(0));
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
      markRoot(r);
      result = b.create<tensor::CollapseShapeOp>(loc, outType, r, split);
    }
    b.replaceOp(op, result);
    return success();
  }
};

// Dense: matmul with the transposed weight; with a packed weight [M/x, K, x] (its
// schedule's layout) one generic over (n, mo, mi | k) producing [N, M/x, x].
struct DensePattern : OpConversionPattern<graph::DenseOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(graph::DenseOp op, OpAdaptor a,
                                ConversionPatternRewriter &b) const override {
    Location loc = op.getLoc();
    auto outType = op.getType();
    if (op.getWeightLayout() == "MK") {
      Value init = accumulatorInit(b, loc, outType, a.getBias());
      b.replaceOp(op, markRoot(b.create<linalg::MatmulTransposeBOp>(loc, TypeRange{outType},
                                                                    ValueRange{a.getInput(), a.getWeight()},
                                                                    ValueRange{init})
                                   ->getResult(0)));
      return success();
    }
    Value init = a.getBias() ? broadcastBlocked(b, loc, a.getBias(), outType, 1, 2) : filled(b, loc, outType, 0.0);
    auto d = [&](unsigned i) { return b.getAffineDimExpr(i); };
    MLIRContext *ctx = b.getContext();
    SmallVector<AffineMap> maps{AffineMap::get(4, 0, {d(0), d(3)}, ctx), AffineMap::get(4, 0, {d(1), d(3), d(2)}, ctx),
                                AffineMap::get(4, 0, {d(0), d(1), d(2)}, ctx)};
    SmallVector<utils::IteratorType> iters(3, utils::IteratorType::parallel);
    iters.push_back(utils::IteratorType::reduction);
    b.replaceOp(op, markRoot(b.create<linalg::GenericOp>(loc, outType, ValueRange{a.getInput(), a.getWeight()},
                                                         ValueRange{init}, maps, iters,
                                                         [](OpBuilder &nb, Location nl, ValueRange v) {
                                                           Value m = nb.create<arith::MulFOp>(nl, v[0], v[1]);
                                                           nb.create<linalg::YieldOp>(
                                                               nl, Value(nb.create<arith::AddFOp>(nl, v[2], m)));
                                                         })
                                 .getResult(0)));
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

// The integer convolution on channel-blocked data (conv2d_NCHWc_int8, rqc-alter-layout):
// input [N, IC/ic, H, W, ic], weight [OC/oc, IC/4, KH, KW, oc, 4] ("OIHW{oc}o4i", read as
// [OC/oc, IC/ic, ic/4, KH, KW, oc, 4]),
// result [N, OC/oc, OH, OW, oc] i32, with the input zero point folded into the bias
// (zero_point_folded): acc = bias' + sum(x * w), the padding the zero point. One
// linalg.generic, the kernel's root, whose loops are
//   (n, oco, oh, ow, oci | ico, kh, kw, icq, r)   input channel ico * ic + icq * 4 + r
// so the innermost reduction is the four-channel dot product of vpdpbusd / SDOT.
// Depthwise (groups > 1; depthwise_conv2d_NCHWc on 8-bit data): input [N, C/c, H, W, c],
// weight [C/c, 1, KH, KW, 1, c], loops (n, co, oh, ow, ci | kh, kw) as the float
// depthwise convolution's, the products of bytes widened to i32.
Value blockedConvInteger(OpBuilder &b, Location loc, graph::Conv2DIntegerOp op, Value input, Value weight, Value bias) {
  auto outType = op.getType();
  auto pads = op.getPads();
  auto st = op.getStrides(), dil = op.getDilations();
  const int32_t xz = static_cast<int32_t>(op.getInputZeroPoint());
  const bool xu = isUnsignedElement(op.getInput()), wu = isUnsignedElement(op.getWeight());
  const double padValue = xu ? static_cast<double>(static_cast<int8_t>(static_cast<uint8_t>(xz))) : xz;
  Value x = padded(b, loc, input, {0, 0, pads[0], pads[1], 0}, {0, 0, pads[2], pads[3], 0}, padValue);
  Value init = bias ? broadcastBlocked(b, loc, bias, outType, 1, 4) : filled(b, loc, outType, 0.0);
  auto multiplyAdd = [&](OpBuilder &nb, Location nl, ValueRange v) {
    Value p = nb.create<arith::MulIOp>(nl, extendTo32(nb, nl, v[0], xu), extendTo32(nb, nl, v[1], wu));
    nb.create<linalg::YieldOp>(nl, Value(nb.create<arith::AddIOp>(nl, v[2], p)));
  };
  if (op.getGroups() > 1) {
    auto d = [&](unsigned i) { return b.getAffineDimExpr(i); };
    MLIRContext *ctx = b.getContext();
    SmallVector<AffineMap> maps{
        AffineMap::get(7, 0, {d(0), d(1), d(2) * st[0] + d(5) * dil[0], d(3) * st[1] + d(6) * dil[1], d(4)}, ctx),
        AffineMap::get(7, 0, {d(1), b.getAffineConstantExpr(0), d(5), d(6), b.getAffineConstantExpr(0), d(4)}, ctx),
        AffineMap::get(7, 0, {d(0), d(1), d(2), d(3), d(4)}, ctx)};
    SmallVector<utils::IteratorType> iters(5, utils::IteratorType::parallel);
    iters.append(2, utils::IteratorType::reduction);
    return markRoot(
        b.create<linalg::GenericOp>(loc, outType, ValueRange{x, weight}, ValueRange{init}, maps, iters, multiplyAdd)
            .getResult(0));
  }
  const int64_t ico = rtt(input).getDimSize(1), ic = rtt(input).getDimSize(4);
  // The weight seen as [OC/oc, IC/ic, ic/4, KH, KW, oc, 4] (the same bytes): every loop is
  // then a plain index of some operand.
  auto wt = rtt(weight);
  auto w7 = RankedTensorType::get({wt.getDimSize(0), ico, ic / 4, wt.getDimSize(2), wt.getDimSize(3), wt.getDimSize(4), 4},
                                  wt.getElementType());
  Value w = b.create<tensor::ExpandShapeOp>(loc, w7, weight, SmallVector<ReassociationIndices>{{0}, {1, 2}, {3}, {4}, {5}, {6}});
  auto d = [&](unsigned i) { return b.getAffineDimExpr(i); };
  MLIRContext *ctx = b.getContext();
  SmallVector<AffineMap> maps{
      AffineMap::get(10, 0, {d(0), d(5), d(2) * st[0] + d(6) * dil[0], d(3) * st[1] + d(7) * dil[1], d(8) * 4 + d(9)}, ctx),
      AffineMap::get(10, 0, {d(1), d(5), d(8), d(6), d(7), d(4), d(9)}, ctx),
      AffineMap::get(10, 0, {d(0), d(1), d(2), d(3), d(4)}, ctx)};
  SmallVector<utils::IteratorType> iters(5, utils::IteratorType::parallel);
  iters.append(5, utils::IteratorType::reduction);
  return markRoot(
      b.create<linalg::GenericOp>(loc, outType, ValueRange{x, w}, ValueRange{init}, maps, iters, multiplyAdd).getResult(0));
}

struct ConvIntegerPattern : OpConversionPattern<graph::Conv2DIntegerOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(graph::Conv2DIntegerOp op, OpAdaptor a,
                                ConversionPatternRewriter &b) const override {
    Location loc = op.getLoc();
    if (op.getDataLayout() != "NCHW") {
      const auto wt = rtt(a.getWeight());
      const bool depthwise = op.getGroups() > 1 && wt.getRank() == 6 && wt.getDimSize(1) == 1 && wt.getDimSize(4) == 1;
      if (!op.getZeroPointFolded() || !(depthwise || (op.getGroups() == 1 && rtt(a.getInput()).getDimSize(4) % 4 == 0)) ||
          llvm::any_of(op.getWeightZeroPoint(), [](int32_t z) { return z != 0; }))
        return b.notifyMatchFailure(op, "a blocked conv2d_integer needs zero_point_folded, zero weight zero points, "
                                        "and groups 1 with input blocks of 4k channels or a depthwise OIHW1i{c}o weight");
      b.replaceOp(op, blockedConvInteger(b, loc, op, a.getInput(), a.getWeight(), a.getBias()));
      return success();
    }
    auto outType = op.getType();
    auto pads = op.getPads();
    auto strides = op.getStrides();
    auto dil = op.getDilations();
    int32_t xz = static_cast<int32_t>(op.getInputZeroPoint());
    // Pad with the input zero point: padded cells contribute (xz - xz) * w = 0.
    bool xu = isUnsignedElement(op.getInput()), wu = isUnsignedElement(op.getWeight());
    double padValue = xu ? static_cast<double>(static_cast<int8_t>(static_cast<uint8_t>(xz))) : xz;
    // With the zero point folded into the bias, the sum is of x * w (the padding still xz).
    if (op.getZeroPointFolded()) xz = 0;
    Value x = padded(b, loc, a.getInput(), {0, 0, pads[0], pads[1]}, {0, 0, pads[2], pads[3]}, padValue);
    auto wt = rtt(a.getWeight());
    int64_t O = wt.getDimSize(0), CG = wt.getDimSize(1), groups = op.getGroups(), OG = O / groups;
    std::vector<int32_t> wzv(op.getWeightZeroPoint().begin(), op.getWeightZeroPoint().end());
    if (wzv.size() == 1) wzv.assign(O, wzv[0]);
    Value wz = constantTensor(b, loc, ArrayRef<int32_t>(wzv), {O});
    Value init = a.getBias() ? broadcastAlong(b, loc, a.getBias(), outType, 1) : filled(b, loc, outType, 0.0);
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
  patterns.add<ConvPattern, ConvWinogradPattern, DensePattern, MatMulPattern, ConvIntegerPattern, MatMulIntegerPattern>(
      tc, patterns.getContext());
}

} // namespace rqc::lowering
