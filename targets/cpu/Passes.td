// The CPU target's passes, each with a lit test under tests/lit/codegen/.
#ifndef RQC_CPU_PASSES
#define RQC_CPU_PASSES

include "mlir/Pass/PassBase.td"

def ApplySchedule : Pass<"rqc-cpu-apply-schedule", "mlir::ModuleOp"> {
  let summary = "Replay each kernel's rqc.schedule onto its linalg ops (the CPU mechanism)";
  let description = [{
    The mechanism half of scheduling for CPU targets (ApplySchedule.cpp): tiles, fuses,
    vectorizes and tensorizes each kernel function as its rqc.schedule says, on tensors.
    It holds no sizes. Kernels without rqc.schedule are left as they are.
  }];
  let dependentDialects = ["mlir::scf::SCFDialect", "mlir::vector::VectorDialect", "mlir::arith::ArithDialect",
                           "mlir::tensor::TensorDialect", "mlir::linalg::LinalgDialect", "mlir::affine::AffineDialect",
                           "mlir::LLVM::LLVMDialect"];
  let options = [
    Option<"vectorBits", "vector-bits", "int", /*default=*/"256", "Widest float SIMD register in bits">,
    Option<"vnni", "vnni", "bool", /*default=*/"false", "The target has AVX512-VNNI (vpdpbusd)">,
    Option<"sdot", "sdot", "bool", /*default=*/"false", "The target is AArch64 with +dotprod (SDOT)">,
    Option<"pmaddwd", "pmaddwd", "bool", /*default=*/"false", "The target is x86 with vpmaddwd (SSE2; AVX2 and AVX512BW at their widths)">
  ];
}

#endif // RQC_CPU_PASSES
