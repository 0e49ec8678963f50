// RUN: rqc-opt %s --rqc-cpu-apply-schedule="vector-bits=512 vnni=true" | FileCheck %s --check-prefix=VNNI
// RUN: rqc-opt %s --rqc-cpu-apply-schedule="vector-bits=256" | FileCheck %s --check-prefix=WIDE
// RUN: rqc-opt %s --rqc-cpu-apply-schedule="vector-bits=128 sdot=true" | FileCheck %s --check-prefix=SDOT
// RUN: rqc-opt %s --rqc-cpu-apply-schedule="vector-bits=256 pmaddwd=true" | FileCheck %s --check-prefix=PAIRS

// tensorize conv2d_nchwc_int8: a [1, 1, 1, 2, 16] i32 tile of the blocked integer
// convolution (2 output columns x 16 output channels) over input-channel blocks, kh, kw
// and the 8 input channels as 2 four-channel groups (args[1] = 2, unrolled); per group one
// [16 x 4] int8 weight read, per column one broadcast 4-byte input word, and the
// four-channel dot product as widened products summed over the 4 (exact in i32). With
// VNNI (512-bit registers) each is one 16-lane product marked for vpdpbusd, which
// replaces it after bufferization; with 256-bit registers, two 8-lane halves, unmarked.
// The requantization epilogue (i32 -> f32 scale -> round -> i8) is applied to the
// registers, with the per-channel scales read from their vector.
// VNNI-LABEL: func @int8_tile
// VNNI: scf.for {{.*}} -> (vector<16xi32>, vector<16xi32>)
// VNNI: vector.transfer_read {{.*}} : tensor<1x2x2x3x3x64xi8>, vector<64xi8>
// VNNI: vector.bitcast {{.*}} : vector<4xi8> to vector<1xi32>
// VNNI: vector.broadcast {{.*}} : vector<1xi32> to vector<16xi32>
// VNNI: arith.extui {{.*}} : vector<64xi8> to vector<64xi32>
// VNNI: arith.extsi {{.*}} : vector<64xi8> to vector<64xi32>
// VNNI: vector.multi_reduction <add>, {{.*}} {rqc.dot_intrinsic = "llvm.x86.avx512.vpdpbusd.512"} [1] : vector<16x4xi32> to vector<16xi32>
// VNNI: vector.transfer_read %arg3{{.*}} : tensor<1x16xf32>, vector<16xf32>
// VNNI: math.roundeven {{.*}} : vector<16xf32>
// VNNI: vector.transfer_write {{.*}} : vector<16xi8>, tensor<1x1x1x2x16xi8>
// VNNI-NOT: linalg.generic
// WIDE-LABEL: func @int8_tile
// WIDE: scf.for {{.*}} -> (vector<8xi32>, vector<8xi32>, vector<8xi32>, vector<8xi32>)
// WIDE: vector.multi_reduction <add>, {{.*}} [1] : vector<8x4xi32> to vector<8xi32>
// WIDE-NOT: rqc.dot_intrinsic
// With SDOT (AArch64 +dotprod, 128-bit registers) four 4-lane products per column, marked
// for SDOT, which multiplies signed bytes: the uint8 input word has its sign bit flipped
// (x - 128), the weight sums are accumulated on a word of ones, and 128 * sum(w) is added
// back after the loop.
// SDOT-LABEL: func @int8_tile
// SDOT: arith.constant dense<16843009> : vector<4xi32>
// SDOT: scf.for {{.*}} -> (vector<4xi32>, vector<4xi32>, vector<4xi32>, vector<4xi32>, vector<4xi32>, vector<4xi32>, vector<4xi32>, vector<4xi32>, vector<4xi32>, vector<4xi32>, vector<4xi32>, vector<4xi32>)
// SDOT: arith.xori {{.*}} : vector<1xi32>
// SDOT: arith.extsi {{.*}} : vector<16xi8> to vector<16xi32>
// SDOT: vector.multi_reduction <add>, {{.*}} {rqc.dot_intrinsic = "llvm.aarch64.neon.sdot.v4i32.v16i8"} [1] : vector<4x4xi32> to vector<4xi32>
// SDOT: arith.muli {{.*}} : vector<4xi32>
// SDOT-NEXT: arith.addi {{.*}} : vector<4xi32>
// x86 without VNNI (AVX2): per group, the weights widened to i16 and split into the
// (channel 0, 1) and (channel 2, 3) pairs of every output channel; per column, the input
// word widened to i16 and its two pairs broadcast; each pair product marked for vpmaddwd.
// PAIRS-LABEL: func @int8_tile
// PAIRS: arith.extsi {{.*}} : vector<32xi8> to vector<32xi16>
// PAIRS: vector.shuffle {{.*}} [0, 2, 4, 6, 8, 10, 12, 14] : vector<16xi32>, vector<16xi32>
// PAIRS: vector.shuffle {{.*}} [1, 3, 5, 7, 9, 11, 13, 15] : vector<16xi32>, vector<16xi32>
// PAIRS: arith.extui {{.*}} : vector<4xi8> to vector<4xi16>
// PAIRS: vector.extract {{.*}}[0] : i32 from vector<2xi32>
// PAIRS: vector.multi_reduction <add>, {{.*}} {rqc.dot_intrinsic = "llvm.x86.avx2.pmadd.wd"} [1] : vector<8x2xi32> to vector<8xi32>
// PAIRS: vector.extract {{.*}}[1] : i32 from vector<2xi32>
// PAIRS-NOT: arith.xori
func.func @int8_tile(%x: tensor<1x2x3x4x8xi8>, %w: tensor<1x2x2x3x3x16x4xi8>, %bias: tensor<1x16xi32>, %scale: tensor<1x16xf32>) -> tensor<1x1x1x2x16xi8>
    attributes {rqc.schedule = {template = "test", steps = [["tensorize", "root", "conv2d_nchwc_int8", [0, 2]]]}} {
  %e = tensor.empty() : tensor<1x1x1x2x16xi32>
  %init = linalg.generic {indexing_maps = [affine_map<(n, c, h, w, ci) -> (c, ci)>, affine_map<(n, c, h, w, ci) -> (n, c, h, w, ci)>],
                          iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel"]}
      ins(%bias : tensor<1x16xi32>) outs(%e : tensor<1x1x1x2x16xi32>) {
  ^bb0(%b: i32, %o: i32):
    linalg.yield %b : i32
  } -> tensor<1x1x1x2x16xi32>
  %acc = linalg.generic {rqc.root,
         indexing_maps = [affine_map<(n, oco, oh, ow, oci, ico, kh, kw, icq, r) -> (n, ico, oh + kh, ow + kw, icq * 4 + r)>,
                          affine_map<(n, oco, oh, ow, oci, ico, kh, kw, icq, r) -> (oco, ico, icq, kh, kw, oci, r)>,
                          affine_map<(n, oco, oh, ow, oci, ico, kh, kw, icq, r) -> (n, oco, oh, ow, oci)>],
         iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction", "reduction", "reduction"]}
      ins(%x, %w : tensor<1x2x3x4x8xi8>, tensor<1x2x2x3x3x16x4xi8>) outs(%init : tensor<1x1x1x2x16xi32>) {
  ^bb0(%a: i8, %b: i8, %c: i32):
    %ae = arith.extui %a : i8 to i32
    %be = arith.extsi %b : i8 to i32
    %m = arith.muli %ae, %be : i32
    %s = arith.addi %c, %m : i32
    linalg.yield %s : i32
  } -> tensor<1x1x1x2x16xi32>
  %se = tensor.empty() : tensor<1x1x1x2x16xf32>
  %sb = linalg.generic {indexing_maps = [affine_map<(n, c, h, w, ci) -> (c, ci)>, affine_map<(n, c, h, w, ci) -> (n, c, h, w, ci)>],
                        iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel"]}
      ins(%scale : tensor<1x16xf32>) outs(%se : tensor<1x1x1x2x16xf32>) {
  ^bb0(%s: f32, %o: f32):
    linalg.yield %s : f32
  } -> tensor<1x1x1x2x16xf32>
  %oe = tensor.empty() : tensor<1x1x1x2x16xi8>
  %q = linalg.generic {indexing_maps = [affine_map<(n, c, h, w, ci) -> (n, c, h, w, ci)>, affine_map<(n, c, h, w, ci) -> (n, c, h, w, ci)>,
                                        affine_map<(n, c, h, w, ci) -> (n, c, h, w, ci)>],
                       iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel"]}
      ins(%acc, %sb : tensor<1x1x1x2x16xi32>, tensor<1x1x1x2x16xf32>) outs(%oe : tensor<1x1x1x2x16xi8>) {
  ^bb0(%v: i32, %s: f32, %o: i8):
    %f = arith.sitofp %v : i32 to f32
    %m = arith.mulf %f, %s : f32
    %r = math.roundeven %m : f32
    %lo = arith.constant -128.0 : f32
    %hi = arith.constant 127.0 : f32
    %c = arith.maximumf %r, %lo : f32
    %d = arith.minimumf %c, %hi : f32
    %i = arith.fptosi %d : f32 to i32
    %t = arith.trunci %i : i32 to i8
    linalg.yield %t : i8
  } -> tensor<1x1x1x2x16xi8>
  return %q : tensor<1x1x1x2x16xi8>
}
