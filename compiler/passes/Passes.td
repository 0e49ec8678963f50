// rqc's graph passes, one per file in this folder, each with a lit test under
// tests/lit/passes/ driven by rqc-opt.
#ifndef RQC_PASSES
#define RQC_PASSES

include "mlir/Pass/PassBase.td"

def FoldBatchNorm : Pass<"rqc-fold-batch-norm", "mlir::func::FuncOp"> {
  let summary = "Fold inference batch normalization into the preceding convolution";
  let description = [{
    conv2d(x, W, b) -> batch_norm(scale, beta, mean, var) with constant parameters
    becomes conv2d(x, W * a, (b - mean) * a + beta), a = scale / sqrt(var + eps).
    A batch_norm without a foldable convolution becomes x * a + (beta - mean * a).
  }];
  let dependentDialects = ["rqc::graph::GraphDialect"];
}

def FoldConstants : Pass<"rqc-fold-constants", "mlir::func::FuncOp"> {
  let summary = "Evaluate ops whose operands are all constants (with the reference kernels)";
  let dependentDialects = ["rqc::graph::GraphDialect"];
}

def PackConvWeights : Pass<"rqc-pack-conv-weights", "mlir::func::FuncOp"> {
  let summary = "Repack constant weights of ungrouped float convolutions from OIHW to OHWI";
  let description = [{
    The CPU code generator computes ungrouped convolutions channels-last. Each parallel
    tile of output channels repacks its filters to [KH, KW, I, O-tile] (output channels
    contiguous: whole vectors); with OHWI weights that tile's filters are one contiguous
    block of memory, streamed once, and the repacking reads whole input-channel rows.
    Sets `weight_layout = "OHWI"` on the convolution.
  }];
  let dependentDialects = ["rqc::graph::GraphDialect"];
}

def FuseKernels : Pass<"rqc-fuse-kernels", "mlir::ModuleOp"> {
  let summary = "Group compute ops with their elementwise epilogues and outline each group as a kernel";
  let description = [{
    Each op of @main that computes (everything but constants and reshapes) anchors a
    group; the group grows along single-use chains of elementwise ops of the same shape
    (activation, residual add, multiply/add, quantize, dequantize, requantize). Every group
    becomes `func.func private @kernel_<n>` taking its operands (activations and
    constants) and @main calls it. Reshapes and constants stay in @main: they are not
    kernels (a reshape is an alias of its input's bytes).
  }];
  let dependentDialects = ["rqc::graph::GraphDialect", "mlir::func::FuncDialect"];
}

#endif // RQC_PASSES
