// Verifiers reject inconsistent shapes and attributes, naming the op and the problem.
// RUN: rqc-opt %s -split-input-file -verify-diagnostics

func.func @conv_channels(%x: tensor<1x3x8x8xf32>, %w: tensor<4x2x3x3xf32>) {
  // expected-error @+2 {{'graph.conv2d' op weight [4, 2, 3, 3] expects 2 input channels, input [1, 3, 8, 8] has 3}}
  // expected-error @+1 {{failed to infer returned types}}
  %c = graph.conv2d %x, %w {dilations = array<i64: 1, 1>, groups = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x3x8x8xf32>, tensor<4x2x3x3xf32>) -> tensor<1x4x6x6xf32>
  return
}

// -----

func.func @conv_result(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+2 {{'graph.conv2d' op inferred type(s) 'tensor<1x4x6x6xf32>' are incompatible with return type(s) of operation 'tensor<1x4x8x8xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %c = graph.conv2d %x, %w {dilations = array<i64: 1, 1>, groups = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x8x8xf32>
  return
}

// -----

func.func @conv_groups(%x: tensor<1x6x8x8xf32>, %w: tensor<5x2x3x3xf32>) {
  // expected-error @+2 {{groups 3 must divide input channels 6 and output channels 5}}
  // expected-error @+1 {{failed to infer returned types}}
  %c = graph.conv2d %x, %w {dilations = array<i64: 1, 1>, groups = 3 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x6x8x8xf32>, tensor<5x2x3x3xf32>) -> tensor<1x5x6x6xf32>
  return
}

// -----

func.func @conv_bias(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>, %b: tensor<3xf32>) {
  // expected-error @+2 {{bias must have shape [4], got [3]}}
  // expected-error @+1 {{failed to infer returned types}}
  %c = graph.conv2d %x, %w, %b {dilations = array<i64: 1, 1>, groups = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<3xf32>) -> tensor<1x4x6x6xf32>
  return
}

// -----

func.func @pool_window(%x: tensor<1x3x2x2xf32>) {
  // expected-error @+2 {{'graph.max_pool2d' op window [3, 3] does not fit the padded input [1, 3, 2, 2]}}
  // expected-error @+1 {{failed to infer returned types}}
  %p = graph.max_pool2d %x {ceil_mode = false, dilations = array<i64: 1, 1>, kernel = array<i64: 3, 3>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x3x2x2xf32>) -> tensor<1x3x1x1xf32>
  return
}

// -----

func.func @broadcast(%a: tensor<2x3xf32>, %b: tensor<4x3xf32>) {
  // expected-error @+2 {{'graph.add' op shapes [2, 3] and [4, 3] cannot be broadcast together}}
  // expected-error @+1 {{failed to infer returned types}}
  %c = graph.add %a, %b : (tensor<2x3xf32>, tensor<4x3xf32>) -> tensor<2x3xf32>
  return
}

// -----

func.func @dense_k(%x: tensor<1x64xf32>, %w: tensor<10x32xf32>) {
  // expected-error @+2 {{'graph.dense' op input [1, 64] and weight [10, 32] disagree on the reduction size}}
  // expected-error @+1 {{failed to infer returned types}}
  %d = graph.dense %x, %w : (tensor<1x64xf32>, tensor<10x32xf32>) -> tensor<1x10xf32>
  return
}

// -----

func.func @reshape_count(%x: tensor<1x64xf32>) {
  // expected-error @+1 {{'graph.reshape' op cannot reshape}}
  %r = graph.reshape %x : (tensor<1x64xf32>) -> tensor<1x63xf32>
  return
}

// -----

func.func @concat_dims(%a: tensor<1x3x4xf32>, %b: tensor<1x3x5xf32>) {
  // expected-error @+2 {{does not match [1, 3, 4] outside axis 1}}
  // expected-error @+1 {{failed to infer returned types}}
  %c = graph.concat %a, %b {axis = 1 : i64} : (tensor<1x3x4xf32>, tensor<1x3x5xf32>) -> tensor<1x6x4xf32>
  return
}

// -----

func.func @transpose_perm(%x: tensor<2x3xf32>) {
  // expected-error @+2 {{perm [0, 0] is not a permutation}}
  // expected-error @+1 {{failed to infer returned types}}
  %t = graph.transpose %x {perm = array<i64: 0, 0>} : (tensor<2x3xf32>) -> tensor<2x2xf32>
  return
}

// -----

func.func @quantize_axis(%x: tensor<1x4x2x2xf32>) {
  // expected-error @+1 {{'graph.quantize' op has 3 scales for axis 1 of size 4}}
  %q = graph.quantize %x {scale = array<f32: 0.1, 0.2, 0.3>, zero_point = array<i32: 0>, axis = 1 : i64} : (tensor<1x4x2x2xf32>) -> tensor<1x4x2x2xi8>
  return
}

// -----

func.func @quantize_zero_point(%x: tensor<4xf32>) {
  // expected-error @+1 {{'graph.quantize' op zero point 200 is out of range for 'i8'}}
  %q = graph.quantize %x {scale = array<f32: 0.1>, zero_point = array<i32: 200>, axis = 0 : i64} : (tensor<4xf32>) -> tensor<4xi8>
  return
}

// -----

func.func @clip_bounds(%x: tensor<4xf32>) {
  // expected-error @+1 {{'graph.clip' op min 6.000000e+00 is greater than max 0.000000e+00}}
  %c = graph.clip %x {min = 6.0 : f32, max = 0.0 : f32} : tensor<4xf32>
  return
}

// -----

func.func @pad_mode(%x: tensor<4xf32>) {
  // expected-error @+2 {{mode must be constant, edge or reflect, got 'wrap'}}
  // expected-error @+1 {{failed to infer returned types}}
  %p = graph.pad %x {pads = array<i64: 1, 1>, mode = "wrap", value = 0.0 : f32} : (tensor<4xf32>) -> tensor<6xf32>
  return
}

// -----

func.func @conv_integer_type(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xi8>) {
  // expected-error @+1 {{operand #0 must be ranked tensor of 8-bit signless integer or 8-bit unsigned integer values}}
  %c = graph.conv2d_integer %x, %w {input_zero_point = 0 : i32, weight_zero_point = array<i32: 0>, strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, groups = 1 : i64} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xi8>) -> tensor<1x4x6x6xi32>
  return
}
