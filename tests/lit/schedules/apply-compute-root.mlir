// RUN: rqc-opt %s --rqc-cpu-apply-schedule | FileCheck %s

// compute_root: the padding is computed once, before the parallel loop: fills of its
// border (top and bottom rows, then the left and right columns) and a copy of the input
// into its interior in parallel tiles; the following tile_parallel does not fuse it into
// the output tiles.
// CHECK-LABEL: func @padded_sum
// CHECK: %[[E:.*]] = tensor.empty() : tensor<1x2x10x10x4xf32>
// CHECK: tensor.extract_slice %[[E]][0, 0, 0, 1, 0] [1, 2, 1, 8, 4]
// CHECK: linalg.fill {rqc.compute_root}
// CHECK: tensor.extract_slice %{{.*}}[0, 0, 9, 1, 0] [1, 2, 1, 8, 4]
// CHECK: tensor.extract_slice %{{.*}}[0, 0, 0, 0, 0] [1, 2, 10, 1, 4]
// CHECK: %[[BORDER:.*]] = tensor.insert_slice %{{.*}}[0, 0, 0, 9, 0] [1, 2, 10, 1, 4]
// CHECK: %[[INNER:.*]] = tensor.extract_slice %[[BORDER]][0, 0, 1, 1, 0] [1, 2, 8, 8, 4]
// CHECK: %[[COPY:.*]] = scf.forall (%{{.*}}, %{{.*}}) in (1, 2) shared_outs(%{{.*}} = %[[INNER]])
// CHECK: linalg.copy {rqc.compute_root, rqc.role = "pad"} {{.*}} -> tensor<1x1x8x8x4xf32>
// CHECK: %[[PADDED:.*]] = tensor.insert_slice %[[COPY]] into %[[BORDER]][0, 0, 1, 1, 0] [1, 2, 8, 8, 4]
// CHECK: scf.forall
// CHECK: tensor.extract_slice %[[PADDED]]
// CHECK-NOT: tensor.pad
// CHECK: linalg.generic {{.*}}rqc.role = "root"
func.func @padded_sum(%x: tensor<1x2x8x8x4xf32>) -> tensor<1x2x8x8x4xf32>
    attributes {rqc.schedule = {template = "test", steps = [["compute_root", "pad", [1, 1, 0, 0, 0]], ["tile_parallel", "output", [1, 1, 2, 0, 0]]]}} {
  %z = arith.constant 0.0 : f32
  %p = tensor.pad %x low[0, 0, 1, 1, 0] high[0, 0, 1, 1, 0] {
  ^bb0(%i0: index, %i1: index, %i2: index, %i3: index, %i4: index):
    tensor.yield %z : f32
  } : tensor<1x2x8x8x4xf32> to tensor<1x2x10x10x4xf32>
  %w = tensor.empty() : tensor<3x3xf32>
  %e = tensor.empty() : tensor<1x2x8x8x4xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<1x2x8x8x4xf32>) -> tensor<1x2x8x8x4xf32>
  %s = linalg.generic {rqc.root,
         indexing_maps = [affine_map<(n, c, h, w, ci, kh, kw) -> (n, c, h + kh, w + kw, ci)>,
                          affine_map<(n, c, h, w, ci, kh, kw) -> (kh, kw)>,
                          affine_map<(n, c, h, w, ci, kh, kw) -> (n, c, h, w, ci)>],
         iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]}
      ins(%p, %w : tensor<1x2x10x10x4xf32>, tensor<3x3xf32>) outs(%f : tensor<1x2x8x8x4xf32>) {
  ^bb0(%in: f32, %unused: f32, %acc: f32):
    %a = arith.addf %in, %acc : f32
    linalg.yield %a : f32
  } -> tensor<1x2x8x8x4xf32>
  return %s : tensor<1x2x8x8x4xf32>
}

// A kernel that is one padding: compute_root of its output role; the copy of the source
// takes that role and is tiled in parallel.
// CHECK-LABEL: func @channel_pad
// CHECK: linalg.fill {rqc.compute_root}
// CHECK: scf.forall (%{{.*}}, %{{.*}}, %{{.*}}) = (0, 0, 0) to (1, 3, 8) step (1, 3, 2)
// CHECK: linalg.copy {rqc.compute_root, rqc.output} {{.*}} -> tensor<1x3x2x8xi8>
// CHECK-NOT: tensor.pad
func.func @channel_pad(%x: tensor<1x3x8x8xi8>) -> tensor<1x4x8x8xi8>
    attributes {rqc.schedule = {template = "test", steps = [["compute_root", "output", [1, 3, 2, 0]]]}} {
  %z = arith.constant -128 : i8
  %p = tensor.pad %x low[0, 0, 0, 0] high[0, 1, 0, 0] {
  ^bb0(%i0: index, %i1: index, %i2: index, %i3: index):
    tensor.yield %z : i8
  } : tensor<1x3x8x8xi8> to tensor<1x4x8x8xi8>
  return %p : tensor<1x4x8x8xi8>
}
