// RUN: rqc-opt %s --rqc-select-kernel-schedules="target-key=x86 vector-bits=512 vector-registers=32" | FileCheck %s

// Kernels without a schedule get the generic template's, from their linalg ops: parallel
// tiles of about 8192 output elements, register tiles (square 8 x 8 blocks for a layout
// change, four vectors along the innermost dimension otherwise), every small op
// vectorized. A kernel that already has a schedule keeps it.
// CHECK-LABEL: func @to_blocked
// CHECK-SAME: rqc.schedule = {steps = {{\[}}["tile_parallel", "output", [1, 1, 4, 0, 0]], ["tile", "output", [1, 1, 1, 8, 8]], ["vectorize", "all", [1024]]], template = "generic.x86"}
// CHECK-SAME: rqc.task = ["generic.x86", {{\[}}{{\[}}["transpose", [1, 2, 56, 56, 32], "ppppp"]], "float32"]]
// CHECK-LABEL: func @relu
// CHECK-SAME: ["tile_parallel", "output", [1, 16, 8, 0]], ["tile", "output", [1, 1, 1, 56]]
// A kernel that is one padding (an RGB input padded to four channels) is computed at root:
// fills of its border and a copy of the source in parallel tiles of the source's shape.
// CHECK-LABEL: func @channel_pad
// CHECK-SAME: rqc.schedule = {steps = {{\[}}["compute_root", "output", [1, 3, 8, 0]]], template = "generic.x86"}
// CHECK-SAME: rqc.task = ["generic.x86", {{\[}}{{\[}}["pad", [1, 3, 224, 224], "pppp"]], "float32"]]
// CHECK-LABEL: func @scheduled
// CHECK-SAME: rqc.schedule = {steps = [], template = "kept"}
func.func @to_blocked(%x: tensor<1x2x32x56x56xf32>) -> tensor<1x2x56x56x32xf32> {
  %e = tensor.empty() : tensor<1x2x56x56x32xf32>
  %t = linalg.transpose ins(%x : tensor<1x2x32x56x56xf32>) outs(%e : tensor<1x2x56x56x32xf32>) permutation = [0, 1, 3, 4, 2]
  return %t : tensor<1x2x56x56x32xf32>
}
func.func @relu(%x: tensor<1x64x56x56xf32>) -> tensor<1x64x56x56xf32> {
  %e = tensor.empty() : tensor<1x64x56x56xf32>
  %z = arith.constant 0.0 : f32
  %r = linalg.generic {indexing_maps = [affine_map<(n, c, h, w) -> (n, c, h, w)>, affine_map<(n, c, h, w) -> (n, c, h, w)>],
                       iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%x : tensor<1x64x56x56xf32>) outs(%e : tensor<1x64x56x56xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %in, %z : f32
    linalg.yield %m : f32
  } -> tensor<1x64x56x56xf32>
  return %r : tensor<1x64x56x56xf32>
}
func.func @channel_pad(%x: tensor<1x3x224x224xi8>) -> tensor<1x4x224x224xi8> {
  %z = arith.constant -128 : i8
  %p = tensor.pad %x low[0, 0, 0, 0] high[0, 1, 0, 0] {
  ^bb0(%i0: index, %i1: index, %i2: index, %i3: index):
    tensor.yield %z : i8
  } : tensor<1x3x224x224xi8> to tensor<1x4x224x224xi8>
  return %p : tensor<1x4x224x224xi8>
}
func.func @scheduled(%x: tensor<4xf32>) -> tensor<4xf32> attributes {rqc.schedule = {template = "kept", steps = []}} {
  return %x : tensor<4xf32>
}
