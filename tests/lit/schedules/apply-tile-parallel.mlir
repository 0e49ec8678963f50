// RUN: rqc-opt %s -split-input-file --rqc-cpu-apply-schedule | FileCheck %s

// tile_parallel: the output op in parallel tiles of the given sizes (one per output
// dimension, 0 = whole), its producers (here the bias broadcast and the fill) fused into
// every tile.
// CHECK-LABEL: func @bias_relu
// CHECK: scf.forall (%{{.*}}, %{{.*}}, %{{.*}}) = (0, 0, 0) to (1, 4, 8) step (1, 2, 4)
// CHECK: %[[BIAS:.*]] = linalg.generic {{.*}}outs(%{{.*}} : tensor<1x2x4x8xf32>)
// CHECK: linalg.generic {{.*}}ins(%{{.*}}, %[[BIAS]] : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) outs(%{{.*}} : tensor<1x2x4x8xf32>)
// CHECK: scf.forall.in_parallel
func.func @bias_relu(%x: tensor<1x4x8x8xf32>, %b: tensor<4xf32>) -> tensor<1x4x8x8xf32>
    attributes {rqc.schedule = {template = "test", steps = [["tile_parallel", "output", [1, 2, 4, 0]]]}} {
  %e = tensor.empty() : tensor<1x4x8x8xf32>
  %bb = linalg.generic {indexing_maps = [affine_map<(n, c, h, w) -> (c)>, affine_map<(n, c, h, w) -> (n, c, h, w)>],
                        iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%b : tensor<4xf32>) outs(%e : tensor<1x4x8x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<1x4x8x8xf32>
  %e2 = tensor.empty() : tensor<1x4x8x8xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(n, c, h, w) -> (n, c, h, w)>, affine_map<(n, c, h, w) -> (n, c, h, w)>, affine_map<(n, c, h, w) -> (n, c, h, w)>],
                       iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%x, %bb : tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>) outs(%e2 : tensor<1x4x8x8xf32>) {
  ^bb0(%in: f32, %bias: f32, %out: f32):
    %s = arith.addf %in, %bias : f32
    %z = arith.constant 0.0 : f32
    %m = arith.maximumf %s, %z : f32
    linalg.yield %m : f32
  } -> tensor<1x4x8x8xf32>
  return %r : tensor<1x4x8x8xf32>
}

// -----

// tile (serial loops) on the output fuses its producers as well; on another role it tiles
// that op alone, one size per loop.
// CHECK-LABEL: func @serial
// CHECK: scf.for %{{.*}} = %c0 to %c8 step %c4
// CHECK: linalg.fill {rqc.op_index = 0 : i64, rqc.role = "init"} {{.*}} -> tensor<4x16xf32>
// CHECK: linalg.matmul {rqc.op_index = 1 : i64, rqc.output, rqc.role = "root", rqc.root} ins(%{{.*}}, %arg1 : tensor<4x32xf32>, tensor<32x16xf32>) {{.*}} -> tensor<4x16xf32>
// CHECK: scf.yield
func.func @serial(%a: tensor<8x32xf32>, %b: tensor<32x16xf32>) -> tensor<8x16xf32>
    attributes {rqc.schedule = {template = "test", steps = [["tile", "output", [4, 0]]]}} {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<8x16xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<8x16xf32>) -> tensor<8x16xf32>
  %m = linalg.matmul {rqc.root} ins(%a, %b : tensor<8x32xf32>, tensor<32x16xf32>) outs(%f : tensor<8x16xf32>) -> tensor<8x16xf32>
  return %m : tensor<8x16xf32>
}
