// RUN: rqc-opt %s -split-input-file --rqc-cpu-apply-schedule=vector-bits=256 | FileCheck %s

// tensorize conv2d_nchwc: a [1, 1, 1, 2, 16] tile of a blocked convolution (2 output
// columns x 16 output channels = 2 x 2 vectors of 8 floats) becomes loops over input
// channel blocks, kh, kw (unrolled: args[0] = 1) and the 4 input channels in steps of 2
// (args[1], unrolled inside a step), carrying the 4 accumulators in registers; per input
// channel: 2 weight vectors, 2 broadcast inputs read from a [columns, channels] slice of the
// input row, 4 FMAs.
// CHECK-LABEL: func @conv_tile
// CHECK-COUNT-4: vector.transfer_read %arg2{{.*}} : tensor<1x1x1x2x16xf32>, vector<8xf32>
// CHECK: scf.for %{{.*}} = %c0 to %c2 step %c1 iter_args({{.*}}) -> (vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>)
// CHECK: scf.for %[[KH:.*]] = %c0 to %c3 step %c1 iter_args({{.*}}) -> (vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>)
// CHECK: scf.for %{{.*}} = %c0 to %c2 step %c1 iter_args({{.*}}) -> (vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>)
// CHECK: tensor.extract_slice %arg0{{.*}} to tensor<2x2xf32>
// CHECK-COUNT-2: vector.transfer_read %arg1{{.*}} : tensor<1x2x3x3x4x16xf32>, vector<8xf32>
// CHECK: tensor.extract %{{.*}} : tensor<2x2xf32>
// CHECK: vector.broadcast {{.*}} : f32 to vector<8xf32>
// CHECK-COUNT-2: vector.fma
// CHECK: scf.yield
// CHECK-COUNT-4: vector.transfer_write
// CHECK-NOT: linalg.generic
func.func @conv_tile(%x: tensor<1x2x3x4x4xf32>, %w: tensor<1x2x3x3x4x16xf32>, %acc: tensor<1x1x1x2x16xf32>) -> tensor<1x1x1x2x16xf32>
    attributes {rqc.schedule = {template = "test", steps = [["tensorize", "root", "conv2d_nchwc", [1, 2]]]}} {
  %r = linalg.generic {rqc.root,
         indexing_maps = [affine_map<(n, oco, oh, ow, oci, ico, kh, kw, ici) -> (n, ico, oh + kh, ow + kw, ici)>,
                          affine_map<(n, oco, oh, ow, oci, ico, kh, kw, ici) -> (oco, ico, kh, kw, ici, oci)>,
                          affine_map<(n, oco, oh, ow, oci, ico, kh, kw, ici) -> (n, oco, oh, ow, oci)>],
         iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction", "reduction"]}
      ins(%x, %w : tensor<1x2x3x4x4xf32>, tensor<1x2x3x3x4x16xf32>) outs(%acc : tensor<1x1x1x2x16xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %m = arith.mulf %a, %b : f32
    %s = arith.addf %c, %m : f32
    linalg.yield %s : f32
  } -> tensor<1x1x1x2x16xf32>
  return %r : tensor<1x1x1x2x16xf32>
}

// -----

// tensorize max_pool2d_nchwc: vector maxima of input vectors over the window, stride 2.
// CHECK-LABEL: func @pool_tile
// CHECK: scf.for %{{.*}} = %c0 to %c3 step %c1 iter_args({{.*}}) -> (vector<8xf32>, vector<8xf32>)
// CHECK: vector.transfer_read %arg0{{.*}} : tensor<1x1x3x5x8xf32>, vector<8xf32>
// CHECK: arith.maximumf {{.*}} : vector<8xf32>
func.func @pool_tile(%x: tensor<1x1x3x5x8xf32>, %acc: tensor<1x1x1x2x8xf32>) -> tensor<1x1x1x2x8xf32>
    attributes {rqc.schedule = {template = "test", steps = [["tensorize", "root", "max_pool2d_nchwc"]]}} {
  %win = tensor.empty() : tensor<3x3xf32>
  %r = linalg.generic {rqc.root,
         indexing_maps = [affine_map<(n, c, oh, ow, ci, kh, kw) -> (n, c, oh * 2 + kh, ow * 2 + kw, ci)>,
                          affine_map<(n, c, oh, ow, ci, kh, kw) -> (kh, kw)>,
                          affine_map<(n, c, oh, ow, ci, kh, kw) -> (n, c, oh, ow, ci)>],
         iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]}
      ins(%x, %win : tensor<1x1x3x5x8xf32>, tensor<3x3xf32>) outs(%acc : tensor<1x1x1x2x8xf32>) {
  ^bb0(%a: f32, %unused: f32, %c: f32):
    %m = arith.maximumf %a, %c : f32
    linalg.yield %m : f32
  } -> tensor<1x1x1x2x8xf32>
  return %r : tensor<1x1x1x2x8xf32>
}

// -----

// tensorize dense_pack with 2 partial sums: the reduction in steps of 2, the sums added at
// the end.
// CHECK-LABEL: func @dense_tile
// CHECK: scf.for %{{.*}} = %c0 to %c4 step %c1 iter_args({{.*}}) -> (vector<8xf32>, vector<8xf32>)
// CHECK-COUNT-2: vector.fma
// CHECK: arith.addf {{.*}} : vector<8xf32>
func.func @dense_tile(%x: tensor<1x8xf32>, %w: tensor<1x8x8xf32>, %acc: tensor<1x1x8xf32>) -> tensor<1x1x8xf32>
    attributes {rqc.schedule = {template = "test", steps = [["tensorize", "root", "dense_pack", [2]]]}} {
  %r = linalg.generic {rqc.root,
         indexing_maps = [affine_map<(n, mo, mi, k) -> (n, k)>, affine_map<(n, mo, mi, k) -> (mo, k, mi)>,
                          affine_map<(n, mo, mi, k) -> (n, mo, mi)>],
         iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%x, %w : tensor<1x8xf32>, tensor<1x8x8xf32>) outs(%acc : tensor<1x1x8xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %m = arith.mulf %a, %b : f32
    %s = arith.addf %c, %m : f32
    linalg.yield %s : f32
  } -> tensor<1x1x8xf32>
  return %r : tensor<1x1x8xf32>
}
