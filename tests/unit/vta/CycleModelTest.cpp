// The cycle model pinned to exact totals for tiny streams, each derived by hand from the
// cost table in docs/vta.md with round numbers (tableCosts(): a full 64-bit beat per cycle,
// 24-cycle DMA start-up, a DRAM port per module; Pynq: INP element 16 bytes, WGT 256, ACC
// 64, micro-op 4); then the shared port and the DRAM efficiency on their own, and the
// calibrated defaults on the documented example:
//   every instruction     2 (decode, issue)
//   fetch                 24 (one DMA start-up), then 2 per instruction, in stream order
//   DMA row               24 + ceil(bytes / 8); a micro-op load is one row
//   padding               1 per padded element
//   GEMM                  4 + 1 per micro-op;  FINISH 2
// An instruction starts when it is fetched, its module is free and its popped tokens
// are pushed; it pushes when it ends. The run ends when FINISH ends.
#include "rqc/vta/Simulator.h"

#include "StreamBuilder.h"
#include "TestStreams.h"

#include <gtest/gtest.h>

using namespace rqc::vta;
using namespace rqc::vta::test;

namespace {

CycleCosts tableCosts() {
  CycleCosts c;
  c.dramEfficiency = 1.0;
  c.dmaStartupCycles = 24;
  c.sharedDramPort = false;
  return c;
}

SimulationReport run(Image &img, const std::vector<Instruction> &program, const CycleCosts &costs = tableCosts()) {
  uint64_t insnOff = img.putProgram(program);
  return Simulator(VtaConfig::pynq(), costs).run(DramView(img.bytes), insnOff, program.size());
}

void expectModule(const ModuleReport &m, uint64_t instructions, uint64_t busy, uint64_t stalled, uint64_t idle,
                  const char *name) {
  EXPECT_EQ(m.instructions, instructions) << name;
  EXPECT_EQ(m.busyCycles, busy) << name;
  EXPECT_EQ(m.stalledCycles, stalled) << name;
  EXPECT_EQ(m.idleCycles, idle) << name;
}

} // namespace

// FINISH alone: fetched at 24 + 2 = 26, runs 26..28.
TEST(VtaCycles, FinishOnly) {
  Image img;
  SimulationReport r = run(img, {finish()});
  EXPECT_EQ(r.totalCycles, 28u);
  EXPECT_EQ(r.fetchBusyCycles, 2u);
  expectModule(r.compute, 1, 2, 0, 26, "compute");
  expectModule(r.load, 0, 0, 0, 28, "load");
  expectModule(r.store, 0, 0, 0, 28, "store");
}

// One padded LOAD ACC (compute module): 2 rows of 3 elements (192 bytes), x_pad_0 1,
// y_pad_1 1.
//   cost = 2 + 2 rows * (24 + 192 / 8) + padding ((0 + 1) * (1 + 3 + 0) + 2 * (1 + 0) = 6)
//        = 2 + 96 + 6 = 104
//   LOAD fetched 26, runs 26..130; FINISH fetched 28, runs 130..132.
TEST(VtaCycles, OnePaddedLoad) {
  Image img;
  uint32_t acc = uint32_t(img.putInt32(std::vector<int32_t>(6 * 16, 7)) / img.isa().config().accElemBytes());
  Pad pad;
  pad.x0 = 1, pad.y1 = 1;
  SimulationReport r = run(img, {load(MemoryType::Acc, 0, acc, 2, 3, 3, "", pad), finish()});
  EXPECT_EQ(r.totalCycles, 132u);
  expectModule(r.compute, 2, 104 + 2, 0, 26, "compute");
  EXPECT_EQ(r.counters.accLoadBytes, 384u);
}

// One GEMM (a reset of 2 x 3 micro-ops) after its micro-op load.
//   LOAD UOP: 2 + 24 + ceil(4 / 8) = 27, fetched 26, runs 26..53
//   GEMM:     2 + 4 + 6 = 12, fetched 28, runs 53..65
//   FINISH:   fetched 30, runs 65..67
TEST(VtaCycles, OneGemm) {
  Image img;
  uint32_t uop = uint32_t(img.putUops({Uop{0, 0, 0}}) / kUopBytes);
  Loop loop;
  loop.iterOut = 2, loop.iterIn = 3, loop.dstOut = 3, loop.dstIn = 1; // ACC 0..5, no hazard
  SimulationReport r = run(img, {loadUops(0, uop, 1), gemmReset(0, 1, loop), finish()});
  EXPECT_EQ(r.totalCycles, 67u);
  expectModule(r.compute, 3, 27 + 12 + 2, 0, 26, "compute");
  EXPECT_EQ(r.counters.gemmResetUops, 6u);
  EXPECT_EQ(r.counters.gemmUops, 0u);
  EXPECT_DOUBLE_EQ(r.gemmUtilization, 0.0);
}

// INP and WGT loads (the second pushes to compute), the micro-op load, a reset and a GEMM
// that pops the token, FINISH: the hand-off of the next two tests.
static std::vector<Instruction> handOffStream(Image &img) {
  const VtaConfig &c = img.isa().config();
  uint32_t inp = uint32_t(img.putInt8(randomInt8(16, 1)) / c.inpElemBytes());
  uint32_t wgt = uint32_t(img.putInt8(randomInt8(256, 2)) / c.wgtElemBytes());
  uint32_t uop = uint32_t(img.putUops({Uop{0, 0, 0}}) / kUopBytes);
  Loop one;
  return {
      load(MemoryType::Inp, 0, inp, 1, 1, 1),
      load(MemoryType::Wgt, 0, wgt, 1, 1, 1, "push_next"),
      loadUops(0, uop, 1),
      gemmReset(0, 1, one),
      gemm(0, 1, one, "pop_prev"),
      finish(),
  };
}

// The load module feeds a GEMM through a token; compute stalls until the push.
//   0 LOAD INP 1 elem (16 B)       load     2 + 24 + 2  = 28   fetched 26, runs 26..54
//   1 LOAD WGT 1 elem (256 B)      load     2 + 24 + 32 = 58   fetched 28, runs 54..112, pushes
//   2 LOAD UOP 1                   compute  27                 fetched 30, runs 30..57
//   3 GEMM reset, 1 micro-op       compute  2 + 4 + 1 = 7      fetched 32, runs 57..64
//   4 GEMM, 1 micro-op, pop_prev   compute  7                  fetched 34, waits 64..112, runs 112..119
//   5 FINISH                       compute  2                  fetched 36, runs 119..121
// load: busy 86, idle 121 - 86 = 35; compute: busy 43, stalled 48, idle 121 - 91 = 30.
TEST(VtaCycles, TokenHandOffStallsCompute) {
  Image img;
  SimulationReport r = run(img, handOffStream(img));
  EXPECT_EQ(r.totalCycles, 121u);
  EXPECT_EQ(r.fetchBusyCycles, 12u);
  expectModule(r.load, 2, 86, 0, 35, "load");
  expectModule(r.compute, 4, 43, 48, 30, "compute");
  expectModule(r.store, 0, 0, 0, 121, "store");
  EXPECT_DOUBLE_EQ(r.gemmUtilization, 1.0 / 121);
}

// The same stream with one DRAM port for all modules (first come, first served, in time
// order): the micro-op load (compute, starts 30, asks at 32) waits for the INP load's
// transfer (28..54) and holds the port 54..79; the WGT load (starts 54, asks at 56) waits
// until 79 and holds it 79..135, so it pushes at 135 instead of 112.
//   LOAD UOP 30..79, GEMM reset 79..86, GEMM waits for the token, runs 135..142,
//   FINISH 142..144.
TEST(VtaCycles, SharedDramPortSerializesTheModulesDmas) {
  Image img;
  CycleCosts shared = tableCosts();
  shared.sharedDramPort = true;
  SimulationReport r = run(img, handOffStream(img), shared);
  EXPECT_EQ(r.totalCycles, 144u);
  expectModule(r.load, 2, 28 + 81, 0, 144 - 109, "load");
}

// DRAM efficiency 0.5: 4 bytes per cycle. The padded ACC load of OnePaddedLoad:
//   2 + 2 rows * (24 + 192 / 4) + 6 = 152, runs 26..178; FINISH 178..180.
TEST(VtaCycles, DramEfficiencyScalesTheTransfer) {
  Image img;
  uint32_t acc = uint32_t(img.putInt32(std::vector<int32_t>(6 * 16, 7)) / img.isa().config().accElemBytes());
  Pad pad;
  pad.x0 = 1, pad.y1 = 1;
  CycleCosts half = tableCosts();
  half.dramEfficiency = 0.5;
  SimulationReport r = run(img, {load(MemoryType::Acc, 0, acc, 2, 3, 3, "", pad), finish()}, half);
  EXPECT_EQ(r.totalCycles, 180u);
}

// The figures docs/vta.md quotes for the virtual-thread example (8 tiles of a 16x128 by
// 128x64 GEMM): if a cost changes, this fails and the docs must change with it.
TEST(VtaCycles, DocumentedVirtualThreadExample) {
  for (unsigned threads : {1u, 2u}) {
    Image img;
    BuiltStream s = buildVirtualThreadGemm(img, threads, 8, 31);
    SimulationReport r = run(img, s.program, CycleCosts{});
    EXPECT_EQ(r.totalCycles, threads == 1 ? 15615u : 11987u) << threads << " thread(s)";
    EXPECT_NEAR(100 * r.gemmUtilization, threads == 1 ? 26.2 : 34.2, 0.05) << threads << " thread(s)";
  }
}
