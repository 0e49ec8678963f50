// Folders: reshape to the same type disappears; reshape of a constant folds.
// RUN: rqc-opt %s -canonicalize | FileCheck %s

// CHECK-LABEL: func @reshape_noop
// CHECK-NOT: graph.reshape
// CHECK: return %arg0
func.func @reshape_noop(%x: tensor<1x64xf32>) -> tensor<1x64xf32> {
  %r = graph.reshape %x : (tensor<1x64xf32>) -> tensor<1x64xf32>
  return %r : tensor<1x64xf32>
}

// CHECK-LABEL: func @reshape_constant
// CHECK: %[[C:.*]] = graph.constant dense<2.000000e+00> : tensor<4x16xf32>
// CHECK-NOT: graph.reshape
// CHECK: return %[[C]]
func.func @reshape_constant() -> tensor<4x16xf32> {
  %c = graph.constant dense<2.0> : tensor<64xf32>
  %r = graph.reshape %c : (tensor<64xf32>) -> tensor<4x16xf32>
  return %r : tensor<4x16xf32>
}
