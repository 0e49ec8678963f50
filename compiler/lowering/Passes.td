// Lowering passes: graph dialect -> linalg on tensors.
#ifndef RQC_LOWERING_PASSES
#define RQC_LOWERING_PASSES

include "mlir/Pass/PassBase.td"

def LowerToLinalg : Pass<"rqc-lower-to-linalg", "mlir::func::FuncOp"> {
  let summary = "Lower graph-dialect ops in kernel functions to linalg on tensors";
  let description = [{
    Every graph op becomes linalg (named convolution, pooling and matmul ops where
    MLIR has them, linalg.generic otherwise), tensor and arith/math ops. ui8 tensors
    become signless i8 storage; the function signature is converted too, so run this on
    kernel functions (after rqc-fuse-kernels), not on @main.
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect", "mlir::tensor::TensorDialect",
                           "mlir::arith::ArithDialect", "mlir::math::MathDialect"];
}

#endif // RQC_LOWERING_PASSES
