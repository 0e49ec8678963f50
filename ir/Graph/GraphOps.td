// Ops of the graph dialect. Result types are inferred (InferTypeOpAdaptor) where the
// operands and attributes determine them, so the verifier checks every shape; the
// few ops whose result type is a choice (reshape, quantize, requantize) verify it.
#ifndef RQC_GRAPH_OPS
#define RQC_GRAPH_OPS

include "ir/Graph/GraphBase.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/IR/BuiltinAttributeInterfaces.td"

//===----------------------------------------------------------------------===//
// Constants
//===----------------------------------------------------------------------===//

def Graph_ConstantOp : Graph_Op<"constant", [ConstantLike, Pure, AllTypesMatch<["value", "result"]>]> {
  let summary = "A constant tensor (weights, biases, folded shapes)";
  let arguments = (ins ElementsAttr:$value);
  let results = (outs Graph_AnyTensor:$result);
  let assemblyFormat = "attr-dict $value";
  let hasFolder = 1;
  let builders = [OpBuilder<(ins "::mlir::ElementsAttr":$value), [{
    build($_builder, $_state, value.getType(), value);
  }]>];
}

//===----------------------------------------------------------------------===//
// Convolution and matrix products
//===----------------------------------------------------------------------===//

def Graph_Conv2DOp : Graph_Op<"conv2d", [Pure, InferTypeOpAdaptor]> {
  let summary = "2-D convolution, NCHW input, OIHW weight (O x I/groups x KH x KW)";
  let description = [{
    `pads` is [top, left, bottom, right]. `groups` == input channels with one
    filter per group is a depthwise convolution. The optional bias has shape [O].
    Layouts (TVM's strings, ir/Graph/Layout.h) are ONNX's unless a schedule packed them
    (rqc-alter-layout): `data_layout` "NCHW" or "NCHW{x}c", `weight_layout` "OIHW" or
    "OIHW{x}i{y}o" (depthwise: "OIHW1i{y}o"); the result is then "NCHW{y}c".
  }];
  let arguments = (ins Graph_FloatTensor:$input, Graph_FloatTensor:$weight,
                       Optional<Graph_FloatTensor>:$bias,
                       DenseI64ArrayAttr:$strides, DenseI64ArrayAttr:$pads,
                       DenseI64ArrayAttr:$dilations, I64Attr:$groups,
                       DefaultValuedStrAttr<StrAttr, "NCHW">:$data_layout,
                       DefaultValuedStrAttr<StrAttr, "OIHW">:$weight_layout);
  let results = (outs Graph_FloatTensor:$result);
  let assemblyFormat = "$input `,` $weight (`,` $bias^)? attr-dict `:` functional-type(operands, results)";
  let extraClassDeclaration = [{
    // The result's layout: "NCHW", or "NCHW{y}c" for a packed weight "...{y}o".
    std::string getResultLayout();
  }];
}

def Graph_WinogradWeightTransformOp : Graph_Op<"winograd_weight_transform", [Pure, InferTypeOpAdaptor]> {
  let summary = "A 3x3 filter's Winograd transform G g G^T, blocked for conv2d_winograd";
  let description = [{
    weight [O, I, 3, 3] -> [alpha, alpha, O/output_block, I/input_block, input_block,
    output_block] with alpha = tile_size + 2 (F(tile_size x tile_size, 3 x 3), matrices of
    ir/Graph/Winograd.h). Inserted by rqc-alter-layout for a Winograd schedule and folded
    at compile time.
  }];
  let arguments = (ins Graph_FloatTensor:$weight, I64Attr:$tile_size, I64Attr:$input_block, I64Attr:$output_block);
  let results = (outs Graph_FloatTensor:$result);
  let assemblyFormat = "$weight attr-dict `:` functional-type(operands, results)";
}

def Graph_Conv2DWinogradOp : Graph_Op<"conv2d_winograd", [Pure, InferTypeOpAdaptor]> {
  let summary = "3x3 stride-1 convolution by Winograd's F(m x m, 3 x 3) on channel-blocked data";
  let description = [{
    input [1, I/ib, H, W, ib] (layout NCHW{ib}c), weight the transformed filter
    [alpha, alpha, O/ob, I/ib, ib, ob] (winograd_weight_transform), optional bias [O],
    `pads` [top, left, bottom, right], `tile_size` m (2 or 4; the output height and width
    must be multiples of it). The result is [1, O/ob, OH/m, m, OW/m, m, ob]: layout
    "NCH{m}hW{m}w{ob}c", the same bytes as NCHW{ob}c, in output tiles.
  }];
  let arguments = (ins Graph_FloatTensor:$input, Graph_FloatTensor:$weight, Optional<Graph_FloatTensor>:$bias,
                       DenseI64ArrayAttr:$pads, I64Attr:$tile_size);
  let results = (outs Graph_FloatTensor:$result);
  let assemblyFormat = "$input `,` $weight (`,` $bias^)? attr-dict `:` functional-type(operands, results)";
  let extraClassDeclaration = [{
    // "NCH{m}hW{m}w{ob}c".
    std::string getResultLayout();
  }];
}

def Graph_Conv2DIntegerOp : Graph_Op<"conv2d_integer", [Pure, InferTypeOpAdaptor]> {
  let summary = "Integer 2-D convolution (ConvInteger): sum((x - xz) * (w - wz)) (+ bias) in i32";
  let description = [{
    The integer convolution of QLinearConv, ConvInteger, the QDQ patterns
    (rqc-qdq-to-integer) and VTA. `weight_zero_point` has one entry (per tensor) or one
    per output channel; the optional i32 `bias` [O] is added to the accumulator.
    `data_layout` and `weight_layout` are "NCHW"/"OIHW", or, after rqc-alter-layout
    for conv2d_NCHWc_int8, "NCHW{x}c" and "OIHW{y}o4i" ([O/y, I/4, KH, KW, y, 4]: four
    consecutive input channels of one output channel together, the operand order of
    VNNI's vpdpbusd and of SDOT); the result is then "NCHW{y}c".
    With `zero_point_folded` (set by rqc-alter-layout for the integer kernels, whose
    weights are constant with zero weight zero points) the bias already holds
    -input_zero_point * sum(w[o]): the result is sum(x * w) + bias, the padding still
    input_zero_point, which is the same value.
  }];
  let arguments = (ins Graph_QuantTensor:$input, Graph_QuantTensor:$weight,
                       Optional<Graph_AccTensor>:$bias,
                       I32Attr:$input_zero_point, DenseI32ArrayAttr:$weight_zero_point,
                       DenseI64ArrayAttr:$strides, DenseI64ArrayAttr:$pads,
                       DenseI64ArrayAttr:$dilations, I64Attr:$groups,
                       DefaultValuedStrAttr<StrAttr, "NCHW">:$data_layout,
                       DefaultValuedStrAttr<StrAttr, "OIHW">:$weight_layout,
                       UnitAttr:$zero_point_folded);
  let results = (outs Graph_AccTensor:$result);
  let assemblyFormat = "$input `,` $weight (`,` $bias^)? attr-dict `:` functional-type(operands, results)";
  let extraClassDeclaration = [{
    // The result's layout: "NCHW", or "NCHW{y}c" for a packed weight "...{y}o...".
    std::string getResultLayout();
  }];
}

def Graph_VtaConv2DOp : Graph_Op<"vta_conv2d", [Pure]> {
  let summary = "int8 convolution with its requantization, run on VTA (conv2d_packed.vta)";
  let description = [{
    What rqc-partition-vta hands to the VTA accelerator: an int8 convolution (groups 1,
    dilation 1, zero points 0) and its output stage, computed as VTA's GEMM and ALU do:
      out = clip((sum(x * w) + bias) >> shift, relu ? 0 : -128, clip_high)
    with an arithmetic (flooring) shift; the bias already holds the rounding 2^(shift-1),
    so this is round-half-up (TVM's round_for_shift), not ONNX's half-to-even.
    Layouts are VTA's (../shared/reference/vta.md 3): input NCHW{b}n{c}c
    [N/b, C/c, H, W, b, c], weight OIHW{c}o{c}i [O/c, I/c, KH, KW, c, c], bias and
    shifts i32 [O/c, b, c] (the bias of channel o at [o/c, *, o%c]), result
    NCHW{b}n{c}c. `shift` (in [0, 15]) applies to every channel unless the optional
    `shifts` operand gives one per channel; `clip_high` (127, or less for a quantized
    ReLU6) bounds the result. `pads` are [top, left, bottom, right].
    The op is not lowered to loops: the driver emits it as a VTA kernel
    (targets/vta, rqc/vta/Conv2dPacked.h) with the schedule rqc-select-schedules chose.
  }];
  let arguments = (ins RankedTensorOf<[I8]>:$input, RankedTensorOf<[I8]>:$weight,
                       Graph_AccTensor:$bias, Optional<Graph_AccTensor>:$shifts,
                       DenseI64ArrayAttr:$strides, DenseI64ArrayAttr:$pads,
                       I32Attr:$shift, UnitAttr:$relu,
                       DefaultValuedAttr<I32Attr, "127">:$clip_high);
  let results = (outs RankedTensorOf<[I8]>:$result);
  let assemblyFormat = "$input `,` $weight `,` $bias (`,` $shifts^)? attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Graph_DenseOp : Graph_Op<"dense", [Pure, InferTypeOpAdaptor]> {
  let summary = "Fully connected layer: input [N, K] x weight [M, K]^T (+ bias [M]) -> [N, M]";
  let description = [{
    `weight_layout` is "MK", or "MK{x}m" ([M/x, K, x]) when a schedule packed the
    weight so that x output features are contiguous (rqc-alter-layout); the result is
    then [N, M/x, x] (layout "NM{x}m", the same bytes as [N, M]).
  }];
  let arguments = (ins Graph_FloatTensor:$input, Graph_FloatTensor:$weight,
                       Optional<Graph_FloatTensor>:$bias,
                       DefaultValuedStrAttr<StrAttr, "MK">:$weight_layout);
  let results = (outs Graph_FloatTensor:$result);
  let assemblyFormat = "$input `,` $weight (`,` $bias^)? attr-dict `:` functional-type(operands, results)";
}

def Graph_MatMulOp : Graph_Op<"matmul", [Pure, InferTypeOpAdaptor]> {
  let summary = "NumPy matrix product with batch broadcasting (ONNX MatMul)";
  let arguments = (ins Graph_FloatTensor:$lhs, Graph_FloatTensor:$rhs);
  let results = (outs Graph_FloatTensor:$result);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` functional-type(operands, results)";
}

def Graph_MatMulIntegerOp : Graph_Op<"matmul_integer", [Pure, InferTypeOpAdaptor]> {
  let summary = "Integer matrix product (MatMulInteger): (a - az) x (b - bz) in i32";
  let description = [{ `rhs_zero_point` is per tensor or per column of rhs. }];
  let arguments = (ins Graph_QuantTensor:$lhs, Graph_QuantTensor:$rhs,
                       I32Attr:$lhs_zero_point, DenseI32ArrayAttr:$rhs_zero_point);
  let results = (outs Graph_AccTensor:$result);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` functional-type(operands, results)";
}

def Graph_LayoutTransformOp : Graph_Op<"layout_transform", [Pure, InferTypeOpAdaptor]> {
  let summary = "The same tensor in another layout (TVM's layout_transform)";
  let description = [{
    `src_layout` and `dst_layout` are TVM layout strings over the same primal axes
    (ir/Graph/Layout.h), e.g. "NCHW" -> "NCHW16c" ([N, C, H, W] -> [N, C/16, H, W, 16])
    or "OIHW" -> "OIHW8i16o". Inserted by rqc-alter-layout where a schedule packs a
    tensor; on constants it is folded at compile time.
  }];
  let arguments = (ins Graph_AnyTensor:$input, StrAttr:$src_layout, StrAttr:$dst_layout);
  let results = (outs Graph_AnyTensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
}

//===----------------------------------------------------------------------===//
// Pooling
//===----------------------------------------------------------------------===//

def Graph_MaxPool2DOp : Graph_Op<"max_pool2d", [Pure, InferTypeOpAdaptor]> {
  let summary = "2-D max pooling; pads [top, left, bottom, right] never win";
  let description = [{
    `data_layout` (of the input and the result) is "NCHW" or, after rqc-alter-layout,
    a channel-blocked "NCHW{x}c"; the same holds for the other pooling ops.
  }];
  let arguments = (ins Graph_NumericTensor:$input, DenseI64ArrayAttr:$kernel,
                       DenseI64ArrayAttr:$strides, DenseI64ArrayAttr:$pads,
                       DenseI64ArrayAttr:$dilations, BoolAttr:$ceil_mode,
                       DefaultValuedStrAttr<StrAttr, "NCHW">:$data_layout);
  let results = (outs Graph_NumericTensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
}

def Graph_AvgPool2DOp : Graph_Op<"avg_pool2d", [Pure, InferTypeOpAdaptor]> {
  let summary = "2-D average pooling";
  let description = [{
    With `count_include_pad` the divisor counts explicit padding (not the extra
    cells that `ceil_mode` adds past the padded input, as in ONNX Runtime).
  }];
  let arguments = (ins Graph_FloatTensor:$input, DenseI64ArrayAttr:$kernel,
                       DenseI64ArrayAttr:$strides, DenseI64ArrayAttr:$pads,
                       BoolAttr:$ceil_mode, BoolAttr:$count_include_pad,
                       DefaultValuedStrAttr<StrAttr, "NCHW">:$data_layout);
  let results = (outs Graph_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
}

def Graph_GlobalAvgPoolOp : Graph_Op<"global_avg_pool", [Pure, InferTypeOpAdaptor]> {
  let summary = "Mean over all spatial dimensions: [N, C, ...] -> [N, C, 1, ...]";
  let arguments = (ins Graph_FloatTensor:$input,
                       DefaultValuedStrAttr<StrAttr, "NCHW">:$data_layout);
  let results = (outs Graph_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
}

def Graph_GlobalMaxPoolOp : Graph_Op<"global_max_pool", [Pure, InferTypeOpAdaptor]> {
  let summary = "Max over all spatial dimensions: [N, C, ...] -> [N, C, 1, ...]";
  let arguments = (ins Graph_NumericTensor:$input,
                       DefaultValuedStrAttr<StrAttr, "NCHW">:$data_layout);
  let results = (outs Graph_NumericTensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
}

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

class Graph_BinaryOp<string mnemonic, string what>
    : Graph_Op<mnemonic, [Pure, InferTypeOpAdaptor]> {
  let summary = what # " with NumPy broadcasting";
  let arguments = (ins RankedTensorOf<[F32, I32]>:$lhs, RankedTensorOf<[F32, I32]>:$rhs);
  let results = (outs RankedTensorOf<[F32, I32]>:$result);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` functional-type(operands, results)";
}
def Graph_AddOp : Graph_BinaryOp<"add", "Elementwise sum">;
def Graph_SubOp : Graph_BinaryOp<"sub", "Elementwise difference">;
def Graph_MulOp : Graph_BinaryOp<"mul", "Elementwise product">;
def Graph_DivOp : Graph_BinaryOp<"div", "Elementwise quotient">;
// ONNX Max/Min of two inputs (the importer chains the variadic forms); NaN propagates.
def Graph_MaxOp : Graph_BinaryOp<"max", "Elementwise maximum">;
def Graph_MinOp : Graph_BinaryOp<"min", "Elementwise minimum">;

class Graph_UnaryOp<string mnemonic, string what, dag attrs = (ins)>
    : Graph_Op<mnemonic, [Pure, SameOperandsAndResultType]> {
  let summary = what;
  let arguments = !con((ins Graph_FloatTensor:$input), attrs);
  let results = (outs Graph_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($result)";
}
def Graph_ReluOp : Graph_UnaryOp<"relu", "max(x, 0)">;
def Graph_SigmoidOp : Graph_UnaryOp<"sigmoid", "1 / (1 + exp(-x))">;
def Graph_ClipOp : Graph_UnaryOp<"clip", "min(max(x, min), max); ReLU6 is clip 0..6",
                                 (ins F32Attr:$min, F32Attr:$max)> {
  let hasVerifier = 1;
}
def Graph_LeakyReluOp : Graph_UnaryOp<"leaky_relu", "x if x >= 0 else alpha * x",
                                      (ins F32Attr:$alpha)>;

//===----------------------------------------------------------------------===//
// Normalization
//===----------------------------------------------------------------------===//

def Graph_BatchNormOp : Graph_Op<"batch_norm", [Pure, InferTypeOpAdaptor]> {
  let summary = "Inference batch normalization over channel axis 1";
  let arguments = (ins Graph_FloatTensor:$input, Graph_FloatTensor:$scale,
                       Graph_FloatTensor:$bias, Graph_FloatTensor:$mean,
                       Graph_FloatTensor:$variance, F32Attr:$epsilon);
  let results = (outs Graph_FloatTensor:$result);
  let assemblyFormat = "$input `,` $scale `,` $bias `,` $mean `,` $variance attr-dict `:` functional-type(operands, results)";
}

def Graph_LRNOp : Graph_Op<"lrn", [Pure, SameOperandsAndResultType]> {
  let summary = "Local response normalization across channels (AlexNet)";
  let arguments = (ins Graph_FloatTensor:$input, I64Attr:$size, F32Attr:$alpha,
                       F32Attr:$beta, F32Attr:$bias);
  let results = (outs Graph_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($result)";
  let hasVerifier = 1;
}

def Graph_SoftmaxOp : Graph_Op<"softmax", [Pure, SameOperandsAndResultType]> {
  let summary = "Softmax along one axis";
  let arguments = (ins Graph_FloatTensor:$input, I64Attr:$axis);
  let results = (outs Graph_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($result)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Data movement
//===----------------------------------------------------------------------===//

def Graph_ConcatOp : Graph_Op<"concat", [Pure, InferTypeOpAdaptor]> {
  let summary = "Concatenation along an axis";
  let arguments = (ins Variadic<Graph_NumericTensor>:$inputs, I64Attr:$axis);
  let results = (outs Graph_NumericTensor:$result);
  let assemblyFormat = "$inputs attr-dict `:` functional-type(operands, results)";
}

def Graph_ReshapeOp : Graph_Op<"reshape", [Pure]> {
  let summary = "Reinterpret the shape (row-major); the result type gives the new shape";
  let arguments = (ins Graph_NumericTensor:$input);
  let results = (outs Graph_NumericTensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Graph_TransposeOp : Graph_Op<"transpose", [Pure, InferTypeOpAdaptor]> {
  let summary = "Permute dimensions: result dim i is input dim perm[i]";
  let arguments = (ins Graph_NumericTensor:$input, DenseI64ArrayAttr:$perm);
  let results = (outs Graph_NumericTensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
}

def Graph_PadOp : Graph_Op<"pad", [Pure, InferTypeOpAdaptor]> {
  let summary = "Pad with a constant, the edge value or a reflection";
  let description = [{ `pads` holds the begin pads of every axis, then the end pads. }];
  let arguments = (ins Graph_NumericTensor:$input, DenseI64ArrayAttr:$pads,
                       StrAttr:$mode, F32Attr:$value);
  let results = (outs Graph_NumericTensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
}

def Graph_SliceOp : Graph_Op<"slice", [Pure, InferTypeOpAdaptor]> {
  let summary = "Strided window: result[i] = input[starts + i * steps] on every axis";
  let description = [{
    All three arrays have one entry per axis, already resolved from ONNX's Slice
    (negative and out-of-range indices clamped, omitted axes whole): `starts` the first
    index taken, `sizes` how many, `steps` the stride (non-zero; negative walks backwards).
    The importer also crops with it (Pad with negative pads).
  }];
  let arguments = (ins Graph_NumericTensor:$input, DenseI64ArrayAttr:$starts,
                       DenseI64ArrayAttr:$sizes, DenseI64ArrayAttr:$steps);
  let results = (outs Graph_NumericTensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
}

//===----------------------------------------------------------------------===//
// Quantization
//===----------------------------------------------------------------------===//

def Graph_QuantizeOp : Graph_Op<"quantize", [Pure]> {
  let summary = "f32 -> i8/ui8: saturate(round_half_even(x / scale) + zero_point)";
  let description = [{
    One scale and zero point per tensor, or one per slice along `axis`.
  }];
  let arguments = (ins Graph_FloatTensor:$input, DenseF32ArrayAttr:$scale,
                       DenseI32ArrayAttr:$zero_point, I64Attr:$axis);
  let results = (outs Graph_QuantTensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Graph_DequantizeOp : Graph_Op<"dequantize", [Pure, InferTypeOpAdaptor]> {
  let summary = "i8/ui8/i32 -> f32: (x - zero_point) * scale";
  let arguments = (ins RankedTensorOf<[I8, UI8, I32]>:$input, DenseF32ArrayAttr:$scale,
                       DenseI32ArrayAttr:$zero_point, I64Attr:$axis);
  let results = (outs Graph_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
}

def Graph_RequantizeOp : Graph_Op<"requantize", [Pure]> {
  let summary = "i32 accumulator -> i8/ui8: saturate(round_half_even(x * scale) + zero_point)";
  let description = [{
    The output stage of QLinearConv/QLinearMatMul: `scale` (input scale x weight
    scale / output scale) is per tensor or per slice along `axis`, computed in f32
    as ONNX Runtime does. `axis` counts primal axes; `data_layout` is "" (the
    tensor's own axes) or a channel-blocked "NCHW{x}c" that rqc-alter-layout gave
    the tensor, in which a per-channel scale follows the blocked channels.
  }];
  let arguments = (ins Graph_AccTensor:$input, DenseF32ArrayAttr:$scale,
                       I32Attr:$zero_point, I64Attr:$axis,
                       DefaultValuedStrAttr<StrAttr, "">:$data_layout);
  let results = (outs Graph_QuantTensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

#endif // RQC_GRAPH_OPS
