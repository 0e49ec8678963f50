// rqc-lower-to-linalg: the conversion driver. The op patterns live in Lower*.cpp by family.
#include "compiler/lowering/LoweringUtils.h"
#include "compiler/lowering/Passes.h"

#include "ir/Graph/GraphDialect.h"

#include "mlir/Dialect/Func/Transforms/FuncConversions.h"
#include "mlir/Transforms/DialectConversion.h"

namespace rqc::lowering {
#define GEN_PASS_DEF_LOWERTOLINALG
#include "compiler/lowering/Passes.h.inc"
} // namespace rqc::lowering

using namespace mlir;

namespace rqc::lowering {

namespace {

// graph.constant inside a kernel (rare: outlining passes constants as arguments).
struct ConstantPattern : OpConversionPattern<graph::ConstantOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(graph::ConstantOp op, OpAdaptor, ConversionPatternRewriter &b) const override {
    auto dense = llvm::dyn_cast<DenseElementsAttr>(op.getValue());
    if (!dense) return failure();
    auto type = llvm::cast<RankedTensorType>(signlessType(op.getType()));
    b.replaceOpWithNewOp<arith::ConstantOp>(op, dense.bitcast(type.getElementType()));
    return success();
  }
};

// Reshape inside a kernel: a collapse/expand through a flat vector.
struct ReshapePattern : OpConversionPattern<graph::ReshapeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(graph::ReshapeOp op, OpAdaptor a, ConversionPatternRewriter &b) const override {
    auto in = llvm::cast<RankedTensorType>(a.getInput().getType());
    auto out = llvm::cast<RankedTensorType>(signlessType(op.getType()));
    auto flatType = RankedTensorType::get({in.getNumElements()}, in.getElementType());
    auto all = [](int64_t rank) {
      ReassociationIndices g;
      for (int64_t i = 0; i < rank; ++i) g.push_back(i);
      return SmallVector<ReassociationIndices>{g};
    };
    Value flat = in.getRank() == 1 ? a.getInput()
                                   : Value(b.create<tensor::CollapseShapeOp>(op.getLoc(), flatType, a.getInput(),
                                                                             all(in.getRank())));
    Value r = out.getRank() == 1 ? flat : Value(b.create<tensor::ExpandShapeOp>(op.getLoc(), out, flat, all(out.getRank())));
    b.replaceOp(op, r);
    return success();
  }
};

struct LowerToLinalgPass : impl::LowerToLinalgBase<LowerToLinalgPass> {
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    TypeConverter tc;
    tc.addConversion([](Type t) { return signlessType(t); });

    ConversionTarget target(*ctx);
    target.addLegalDialect<linalg::LinalgDialect, tensor::TensorDialect, arith::ArithDialect, math::MathDialect>();
    target.addIllegalDialect<graph::GraphDialect>();
    target.addDynamicallyLegalOp<func::FuncOp>([&](func::FuncOp f) {
      return tc.isSignatureLegal(f.getFunctionType()) && tc.isLegal(&f.getBody());
    });
    target.addDynamicallyLegalOp<func::ReturnOp>([&](func::ReturnOp r) { return tc.isLegal(r.getOperandTypes()); });

    RewritePatternSet patterns(ctx);
    populateConvPatterns(tc, patterns);
    populatePoolPatterns(tc, patterns);
    populateElementwisePatterns(tc, patterns);
    populateDataPatterns(tc, patterns);
    populateQuantPatterns(tc, patterns);
    patterns.add<ConstantPattern, ReshapePattern>(tc, ctx);
    populateFunctionOpInterfaceTypeConversionPattern<func::FuncOp>(patterns, tc);
    populateReturnOpTypeConversionPattern(patterns, tc);
    if (failed(applyFullConversion(getOperation(), target, std::move(patterns)))) signalPassFailure();
  }
};

} // namespace

} // namespace rqc::lowering
