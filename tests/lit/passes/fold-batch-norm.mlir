// RUN: rqc-opt %s -rqc-fold-batch-norm -split-input-file | FileCheck %s

// a = scale / sqrt(var + eps) = 4 / sqrt(3 + 1) = 2; W' = 1 * 2; b' = (3 - mean 1) * 2 + beta 0.5 = 4.5
// CHECK-LABEL: func @conv_bn
// CHECK-DAG: %[[W:.*]] = graph.constant dense<2.000000e+00> : tensor<8x3x3x3xf32>
// CHECK-DAG: %[[B:.*]] = graph.constant dense<4.500000e+00> : tensor<8xf32>
// CHECK: graph.conv2d %arg0, %[[W]], %[[B]]
// CHECK-NOT: graph.batch_norm
func.func @conv_bn(%x: tensor<1x3x8x8xf32>) -> tensor<1x8x6x6xf32> {
  %w = graph.constant dense<1.0> : tensor<8x3x3x3xf32>
  %b = graph.constant dense<3.0> : tensor<8xf32>
  %c = graph.conv2d %x, %w, %b {dilations = array<i64: 1, 1>, groups = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x3x8x8xf32>, tensor<8x3x3x3xf32>, tensor<8xf32>) -> tensor<1x8x6x6xf32>
  %scale = graph.constant dense<4.0> : tensor<8xf32>
  %beta = graph.constant dense<0.5> : tensor<8xf32>
  %mean = graph.constant dense<1.0> : tensor<8xf32>
  %var = graph.constant dense<3.0> : tensor<8xf32>
  %y = graph.batch_norm %c, %scale, %beta, %mean, %var {epsilon = 1.0 : f32} : (tensor<1x8x6x6xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<1x8x6x6xf32>
  return %y : tensor<1x8x6x6xf32>
}

// -----

// Without a convolution: x * 2 + (0.5 - 1 * 2).
// CHECK-LABEL: func @standalone_bn
// CHECK-DAG: %[[A:.*]] = graph.constant dense<2.000000e+00> : tensor<8x1x1xf32>
// CHECK-DAG: %[[S:.*]] = graph.constant dense<-1.500000e+00> : tensor<8x1x1xf32>
// CHECK: %[[M:.*]] = graph.mul %arg0, %[[A]]
// CHECK: graph.add %[[M]], %[[S]]
func.func @standalone_bn(%x: tensor<1x8x6x6xf32>) -> tensor<1x8x6x6xf32> {
  %scale = graph.constant dense<4.0> : tensor<8xf32>
  %beta = graph.constant dense<0.5> : tensor<8xf32>
  %mean = graph.constant dense<1.0> : tensor<8xf32>
  %var = graph.constant dense<3.0> : tensor<8xf32>
  %y = graph.batch_norm %x, %scale, %beta, %mean, %var {epsilon = 1.0 : f32} : (tensor<1x8x6x6xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<1x8x6x6xf32>
  return %y : tensor<1x8x6x6xf32>
}

// -----

// A convolution with a second user keeps its output: batch_norm becomes a multiply-add.
// CHECK-LABEL: func @shared_conv
// CHECK: graph.conv2d
// CHECK: graph.mul
// CHECK: graph.add
func.func @shared_conv(%x: tensor<1x3x8x8xf32>) -> (tensor<1x8x6x6xf32>, tensor<1x8x6x6xf32>) {
  %w = graph.constant dense<1.0> : tensor<8x3x3x3xf32>
  %c = graph.conv2d %x, %w {dilations = array<i64: 1, 1>, groups = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x3x8x8xf32>, tensor<8x3x3x3xf32>) -> tensor<1x8x6x6xf32>
  %p = graph.constant dense<1.0> : tensor<8xf32>
  %y = graph.batch_norm %c, %p, %p, %p, %p {epsilon = 1.0e-5 : f32} : (tensor<1x8x6x6xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<1x8x6x6xf32>
  return %c, %y : tensor<1x8x6x6xf32>, tensor<1x8x6x6xf32>
}
