// concat, transpose, slice, pad, layout_transform -> tensor/linalg. A slice with positive
// steps is tensor.extract_slice; a backwards one gathers in a linalg.generic. Constant padding is tensor.pad; edge and
// reflect padding gather from the input with computed indices in a linalg.generic.
#include "compiler/lowering/LoweringUtils.h"

#include "ir/Graph/GraphDialect.h"
#include "ir/Graph/Layout.h"

#include <map>

using namespace mlir;

namespace rqc::lowering {

namespace {

RankedTensorType rtt(Value v) { return llvm::cast<RankedTensorType>(v.getType()); }

// A tensor of type `t` whose element at each index is `input[sourceIndex(d, index_d)]`:
// a parallel linalg.generic gathering one element per output element (backward slices,
// edge and reflect padding). `sourceIndex` builds, inside the body, the source coordinate
// along dimension d from the output coordinate.
Value gather(OpBuilder &b, Location loc, RankedTensorType t, Value input,
             llvm::function_ref<Value(OpBuilder &, Location, int64_t, Value)> sourceIndex) {
  int64_t rank = t.getRank();
  Value init = b.create<tensor::EmptyOp>(loc, t.getShape(), t.getElementType());
  SmallVector<utils::IteratorType> iters(rank, utils::IteratorType::parallel);
  auto generic = b.create<linalg::GenericOp>(
      loc, t, ValueRange{}, ValueRange{init}, SmallVector<AffineMap>{b.getMultiDimIdentityMap(rank)}, iters,
      [&](OpBuilder &nb, Location nl, ValueRange) {
        SmallVector<Value> idx;
        for (int64_t d = 0; d < rank; ++d) idx.push_back(sourceIndex(nb, nl, d, nb.create<linalg::IndexOp>(nl, d)));
        nb.create<linalg::YieldOp>(nl, Value(nb.create<tensor::ExtractOp>(nl, input, idx)));
      });
  return generic.getResult(0);
}

struct ConcatPattern : OpConversionPattern<graph::ConcatOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(graph::ConcatOp op, OpAdaptor a, ConversionPatternRewriter &b) const override {
    Location loc = op.getLoc();
    auto t = llvm::cast<RankedTensorType>(getTypeConverter()->convertType(op.getType()));
    Value result = b.create<tensor::EmptyOp>(loc, t.getShape(), t.getElementType());
    int64_t axis = op.getAxis(), offset = 0, rank = t.getRank();
    for (Value in : a.getInputs()) {
      auto it = rtt(in);
      SmallVector<OpFoldResult> offsets(rank, b.getIndexAttr(0)), sizes, strides(rank, b.getIndexAttr(1));
      for (int64_t d : it.getShape()) sizes.push_back(b.getIndexAttr(d));
      offsets[axis] = b.getIndexAttr(offset);
      result = b.create<tensor::InsertSliceOp>(loc, in, result, offsets, sizes, strides);
      offset += it.getDimSize(axis);
    }
    b.replaceOp(op, result);
    return success();
  }
};

struct TransposePattern : OpConversionPattern<graph::TransposeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(graph::TransposeOp op, OpAdaptor a, ConversionPatternRewriter &b) const override {
    auto t = llvm::cast<RankedTensorType>(getTypeConverter()->convertType(op.getType()));
    Value init = b.create<tensor::EmptyOp>(op.getLoc(), t.getShape(), t.getElementType());
    b.replaceOp(op, b.create<linalg::TransposeOp>(op.getLoc(), a.getInput(), init, op.getPerm())->getResults());
    return success();
  }
};

struct SlicePattern : OpConversionPattern<graph::SliceOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(graph::SliceOp op, OpAdaptor a, ConversionPatternRewriter &b) const override {
    Location loc = op.getLoc();
    auto t = llvm::cast<RankedTensorType>(getTypeConverter()->convertType(op.getType()));
    auto starts = op.getStarts(), steps = op.getSteps();
    if (llvm::all_of(steps, [](int64_t s) { return s > 0; })) {
      b.replaceOpWithNewOp<tensor::ExtractSliceOp>(op, t, a.getInput(), ValueRange{}, ValueRange{}, ValueRange{},
                                                   starts, t.getShape(), steps);
      return success();
    }
    b.replaceOp(op, gather(b, loc, t, a.getInput(), [&](OpBuilder &nb, Location nl, int64_t d, Value i) -> Value {
                  Value scaled = nb.create<arith::MulIOp>(nl, i, nb.create<arith::ConstantIndexOp>(nl, steps[d]));
                  return nb.create<arith::AddIOp>(nl, scaled, nb.create<arith::ConstantIndexOp>(nl, starts[d]));
                }));
    return success();
  }
};

struct PadPattern : OpConversionPattern<graph::PadOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(graph::PadOp op, OpAdaptor a, ConversionPatternRewriter &b) const override {
    Location loc = op.getLoc();
    auto in = rtt(a.getInput());
    int64_t rank = in.getRank();
    auto pads = op.getPads();
    if (op.getMode() == "constant") {
      double value = op.getValue().convertToFloat();
      // ui8 is stored as signless i8: the constant's bits, as a signed value.
      if (op.getType().getElementType().isUnsignedInteger(8)) value = static_cast<int8_t>(static_cast<uint8_t>(value));
      b.replaceOp(op, padded(b, loc, a.getInput(), pads.take_front(rank), pads.drop_front(rank), value));
      return success();
    }
    bool reflect = op.getMode() == "reflect";
    auto t = llvm::cast<RankedTensorType>(getTypeConverter()->convertType(op.getType()));
    b.replaceOp(op, gather(b, loc, t, a.getInput(), [&](OpBuilder &nb, Location nl, int64_t d, Value out) -> Value {
                  Value i = nb.create<arith::SubIOp>(nl, out, nb.create<arith::ConstantIndexOp>(nl, pads[d]));
                  Value zero = nb.create<arith::ConstantIndexOp>(nl, 0);
                  Value last = nb.create<arith::ConstantIndexOp>(nl, in.getDimSize(d) - 1);
                  if (!reflect) return nb.create<arith::MaxSIOp>(nl, nb.create<arith::MinSIOp>(nl, i, last), zero);
                  // i < 0 -> -i ; i > last -> 2 * last - i
                  Value neg = nb.create<arith::SubIOp>(nl, zero, i);
                  i = nb.create<arith::SelectOp>(nl, nb.create<arith::CmpIOp>(nl, arith::CmpIPredicate::slt, i, zero),
                                                 neg, i);
                  Value mirrored = nb.create<arith::SubIOp>(nl, nb.create<arith::AddIOp>(nl, last, last), i);
                  return nb.create<arith::SelectOp>(
                      nl, nb.create<arith::CmpIOp>(nl, arith::CmpIPredicate::sgt, i, last), mirrored, i);
                }));
    return success();
  }
};

// A layout change: through the plain layout of the source, a transpose (and collapse of
// each blocked axis) out of the source layout, then an expand (of each axis the destination
// blocks) and a transpose into it. Plain -> blocked and blocked -> plain (the model's
// edges) are one copy each; the rare blocked -> blocked is two.
struct LayoutTransformPattern : OpConversionPattern<graph::LayoutTransformOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(graph::LayoutTransformOp op, OpAdaptor a, ConversionPatternRewriter &b) const override {
    Location loc = op.getLoc();
    graph::Layout src = graph::Layout::parse(op.getSrcLayout().str());
    graph::Layout dst = graph::Layout::parse(op.getDstLayout().str());
    const std::string primal = src.primal();
    auto lower = [](char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); };
    Value x = a.getInput();
    auto isIdentity = [](ArrayRef<int64_t> perm) {
      for (size_t i = 0; i < perm.size(); ++i)
        if (perm[i] != static_cast<int64_t>(i)) return false;
      return true;
    };
    if (!src.isPrimal()) {
      SmallVector<int64_t> perm;
      SmallVector<ReassociationIndices> groups;
      for (char c : primal) {
        ReassociationIndices g{static_cast<int64_t>(perm.size())};
        perm.push_back(src.position(c));
        if (src.block(c) > 1 || src.position(lower(c)) >= 0) {
          g.push_back(static_cast<int64_t>(perm.size()));
          perm.push_back(src.position(lower(c)));
        }
        groups.push_back(g);
      }
      if (!isIdentity(perm)) x = transposed(b, loc, x, perm);
      auto t = llvm::cast<RankedTensorType>(x.getType());
      std::vector<int64_t> shape = src.primalShapeOf(std::vector<int64_t>(
          llvm::cast<RankedTensorType>(a.getInput().getType()).getShape().begin(),
          llvm::cast<RankedTensorType>(a.getInput().getType()).getShape().end()));
      x = b.create<tensor::CollapseShapeOp>(loc, RankedTensorType::get(shape, t.getElementType()), x, groups);
    }
    // x is plain, axes in `primal` order.
    auto plain = llvm::cast<RankedTensorType>(x.getType());
    SmallVector<int64_t> expanded;
    SmallVector<ReassociationIndices> groups;
    std::map<char, int64_t> outerAt, innerAt;
    for (size_t i = 0; i < primal.size(); ++i) {
      char c = primal[i];
      int64_t block = dst.position(lower(c)) >= 0 ? dst.block(c) : 0;
      ReassociationIndices g{static_cast<int64_t>(expanded.size())};
      outerAt[c] = static_cast<int64_t>(expanded.size());
      expanded.push_back(block ? plain.getDimSize(i) / block : plain.getDimSize(i));
      if (block) {
        g.push_back(static_cast<int64_t>(expanded.size()));
        innerAt[c] = static_cast<int64_t>(expanded.size());
        expanded.push_back(block);
      }
      groups.push_back(g);
    }
    if (expanded.size() != static_cast<size_t>(plain.getRank()))
      x = b.create<tensor::ExpandShapeOp>(loc, RankedTensorType::get(expanded, plain.getElementType()), x, groups);
    SmallVector<int64_t> perm;
    for (const graph::Layout::Axis &ax : dst.axes())
      perm.push_back(ax.factor ? innerAt.at(static_cast<char>(std::toupper(static_cast<unsigned char>(ax.name))))
                               : outerAt.at(ax.name));
    if (!isIdentity(perm)) x = transposed(b, loc, x, perm);
    b.replaceOp(op, x);
    return success();
  }
};

} // namespace

void populateDataPatterns(TypeConverter &tc, RewritePatternSet &patterns) {
  patterns.add<ConcatPattern, TransposePattern, SlicePattern, PadPattern, LayoutTransformPattern>(tc, patterns.getContext());
}

} // namespace rqc::lowering
