// (c) Two virtual threads: INP/ACC/OUT double-buffered, the dependency tokens letting the
// load module fetch one tile while compute works on the other. Bit-exact against the
// reference, and fewer cycles than the same work on one thread.
#include "rqc/vta/Simulator.h"

#include "TestStreams.h"

#include <gtest/gtest.h>

#include <iostream>

using namespace rqc::vta;
using namespace rqc::vta::test;

namespace {

constexpr unsigned kTiles = 8;

SimulationReport runThreads(unsigned threads) {
  Image img;
  BuiltStream s = buildVirtualThreadGemm(img, threads, kTiles, 31);
  uint64_t insnOff = img.putProgram(s.program);
  SimulationReport report = Simulator().run(DramView(img.bytes), insnOff, s.program.size());
  EXPECT_EQ(img.getInt8(s.outOffset, s.expected.size()), s.expected) << threads << " thread(s)";
  return report;
}

} // namespace

TEST(VtaVirtualThreads, TwoThreadsAreBitExactAndFaster) {
  SimulationReport one = runThreads(1);
  SimulationReport two = runThreads(2);
  std::cout << "[ cycles  ] 1 virtual thread: " << one.totalCycles << " cycles, GEMM utilization "
            << 100 * one.gemmUtilization << "%\n"
            << "[ cycles  ] 2 virtual threads: " << two.totalCycles << " cycles, GEMM utilization "
            << 100 * two.gemmUtilization << "%\n";
  EXPECT_EQ(one.counters.gemmUops, two.counters.gemmUops);
  EXPECT_LT(two.totalCycles, one.totalCycles);
  // The overlap shows as less time stalled on tokens.
  EXPECT_LT(two.compute.stalledCycles + two.load.stalledCycles,
            one.compute.stalledCycles + one.load.stalledCycles);
  EXPECT_GT(two.gemmUtilization, one.gemmUtilization);
}

// Without the WAR tokens the second thread's load would overwrite INP the first is still
// reading: the checker calls it a race instead of silently computing something.
TEST(VtaVirtualThreads, MissingWarTokenIsARace) {
  Image img;
  BuiltStream s = buildVirtualThreadGemm(img, 2, 4, 32);
  // Drop every pop_next of the load module (and the matching pushes, to stay balanced).
  for (Instruction &insn : s.program) {
    if (auto *m = std::get_if<MemInsn>(&insn); m && m->memoryType == MemoryType::Inp)
      m->deps.popNext = false;
    if (auto *g = std::get_if<GemmInsn>(&insn); g && !g->resetReg)
      g->deps.pushPrev = false;
  }
  uint64_t insnOff = img.putProgram(s.program);
  try {
    Simulator().run(DramView(img.bytes), insnOff, s.program.size());
    FAIL() << "expected a race";
  } catch (const StreamError &e) {
    EXPECT_NE(std::string(e.what()).find("data race"), std::string::npos) << e.what();
  }
}
