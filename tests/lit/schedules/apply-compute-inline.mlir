// RUN: rqc-opt %s --rqc-lower-to-linalg --rqc-cpu-apply-schedule=vector-bits=256 | FileCheck %s

// compute_inline of a depthwise convolution's padding: no padded copy is made; the
// micro-kernel reads the unpadded input. Each of the 3 filter rows is skipped when it lies
// outside the input (scf.if on the source row); of the 4 input columns a 2-column tile
// walks, only the first and the last may lie outside (the tile's column origin is 0 or 2
// of 4): they read a clamped column and select the pad value (0); the middle two are plain
// reads.
// CHECK-LABEL: func @depthwise
// CHECK-NOT: tensor.pad
// CHECK-NOT: linalg.copy
// CHECK: scf.forall
// CHECK: scf.for %[[KH:.*]] = %c0 to %c3 step %c1 iter_args
// CHECK: %[[ROW:.*]] = arith.cmpi ult, %{{.*}}, %c4 : index
// CHECK: scf.if %[[ROW]] -> (vector<8xf32>, vector<8xf32>)
// CHECK: arith.minsi %{{.*}}, %c3
// CHECK: arith.maxsi %{{.*}}, %c0
// CHECK: vector.transfer_read %arg0
// CHECK: arith.select
// CHECK: vector.fma
// CHECK: vector.transfer_read %arg0
// CHECK-NOT: arith.select
// CHECK: vector.transfer_read %arg0
// CHECK-NOT: arith.select
// CHECK: vector.transfer_read %arg0
// CHECK: arith.select
// CHECK: } else {
// CHECK-NEXT: scf.yield %{{.*}}, %{{.*}} : vector<8xf32>, vector<8xf32>
func.func @depthwise(%x: tensor<1x1x4x4x8xf32>, %w: tensor<1x1x3x3x1x8xf32>) -> tensor<1x1x4x4x8xf32>
    attributes {rqc.schedule = {template = "test", steps = [
      ["compute_inline", "pad"],
      ["tile_parallel", "output", [1, 1, 1, 0, 0]],
      ["tile", "output", [1, 1, 1, 2, 0]],
      ["tensorize", "root", "depthwise_conv2d_nchwc", [1]]]}} {
  %y = graph.conv2d %x, %w {data_layout = "NCHW8c", dilations = array<i64: 1, 1>, groups = 8 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>, weight_layout = "OIHW1i8o"} : (tensor<1x1x4x4x8xf32>, tensor<1x1x3x3x1x8xf32>) -> tensor<1x1x4x4x8xf32>
  return %y : tensor<1x1x4x4x8xf32>
}
