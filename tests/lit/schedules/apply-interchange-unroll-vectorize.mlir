// RUN: rqc-opt %s -split-input-file --rqc-cpu-apply-schedule | FileCheck %s

// interchange: the op's loops permuted (its indexing maps follow).
// CHECK-DAG: #[[IN:.*]] = affine_map<(d0, d1) -> (d1, d0)>
// CHECK-DAG: #[[OUT:.*]] = affine_map<(d0, d1) -> (d0)>
// CHECK-LABEL: func @interchange
// CHECK: linalg.generic {indexing_maps = [#[[IN]], #[[OUT]]], iterator_types = ["parallel", "reduction"]}
func.func @interchange(%x: tensor<8x16xf32>, %acc: tensor<16xf32>) -> tensor<16xf32>
    attributes {rqc.schedule = {template = "test", steps = [["interchange", "root", [1, 0]]]}} {
  %r = linalg.generic {rqc.root, indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (j)>],
                       iterator_types = ["reduction", "parallel"]}
      ins(%x : tensor<8x16xf32>) outs(%acc : tensor<16xf32>) {
  ^bb0(%in: f32, %out: f32):
    %s = arith.addf %in, %out : f32
    linalg.yield %s : f32
  } -> tensor<16xf32>
  return %r : tensor<16xf32>
}

// -----

// unroll: the innermost loop produced by `tile` around the op, by the given factor.
// CHECK-LABEL: func @unroll
// CHECK: scf.for %{{.*}} = %c0 to %c16 step %c8
// CHECK-COUNT-2: arith.mulf
func.func @unroll(%x: tensor<16xf32>) -> tensor<16xf32>
    attributes {rqc.schedule = {template = "test", steps = [["tile", "root", [4]], ["unroll", "root", [2]]]}} {
  %e = tensor.empty() : tensor<16xf32>
  %r = linalg.generic {rqc.root, indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> (i)>], iterator_types = ["parallel"]}
      ins(%x : tensor<16xf32>) outs(%e : tensor<16xf32>) {
  ^bb0(%in: f32, %out: f32):
    %s = arith.mulf %in, %in : f32
    linalg.yield %s : f32
  } -> tensor<16xf32>
  return %r : tensor<16xf32>
}

// -----

// vectorize: a register-sized op becomes vector code.
// CHECK-LABEL: func @vectorize
// CHECK: vector.transfer_read {{.*}} : tensor<4x16xf32>, vector<4x16xf32>
// CHECK: arith.maximumf {{.*}} : vector<4x16xf32>
// CHECK: vector.transfer_write
// CHECK-NOT: linalg.generic
func.func @vectorize(%x: tensor<4x16xf32>) -> tensor<4x16xf32>
    attributes {rqc.schedule = {template = "test", steps = [["vectorize", "root"]]}} {
  %e = tensor.empty() : tensor<4x16xf32>
  %z = arith.constant 0.0 : f32
  %r = linalg.generic {rqc.root, indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>],
                       iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<4x16xf32>) outs(%e : tensor<4x16xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %in, %z : f32
    linalg.yield %m : f32
  } -> tensor<4x16xf32>
  return %r : tensor<4x16xf32>
}
