// (a) A 16x16 GEMM tile with int8 requantisation on the ALU (bias ADD from ACC, ADD of
// the rounding constant, SHR, MAX/MIN clip), bit-exact against a plain C++ reference.
#include "rqc/vta/Assembler.h"
#include "rqc/vta/Simulator.h"

#include "TestStreams.h"

#include <gtest/gtest.h>

using namespace rqc::vta;
using namespace rqc::vta::test;

TEST(VtaGemmTile, RequantizedGemmIsBitExact) {
  Image img;
  BuiltStream s = buildGemmTile(img, 11);
  uint64_t insnOff = img.putProgram(s.program);

  SimulationReport report = Simulator().run(DramView(img.bytes), insnOff, s.program.size());
  EXPECT_EQ(img.getInt8(s.outOffset, s.expected.size()), s.expected);

  EXPECT_EQ(report.counters.gemmUops, 32u); // 16 rows x 2 input blocks
  EXPECT_EQ(report.counters.gemmResetUops, 16u);
  EXPECT_EQ(report.counters.aluUops, 5u * 16);
  EXPECT_EQ(report.counters.outStoreBytes, 256u);
  EXPECT_EQ(report.counters.inpLoadBytes, 512u);
  EXPECT_EQ(report.counters.wgtLoadBytes, 512u);
  EXPECT_EQ(report.counters.accLoadBytes, 64u);
  EXPECT_EQ(report.counters.uopLoadBytes, 8u);
  EXPECT_GT(report.totalCycles, 0u);
  EXPECT_EQ(report.compute.instructions, 11u);
  EXPECT_EQ(report.load.instructions, 2u);
  EXPECT_EQ(report.store.instructions, 1u);
  for (const ModuleReport *m : {&report.load, &report.compute, &report.store})
    EXPECT_EQ(m->busyCycles + m->stalledCycles + m->idleCycles, report.totalCycles);
  EXPECT_GT(report.gemmUtilization, 0.0);
  EXPECT_LT(report.gemmUtilization, 1.0);
  EXPECT_DOUBLE_EQ(report.achievedGops, report.gemmUtilization * 51.2);
}

// The same stream through the text form: disassemble, assemble, run again.
TEST(VtaGemmTile, TextRoundTripRunsIdentically) {
  Image img;
  BuiltStream s = buildGemmTile(img, 12);
  std::vector<InsnWord> words;
  for (const Instruction &insn : s.program)
    words.push_back(img.isa().encode(insn));
  std::vector<InsnWord> reassembled = assemble(img.isa(), disassemble(img.isa(), words));
  ASSERT_EQ(reassembled, words);
  std::vector<uint8_t> raw = toBytes(reassembled);
  uint64_t insnOff = img.alloc(raw.size(), 16);
  std::copy(raw.begin(), raw.end(), img.bytes.begin() + long(insnOff));
  Simulator().run(DramView(img.bytes), insnOff, words.size());
  EXPECT_EQ(img.getInt8(s.outOffset, s.expected.size()), s.expected);
}

// The simulator follows the configuration: a batched GEMM on pynq_4x8_i8w8a32_15_16_16_18
// (BATCH 4, BLOCK 8), where one INP element holds 4 rows and one micro-op does 256 MACs.
TEST(VtaOtherConfig, BatchedGemmOn4x8) {
  VtaConfig c = VtaConfig::fromModelString("pynq_4x8_i8w8a32_15_16_16_18");
  constexpr int kB = 4, kK = 16, kO = 8, kShift = 4;
  std::vector<int8_t> a = randomInt8(kB * kK, 51), w = randomInt8(kO * kK, 52);
  std::vector<int8_t> expected;
  for (int b = 0; b < kB; ++b)
    for (int o = 0; o < kO; ++o) {
      int32_t acc = 0;
      for (int k = 0; k < kK; ++k)
        acc += int32_t(a[b * kK + k]) * int32_t(w[o * kK + k]);
      expected.push_back(requantize(acc, 0, kShift));
    }
  // INP element kb = [b][8], WGT element kb = [o][8].
  std::vector<int8_t> aPacked, wPacked;
  for (int kb = 0; kb < 2; ++kb) {
    for (int b = 0; b < kB; ++b)
      for (int k = 0; k < 8; ++k)
        aPacked.push_back(a[b * kK + kb * 8 + k]);
    for (int o = 0; o < kO; ++o)
      for (int k = 0; k < 8; ++k)
        wPacked.push_back(w[o * kK + kb * 8 + k]);
  }
  Image img(c);
  uint32_t inp = uint32_t(img.putInt8(aPacked) / c.inpElemBytes());
  uint32_t wgt = uint32_t(img.putInt8(wPacked) / c.wgtElemBytes());
  uint32_t uop = uint32_t(img.putUops({Uop{0, 0, 0}, Uop{0, 1, 1}}) / 4);
  uint64_t outOff = img.alloc(kB * kO);
  Loop one;
  // One GEMM instruction per input block: accumulating into one ACC entry within an
  // instruction would be the back-to-back hazard.
  std::vector<Instruction> p = {
      load(MemoryType::Inp, 0, inp, 1, 2, 2),
      load(MemoryType::Wgt, 0, wgt, 1, 2, 2, "push_next"),
      loadUops(0, uop, 2, "pop_prev"),
      gemmReset(0, 1, one),
      gemm(0, 1, one),
      gemm(1, 2, one),
      aluImm(AluOpcode::Shr, kShift, 0, 1, one),
      aluImm(AluOpcode::Max, -128, 0, 1, one),
      aluImm(AluOpcode::Min, 127, 0, 1, one, "push_next"),
      store(0, uint32_t(outOff / c.outElemBytes()), 1, 1, 1, "pop_prev,push_prev"),
      noop(Opcode::Load, MemoryType::Uop, "pop_next"),
      finish(),
  };
  uint64_t insnOff = img.putProgram(p);
  SimulationReport report = Simulator(c).run(DramView(img.bytes), insnOff, p.size());
  EXPECT_EQ(img.getInt8(outOff, expected.size()), expected);
  EXPECT_EQ(report.model, "pynq_4x8_i8w8a32_15_16_16_18");
  EXPECT_DOUBLE_EQ(report.peakGops, 2.0 * 256 * 100 / 1000);
}

// The work bound: streamWork counts the GEMM tile's MACs, ALU lanes and DMA bytes; a run
// over the simulator's limit is refused before anything executes (DRAM untouched), and a
// GEMM whose loop fields ask for 2^64 MACs saturates instead of wrapping to a small number.
TEST(VtaWorkLimit, OverTheLimitIsRefusedBeforeRunning) {
  Image img;
  BuiltStream s = buildGemmTile(img, 13);
  uint64_t insnOff = img.putProgram(s.program);
  const uint64_t work = streamWork(img.isa().config(), s.program);
  // 32 GEMM micro-ops x 256 MACs + 16 reset micro-ops x 256 + 80 ALU micro-ops x 16 lanes,
  // plus the tiles loaded and stored (at the widest element's bytes): at least the MACs.
  EXPECT_GE(work, 48u * 256 + 80u * 16);

  Simulator limited;
  limited.setWorkLimit(work - 1);
  std::vector<uint8_t> before = img.bytes;
  try {
    limited.run(DramView(img.bytes), insnOff, s.program.size());
    FAIL() << "a stream over the work limit ran";
  } catch (const StreamError &e) {
    EXPECT_NE(std::string(e.what()).find("over the simulator's work limit of " + std::to_string(work - 1)),
              std::string::npos)
        << e.what();
  }
  EXPECT_EQ(img.bytes, before);
  limited.setWorkLimit(work);
  limited.run(DramView(img.bytes), insnOff, s.program.size());
  EXPECT_EQ(img.getInt8(s.outOffset, s.expected.size()), s.expected);

  // Widest loop fields: about 2^42 micro-op executions x 256 MACs each; 2^15 of them pass 2^64.
  GemmInsn widest;
  widest.iterOut = widest.iterIn = (1u << 14) - 1;
  widest.uopBgn = 0;
  widest.uopEnd = (1u << 14) - 1;
  EXPECT_GT(streamWork(img.isa().config(), {widest}), Simulator::kDefaultWorkLimit);
  std::vector<Instruction> many(1u << 15, Instruction(widest));
  EXPECT_EQ(streamWork(img.isa().config(), many), UINT64_MAX); // saturates, never wraps around
}
