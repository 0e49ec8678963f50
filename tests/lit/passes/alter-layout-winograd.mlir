// RUN: rqc-opt %s -split-input-file --rqc-alter-layout | FileCheck %s

// A convolution whose schedule has a "winograd" step becomes a filter transform (a
// constant, folded at compile time by rqc-fold-constants) and graph.conv2d_winograd, whose
// result is in output tiles: NCH4hW4w8c, [N, C/8, H/4, 4, W/4, 4, 8], the bytes of NCHW8c.
// The ReLU follows it in that layout; the model's result changes back to NCHW once.
// CHECK-LABEL: func @main
// CHECK: %[[X:.*]] = graph.layout_transform %arg0 {dst_layout = "NCHW4c", src_layout = "NCHW"} : (tensor<1x8x8x8xf32>) -> tensor<1x2x8x8x4xf32>
// CHECK: %[[U:.*]] = graph.winograd_weight_transform %{{.*}} {input_block = 4 : i64, output_block = 8 : i64, tile_size = 4 : i64} : (tensor<8x8x3x3xf32>) -> tensor<6x6x1x2x4x8xf32>
// CHECK: %[[Y:.*]] = graph.conv2d_winograd %[[X]], %[[U]], %{{.*}} {pads = array<i64: 1, 1, 1, 1>, {{.*}}tile_size = 4 : i64} : (tensor<1x2x8x8x4xf32>, tensor<6x6x1x2x4x8xf32>, tensor<8xf32>) -> tensor<1x1x2x4x2x4x8xf32>
// CHECK: %[[R:.*]] = graph.relu %[[Y]] : tensor<1x1x2x4x2x4x8xf32>
// CHECK: %[[O:.*]] = graph.layout_transform %[[R]] {dst_layout = "NCHW", src_layout = "NCH4hW4w8c"}
// CHECK: return %[[O]]
func.func @main(%x: tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32> {
  %w = graph.constant dense<1.0> : tensor<8x8x3x3xf32>
  %b = graph.constant dense<0.5> : tensor<8xf32>
  %a = graph.conv2d %x, %w, %b {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, groups = 1 : i64,
         rqc.schedule = {template = "t", steps = [["pack", "input", "NCHW4c"], ["pack", "weight", "OIHW4i8o"], ["pack", "output", "NCH4hW4w8c"], ["winograd", "root", [4]]]}}
       : (tensor<1x8x8x8xf32>, tensor<8x8x3x3xf32>, tensor<8xf32>) -> tensor<1x8x8x8xf32>
  %r = graph.relu %a : tensor<1x8x8x8xf32>
  return %r : tensor<1x8x8x8xf32>
}

// -----

// Two Winograd convolutions in a row: the first one's output tiles (NCH2hW2w8c) are the
// bytes of NCHW8c, so the second reads them through a reshape, not a layout change.
// CHECK-LABEL: func @chain
// CHECK: graph.conv2d_winograd {{.*}} -> tensor<1x1x4x2x4x2x8xf32>
// CHECK-NEXT: %[[P:.*]] = graph.reshape %{{.*}} : (tensor<1x1x4x2x4x2x8xf32>) -> tensor<1x1x8x8x8xf32>
// CHECK: graph.conv2d_winograd %[[P]]
func.func @chain(%x: tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32> {
  %w = graph.constant dense<1.0> : tensor<8x8x3x3xf32>
  %a = graph.conv2d %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, groups = 1 : i64,
         rqc.schedule = {template = "t", steps = [["pack", "input", "NCHW8c"], ["pack", "weight", "OIHW8i8o"], ["pack", "output", "NCH2hW2w8c"], ["winograd", "root", [2]]]}}
       : (tensor<1x8x8x8xf32>, tensor<8x8x3x3xf32>) -> tensor<1x8x8x8xf32>
  %c = graph.conv2d %a, %w {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, groups = 1 : i64,
         rqc.schedule = {template = "t", steps = [["pack", "input", "NCHW8c"], ["pack", "weight", "OIHW8i8o"], ["pack", "output", "NCH4hW4w8c"], ["winograd", "root", [4]]]}}
       : (tensor<1x8x8x8xf32>, tensor<8x8x3x3xf32>) -> tensor<1x8x8x8xf32>
  return %c : tensor<1x8x8x8xf32>
}
