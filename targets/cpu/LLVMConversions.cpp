#include "targets/cpu/LLVMConversions.h"

#include "mlir/Conversion/ArithToLLVM/ArithToLLVM.h"
#include "mlir/Conversion/ControlFlowToLLVM/ControlFlowToLLVM.h"
#include "mlir/Conversion/FuncToLLVM/ConvertFuncToLLVM.h"
#include "mlir/Conversion/LLVMCommon/ConversionTarget.h"
#include "mlir/Conversion/MemRefToLLVM/MemRefToLLVM.h"
#include "mlir/Conversion/LLVMCommon/TypeConverter.h"
#include "mlir/Conversion/OpenMPToLLVM/ConvertOpenMPToLLVM.h"
#include "mlir/Conversion/VectorToLLVM/ConvertVectorToLLVM.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/OpenMP/OpenMPDialect.h"
#include "mlir/Dialect/Vector/Transforms/LoweringPatterns.h"
#include "mlir/Dialect/Vector/Transforms/VectorRewritePatterns.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Transforms/DialectConversion.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace rqc::cpu {

using namespace mlir;

namespace {

LLVMTypeConverter typeConverter(MLIRContext *ctx, unsigned indexBits) {
  LowerToLLVMOptions options(ctx);
  options.overrideIndexBitwidth(indexBits);
  return LLVMTypeConverter(ctx, options);
}

struct VectorToLLVMPass : PassWrapper<VectorToLLVMPass, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(VectorToLLVMPass)
  explicit VectorToLLVMPass(unsigned indexBits) : indexBits(indexBits) {}
  StringRef getArgument() const override { return "rqc-vector-to-llvm"; }
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    {
      // What vector-to-scf left: 1-D transfers, masks, broadcasts, shape casts.
      RewritePatternSet patterns(ctx);
      vector::populateVectorBitCastLoweringPatterns(patterns);
      vector::populateVectorBroadcastLoweringPatterns(patterns);
      vector::populateVectorContractLoweringPatterns(patterns, vector::VectorTransformsOptions());
      vector::populateVectorMaskOpLoweringPatterns(patterns);
      vector::populateVectorShapeCastLoweringPatterns(patterns);
      vector::populateVectorInterleaveLoweringPatterns(patterns);
      vector::populateVectorTransposeLoweringPatterns(patterns, vector::VectorTransformsOptions());
      vector::populateVectorTransferLoweringPatterns(patterns, /*maxTransferRank=*/1);
      (void)applyPatternsAndFoldGreedily(getOperation(), std::move(patterns));
    }
    LLVMTypeConverter converter = typeConverter(ctx, indexBits);
    RewritePatternSet patterns(ctx);
    vector::populateVectorMaskMaterializationPatterns(patterns, /*force32BitVectorIndices=*/true);
    vector::populateVectorTransferLoweringPatterns(patterns);
    populateVectorToLLVMMatrixConversionPatterns(converter, patterns);
    populateVectorToLLVMConversionPatterns(converter, patterns, /*reassociateFPReductions=*/false,
                                           /*force32BitVectorIndices=*/true);
    LLVMConversionTarget target(*ctx);
    target.addLegalDialect<arith::ArithDialect, memref::MemRefDialect>();
    target.addLegalOp<UnrealizedConversionCastOp>();
    if (failed(applyPartialConversion(getOperation(), target, std::move(patterns)))) signalPassFailure();
  }
  unsigned indexBits;
};

struct OpenMPToLLVMPass : PassWrapper<OpenMPToLLVMPass, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(OpenMPToLLVMPass)
  explicit OpenMPToLLVMPass(unsigned indexBits) : indexBits(indexBits) {}
  StringRef getArgument() const override { return "rqc-openmp-to-llvm"; }
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    LLVMTypeConverter converter = typeConverter(ctx, indexBits);
    RewritePatternSet patterns(ctx);
    // As upstream: what the omp regions still hold converts in the same step.
    arith::populateArithToLLVMConversionPatterns(converter, patterns);
    cf::populateControlFlowToLLVMConversionPatterns(converter, patterns);
    populateFinalizeMemRefToLLVMConversionPatterns(converter, patterns);
    populateFuncToLLVMConversionPatterns(converter, patterns);
    populateOpenMPToLLVMConversionPatterns(converter, patterns);
    LLVMConversionTarget target(*ctx);
    target.addLegalOp<omp::BarrierOp, omp::FlushOp, omp::TaskwaitOp, omp::TaskyieldOp, omp::TerminatorOp>();
    configureOpenMPToLLVMConversionLegality(target, converter);
    if (failed(applyPartialConversion(getOperation(), target, std::move(patterns)))) signalPassFailure();
  }
  unsigned indexBits;
};

} // namespace

std::unique_ptr<Pass> createVectorToLLVMPass(unsigned indexBits) { return std::make_unique<VectorToLLVMPass>(indexBits); }
std::unique_ptr<Pass> createOpenMPToLLVMPass(unsigned indexBits) { return std::make_unique<OpenMPToLLVMPass>(indexBits); }

} // namespace rqc::cpu
