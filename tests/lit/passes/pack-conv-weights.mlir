// RUN: rqc-opt %s -rqc-pack-conv-weights -split-input-file -verify-diagnostics | FileCheck %s

// OIHW [2, 2, 1, 2] -> OHWI [2, 1, 2, 2]: w'[o, 0, kw, i] = w[o, i, 0, kw].
// CHECK-LABEL: func @packs
// CHECK: %[[W:.*]] = graph.constant dense<{{\[\[\[\[}}1.000000e+00, 3.000000e+00], [2.000000e+00, 4.000000e+00]]], {{\[\[\[}}5.000000e+00, 7.000000e+00], [6.000000e+00, 8.000000e+00]]]]> : tensor<2x1x2x2xf32>
// CHECK: graph.conv2d %arg0, %[[W]] {{.*}}weight_layout = "OHWI"
// CHECK-NOT: tensor<2x2x1x2xf32>
func.func @packs(%x: tensor<1x2x3x3xf32>) -> tensor<1x2x3x2xf32> {
  %w = graph.constant dense<[[[[1.0, 2.0]], [[3.0, 4.0]]], [[[5.0, 6.0]], [[7.0, 8.0]]]]> : tensor<2x2x1x2xf32>
  %c = graph.conv2d %x, %w {dilations = array<i64: 1, 1>, groups = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x2x3x3xf32>, tensor<2x2x1x2xf32>) -> tensor<1x2x3x2xf32>
  return %c : tensor<1x2x3x2xf32>
}

// -----

// Grouped convolutions and weights that are not constants keep ONNX's layout.
// CHECK-LABEL: func @keeps
// CHECK: graph.conv2d %arg0, %arg1
// CHECK-NOT: OHWI
// CHECK: graph.conv2d %arg0, %{{.*}} {{{.*}}groups = 2
// CHECK-NOT: OHWI
func.func @keeps(%x: tensor<1x2x3x3xf32>, %w: tensor<2x2x1x1xf32>) -> (tensor<1x2x3x3xf32>, tensor<1x2x3x3xf32>) {
  %a = graph.conv2d %x, %w {dilations = array<i64: 1, 1>, groups = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x2x3x3xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x3x3xf32>
  %g = graph.constant dense<1.0> : tensor<2x1x1x1xf32>
  %b = graph.conv2d %x, %g {dilations = array<i64: 1, 1>, groups = 2 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x2x3x3xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x3x3xf32>
  return %a, %b : tensor<1x2x3x3xf32>, tensor<1x2x3x3xf32>
}

// -----

// An OHWI weight with groups > 1 is refused.
func.func @bad_layout(%x: tensor<1x2x3x3xf32>, %w: tensor<1x1x1x2xf32>) -> tensor<1x2x3x3xf32> {
  // expected-error@+2 {{an OHWI weight needs groups = 1}}
  // expected-error@+1 {{failed to infer returned types}}
  %b = graph.conv2d %x, %w {dilations = array<i64: 1, 1>, groups = 2 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>, weight_layout = "OHWI"} : (tensor<1x2x3x3xf32>, tensor<1x1x1x2xf32>) -> tensor<1x2x3x3xf32>
  return %b : tensor<1x2x3x3xf32>
}

// -----

// A weight shared by two convolutions is packed once; the original goes when unused.
// CHECK-LABEL: func @shared
// CHECK-COUNT-1: graph.constant
// CHECK-NOT: graph.constant
// CHECK: graph.conv2d %arg0, %[[P:[^ ]*]] {{.*}}weight_layout = "OHWI"
// CHECK: graph.conv2d %arg0, %[[P]] {{.*}}weight_layout = "OHWI"
func.func @shared(%x: tensor<1x2x3x3xf32>) -> (tensor<1x2x3x3xf32>, tensor<1x2x3x3xf32>) {
  %w = graph.constant dense<1.0> : tensor<2x2x1x1xf32>
  %a = graph.conv2d %x, %w {dilations = array<i64: 1, 1>, groups = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x2x3x3xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x3x3xf32>
  %b = graph.conv2d %x, %w {dilations = array<i64: 1, 1>, groups = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x2x3x3xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x3x3xf32>
  return %a, %b : tensor<1x2x3x3xf32>, tensor<1x2x3x3xf32>
}

// -----

// An unknown weight layout is refused by the shape rule.
func.func @unknown_layout(%x: tensor<1x2x3x3xf32>, %w: tensor<2x2x1x1xf32>) -> tensor<1x2x3x3xf32> {
  // expected-error@+2 {{weight_layout must be OIHW or OHWI, got HWIO}}
  // expected-error@+1 {{failed to infer returned types}}
  %b = graph.conv2d %x, %w {dilations = array<i64: 1, 1>, groups = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>, weight_layout = "HWIO"} : (tensor<1x2x3x3xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x3x3xf32>
  return %b : tensor<1x2x3x3xf32>
}
