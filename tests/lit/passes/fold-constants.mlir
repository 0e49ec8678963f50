// RUN: rqc-opt %s -rqc-fold-constants | FileCheck %s

// CHECK-LABEL: func @fold
// CHECK: %[[C:.*]] = graph.constant dense<{{\[}}[4.000000e+00, 6.000000e+00], [5.000000e+00, 7.000000e+00]]> : tensor<2x2xf32>
// CHECK: graph.add %arg0, %[[C]]
// CHECK-NOT: graph.transpose
func.func @fold(%x: tensor<2x2xf32>) -> tensor<2x2xf32> {
  %a = graph.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %b = graph.constant dense<3.0> : tensor<2xf32>
  %s = graph.add %a, %b : (tensor<2x2xf32>, tensor<2xf32>) -> tensor<2x2xf32>
  %t = graph.transpose %s {perm = array<i64: 1, 0>} : (tensor<2x2xf32>) -> tensor<2x2xf32>
  %y = graph.add %x, %t : (tensor<2x2xf32>, tensor<2x2xf32>) -> tensor<2x2xf32>
  return %y : tensor<2x2xf32>
}

// Quantization of a constant weight folds to int8 data.
// CHECK-LABEL: func @quantized_weight
// CHECK: graph.constant dense<[2, -2, 127]> : tensor<3xi8>
// CHECK-NOT: graph.quantize
func.func @quantized_weight() -> tensor<3xi8> {
  %w = graph.constant dense<[1.0, -1.0, 100.0]> : tensor<3xf32>
  %q = graph.quantize %w {scale = array<f32: 0.5>, zero_point = array<i32: 0>, axis = 0 : i64} : (tensor<3xf32>) -> tensor<3xi8>
  return %q : tensor<3xi8>
}
