// The hand-written VTA streams of the acceptance tests, each with the expected output
// computed by a plain C++ reference. Shared by the GoogleTest tests and by the tool
// that writes DRAM images for the command-line tests.
#pragma once

#include "StreamBuilder.h"

namespace rqc::vta::test {

struct BuiltStream {
  std::vector<Instruction> program;
  uint64_t outOffset = 0;        // where the stream stores its int8 output
  std::vector<int8_t> expected;  // what the reference computes there
};

// (a) out[16][16] = clip((A[16][32] . W[16][32]^T + bias + 32) >> 6, -128, 127).
BuiltStream buildGemmTile(Image &img, uint32_t seed);

// (b) A 3x3, pad 1, stride 1 convolution, 32 -> 32 channels on 8x8, in NCHW1n16c /
// OIHW16o16i, computed as two GEMM tiles of 4 output rows each whose INP loads pad the
// borders; requantised by SHR and a clip.
BuiltStream buildConv3x3(Image &img, uint32_t seed);

// (c) `tiles` independent GEMM tiles out_t[16][64] = requant(A_t[16][128] . W^T), with
// `threads` (1 or 2) virtual threads: with 2, INP/ACC/OUT are double-buffered and the
// dependency tokens let the load of one tile overlap the compute of the other.
BuiltStream buildVirtualThreadGemm(Image &img, unsigned threads, unsigned tiles, uint32_t seed);

} // namespace rqc::vta::test
