// RUN: rqc-opt %s -split-input-file -pass-pipeline='builtin.module(func.func(rqc-lower-to-linalg))' | FileCheck %s

// An ungrouped convolution runs channels-last between layout changes: input NCHW -> NHWC,
// weight OIHW -> HWIO, bias broadcast along the last dimension, result back to NCHW for
// the epilogue.
// CHECK-LABEL: func @conv_bias_relu
// CHECK: tensor.pad
// CHECK: linalg.transpose ins(%padded : tensor<1x3x10x10xf32>) outs(%{{.*}} : tensor<1x10x10x3xf32>) permutation = [0, 2, 3, 1]
// CHECK: linalg.transpose ins(%arg1 : tensor<8x3x3x3xf32>) outs(%{{.*}} : tensor<3x3x3x8xf32>) permutation = [2, 3, 1, 0]
// CHECK: linalg.generic {{.*}}ins(%arg2 : tensor<8xf32>) outs(%{{.*}} : tensor<1x4x4x8xf32>)
// CHECK: linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
// CHECK: linalg.transpose ins(%{{.*}} : tensor<1x4x4x8xf32>) outs(%{{.*}} : tensor<1x8x4x4xf32>) permutation = [0, 3, 1, 2]
// CHECK: linalg.generic
// CHECK: arith.maximumf
// CHECK-NOT: graph.
func.func @conv_bias_relu(%x: tensor<1x3x8x8xf32>, %w: tensor<8x3x3x3xf32>, %b: tensor<8xf32>) -> tensor<1x8x4x4xf32> {
  %c = graph.conv2d %x, %w, %b {dilations = array<i64: 1, 1>, groups = 1 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<1x3x8x8xf32>, tensor<8x3x3x3xf32>, tensor<8xf32>) -> tensor<1x8x4x4xf32>
  %r = graph.relu %c : tensor<1x8x4x4xf32>
  return %r : tensor<1x8x4x4xf32>
}

// -----

// Depthwise: channels-last too, the [C, 1, KH, KW] filter as [KH, KW, C].
// CHECK-LABEL: func @depthwise
// CHECK: %[[W:.*]] = tensor.collapse_shape %arg1 {{\[}}[0, 1], [2], [3]]
// CHECK: linalg.transpose ins(%padded : tensor<1x8x10x10xf32>) outs(%{{.*}} : tensor<1x10x10x8xf32>) permutation = [0, 2, 3, 1]
// CHECK: linalg.transpose ins(%[[W]] : tensor<8x3x3xf32>) outs(%{{.*}} : tensor<3x3x8xf32>) permutation = [1, 2, 0]
// CHECK: linalg.depthwise_conv_2d_nhwc_hwc
// CHECK: linalg.transpose ins(%{{.*}} : tensor<1x8x8x8xf32>) outs(%{{.*}} : tensor<1x8x8x8xf32>) permutation = [0, 3, 1, 2]
func.func @depthwise(%x: tensor<1x8x8x8xf32>, %w: tensor<8x1x3x3xf32>) -> tensor<1x8x8x8xf32> {
  %c = graph.conv2d %x, %w {dilations = array<i64: 1, 1>, groups = 8 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x8x8x8xf32>, tensor<8x1x3x3xf32>) -> tensor<1x8x8x8xf32>
  return %c : tensor<1x8x8x8xf32>
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

// Max pooling channels-last between transposes (ceil_mode pads the end by one).
// CHECK-LABEL: func @pools_dense_softmax
// CHECK: linalg.transpose ins(%{{.*}} : tensor<1x4x9x9xf32>) outs(%{{.*}} : tensor<1x9x9x4xf32>) permutation = [0, 2, 3, 1]
// CHECK: linalg.pooling_nhwc_max {{.*}} outs(%{{.*}} : tensor<1x4x4x4xf32>)
// CHECK: linalg.transpose {{.*}} permutation = [0, 3, 1, 2]
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

// Weights repacked at compile time (rqc-pack-conv-weights, OHWI) take another permutation.
// CHECK-LABEL: func @ohwi_conv
// CHECK: linalg.transpose ins(%arg1 : tensor<8x3x3x4xf32>) outs(%{{.*}} : tensor<3x3x4x8xf32>) permutation = [1, 2, 3, 0]
// CHECK: linalg.conv_2d_nhwc_hwcf
func.func @ohwi_conv(%x: tensor<1x4x7x7xf32>, %w: tensor<8x3x3x4xf32>) -> tensor<1x8x4x4xf32> {
  %c = graph.conv2d %x, %w {dilations = array<i64: 1, 1>, groups = 1 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>, weight_layout = "OHWI"} : (tensor<1x4x7x7xf32>, tensor<8x3x3x4xf32>) -> tensor<1x8x4x4xf32>
  return %c : tensor<1x8x4x4xf32>
}
