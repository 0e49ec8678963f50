// RUN: rqc-opt %s -rqc-partition-vta -split-input-file | FileCheck %s

// Two int8 convolutions with power-of-two scales: sy / (sx * sw) = 2^-3 / (2^-4 * 2^-6)
// = 2^7, a shift by 7; the bias (100 at scale sx * sw) gets the rounding 2^6 = 64; the
// first ReLU becomes the clip at 0. The data is packed once before the first and unpacked
// once after the second (Pynq: NCHW1n16c, weights OIHW16o16i).
// CHECK-LABEL: func @chain
// CHECK: %[[XP:.*]] = graph.layout_transform %arg0 {dst_layout = "NCHW1n16c", src_layout = "NCHW"} : (tensor<1x16x4x4xi8>) -> tensor<1x1x4x4x1x16xi8>
// CHECK: %[[W1:.*]] = graph.layout_transform %{{.*}} {dst_layout = "OIHW16o16i", src_layout = "OIHW"} : (tensor<16x16x3x3xi8>) -> tensor<1x1x3x3x16x16xi8>
// CHECK: %[[B1:.*]] = graph.constant dense<164> : tensor<1x1x16xi32>
// CHECK: %[[Y1:.*]] = graph.vta_conv2d %[[XP]], %[[W1]], %[[B1]] {pads = array<i64: 1, 1, 1, 1>, relu, shift = 7 : i32, strides = array<i64: 1, 1>} : (tensor<1x1x4x4x1x16xi8>, tensor<1x1x3x3x16x16xi8>, tensor<1x1x16xi32>) -> tensor<1x1x4x4x1x16xi8>
// CHECK-NOT: graph.layout_transform %{{.*}} {dst_layout = "NCHW"
// CHECK: %[[B2:.*]] = graph.constant dense<64> : tensor<2x1x16xi32>
// CHECK: %[[Y2:.*]] = graph.vta_conv2d %[[Y1]], %{{.*}}, %[[B2]] {pads = array<i64: 0, 0, 0, 0>, shift = 7 : i32, strides = array<i64: 1, 1>} : (tensor<1x1x4x4x1x16xi8>, tensor<2x1x1x1x16x16xi8>, tensor<2x1x16xi32>) -> tensor<1x2x4x4x1x16xi8>
// CHECK: %[[Y:.*]] = graph.layout_transform %[[Y2]] {dst_layout = "NCHW", src_layout = "NCHW1n16c"} : (tensor<1x2x4x4x1x16xi8>) -> tensor<1x32x4x4xi8>
// CHECK: return %[[Y]]
// CHECK-NOT: graph.conv2d
// CHECK-NOT: graph.dequantize
func.func @chain(%x: tensor<1x16x4x4xi8>) -> tensor<1x32x4x4xi8> {
  %xd = graph.dequantize %x {axis = 0 : i64, scale = array<f32: 0.0625>, zero_point = array<i32: 0>} : (tensor<1x16x4x4xi8>) -> tensor<1x16x4x4xf32>
  %w1 = graph.constant dense<1> : tensor<16x16x3x3xi8>
  %w1d = graph.dequantize %w1 {axis = 0 : i64, scale = array<f32: 0.015625>, zero_point = array<i32: 0>} : (tensor<16x16x3x3xi8>) -> tensor<16x16x3x3xf32>
  %b1 = graph.constant dense<100> : tensor<16xi32>
  %b1d = graph.dequantize %b1 {axis = 0 : i64, scale = array<f32: 0.0009765625>, zero_point = array<i32: 0>} : (tensor<16xi32>) -> tensor<16xf32>
  %c1 = graph.conv2d %xd, %w1d, %b1d {dilations = array<i64: 1, 1>, groups = 1 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x16x4x4xf32>, tensor<16x16x3x3xf32>, tensor<16xf32>) -> tensor<1x16x4x4xf32>
  %r1 = graph.relu %c1 : tensor<1x16x4x4xf32>
  %y1 = graph.quantize %r1 {axis = 0 : i64, scale = array<f32: 0.125>, zero_point = array<i32: 0>} : (tensor<1x16x4x4xf32>) -> tensor<1x16x4x4xi8>
  %y1d = graph.dequantize %y1 {axis = 0 : i64, scale = array<f32: 0.125>, zero_point = array<i32: 0>} : (tensor<1x16x4x4xi8>) -> tensor<1x16x4x4xf32>
  %w2 = graph.constant dense<-1> : tensor<32x16x1x1xi8>
  %w2d = graph.dequantize %w2 {axis = 0 : i64, scale = array<f32: 0.0078125>, zero_point = array<i32: 0>} : (tensor<32x16x1x1xi8>) -> tensor<32x16x1x1xf32>
  %c2 = graph.conv2d %y1d, %w2d {dilations = array<i64: 1, 1>, groups = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x16x4x4xf32>, tensor<32x16x1x1xf32>) -> tensor<1x32x4x4xf32>
  %y2 = graph.quantize %c2 {axis = 0 : i64, scale = array<f32: 0.125>, zero_point = array<i32: 0>} : (tensor<1x32x4x4xf32>) -> tensor<1x32x4x4xi8>
  return %y2 : tensor<1x32x4x4xi8>
}

// -----

// Per-channel power-of-two weight scales: one shift per output channel (a shifts operand,
// laid out as the bias), each bias with its own rounding: channels with sw = 2^-6 shift
// by 7 (bias 64), with sw = 2^-5 by 6 (bias 32).
// CHECK-LABEL: func @per_channel
// CHECK-DAG: %[[B:.*]] = graph.constant dense<{{\[\[\[}}64, 32, 64, 32, 64, 32, 64, 32, 64, 32, 64, 32, 64, 32, 64, 32]]]> : tensor<1x1x16xi32>
// CHECK-DAG: %[[S:.*]] = graph.constant dense<{{\[\[\[}}7, 6, 7, 6, 7, 6, 7, 6, 7, 6, 7, 6, 7, 6, 7, 6]]]> : tensor<1x1x16xi32>
// CHECK: graph.vta_conv2d %{{.*}}, %{{.*}}, %[[B]], %[[S]] {pads = array<i64: 0, 0, 0, 0>, shift = 0 : i32, strides = array<i64: 2, 2>}
func.func @per_channel(%x: tensor<1x16x4x4xi8>) -> tensor<1x16x2x2xi8> {
  %xd = graph.dequantize %x {axis = 0 : i64, scale = array<f32: 0.0625>, zero_point = array<i32: 0>} : (tensor<1x16x4x4xi8>) -> tensor<1x16x4x4xf32>
  %w = graph.constant dense<3> : tensor<16x16x1x1xi8>
  %wd = graph.dequantize %w {axis = 0 : i64, scale = array<f32: 0.015625, 0.03125, 0.015625, 0.03125, 0.015625, 0.03125, 0.015625, 0.03125, 0.015625, 0.03125, 0.015625, 0.03125, 0.015625, 0.03125, 0.015625, 0.03125>, zero_point = array<i32: 0>} : (tensor<16x16x1x1xi8>) -> tensor<16x16x1x1xf32>
  %c = graph.conv2d %xd, %wd {dilations = array<i64: 1, 1>, groups = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>} : (tensor<1x16x4x4xf32>, tensor<16x16x1x1xf32>) -> tensor<1x16x2x2xf32>
  %y = graph.quantize %c {axis = 0 : i64, scale = array<f32: 0.125>, zero_point = array<i32: 0>} : (tensor<1x16x2x2xf32>) -> tensor<1x16x2x2xi8>
  return %y : tensor<1x16x2x2xi8>
}

// -----

// Left on the host: 3 input channels (not a whole block), a scale ratio that is not a
// power of two, an input zero point.
// CHECK-LABEL: func @host
// CHECK-NOT: graph.vta_conv2d
// CHECK-COUNT-3: graph.conv2d
func.func @host(%x: tensor<1x3x4x4xi8>, %x2: tensor<1x16x4x4xi8>) -> (tensor<1x16x4x4xi8>, tensor<1x16x4x4xi8>, tensor<1x16x4x4xi8>) {
  %xd = graph.dequantize %x {axis = 0 : i64, scale = array<f32: 0.0625>, zero_point = array<i32: 0>} : (tensor<1x3x4x4xi8>) -> tensor<1x3x4x4xf32>
  %w = graph.constant dense<1> : tensor<16x3x1x1xi8>
  %wd = graph.dequantize %w {axis = 0 : i64, scale = array<f32: 0.015625>, zero_point = array<i32: 0>} : (tensor<16x3x1x1xi8>) -> tensor<16x3x1x1xf32>
  %c = graph.conv2d %xd, %wd {dilations = array<i64: 1, 1>, groups = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x3x4x4xf32>, tensor<16x3x1x1xf32>) -> tensor<1x16x4x4xf32>
  %y = graph.quantize %c {axis = 0 : i64, scale = array<f32: 0.125>, zero_point = array<i32: 0>} : (tensor<1x16x4x4xf32>) -> tensor<1x16x4x4xi8>
  %x2d = graph.dequantize %x2 {axis = 0 : i64, scale = array<f32: 0.1>, zero_point = array<i32: 0>} : (tensor<1x16x4x4xi8>) -> tensor<1x16x4x4xf32>
  %w2 = graph.constant dense<1> : tensor<16x16x1x1xi8>
  %w2d = graph.dequantize %w2 {axis = 0 : i64, scale = array<f32: 0.015625>, zero_point = array<i32: 0>} : (tensor<16x16x1x1xi8>) -> tensor<16x16x1x1xf32>
  %c2 = graph.conv2d %x2d, %w2d {dilations = array<i64: 1, 1>, groups = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x16x4x4xf32>, tensor<16x16x1x1xf32>) -> tensor<1x16x4x4xf32>
  %y2 = graph.quantize %c2 {axis = 0 : i64, scale = array<f32: 0.125>, zero_point = array<i32: 0>} : (tensor<1x16x4x4xf32>) -> tensor<1x16x4x4xi8>
  %x3d = graph.dequantize %x2 {axis = 0 : i64, scale = array<f32: 0.0625>, zero_point = array<i32: 3>} : (tensor<1x16x4x4xi8>) -> tensor<1x16x4x4xf32>
  %c3 = graph.conv2d %x3d, %w2d {dilations = array<i64: 1, 1>, groups = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x16x4x4xf32>, tensor<16x16x1x1xf32>) -> tensor<1x16x4x4xf32>
  %y3 = graph.quantize %c3 {axis = 0 : i64, scale = array<f32: 0.125>, zero_point = array<i32: 0>} : (tensor<1x16x4x4xf32>) -> tensor<1x16x4x4xi8>
  return %y, %y2, %y3 : tensor<1x16x4x4xi8>, tensor<1x16x4x4xi8>, tensor<1x16x4x4xi8>
}

// -----

// A ReLU6 (Clip 0..6) quantized with scale 2^-3: the clip becomes the epilogue's bounds,
// 0 and round(6 / 0.125) = 48.
// CHECK-LABEL: func @relu6
// CHECK: graph.vta_conv2d %{{.*}}, %{{.*}}, %{{.*}} {clip_high = 48 : i32, pads = array<i64: 0, 0, 0, 0>, relu, shift = 7 : i32, strides = array<i64: 1, 1>}
// CHECK-NOT: graph.clip
func.func @relu6(%x: tensor<1x16x4x4xi8>) -> tensor<1x16x4x4xi8> {
  %xd = graph.dequantize %x {axis = 0 : i64, scale = array<f32: 0.0625>, zero_point = array<i32: 0>} : (tensor<1x16x4x4xi8>) -> tensor<1x16x4x4xf32>
  %w = graph.constant dense<1> : tensor<16x16x1x1xi8>
  %wd = graph.dequantize %w {axis = 0 : i64, scale = array<f32: 0.015625>, zero_point = array<i32: 0>} : (tensor<16x16x1x1xi8>) -> tensor<16x16x1x1xf32>
  %c = graph.conv2d %xd, %wd {dilations = array<i64: 1, 1>, groups = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x16x4x4xf32>, tensor<16x16x1x1xf32>) -> tensor<1x16x4x4xf32>
  %r = graph.clip %c {min = 0.0 : f32, max = 6.0 : f32} : tensor<1x16x4x4xf32>
  %y = graph.quantize %r {axis = 0 : i64, scale = array<f32: 0.125>, zero_point = array<i32: 0>} : (tensor<1x16x4x4xf32>) -> tensor<1x16x4x4xi8>
  return %y : tensor<1x16x4x4xi8>
}
