// RUN: rqc-opt %s -rqc-qdq-to-integer -split-input-file | FileCheck %s

// quantize(relu(conv2d(dequantize(x), dequantize(W), dequantize(b)))) with the output zero
// point at the uint8 minimum: the ReLU goes (saturation clamps there), the bias is taken
// as the quantizer's i32 and the multiplier is sx * sw[c] / sy per channel.
// CHECK-LABEL: func @conv_relu
// CHECK-DAG: %[[W:.*]] = graph.constant dense<1> : tensor<8x4x3x3xi8>
// CHECK-DAG: %[[B:.*]] = graph.constant dense<7> : tensor<8xi32>
// CHECK: %[[ACC:.*]] = graph.conv2d_integer %arg0, %[[W]], %[[B]] {{{.*}}input_zero_point = 128 : i32{{.*}}}
// CHECK: graph.requantize %[[ACC]] {axis = 1 : i64, scale = array<f32: 2.000000e-03, 4.000000e-03, 2.000000e-03, 4.000000e-03, 2.000000e-03, 4.000000e-03, 2.000000e-03, 4.000000e-03>, zero_point = 0 : i32}
// CHECK-NOT: graph.relu
// CHECK-NOT: graph.conv2d {{.*}}
// CHECK-NOT: graph.dequantize
func.func @conv_relu(%x: tensor<1x4x8x8xui8>) -> tensor<1x8x8x8xui8> {
  %xd = graph.dequantize %x {axis = 0 : i64, scale = array<f32: 0.1>, zero_point = array<i32: 128>} : (tensor<1x4x8x8xui8>) -> tensor<1x4x8x8xf32>
  %wq = graph.constant dense<1> : tensor<8x4x3x3xi8>
  %wd = graph.dequantize %wq {axis = 0 : i64, scale = array<f32: 0.01, 0.02, 0.01, 0.02, 0.01, 0.02, 0.01, 0.02>, zero_point = array<i32: 0>} : (tensor<8x4x3x3xi8>) -> tensor<8x4x3x3xf32>
  %bq = graph.constant dense<7> : tensor<8xi32>
  %bd = graph.dequantize %bq {axis = 0 : i64, scale = array<f32: 0.001, 0.002, 0.001, 0.002, 0.001, 0.002, 0.001, 0.002>, zero_point = array<i32: 0>} : (tensor<8xi32>) -> tensor<8xf32>
  %c = graph.conv2d %xd, %wd, %bd {dilations = array<i64: 1, 1>, groups = 1 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x4x8x8xf32>, tensor<8x4x3x3xf32>, tensor<8xf32>) -> tensor<1x8x8x8xf32>
  %r = graph.relu %c : tensor<1x8x8x8xf32>
  %y = graph.quantize %r {axis = 0 : i64, scale = array<f32: 0.5>, zero_point = array<i32: 0>} : (tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xui8>
  return %y : tensor<1x8x8x8xui8>
}

// -----

// A float bias is rounded to units of sx * sw: 0.5 / (0.1 * 0.01) = 500 (one weight scale:
// one multiplier, per tensor).
// CHECK-LABEL: func @float_bias
// CHECK-DAG: %[[B:.*]] = graph.constant dense<500> : tensor<8xi32>
// CHECK: %[[ACC:.*]] = graph.conv2d_integer %arg0, %{{.*}}, %[[B]]
// CHECK: graph.requantize %[[ACC]] {axis = 0 : i64, scale = array<f32: 2.000000e-03>, zero_point = 128 : i32}
func.func @float_bias(%x: tensor<1x4x8x8xui8>) -> tensor<1x8x6x6xui8> {
  %xd = graph.dequantize %x {axis = 0 : i64, scale = array<f32: 0.1>, zero_point = array<i32: 128>} : (tensor<1x4x8x8xui8>) -> tensor<1x4x8x8xf32>
  %wq = graph.constant dense<1> : tensor<8x4x3x3xi8>
  %wd = graph.dequantize %wq {axis = 0 : i64, scale = array<f32: 0.01>, zero_point = array<i32: 0>} : (tensor<8x4x3x3xi8>) -> tensor<8x4x3x3xf32>
  %b = graph.constant dense<0.5> : tensor<8xf32>
  %c = graph.conv2d %xd, %wd, %b {dilations = array<i64: 1, 1>, groups = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x4x8x8xf32>, tensor<8x4x3x3xf32>, tensor<8xf32>) -> tensor<1x8x6x6xf32>
  %y = graph.quantize %c {axis = 0 : i64, scale = array<f32: 0.5>, zero_point = array<i32: 128>} : (tensor<1x8x6x6xf32>) -> tensor<1x8x6x6xui8>
  return %y : tensor<1x8x6x6xui8>
}

// -----

// Left in float: a ReLU whose output zero point is not the type's minimum (the clamp at
// the zero point is not the saturation).
// CHECK-LABEL: func @kept_float
// CHECK-NOT: graph.conv2d_integer
// CHECK: graph.relu
func.func @kept_float(%x: tensor<1x4x8x8xui8>) -> tensor<1x8x6x6xui8> {
  %xd = graph.dequantize %x {axis = 0 : i64, scale = array<f32: 0.1>, zero_point = array<i32: 128>} : (tensor<1x4x8x8xui8>) -> tensor<1x4x8x8xf32>
  %wq = graph.constant dense<1> : tensor<8x4x3x3xi8>
  %wd = graph.dequantize %wq {axis = 0 : i64, scale = array<f32: 0.01>, zero_point = array<i32: 0>} : (tensor<8x4x3x3xi8>) -> tensor<8x4x3x3xf32>
  %c = graph.conv2d %xd, %wd {dilations = array<i64: 1, 1>, groups = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x4x8x8xf32>, tensor<8x4x3x3xf32>) -> tensor<1x8x6x6xf32>
  %r = graph.relu %c : tensor<1x8x6x6xf32>
  %y = graph.quantize %r {axis = 0 : i64, scale = array<f32: 0.5>, zero_point = array<i32: 10>} : (tensor<1x8x6x6xf32>) -> tensor<1x8x6x6xui8>
  return %y : tensor<1x8x6x6xui8>
}

// -----

// Three input channels (an RGB first convolution) are padded to four: the data with its
// zero point, the weights with zeros.
// CHECK-LABEL: func @rgb
// CHECK-DAG: %[[W:.*]] = graph.constant dense<{{\[\[\[\[}}1]], {{\[\[}}2]], {{\[\[}}3]], {{\[\[}}0]]]{{.*}}> : tensor<8x4x1x1xi8>
// CHECK-DAG: %[[X:.*]] = graph.pad %arg0 {mode = "constant", pads = array<i64: 0, 0, 0, 0, 0, 1, 0, 0>, value = 1.280000e+02 : f32} : (tensor<1x3x8x8xui8>) -> tensor<1x4x8x8xui8>
// CHECK: graph.conv2d_integer %[[X]], %[[W]]
func.func @rgb(%x3: tensor<1x3x8x8xui8>) -> tensor<1x8x8x8xui8> {
  %x3d = graph.dequantize %x3 {axis = 0 : i64, scale = array<f32: 0.1>, zero_point = array<i32: 128>} : (tensor<1x3x8x8xui8>) -> tensor<1x3x8x8xf32>
  %w3q = graph.constant dense<[[[[1]], [[2]], [[3]]], [[[1]], [[2]], [[3]]], [[[1]], [[2]], [[3]]], [[[1]], [[2]], [[3]]], [[[1]], [[2]], [[3]]], [[[1]], [[2]], [[3]]], [[[1]], [[2]], [[3]]], [[[1]], [[2]], [[3]]]]> : tensor<8x3x1x1xi8>
  %w3d = graph.dequantize %w3q {axis = 0 : i64, scale = array<f32: 0.01>, zero_point = array<i32: 0>} : (tensor<8x3x1x1xi8>) -> tensor<8x3x1x1xf32>
  %c3 = graph.conv2d %x3d, %w3d {dilations = array<i64: 1, 1>, groups = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x3x8x8xf32>, tensor<8x3x1x1xf32>) -> tensor<1x8x8x8xf32>
  %y3 = graph.quantize %c3 {axis = 0 : i64, scale = array<f32: 0.5>, zero_point = array<i32: 0>} : (tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xui8>
  return %y3 : tensor<1x8x8x8xui8>
}

// -----

// A depthwise convolution (groups == channels, one input channel per filter) is rewritten
// too (depthwise_conv2d_NCHWc computes it on 8-bit data), its channels not padded.
// CHECK-LABEL: func @depthwise
// CHECK: %[[ACC:.*]] = graph.conv2d_integer %arg0, %{{.*}}, %{{.*}} {{{.*}}groups = 6 : i64{{.*}}input_zero_point = 128 : i32{{.*}}} : (tensor<1x6x8x8xui8>, tensor<6x1x3x3xi8>, tensor<6xi32>) -> tensor<1x6x8x8xi32>
// CHECK: graph.requantize %[[ACC]]
// CHECK-NOT: graph.dequantize
func.func @depthwise(%x: tensor<1x6x8x8xui8>) -> tensor<1x6x8x8xui8> {
  %xd = graph.dequantize %x {axis = 0 : i64, scale = array<f32: 0.1>, zero_point = array<i32: 128>} : (tensor<1x6x8x8xui8>) -> tensor<1x6x8x8xf32>
  %wq = graph.constant dense<3> : tensor<6x1x3x3xi8>
  %wd = graph.dequantize %wq {axis = 0 : i64, scale = array<f32: 0.01>, zero_point = array<i32: 0>} : (tensor<6x1x3x3xi8>) -> tensor<6x1x3x3xf32>
  %b = graph.constant dense<0.25> : tensor<6xf32>
  %c = graph.conv2d %xd, %wd, %b {dilations = array<i64: 1, 1>, groups = 6 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x6x8x8xf32>, tensor<6x1x3x3xf32>, tensor<6xf32>) -> tensor<1x6x8x8xf32>
  %y = graph.quantize %c {axis = 0 : i64, scale = array<f32: 0.5>, zero_point = array<i32: 128>} : (tensor<1x6x8x8xf32>) -> tensor<1x6x8x8xui8>
  return %y : tensor<1x6x8x8xui8>
}

// -----

// A grouped convolution that is not depthwise stays float.
// CHECK-LABEL: func @grouped
// CHECK-NOT: graph.conv2d_integer
// CHECK: graph.conv2d {{.*}}groups = 2
func.func @grouped(%x: tensor<1x4x8x8xui8>) -> tensor<1x8x6x6xui8> {
  %xd = graph.dequantize %x {axis = 0 : i64, scale = array<f32: 0.1>, zero_point = array<i32: 128>} : (tensor<1x4x8x8xui8>) -> tensor<1x4x8x8xf32>
  %wq = graph.constant dense<1> : tensor<8x2x3x3xi8>
  %wd = graph.dequantize %wq {axis = 0 : i64, scale = array<f32: 0.01>, zero_point = array<i32: 0>} : (tensor<8x2x3x3xi8>) -> tensor<8x2x3x3xf32>
  %c = graph.conv2d %xd, %wd {dilations = array<i64: 1, 1>, groups = 2 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x4x8x8xf32>, tensor<8x2x3x3xf32>) -> tensor<1x8x6x6xf32>
  %y = graph.quantize %c {axis = 0 : i64, scale = array<f32: 0.5>, zero_point = array<i32: 128>} : (tensor<1x8x6x6xf32>) -> tensor<1x8x6x6xui8>
  return %y : tensor<1x8x6x6xui8>
}

// -----

// A quantized dense layer (ONNX Gemm, its i32 bias dequantized and added) is the integer
// convolution of a 1x1 image: the input reshaped to [N, K, 1, 1], the weight [M, K, 1, 1],
// the requantization per channel, the result reshaped back to [N, M].
// CHECK-LABEL: func @dense
// CHECK-DAG: %[[X:.*]] = graph.reshape %arg0 : (tensor<2x8xui8>) -> tensor<2x8x1x1xui8>
// CHECK-DAG: %[[W:.*]] = graph.constant dense<2> : tensor<4x8x1x1xi8>
// CHECK-DAG: %[[B:.*]] = graph.constant dense<-5> : tensor<4xi32>
// CHECK: %[[ACC:.*]] = graph.conv2d_integer %[[X]], %[[W]], %[[B]] {{{.*}}input_zero_point = 128 : i32{{.*}}} : (tensor<2x8x1x1xui8>, tensor<4x8x1x1xi8>, tensor<4xi32>) -> tensor<2x4x1x1xi32>
// CHECK: %[[Q:.*]] = graph.requantize %[[ACC]] {axis = 1 : i64, scale = array<f32: 1.000000e-03, 2.000000e-03, 1.000000e-03, 2.000000e-03>, zero_point = 3 : i32} : (tensor<2x4x1x1xi32>) -> tensor<2x4x1x1xui8>
// CHECK: %[[Y:.*]] = graph.reshape %[[Q]] : (tensor<2x4x1x1xui8>) -> tensor<2x4xui8>
// CHECK: return %[[Y]]
// CHECK-NOT: graph.dense
func.func @dense(%x: tensor<2x8xui8>) -> tensor<2x4xui8> {
  %xd = graph.dequantize %x {axis = 0 : i64, scale = array<f32: 0.1>, zero_point = array<i32: 128>} : (tensor<2x8xui8>) -> tensor<2x8xf32>
  %wq = graph.constant dense<2> : tensor<4x8xi8>
  %wd = graph.dequantize %wq {axis = 0 : i64, scale = array<f32: 0.01, 0.02, 0.01, 0.02>, zero_point = array<i32: 0>} : (tensor<4x8xi8>) -> tensor<4x8xf32>
  %bq = graph.constant dense<-5> : tensor<4xi32>
  %bd = graph.dequantize %bq {axis = 0 : i64, scale = array<f32: 0.001, 0.002, 0.001, 0.002>, zero_point = array<i32: 0>} : (tensor<4xi32>) -> tensor<4xf32>
  %d = graph.dense %xd, %wd : (tensor<2x8xf32>, tensor<4x8xf32>) -> tensor<2x4xf32>
  %a = graph.add %d, %bd : (tensor<2x4xf32>, tensor<4xf32>) -> tensor<2x4xf32>
  %y = graph.quantize %a {axis = 0 : i64, scale = array<f32: 1.0>, zero_point = array<i32: 3>} : (tensor<2x4xf32>) -> tensor<2x4xui8>
  return %y : tensor<2x4xui8>
}

// -----

// A quantized MatMul by a constant [K, M] weight (per-column scales, axis 1) is the same
// dense layer with the weight transposed to [M, K].
// CHECK-LABEL: func @matmul
// CHECK-DAG: %[[X:.*]] = graph.reshape %arg0 : (tensor<1x8xui8>) -> tensor<1x8x1x1xui8>
// CHECK-DAG: %[[W:.*]] = graph.constant dense<{{\[\[\[\[}}1]], {{\[\[}}1]], {{\[\[}}1]], {{\[\[}}1]], {{\[\[}}1]], {{\[\[}}1]], {{\[\[}}1]], {{\[\[}}1]]], {{\[\[\[}}2]]{{.*}}> : tensor<4x8x1x1xi8>
// CHECK: %[[ACC:.*]] = graph.conv2d_integer %[[X]], %[[W]] {{.*}} -> tensor<1x4x1x1xi32>
// CHECK: graph.requantize %[[ACC]] {axis = 1 : i64, scale = array<f32: 1.000000e-03, 2.000000e-03, 3.000000e-03, 4.000000e-03>, zero_point = 3 : i32}
// CHECK-NOT: graph.matmul
func.func @matmul(%x: tensor<1x8xui8>) -> tensor<1x4xui8> {
  %xd = graph.dequantize %x {axis = 0 : i64, scale = array<f32: 0.1>, zero_point = array<i32: 128>} : (tensor<1x8xui8>) -> tensor<1x8xf32>
  %wq = graph.constant dense<[[1, 2, 3, 4], [1, 2, 3, 4], [1, 2, 3, 4], [1, 2, 3, 4], [1, 2, 3, 4], [1, 2, 3, 4], [1, 2, 3, 4], [1, 2, 3, 4]]> : tensor<8x4xi8>
  %wd = graph.dequantize %wq {axis = 1 : i64, scale = array<f32: 0.01, 0.02, 0.03, 0.04>, zero_point = array<i32: 0>} : (tensor<8x4xi8>) -> tensor<8x4xf32>
  %m = graph.matmul %xd, %wd : (tensor<1x8xf32>, tensor<8x4xf32>) -> tensor<1x4xf32>
  %y = graph.quantize %m {axis = 0 : i64, scale = array<f32: 1.0>, zero_point = array<i32: 3>} : (tensor<1x4xf32>) -> tensor<1x4xui8>
  return %y : tensor<1x4xui8>
}

// -----

// Output features not in fours (a 10-class classifier) stay float.
// CHECK-LABEL: func @dense_kept_float
// CHECK-NOT: graph.conv2d_integer
// CHECK: graph.dense
func.func @dense_kept_float(%x: tensor<1x8xui8>) -> tensor<1x10xui8> {
  %xd = graph.dequantize %x {axis = 0 : i64, scale = array<f32: 0.1>, zero_point = array<i32: 128>} : (tensor<1x8xui8>) -> tensor<1x8xf32>
  %wq = graph.constant dense<2> : tensor<10x8xi8>
  %wd = graph.dequantize %wq {axis = 0 : i64, scale = array<f32: 0.01>, zero_point = array<i32: 0>} : (tensor<10x8xi8>) -> tensor<10x8xf32>
  %d = graph.dense %xd, %wd : (tensor<1x8xf32>, tensor<10x8xf32>) -> tensor<1x10xf32>
  %y = graph.quantize %d {axis = 0 : i64, scale = array<f32: 1.0>, zero_point = array<i32: 3>} : (tensor<1x10xf32>) -> tensor<1x10xui8>
  return %y : tensor<1x10xui8>
}

// -----

// A QDQ max pool with the same scale and zero point on both sides pools the 8-bit data.
// CHECK-LABEL: func @max_pool
// CHECK: %[[P:.*]] = graph.max_pool2d %arg0 {{.*}} : (tensor<1x4x8x8xui8>) -> tensor<1x4x4x4xui8>
// CHECK: return %[[P]]
func.func @max_pool(%x: tensor<1x4x8x8xui8>) -> tensor<1x4x4x4xui8> {
  %xd = graph.dequantize %x {axis = 0 : i64, scale = array<f32: 0.1>, zero_point = array<i32: 7>} : (tensor<1x4x8x8xui8>) -> tensor<1x4x8x8xf32>
  %p = graph.max_pool2d %xd {ceil_mode = false, dilations = array<i64: 1, 1>, kernel = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<1x4x8x8xf32>) -> tensor<1x4x4x4xf32>
  %y = graph.quantize %p {axis = 0 : i64, scale = array<f32: 0.1>, zero_point = array<i32: 7>} : (tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xui8>
  return %y : tensor<1x4x4x4xui8>
}

// -----

// Another scale after the pool: it stays float.
// CHECK-LABEL: func @max_pool_rescaled
// CHECK: graph.max_pool2d {{.*}} : (tensor<1x4x8x8xf32>) -> tensor<1x4x4x4xf32>
func.func @max_pool_rescaled(%x: tensor<1x4x8x8xui8>) -> tensor<1x4x4x4xui8> {
  %xd = graph.dequantize %x {axis = 0 : i64, scale = array<f32: 0.1>, zero_point = array<i32: 7>} : (tensor<1x4x8x8xui8>) -> tensor<1x4x8x8xf32>
  %p = graph.max_pool2d %xd {ceil_mode = false, dilations = array<i64: 1, 1>, kernel = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<1x4x8x8xf32>) -> tensor<1x4x4x4xf32>
  %y = graph.quantize %p {axis = 0 : i64, scale = array<f32: 0.2>, zero_point = array<i32: 7>} : (tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xui8>
  return %y : tensor<1x4x4x4xui8>
}
