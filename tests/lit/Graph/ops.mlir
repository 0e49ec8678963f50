// Every graph op prints and parses back to the same text.
// RUN: rqc-opt %s | rqc-opt | FileCheck %s

// CHECK-LABEL: func @convnet
func.func @convnet(%x: tensor<1x3x224x224xf32>) -> tensor<1x10xf32> {
  // CHECK: graph.constant dense<5.000000e-01> : tensor<64x3x7x7xf32>
  %w = graph.constant dense<0.5> : tensor<64x3x7x7xf32>
  %b = graph.constant dense<0.1> : tensor<64xf32>
  // CHECK: graph.conv2d %{{.*}}, %{{.*}}, %{{.*}} {dilations = array<i64: 1, 1>, groups = 1 : i64, pads = array<i64: 3, 3, 3, 3>, strides = array<i64: 2, 2>} : (tensor<1x3x224x224xf32>, tensor<64x3x7x7xf32>, tensor<64xf32>) -> tensor<1x64x112x112xf32>
  %c = graph.conv2d %x, %w, %b {dilations = array<i64: 1, 1>, groups = 1 : i64, pads = array<i64: 3, 3, 3, 3>, strides = array<i64: 2, 2>} : (tensor<1x3x224x224xf32>, tensor<64x3x7x7xf32>, tensor<64xf32>) -> tensor<1x64x112x112xf32>
  // CHECK: graph.relu
  %r = graph.relu %c : tensor<1x64x112x112xf32>
  // CHECK: graph.max_pool2d
  %p = graph.max_pool2d %r {ceil_mode = false, dilations = array<i64: 1, 1>, kernel = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<1x64x112x112xf32>) -> tensor<1x64x56x56xf32>
  // CHECK: graph.avg_pool2d
  %a = graph.avg_pool2d %p {ceil_mode = true, count_include_pad = false, kernel = array<i64: 3, 3>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>} : (tensor<1x64x56x56xf32>) -> tensor<1x64x28x28xf32>
  // CHECK: graph.global_avg_pool
  %g = graph.global_avg_pool %a : (tensor<1x64x28x28xf32>) -> tensor<1x64x1x1xf32>
  // CHECK: graph.reshape
  %f = graph.reshape %g : (tensor<1x64x1x1xf32>) -> tensor<1x64xf32>
  %fw = graph.constant dense<0.01> : tensor<10x64xf32>
  // CHECK: graph.dense
  %d = graph.dense %f, %fw : (tensor<1x64xf32>, tensor<10x64xf32>) -> tensor<1x10xf32>
  // CHECK: graph.softmax %{{.*}} {axis = 1 : i64}
  %s = graph.softmax %d {axis = 1 : i64} : tensor<1x10xf32>
  return %s : tensor<1x10xf32>
}

// CHECK-LABEL: func @elementwise
func.func @elementwise(%x: tensor<1x8x4x4xf32>, %y: tensor<8x1x1xf32>) -> tensor<1x16x4x4xf32> {
  // CHECK: graph.add {{.*}} -> tensor<1x8x4x4xf32>
  %a = graph.add %x, %y : (tensor<1x8x4x4xf32>, tensor<8x1x1xf32>) -> tensor<1x8x4x4xf32>
  %s = graph.sub %a, %x : (tensor<1x8x4x4xf32>, tensor<1x8x4x4xf32>) -> tensor<1x8x4x4xf32>
  %m = graph.mul %s, %y : (tensor<1x8x4x4xf32>, tensor<8x1x1xf32>) -> tensor<1x8x4x4xf32>
  %d = graph.div %m, %y : (tensor<1x8x4x4xf32>, tensor<8x1x1xf32>) -> tensor<1x8x4x4xf32>
  // CHECK: graph.clip {{.*}} {max = 6.000000e+00 : f32, min = 0.000000e+00 : f32}
  %c = graph.clip %d {min = 0.0 : f32, max = 6.0 : f32} : tensor<1x8x4x4xf32>
  %l = graph.leaky_relu %c {alpha = 0.1 : f32} : tensor<1x8x4x4xf32>
  %sg = graph.sigmoid %l : tensor<1x8x4x4xf32>
  %scale = graph.constant dense<1.0> : tensor<8xf32>
  // CHECK: graph.batch_norm
  %bn = graph.batch_norm %sg, %scale, %scale, %scale, %scale {epsilon = 1.0e-5 : f32} : (tensor<1x8x4x4xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<1x8x4x4xf32>
  // CHECK: graph.lrn
  %lrn = graph.lrn %bn {size = 5 : i64, alpha = 1.0e-4 : f32, beta = 0.75 : f32, bias = 1.0 : f32} : tensor<1x8x4x4xf32>
  // CHECK: graph.concat {{.*}} {axis = 1 : i64} : (tensor<1x8x4x4xf32>, tensor<1x8x4x4xf32>) -> tensor<1x16x4x4xf32>
  %cat = graph.concat %lrn, %x {axis = 1 : i64} : (tensor<1x8x4x4xf32>, tensor<1x8x4x4xf32>) -> tensor<1x16x4x4xf32>
  return %cat : tensor<1x16x4x4xf32>
}

// CHECK-LABEL: func @data
func.func @data(%x: tensor<2x3x4xf32>, %a: tensor<2x3xf32>, %b: tensor<5x3x4xf32>) -> (tensor<4x2x3xf32>, tensor<2x7x4xf32>, tensor<5x2x4xf32>) {
  // CHECK: graph.transpose {{.*}} {perm = array<i64: 2, 0, 1>}
  %t = graph.transpose %x {perm = array<i64: 2, 0, 1>} : (tensor<2x3x4xf32>) -> tensor<4x2x3xf32>
  // CHECK: graph.pad {{.*}}mode = "reflect"
  %p = graph.pad %x {pads = array<i64: 0, 2, 0, 0, 2, 0>, mode = "reflect", value = 0.0 : f32} : (tensor<2x3x4xf32>) -> tensor<2x7x4xf32>
  // CHECK: graph.matmul {{.*}} -> tensor<5x2x4xf32>
  %m = graph.matmul %a, %b : (tensor<2x3xf32>, tensor<5x3x4xf32>) -> tensor<5x2x4xf32>
  return %t, %p, %m : tensor<4x2x3xf32>, tensor<2x7x4xf32>, tensor<5x2x4xf32>
}

// CHECK-LABEL: func @quantized
func.func @quantized(%x: tensor<1x16x8x8xf32>) -> (tensor<1x32x8x8xf32>, tensor<1x10xi32>) {
  // CHECK: graph.quantize {{.*}} -> tensor<1x16x8x8xui8>
  %q = graph.quantize %x {scale = array<f32: 0.05>, zero_point = array<i32: 128>, axis = 0 : i64} : (tensor<1x16x8x8xf32>) -> tensor<1x16x8x8xui8>
  %w = graph.constant dense<3> : tensor<32x16x3x3xi8>
  // CHECK: graph.conv2d_integer {{.*}} -> tensor<1x32x8x8xi32>
  %acc = graph.conv2d_integer %q, %w {input_zero_point = 128 : i32, weight_zero_point = array<i32: 0>, strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, groups = 1 : i64} : (tensor<1x16x8x8xui8>, tensor<32x16x3x3xi8>) -> tensor<1x32x8x8xi32>
  // CHECK: graph.requantize {{.*}} -> tensor<1x32x8x8xi8>
  %r = graph.requantize %acc {scale = array<f32: 0.001>, zero_point = 0 : i32, axis = 1 : i64} : (tensor<1x32x8x8xi32>) -> tensor<1x32x8x8xi8>
  // CHECK: graph.dequantize {{.*}} -> tensor<1x32x8x8xf32>
  %d = graph.dequantize %r {scale = array<f32: 0.1>, zero_point = array<i32: 0>, axis = 0 : i64} : (tensor<1x32x8x8xi8>) -> tensor<1x32x8x8xf32>
  %a = graph.constant dense<1> : tensor<1x64xi8>
  %b = graph.constant dense<2> : tensor<64x10xi8>
  // CHECK: graph.matmul_integer {{.*}} -> tensor<1x10xi32>
  %mm = graph.matmul_integer %a, %b {lhs_zero_point = 0 : i32, rhs_zero_point = array<i32: 0>} : (tensor<1x64xi8>, tensor<64x10xi8>) -> tensor<1x10xi32>
  return %d, %mm : tensor<1x32x8x8xf32>, tensor<1x10xi32>
}
