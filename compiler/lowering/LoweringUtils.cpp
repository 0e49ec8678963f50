#include "compiler/lowering/LoweringUtils.h"

using namespace mlir;

namespace rqc::lowering {

Type signlessType(Type type) {
  auto t = llvm::dyn_cast<RankedTensorType>(type);
  if (!t) return type;
  auto i = llvm::dyn_cast<IntegerType>(t.getElementType());
  if (!i || i.isSignless()) return type;
  return RankedTensorType::get(t.getShape(), IntegerType::get(type.getContext(), i.getWidth()));
}

Value scalar(OpBuilder &b, Location loc, Type type, double value) {
  if (llvm::isa<FloatType>(type)) return b.create<arith::ConstantOp>(loc, b.getFloatAttr(type, value));
  return b.create<arith::ConstantOp>(loc, b.getIntegerAttr(type, static_cast<int64_t>(value)));
}

Value filled(OpBuilder &b, Location loc, RankedTensorType type, double value) {
  Value empty = b.create<tensor::EmptyOp>(loc, type.getShape(), type.getElementType());
  Value v = scalar(b, loc, type.getElementType(), value);
  return b.create<linalg::FillOp>(loc, v, empty).getResult(0);
}

Value padded(OpBuilder &b, Location loc, Value x, ArrayRef<int64_t> low, ArrayRef<int64_t> high,
             double value) {
  if (llvm::all_of(low, [](int64_t p) { return p == 0; }) &&
      llvm::all_of(high, [](int64_t p) { return p == 0; }))
    return x;
  auto t = llvm::cast<RankedTensorType>(x.getType());
  SmallVector<int64_t> shape;
  for (int64_t i = 0; i < t.getRank(); ++i) shape.push_back(t.getDimSize(i) + low[i] + high[i]);
  auto resultType = RankedTensorType::get(shape, t.getElementType());
  SmallVector<OpFoldResult> lo, hi;
  for (int64_t p : low) lo.push_back(b.getIndexAttr(p));
  for (int64_t p : high) hi.push_back(b.getIndexAttr(p));
  return b.create<tensor::PadOp>(loc, resultType, x, lo, hi, scalar(b, loc, t.getElementType(), value));
}

Value elementwise(OpBuilder &b, Location loc, RankedTensorType outType, ValueRange inputs,
                  const BodyBuilder &body) {
  int64_t rank = outType.getRank();
  SmallVector<AffineMap> maps;
  for (Value in : inputs) {
    auto t = llvm::cast<RankedTensorType>(in.getType());
    SmallVector<AffineExpr> exprs;
    int64_t offset = rank - t.getRank();
    for (int64_t i = 0; i < t.getRank(); ++i)
      exprs.push_back(t.getDimSize(i) == 1 && outType.getDimSize(offset + i) != 1
                          ? b.getAffineConstantExpr(0)
                          : b.getAffineDimExpr(offset + i));
    maps.push_back(AffineMap::get(rank, 0, exprs, b.getContext()));
  }
  maps.push_back(b.getMultiDimIdentityMap(rank));
  Value init = b.create<tensor::EmptyOp>(loc, outType.getShape(), outType.getElementType());
  SmallVector<utils::IteratorType> iters(rank, utils::IteratorType::parallel);
  auto generic = b.create<linalg::GenericOp>(
      loc, outType, inputs, ValueRange{init}, maps, iters,
      [&](OpBuilder &nb, Location nl, ValueRange args) {
        nb.create<linalg::YieldOp>(nl, body(nb, nl, args.drop_back()));
      });
  return generic.getResult(0);
}

Value broadcastAlong(OpBuilder &b, Location loc, Value vec, RankedTensorType outType, int64_t axis) {
  int64_t rank = outType.getRank();
  SmallVector<AffineMap> maps{AffineMap::get(rank, 0, {b.getAffineDimExpr(axis)}, b.getContext()),
                              b.getMultiDimIdentityMap(rank)};
  Value init = b.create<tensor::EmptyOp>(loc, outType.getShape(), outType.getElementType());
  SmallVector<utils::IteratorType> iters(rank, utils::IteratorType::parallel);
  return b
      .create<linalg::GenericOp>(loc, outType, ValueRange{vec}, ValueRange{init}, maps, iters,
                                 [](OpBuilder &nb, Location nl, ValueRange args) {
                                   nb.create<linalg::YieldOp>(nl, args[0]);
                                 })
      .getResult(0);
}

Value constantTensor(OpBuilder &b, Location loc, ArrayRef<float> values, ArrayRef<int64_t> shape) {
  auto type = RankedTensorType::get(shape, b.getF32Type());
  return b.create<arith::ConstantOp>(loc, DenseElementsAttr::get(type, values));
}

Value constantTensor(OpBuilder &b, Location loc, ArrayRef<int32_t> values, ArrayRef<int64_t> shape) {
  auto type = RankedTensorType::get(shape, b.getI32Type());
  return b.create<arith::ConstantOp>(loc, DenseElementsAttr::get(type, values));
}

Value transposed(OpBuilder &b, Location loc, Value v, ArrayRef<int64_t> perm) {
  auto t = llvm::cast<RankedTensorType>(v.getType());
  SmallVector<int64_t> shape;
  for (int64_t p : perm) shape.push_back(t.getDimSize(p));
  Value init = b.create<tensor::EmptyOp>(loc, shape, t.getElementType());
  return b.create<linalg::TransposeOp>(loc, v, init, perm)->getResult(0);
}

Value broadcastBlocked(OpBuilder &b, Location loc, Value vec, RankedTensorType outType, int64_t outer, int64_t inner) {
  int64_t rank = outType.getRank(), blocks = outType.getDimSize(outer), block = outType.getDimSize(inner);
  auto vt = llvm::cast<RankedTensorType>(vec.getType());
  auto blockedType = RankedTensorType::get({blocks, block}, vt.getElementType());
  Value v2 = b.create<tensor::ExpandShapeOp>(loc, blockedType, vec, SmallVector<ReassociationIndices>{{0, 1}});
  SmallVector<AffineMap> maps{
      AffineMap::get(rank, 0, {b.getAffineDimExpr(outer), b.getAffineDimExpr(inner)}, b.getContext()),
      b.getMultiDimIdentityMap(rank)};
  Value init = b.create<tensor::EmptyOp>(loc, outType.getShape(), outType.getElementType());
  SmallVector<utils::IteratorType> iters(rank, utils::IteratorType::parallel);
  return b
      .create<linalg::GenericOp>(loc, outType, ValueRange{v2}, ValueRange{init}, maps, iters,
                                 [](OpBuilder &nb, Location nl, ValueRange args) {
                                   nb.create<linalg::YieldOp>(nl, args[0]);
                                 })
      .getResult(0);
}

Value markRoot(Value v) {
  v.getDefiningOp()->setAttr("rqc.root", UnitAttr::get(v.getContext()));
  return v;
}

} // namespace rqc::lowering
