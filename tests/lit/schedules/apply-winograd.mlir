// RUN: rqc-opt %s --rqc-lower-to-linalg --rqc-cpu-apply-schedule=vector-bits=256 | FileCheck %s

// conv2d_NCHWc_winograd's schedule for F(2x2, 3x3) on 8 channels (one vector of 8 floats),
// 8x8 output = 4x4 tiles: the padding, then three stages, each in parallel tiles of its own.
// The input transform: per (input-channel block, row of tiles), one winograd_input per tile:
// 4x4 input vectors read, B^T d B by adds and subtracts only (F(2x2)'s B has entries
// 0 and +-1), 16 vectors written.
// CHECK-LABEL: func @winograd
// CHECK: linalg.copy {rqc.compute_root, rqc.role = "pad"}
// CHECK: scf.forall (%{{.*}}, %{{.*}}) in (1, 4)
// CHECK: scf.for {{.*}} to %c4
// CHECK-COUNT-16: vector.transfer_read {{.*}} : tensor<1x1x4x4x8xf32>, vector<8xf32>
// CHECK-NOT: vector.fma
// CHECK-COUNT-16: vector.transfer_write {{.*}} : vector<8xf32>, tensor<4x4x1x1x1x8xf32>
// The GEMM: per (transform point xi, nu, output-channel block), winograd_gemm over 1 x 2
// tiles: 2 accumulators over the 8 input channels in steps of 4 (args), one weight vector
// and two broadcast inputs per channel.
// CHECK: scf.forall (%{{.*}}, %{{.*}}, %{{.*}}) in (4, 4, 1)
// CHECK: scf.for %{{.*}} = %c0 to %c2 step %c1 iter_args(%{{.*}} = %cst, %{{.*}} = %cst) -> (vector<8xf32>, vector<8xf32>)
// CHECK-COUNT-4: vector.fma
// CHECK: scf.yield
// CHECK-COUNT-2: vector.transfer_write
// The output transform: per (output-channel block, row of tiles), winograd_output per tile:
// the bias, A^T M A (adds and subtracts), the ReLU in registers, 2x2 vectors written.
// CHECK: scf.forall (%{{.*}}, %{{.*}}, %{{.*}}) in (1, 1, 4)
// CHECK-COUNT-16: vector.transfer_read {{.*}} : tensor<4x4x1x1x1x8xf32>, vector<8xf32>
// CHECK-COUNT-4: arith.maximumf
// CHECK-COUNT-4: vector.transfer_write {{.*}} : vector<8xf32>, tensor<1x1x1x2x1x2x8xf32>
// CHECK-NOT: linalg.generic
func.func @winograd(%x: tensor<1x1x8x8x8xf32>, %u: tensor<4x4x1x1x8x8xf32>, %b: tensor<8xf32>) -> tensor<1x1x4x2x4x2x8xf32>
    attributes {rqc.schedule = {template = "conv2d_NCHWc_winograd.x86", steps = [
      ["winograd", "root", [2]],
      ["compute_root", "pad", [1, 1, 0, 0, 0]],
      ["compute_root", "input_transform", [0, 0, 1, 1, 0, 0, 0, 0]],
      ["tile", "input_transform", [0, 0, 1, 1, 1, 0, 0, 0]],
      ["tensorize", "input_transform", "winograd_input", [2]],
      ["compute_root", "root", [1, 1, 1, 0, 0, 0, 0, 0]],
      ["tile", "root", [1, 1, 1, 1, 2, 0, 0, 0]],
      ["tensorize", "root", "winograd_gemm", [4]],
      ["tile_parallel", "output", [1, 1, 1, 0, 0, 0, 0]],
      ["tile", "output", [1, 1, 1, 0, 1, 0, 0]],
      ["tensorize", "output_transform", "winograd_output", [2]],
      ["vectorize", "epilogue"]]}} {
  %y = graph.conv2d_winograd %x, %u, %b {pads = array<i64: 1, 1, 1, 1>, tile_size = 2 : i64} : (tensor<1x1x8x8x8xf32>, tensor<4x4x1x1x8x8xf32>, tensor<8xf32>) -> tensor<1x1x4x2x4x2x8xf32>
  %r = graph.relu %y : tensor<1x1x4x2x4x2x8xf32>
  return %r : tensor<1x1x4x2x4x2x8xf32>
}
