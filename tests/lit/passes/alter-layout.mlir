// RUN: rqc-opt %s --rqc-alter-layout | FileCheck %s

// The layouts the schedules pack (given here as rqc.schedule, as rqc-select-schedules
// writes it) are applied, and activations stay blocked between the kernels: the ReLU, the
// max pooling, the residual add and the global pooling follow the convolutions' NCHW8c;
// changes remain only at the model's input (NCHW -> NCHW4c) and on the weights (folded at
// compile time by rqc-fold-constants). A change back to plain that moves no bytes (after
// global pooling, and the packed dense result) is a reshape. The pooling ops lose their
// schedules (their layout changed; rqc-select-schedules runs again).
// CHECK-LABEL: func @main
// CHECK: %[[X:.*]] = graph.layout_transform %arg0 {dst_layout = "NCHW4c", src_layout = "NCHW"} : (tensor<1x4x8x8xf32>) -> tensor<1x1x8x8x4xf32>
// CHECK: %[[WA:.*]] = graph.layout_transform %{{.*}} {dst_layout = "OIHW4i8o", src_layout = "OIHW"} : (tensor<8x4x3x3xf32>) -> tensor<1x1x3x3x4x8xf32>
// CHECK: %[[A:.*]] = graph.conv2d %[[X]], %[[WA]], %{{.*}} {data_layout = "NCHW4c"{{.*}}weight_layout = "OIHW4i8o"} {{.*}} -> tensor<1x1x8x8x8xf32>
// CHECK: %[[R:.*]] = graph.relu %[[A]] : tensor<1x1x8x8x8xf32>
// CHECK: %[[P:.*]] = graph.max_pool2d %[[R]] {ceil_mode = false, data_layout = "NCHW8c", dilations = array<i64: 1, 1>, kernel = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>} : (tensor<1x1x8x8x8xf32>) -> tensor<1x1x4x4x8xf32>
// CHECK: %[[B:.*]] = graph.conv2d %[[P]], %{{.*}} {data_layout = "NCHW8c"
// CHECK: %[[S:.*]] = graph.add %[[B]], %[[P]] : (tensor<1x1x4x4x8xf32>, tensor<1x1x4x4x8xf32>) -> tensor<1x1x4x4x8xf32>
// CHECK: %[[R2:.*]] = graph.relu %[[S]]
// CHECK: %[[G:.*]] = graph.global_avg_pool %[[R2]] {data_layout = "NCHW8c"} : (tensor<1x1x4x4x8xf32>) -> tensor<1x1x1x1x8xf32>
// CHECK: %[[GP:.*]] = graph.reshape %[[G]] : (tensor<1x1x1x1x8xf32>) -> tensor<1x8x1x1xf32>
// CHECK: %[[F:.*]] = graph.reshape %[[GP]] : (tensor<1x8x1x1xf32>) -> tensor<1x8xf32>
// CHECK: %[[D:.*]] = graph.dense %[[F]], %{{.*}}, %{{.*}} {rqc.schedule = {{.*}}weight_layout = "MK4m"} : (tensor<1x8xf32>, tensor<3x8x4xf32>, tensor<12xf32>) -> tensor<1x3x4xf32>
// CHECK: %[[DP:.*]] = graph.reshape %[[D]] : (tensor<1x3x4xf32>) -> tensor<1x12xf32>
// CHECK: return %[[DP]]
// CHECK-NOT: layout_transform
func.func @main(%x: tensor<1x4x8x8xf32>) -> tensor<1x12xf32> {
  %wa = graph.constant dense<1.0> : tensor<8x4x3x3xf32>
  %ba = graph.constant dense<0.5> : tensor<8xf32>
  %a = graph.conv2d %x, %wa, %ba {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, groups = 1 : i64,
         rqc.schedule = {template = "t", steps = [["pack", "input", "NCHW4c"], ["pack", "weight", "OIHW4i8o"], ["pack", "output", "NCHW8c"]]}}
       : (tensor<1x4x8x8xf32>, tensor<8x4x3x3xf32>, tensor<8xf32>) -> tensor<1x8x8x8xf32>
  %r = graph.relu %a : tensor<1x8x8x8xf32>
  %p = graph.max_pool2d %r {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, ceil_mode = false,
         rqc.schedule = {template = "generic.x86", steps = []}} : (tensor<1x8x8x8xf32>) -> tensor<1x8x4x4xf32>
  %wb = graph.constant dense<1.0> : tensor<8x8x1x1xf32>
  %b = graph.conv2d %p, %wb {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, groups = 1 : i64,
         rqc.schedule = {template = "t", steps = [["pack", "input", "NCHW8c"], ["pack", "weight", "OIHW8i8o"], ["pack", "output", "NCHW8c"]]}}
       : (tensor<1x8x4x4xf32>, tensor<8x8x1x1xf32>) -> tensor<1x8x4x4xf32>
  %s = graph.add %b, %p : (tensor<1x8x4x4xf32>, tensor<1x8x4x4xf32>) -> tensor<1x8x4x4xf32>
  %r2 = graph.relu %s : tensor<1x8x4x4xf32>
  %g = graph.global_avg_pool %r2 : (tensor<1x8x4x4xf32>) -> tensor<1x8x1x1xf32>
  %f = graph.reshape %g : (tensor<1x8x1x1xf32>) -> tensor<1x8xf32>
  %wd = graph.constant dense<1.0> : tensor<12x8xf32>
  %bd = graph.constant dense<0.0> : tensor<12xf32>
  %d = graph.dense %f, %wd, %bd {rqc.schedule = {template = "t", steps = [["pack", "weight", "MK4m"], ["pack", "output", "NM4m"]]}}
       : (tensor<1x8xf32>, tensor<12x8xf32>, tensor<12xf32>) -> tensor<1x12xf32>
  return %d : tensor<1x12xf32>
}

