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

def QdqToInteger : Pass<"rqc-qdq-to-integer", "mlir::func::FuncOp"> {
  let summary = "Compute quantized (QDQ) convolutions in integers";
  let description = [{
    quantize(relu?(conv2d(dequantize(x), dequantize(W), dequantize(b) | b))), with x
    and the output quantized per tensor and the constant 8-bit W per tensor or per
    output channel, becomes requantize(conv2d_integer(x, W, b_i32), sx * sw[c] / sy, zy)
    (ONNX Runtime's QDQ -> QLinearConv fusion): x and y stay 8-bit, the convolution
    accumulates in i32. The bias is taken as the quantizer's i32 at scale sx * sw[c], or
    a float bias is rounded to it. A ReLU is dropped when the output zero point is the
    type's smallest value (the saturation already clamps there); otherwise, and for every
    other form, the float ops stay. Only the forms the integer kernels compute fast are
    rewritten (8-bit data, int8 weights; groups 1 with output channels in fours for
    conv2d_NCHWc_int8, or depthwise for depthwise_conv2d_NCHWc); input channels not in
    fours (an RGB first convolution) are padded to the next four with the zero point in the
    data (graph.pad) and zeros in the weights. A quantized dense layer
    (quantize(dense(dequantize(x), dequantize(W)) + b), ONNX Gemm) with K and M in fours
    becomes the same integer convolution on a 1x1 image between two graph.reshape ops,
    and quantize(max_pool2d(dequantize(x))) with one scale and zero point max_pool2d(x).
    Grouped (not depthwise) convolutions stay float between their QDQ pairs. Runs before constants are folded (dequantize(W) would
    become a float constant).
  }];
  let options = [
    Option<"onlyPairSumsFitI16", "only-pair-sums-fit-i16", "bool", /*default=*/"false",
           "Rewrite only ungrouped convolutions and dense layers whose weights keep every "
           "neighbouring pair's 255 * (|w0| + |w1|) within i16 (and max pools): x86 without "
           "VNNI, where vpmaddubsw makes just those faster than float">
  ];
  let dependentDialects = ["rqc::graph::GraphDialect"];
}

def PartitionVta : Pass<"rqc-partition-vta", "mlir::func::FuncOp"> {
  let summary = "Hand the int8 convolutions VTA can compute to VTA (graph.vta_conv2d)";
  let description = [{
    The graph side of --target=vta: quantize(relu?(conv2d(dequantize(x), dequantize(W),
    b))) with int8 x, W and output, zero points 0, power-of-two scales whose
    requantization sy / (sx * sw[c]) is a shift by 0..15, groups 1, dilation 1, input and
    output channels in whole VTA blocks (16 on Pynq), becomes
      layout_transform(vta_conv2d(layout_transform(x, NCHW -> NCHW1n16c),
                                  W in OIHW16o16i, bias + 2^(shift-1), shifts), -> NCHW)
    (TVM's packing and its round_for_shift rounding: half up, where ONNX's
    QuantizeLinear rounds half to even, so the result can differ from the QDQ model's
    by one step at exact ties). The packing between two VTA convolutions is dropped.
    Everything else (the 3-channel first convolution, pooling, residual adds, the
    classifier) stays on the host CPU path. Runs before rqc-qdq-to-integer and constant
    folding (the weights are still dequantize(constant)).
  }];
  let options = [
    Option<"model", "model", "std::string", /*default=*/"\"\"",
           "VTA configuration (TVM's -model=, e.g. pynq_1x16_i8w8a32_15_15_18_17); Pynq-Z1's when empty">,
  ];
  let dependentDialects = ["rqc::graph::GraphDialect"];
}

def FoldConstants : Pass<"rqc-fold-constants", "mlir::func::FuncOp"> {
  let summary = "Evaluate ops whose operands are all constants (with the reference kernels)";
  let dependentDialects = ["rqc::graph::GraphDialect"];
}

def SelectSchedules : Pass<"rqc-select-schedules", "mlir::ModuleOp"> {
  let summary = "Choose each tunable op's schedule template and config (records, tophub, fallback)";
  let description = [{
    For every op of @main that a schedule template implements (convolution, dense,
    pooling; schedules/Registry.cpp), extracts its workload, asks the tuning records for
    the best config of each matching template (AutoTVM's ApplyHistoryBest: lowest mean
    cost, this device and -model= first, the user's log before tophub), skips records
    whose config no longer fits the template's space (with a warning naming the line),
    and otherwise takes the first template's fallback config. When records offer an op
    several layouts (conv2d_NCHWc's tile_ic/tile_oc fix its channel blocks), the graph
    tuner (autotune/GraphTuner.h) picks one layout per group of tensors joined by
    layout-following ops and, per op, the best record for its groups' layouts, so that the
    records' measured time plus the layout transforms between kernels is least: AutoTVM's
    graph tuner, solved exactly. Attaches to the op:
      rqc.task      the AutoTVM task key [template, args]
      rqc.config    {index = I, entity = [...], source = "fallback" | "file:line"}
      rqc.schedule  {template = T, steps = [...]}: the template's steps for that config
                    (schedules/Schedule.h)
    (JSON data stored as MLIR dictionaries and arrays, compiler/support/JsonAttr.h).
    Ops that already carry rqc.schedule are left as they are, so the pass can run again
    after rqc-alter-layout to schedule ops whose layout changed (pooling).
    The options describe the target when rqc-opt runs the pass; rqc compile passes
    its resolved target and records instead.
  }];
  let options = [
    Option<"targetKey", "target-key", "std::string", /*default=*/"\"x86\"", "Template suffix: x86 or arm_cpu">,
    Option<"vectorBits", "vector-bits", "int", /*default=*/"256", "Widest float SIMD register in bits">,
    Option<"vectorRegisters", "vector-registers", "int", /*default=*/"16", "SIMD registers">,
    Option<"targetString", "target", "std::string", /*default=*/"\"llvm\"", "TVM target string matched against records">,
    ListOption<"recordFiles", "records", "std::string", "Tuning logs to consult, most preferred first">,
    Option<"graphTuner", "graph-tuner", "bool", /*default=*/"true",
           "Choose among each op's records per layout over the whole graph (false: each op's best record)">
  ];
  let dependentDialects = ["rqc::graph::GraphDialect"];
}

def AlterLayout : Pass<"rqc-alter-layout", "mlir::func::FuncOp"> {
  let summary = "Apply the layouts the selected schedules pack, and keep activations packed between kernels";
  let description = [{
    TVM's AlterOpLayout driven by rqc.schedule: for an op whose schedule has `pack` steps
    (input / weight / output layouts, e.g. NCHW16c and OIHW16i16o), the op is rewritten
    in those layouts between graph.layout_transform ops (the weight's is folded later, at
    compile time). Then layout changes are pushed through ops that work in any
    channel-blocked layout (elementwise ops on same-shape operands, max pooling, average
    pooling with a constant divisor, global pooling) and pairs that cancel are removed,
    so activations stay blocked from one kernel to the next; changes remain only where an
    op needs another layout and at the model's edges. A change back to plain layout that
    does not move bytes (the blocked axis already innermost) becomes a graph.reshape.
    Ops whose layout changed lose their rqc.schedule (rqc-select-schedules runs again).
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
