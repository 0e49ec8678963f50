// RUN: rqc-opt %s -rqc-fuse-kernels | FileCheck %s

// A residual block: conv+relu is one kernel; conv + residual add + relu another; the
// reshape and the constants stay in @main.
// CHECK-LABEL: func.func private @kernel_0_conv_a
// CHECK-SAME: (%{{.*}}: tensor<1x8x8x8xf32>, %{{.*}}: tensor<8x8x3x3xf32>) -> tensor<1x8x8x8xf32>
// CHECK: graph.conv2d
// CHECK-NEXT: graph.relu
// CHECK-NEXT: return
// CHECK-LABEL: func.func private @kernel_1_conv_b
// CHECK-SAME: (%{{.*}}: tensor<1x8x8x8xf32>, %{{.*}}: tensor<8x8x3x3xf32>, %[[SKIP:.*]]: tensor<1x8x8x8xf32>)
// CHECK: %[[C:.*]] = graph.conv2d
// CHECK-NEXT: %[[A:.*]] = graph.add %[[C]], %[[SKIP]]
// CHECK-NEXT: graph.relu %[[A]]
// CHECK-LABEL: func.func @main
// CHECK: %[[W:.*]] = graph.constant
// CHECK: %[[K0:.*]] = call @kernel_0_conv_a(%arg0, %[[W]])
// CHECK: %[[K1:.*]] = call @kernel_1_conv_b(%[[K0]], %[[W]], %arg0)
// CHECK: graph.reshape %[[K1]]
module {
  func.func @main(%x: tensor<1x8x8x8xf32>) -> tensor<1x512xf32> {
    %w = graph.constant dense<0.1> : tensor<8x8x3x3xf32>
    %a = graph.conv2d %x, %w {dilations = array<i64: 1, 1>, groups = 1 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x8x8x8xf32>, tensor<8x8x3x3xf32>) -> tensor<1x8x8x8xf32> loc("conv_a")
    %ar = graph.relu %a : tensor<1x8x8x8xf32>
    %b = graph.conv2d %ar, %w {dilations = array<i64: 1, 1>, groups = 1 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x8x8x8xf32>, tensor<8x8x3x3xf32>) -> tensor<1x8x8x8xf32> loc("conv_b")
    %s = graph.add %b, %x : (tensor<1x8x8x8xf32>, tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32>
    %r = graph.relu %s : tensor<1x8x8x8xf32>
    %f = graph.reshape %r : (tensor<1x8x8x8xf32>) -> tensor<1x512xf32>
    return %f : tensor<1x512xf32>
  }
}
