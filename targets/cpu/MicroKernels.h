// Micro-kernels for the `tensorize` schedule step (TVM's tensorize, IREE's ukernels, but
// generated as MLIR vector code so that LLVM selects the instructions for each target:
// AVX-512 / AVX2+FMA on x86, NEON on AArch64 and ARMv7). Each replaces one register-sized
// tile of a root op (tensors, before bufferization) by a loop nest whose accumulators are
// loop-carried vector values, so they stay in registers over the whole reduction.
//
//   conv2d_nchwc            the blocked convolution tile [1, 1, R, W, OC] over
//                           (ic blocks, kh, kw, ic): per step OC/lanes weight vectors, R*W
//                           broadcast inputs, R*W*OC/lanes FMAs. args: [unroll_kw,
//                           ic_unroll (ic in steps of ic_unroll, unrolled inside a step),
//                           d (> 0: prefetch the filters of output-channel block oco + d)]
//   conv2d_nchwc_int8       the integer blocked convolution tile [1, 1, R, W, OC] (i32) over
//                           (ic blocks, kh, kw, four-channel groups): per step OC/lanes
//                           weight vectors of lanes x 4 int8, R*W broadcast 4-byte uint8
//                           inputs, R*W*OC/lanes four-channel dot products: vpdpbusd with
//                           VNNI, SDOT with +dotprod, vpmaddubsw + vpmaddwd on x86 when the
//                           weights' pair sums fit i16 (MicroKernelIsa::pmaddubsw), vpmaddwd
//                           on widened pairs on other x86, else widened multiplies and a
//                           4-way add (ARM without dotprod; partial: no NEON vmull kernel).
//                           args: [unroll_kw, groups per step (unrolled)]. Its
//                           epilogue (requantize to 8 bits) is applied in registers.
//   depthwise_conv2d_nchwc  the blocked depthwise tile [1, 1, R, W, C] over (kh, kw):
//                           input and filter vectors along channels (f32 FMAs, or bytes
//                           widened to i32 multiply-adds). args: [unroll_kw].
//                           Reads through an inlined padding (compute_inline): rows
//                           outside the input skipped (clamped + selected for the integer
//                           form, whose pad value is the zero point), border columns
//                           clamped + selected
//   max_pool2d_nchwc,
//   avg_pool2d_nchwc        the blocked pooling tile over (kh, kw) (max, or sum: its divisor
//                           is the kernel's next op). args: []
//   dense_pack              the packed dense tile [1, 1, X] over K, with `unroll` independent
//                           partial sums per vector. args: [unroll]
//   winograd_input          B^T d B of one input tile (vectors of channels). args: [m]
//   winograd_gemm           an R x W tiles x OC channels block of one transform point's
//                           product over the input channels. args: [ic_unroll]
//   winograd_output         bias + A^T M A of one output tile. args: [m]
//                           (F(m x m, 3 x 3) of ir/Graph/Winograd.h; only the nonzero
//                           coefficients become adds, subtractions or FMAs)
//
// Each micro-kernel absorbs its accumulator's initializer (a fill or a bias broadcast: read
// straight into the registers) and the elementwise epilogue of its tile (activation,
// residual add: applied to the registers before the one write).
//
// Shapes of every operand must be static (the schedule's tiles divide their loops).
#pragma once

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/PatternMatch.h"

#include <string>

namespace rqc::cpu {

// What the micro-kernels may use of the target, from its LLVM CPU features (CpuTarget).
struct MicroKernelIsa {
  int lanes = 4;        // f32 / i32 lanes of the widest SIMD register used
  bool vnni512 = false; // AVX512-VNNI: vpdpbusd on 512-bit vectors
  bool vnni256 = false; // AVX512-VNNI with AVX512VL, or AVX-VNNI: vpdpbusd on 128/256-bit vectors
  bool sdot = false;    // AArch64 with +dotprod: SDOT on 128-bit vectors (signed bytes)
  // x86 without VNNI: vpmaddwd (i16 pairs -> i32) on 128-bit (SSE2), 256-bit (+avx2) or
  // 512-bit (+avx512bw) vectors; exact for bytes widened to i16.
  bool pmaddwd128 = false, pmaddwd256 = false, pmaddwd512 = false;
  // The kernel's weights (a property of its constants, rqc.weight_pairs_fit_i16, not of
  // the CPU): every pair of neighbouring input channels keeps 255 * (|w0| + |w1|) within
  // i16, so vpmaddubsw is exact; used on x86 without VNNI.
  bool pmaddubsw = false;
};
// The ISA facts of an LLVM feature string ("+avx512f,+avx512vnni,...") for SIMD registers
// of `vectorBits` bits.
MicroKernelIsa microKernelIsa(const std::string &features, int vectorBits);

// Replaces `op` (a tile of a root op, see above) by micro-kernel `name` with `args`, with
// vectors of isa.lanes 32-bit lanes. Throws rqc::Error naming the micro-kernel when it
// does not exist or `op` does not have its structure.
void tensorize(mlir::RewriterBase &rewriter, mlir::linalg::LinalgOp op, const std::string &name,
               llvm::ArrayRef<int64_t> args, const MicroKernelIsa &isa);

// After bufferization and deallocation (which refuse calls without declared memory
// effects): the dot products conv2d_nchwc_int8 marked for an instruction become
// llvm.call_intrinsic of vpdpbusd (x86 VNNI), SDOT (AArch64) or vpmaddwd (x86 without VNNI).
void materializeDotProductIntrinsics(mlir::func::FuncOp fn);

// After bufferization: the weight prefetches a micro-kernel asked for (conv2d_nchwc's
// args[2]), one memref.prefetch (to L2) per weight vector read, d blocks ahead along the
// weights' first dimension (clamped to the last block).
void insertWeightPrefetches(mlir::func::FuncOp fn);

} // namespace rqc::cpu
