// (b) A 3x3 convolution layer (32 -> 32 channels, 8x8, pad 1) as GEMM tiles whose INP
// loads produce the zero border, bit-exact against a plain C++ convolution.
#include "rqc/vta/Simulator.h"

#include "TestStreams.h"

#include <gtest/gtest.h>

using namespace rqc::vta;
using namespace rqc::vta::test;

TEST(VtaConv, Conv3x3WithLoadPaddingIsBitExact) {
  Image img;
  BuiltStream s = buildConv3x3(img, 21);
  uint64_t insnOff = img.putProgram(s.program);
  SimulationReport report = Simulator().run(DramView(img.bytes), insnOff, s.program.size());
  EXPECT_EQ(img.getInt8(s.outOffset, s.expected.size()), s.expected);
  // 2 tiles x 2 input blocks x 64 micro-ops x 9 taps.
  EXPECT_EQ(report.counters.gemmUops, 2u * 2 * 64 * 9);
  // Only the real input rows are read from DRAM: 5 of the 6 padded rows per tile.
  EXPECT_EQ(report.counters.inpLoadBytes, 2u * 2 * 5 * 8 * 16);
}

// The padding really is what makes the border right: without it the border differs.
TEST(VtaConv, PaddingMatters) {
  Image img;
  BuiltStream s = buildConv3x3(img, 22);
  for (Instruction &insn : s.program)
    if (auto *m = std::get_if<MemInsn>(&insn); m && m->memoryType == MemoryType::Inp && m->xSize) {
      // Same SRAM footprint, but the border filled from DRAM neighbours instead of zeros.
      m->xPad0 = m->xPad1 = 0;
      m->xSize += 2;
      m->dramBase -= 1;
      m->xStride = 8;
    }
  uint64_t insnOff = img.putProgram(s.program);
  Simulator().run(DramView(img.bytes), insnOff, s.program.size());
  EXPECT_NE(img.getInt8(s.outOffset, s.expected.size()), s.expected);
}
