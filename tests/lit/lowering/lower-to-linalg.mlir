// RUN: rqc-opt %s -split-input-file -pass-pipeline='builtin.module(func.func(rqc-lower-to-linalg))' | FileCheck %s

// A plain-layout (NCHW) convolution, as no schedule packed it: MLIR's named NCHW op over
// the padded input, the bias broadcast along channels as its accumulator, marked as the
// kernel's root; the epilogue is a separate generic.
// CHECK-LABEL: func @conv_bias_relu
// CHECK: tensor.pad
// CHECK: linalg.generic {{.*}}ins(%arg2 : tensor<8xf32>) outs(%{{.*}} : tensor<1x8x4x4xf32>)
// CHECK: linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, rqc.root, strides = dense<2> : tensor<2xi64>}
// CHECK: linalg.generic
// CHECK: arith.maximumf
// CHECK-NOT: graph.
func.func @conv_bias_relu(%x: tensor<1x3x8x8xf32>, %w: tensor<8x3x3x3xf32>, %b: tensor<8xf32>) -> tensor<1x8x4x4xf32> {
  %c = graph.conv2d %x, %w, %b {dilations = array<i64: 1, 1>, groups = 1 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<1x3x8x8xf32>, tensor<8x3x3x3xf32>, tensor<8xf32>) -> tensor<1x8x4x4xf32>
  %r = graph.relu %c : tensor<1x8x4x4xf32>
  return %r : tensor<1x8x4x4xf32>
}

// -----

// A channel-blocked convolution (rqc-alter-layout packed it: input NCHW2c, weight
// OIHW2i4o, result NCHW4c) is one generic over (n, oco, oh, ow, oci | ico, kh, kw, ici),
// the input read at oh * 2 + kh (stride 2) with the padding on H and W only, the bias
// [8] seen as [2, 4] blocks.
// CHECK-DAG: #[[IN:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7, d8) -> (d0, d5, d2 * 2 + d6, d3 * 2 + d7, d8)>
// CHECK-DAG: #[[W:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7, d8) -> (d1, d5, d6, d7, d8, d4)>
// CHECK-DAG: #[[OUT:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7, d8) -> (d0, d1, d2, d3, d4)>
// CHECK-LABEL: func @blocked_conv
// CHECK: tensor.pad %arg0 low[0, 0, 1, 1, 0] high[0, 0, 1, 1, 0]
// CHECK: tensor.expand_shape %arg2 {{\[}}[0, 1]] output_shape [2, 4] : tensor<8xf32> into tensor<2x4xf32>
// CHECK: linalg.generic {indexing_maps = [#[[IN]], #[[W]], #[[OUT]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction", "reduction"]}
// CHECK-SAME: rqc.root
// CHECK: arith.mulf
// CHECK: arith.addf
func.func @blocked_conv(%x: tensor<1x2x8x8x2xf32>, %w: tensor<2x2x3x3x2x4xf32>, %b: tensor<8xf32>) -> tensor<1x2x4x4x4xf32> {
  %c = graph.conv2d %x, %w, %b {data_layout = "NCHW2c", weight_layout = "OIHW2i4o", dilations = array<i64: 1, 1>, groups = 1 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<1x2x8x8x2xf32>, tensor<2x2x3x3x2x4xf32>, tensor<8xf32>) -> tensor<1x2x4x4x4xf32>
  return %c : tensor<1x2x4x4x4xf32>
}

// -----

// Depthwise, plain: the [C, 1, KH, KW] filter as [C, KH, KW] for the named NCHW op.
// CHECK-LABEL: func @depthwise
// CHECK: %[[W:.*]] = tensor.collapse_shape %arg1 {{\[}}[0, 1], [2], [3]]
// CHECK: linalg.depthwise_conv_2d_nchw_chw {{.*}}rqc.root{{.*}} ins(%padded, %[[W]] : tensor<1x8x10x10xf32>, tensor<8x3x3xf32>)
func.func @depthwise(%x: tensor<1x8x8x8xf32>, %w: tensor<8x1x3x3xf32>) -> tensor<1x8x8x8xf32> {
  %c = graph.conv2d %x, %w {dilations = array<i64: 1, 1>, groups = 8 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x8x8x8xf32>, tensor<8x1x3x3xf32>) -> tensor<1x8x8x8xf32>
  return %c : tensor<1x8x8x8xf32>
}

// -----

// Depthwise, blocked (NCHW4c, filter OIHW1i4o): one generic over (n, c, oh, ow, ci | kh, kw),
// input and filter indexed by the same channel.
// CHECK-DAG: #[[IN:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d1, d2 + d5, d3 + d6, d4)>
// CHECK-DAG: #[[W:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d1, 0, d5, d6, 0, d4)>
// CHECK-LABEL: func @blocked_depthwise
// CHECK: linalg.generic {indexing_maps = [#[[IN]], #[[W]], #{{.*}}], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]}
// CHECK-SAME: rqc.root
func.func @blocked_depthwise(%x: tensor<1x2x8x8x4xf32>, %w: tensor<2x1x3x3x1x4xf32>) -> tensor<1x2x8x8x4xf32> {
  %c = graph.conv2d %x, %w {data_layout = "NCHW4c", weight_layout = "OIHW1i4o", dilations = array<i64: 1, 1>, groups = 8 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x2x8x8x4xf32>, tensor<2x1x3x3x1x4xf32>) -> tensor<1x2x8x8x4xf32>
  return %c : tensor<1x2x8x8x4xf32>
}

// -----

// Filters per group (3) differ from groups (2): the weight becomes [3, 2, 4, 3, 3].
// CHECK-LABEL: func @grouped
// CHECK: tensor.expand_shape
// CHECK: linalg.transpose ins(%{{.*}} : tensor<2x3x4x3x3xf32>) outs(%{{.*}} : tensor<3x2x4x3x3xf32>) permutation = [1, 0, 2, 3, 4]
// CHECK: linalg.conv_2d_ngchw_fgchw {{.*}} -> tensor<1x2x3x6x6xf32>
// CHECK: tensor.collapse_shape
func.func @grouped(%x: tensor<1x8x8x8xf32>, %w: tensor<6x4x3x3xf32>) -> tensor<1x6x6x6xf32> {
  %c = graph.conv2d %x, %w {dilations = array<i64: 1, 1>, groups = 2 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x8x8x8xf32>, tensor<6x4x3x3xf32>) -> tensor<1x6x6x6xf32>
  return %c : tensor<1x6x6x6xf32>
}

// -----

// Max pooling with the named NCHW op (ceil_mode pads the end by one), average pooling
// divided by its per-position counts, dense as matmul with the transposed weight.
// CHECK-LABEL: func @pools_dense_softmax
// CHECK: linalg.pooling_nchw_max {{.*}}rqc.root{{.*}} outs(%{{.*}} : tensor<1x4x4x4xf32>)
// CHECK: linalg.pooling_nchw_sum
// CHECK: arith.divf
// CHECK: linalg.matmul_transpose_b
// CHECK: math.exp
func.func @pools_dense_softmax(%x: tensor<1x4x8x8xf32>, %w: tensor<10x16xf32>) -> tensor<1x10xf32> {
  %m = graph.max_pool2d %x {ceil_mode = true, dilations = array<i64: 1, 1>, kernel = array<i64: 3, 3>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>} : (tensor<1x4x8x8xf32>) -> tensor<1x4x4x4xf32>
  %a = graph.avg_pool2d %m {ceil_mode = false, count_include_pad = false, kernel = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>} : (tensor<1x4x4x4xf32>) -> tensor<1x4x2x2xf32>
  %f = graph.reshape %a : (tensor<1x4x2x2xf32>) -> tensor<1x16xf32>
  %d = graph.dense %f, %w : (tensor<1x16xf32>, tensor<10x16xf32>) -> tensor<1x10xf32>
  %s = graph.softmax %d {axis = 1 : i64} : tensor<1x10xf32>
  return %s : tensor<1x10xf32>
}

// -----

// ui8 becomes signless i8 storage; unsigned semantics pick the [0, 255] range.
// CHECK-LABEL: func @quant
// CHECK-SAME: -> tensor<1x4xi8>
// CHECK: math.roundeven
// CHECK: arith.constant 2.550000e+02 : f32
// CHECK: arith.fptosi
// CHECK: arith.trunci
func.func @quant(%x: tensor<1x4xf32>) -> tensor<1x4xui8> {
  %q = graph.quantize %x {scale = array<f32: 0.1>, zero_point = array<i32: 128>, axis = 0 : i64} : (tensor<1x4xf32>) -> tensor<1x4xui8>
  return %q : tensor<1x4xui8>
}

// -----

// CHECK-LABEL: func @integer_conv
// CHECK: linalg.generic
// CHECK: arith.extui
// CHECK: arith.extsi
// CHECK: arith.muli
func.func @integer_conv(%x: tensor<1x4x6x6xui8>, %w: tensor<8x4x3x3xi8>) -> tensor<1x8x4x4xi32> {
  %c = graph.conv2d_integer %x, %w {input_zero_point = 128 : i32, weight_zero_point = array<i32: 0>, strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, groups = 1 : i64} : (tensor<1x4x6x6xui8>, tensor<8x4x3x3xi8>) -> tensor<1x8x4x4xi32>
  return %c : tensor<1x8x4x4xi32>
}

// -----

// CHECK-LABEL: func @data
// CHECK: tensor.insert_slice
// CHECK: linalg.transpose
// CHECK: tensor.extract
// CHECK: math.powf
func.func @data(%a: tensor<1x2x4xf32>, %b: tensor<1x3x4xf32>, %c: tensor<1x4x2x2xf32>) -> (tensor<4x5x1xf32>, tensor<1x9x4xf32>, tensor<1x4x2x2xf32>) {
  %cat = graph.concat %a, %b {axis = 1 : i64} : (tensor<1x2x4xf32>, tensor<1x3x4xf32>) -> tensor<1x5x4xf32>
  %t = graph.transpose %cat {perm = array<i64: 2, 1, 0>} : (tensor<1x5x4xf32>) -> tensor<4x5x1xf32>
  %p = graph.pad %cat {pads = array<i64: 0, 2, 0, 0, 2, 0>, mode = "reflect", value = 0.0 : f32} : (tensor<1x5x4xf32>) -> tensor<1x9x4xf32>
  %l = graph.lrn %c {size = 3 : i64, alpha = 1.0e-4 : f32, beta = 0.75 : f32, bias = 1.0 : f32} : tensor<1x4x2x2xf32>
  return %t, %p, %l : tensor<4x5x1xf32>, tensor<1x9x4xf32>, tensor<1x4x2x2xf32>
}

// -----

// Blocked pooling (NCHW4c): a window generic over (n, c, oh, ow, ci | kh, kw) with a
// [KH, KW] operand for the window, max over -inf padding; the blocked global average is a
// reduction to [N, C/c, c] then a scale and an expand to [N, C/c, 1, 1, c]; a packed
// dense weight [M/x, K, x] gives a [N, M/x, x] result.
// CHECK-LABEL: func @blocked_pools_dense
// CHECK: %[[NEGINF:.*]] = arith.constant 0xFF800000 : f32
// CHECK: tensor.pad {{.*}}low[0, 0, 1, 1, 0] high[0, 0, 1, 1, 0]
// CHECK: tensor.yield %[[NEGINF]]
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]
// CHECK-SAME: rqc.root
// CHECK: arith.maximumf
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "reduction", "reduction", "parallel"]
// CHECK: tensor.expand_shape {{.*}} into tensor<1x2x1x1x4xf32>
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<1x8xf32>, tensor<3x8x4xf32>) outs(%{{.*}} : tensor<1x3x4xf32>)
// CHECK-SAME: rqc.root
func.func @blocked_pools_dense(%x: tensor<1x2x8x8x4xf32>, %v: tensor<1x8xf32>, %w: tensor<3x8x4xf32>) -> (tensor<1x2x4x4x4xf32>, tensor<1x2x1x1x4xf32>, tensor<1x3x4xf32>) {
  %m = graph.max_pool2d %x {kernel = array<i64: 3, 3>, strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, ceil_mode = false, data_layout = "NCHW4c"} : (tensor<1x2x8x8x4xf32>) -> tensor<1x2x4x4x4xf32>
  %g = graph.global_avg_pool %x {data_layout = "NCHW4c"} : (tensor<1x2x8x8x4xf32>) -> tensor<1x2x1x1x4xf32>
  %d = graph.dense %v, %w {weight_layout = "MK4m"} : (tensor<1x8xf32>, tensor<3x8x4xf32>) -> tensor<1x3x4xf32>
  return %m, %g, %d : tensor<1x2x4x4x4xf32>, tensor<1x2x1x1x4xf32>, tensor<1x3x4xf32>
}

// -----

// Layout changes: plain -> blocked is an expand and one transpose, blocked -> plain one
// transpose and a collapse; a packed weight layout goes through OIHW.
// CHECK-LABEL: func @layout_transforms
// CHECK: tensor.expand_shape %arg0 {{\[}}[0], [1, 2], [3], [4]] output_shape [1, 2, 4, 3, 3]
// CHECK: linalg.transpose {{.*}} permutation = [0, 1, 3, 4, 2]
// CHECK: linalg.transpose ins(%arg1 : tensor<1x2x3x3x4xf32>) {{.*}} permutation = [0, 1, 4, 2, 3]
// CHECK: tensor.collapse_shape {{.*}} into tensor<1x8x3x3xf32>
// CHECK: linalg.transpose ins(%arg2 : tensor<2x1x1x1x4x8xf32>) {{.*}} permutation = [0, 5, 1, 4, 2, 3]
// CHECK: tensor.collapse_shape {{.*}} into tensor<16x4x1x1xf32>
func.func @layout_transforms(%x: tensor<1x8x3x3xf32>, %y: tensor<1x2x3x3x4xf32>, %w: tensor<2x1x1x1x4x8xf32>) -> (tensor<1x2x3x3x4xf32>, tensor<1x8x3x3xf32>, tensor<16x4x1x1xf32>) {
  %a = graph.layout_transform %x {src_layout = "NCHW", dst_layout = "NCHW4c"} : (tensor<1x8x3x3xf32>) -> tensor<1x2x3x3x4xf32>
  %b = graph.layout_transform %y {src_layout = "NCHW4c", dst_layout = "NCHW"} : (tensor<1x2x3x3x4xf32>) -> tensor<1x8x3x3xf32>
  %c = graph.layout_transform %w {src_layout = "OIHW4i8o", dst_layout = "OIHW"} : (tensor<2x1x1x1x4x8xf32>) -> tensor<16x4x1x1xf32>
  return %a, %b, %c : tensor<1x2x3x3x4xf32>, tensor<1x8x3x3xf32>, tensor<16x4x1x1xf32>
}
