// Every class of stream the Pynq hardware cannot run is refused with a message naming
// the instruction: token imbalance, deadlock (never a hang), out-of-range SRAM/DRAM,
// operations and memory types the Pynq design lacks, work not ordered before FINISH,
// missing/misplaced FINISH, the accumulator write hazard, bad dependency flags,
// uninitialised reads and data races.
#include "rqc/vta/Simulator.h"

#include "StreamBuilder.h"

#include <gtest/gtest.h>

using namespace rqc::vta;
using namespace rqc::vta::test;

namespace {

// A small valid stream: load one INP and one WGT element, GEMM, store.
struct Tiny {
  Image img;
  uint32_t inp, wgt, uop, out, acc;
  std::vector<Instruction> program;

  Tiny() {
    const VtaConfig &c = img.isa().config();
    inp = uint32_t(img.putInt8(randomInt8(16, 1)) / c.inpElemBytes());
    wgt = uint32_t(img.putInt8(randomInt8(256, 2)) / c.wgtElemBytes());
    acc = uint32_t(img.putInt32(std::vector<int32_t>(16, 5)) / c.accElemBytes());
    // Micro-ops (dst, src, wgt) for the tests below: [0, 2) writes ACC[0] twice in a
    // row, [1, 4) writes 0, 1, 0, [3, 7) writes 0, 2, 1, 0; uop 4 reads ACC[0] into ACC[2].
    uop = uint32_t(img.putUops({Uop{0, 0, 0}, Uop{0, 0, 0}, Uop{1, 0, 0}, Uop{0, 0, 0}, Uop{2, 0, 0}, Uop{1, 0, 0},
                                Uop{0, 0, 0}, Uop{3, 0, 1}}) /
                   4);
    out = uint32_t(img.alloc(16) / c.outElemBytes());
    Loop one;
    program = {
        load(MemoryType::Wgt, 0, wgt, 1, 2, 2),                          // 0
        load(MemoryType::Inp, 0, inp, 1, 1, 1, "push_next"),              // 1
        loadUops(0, uop, 8, "pop_prev"),                                  // 2
        gemmReset(0, 1, one),                                             // 3
        gemm(0, 1, one, "push_next"),                                     // 4
        store(0, out, 1, 1, 1, "pop_prev,push_prev"),                     // 5
        noop(Opcode::Load, MemoryType::Uop, "pop_next"),                  // 6
        finish(),                                                         // 7
    };
  }

  // Runs the stream from the image; returns the error message ("" if it ran).
  std::string run(std::optional<size_t> expectedIndex = std::nullopt) {
    uint64_t offset = img.putProgram(program);
    try {
      Simulator().run(DramView(img.bytes), offset, program.size());
    } catch (const StreamError &e) {
      if (expectedIndex) {
        EXPECT_TRUE(e.instruction.has_value()) << e.what();
        if (e.instruction)
          EXPECT_EQ(*e.instruction, *expectedIndex) << e.what();
      }
      return e.what();
    }
    return "";
  }
};

} // namespace

TEST(VtaChecker, TinyStreamRuns) {
  Tiny t;
  EXPECT_EQ(t.run(), "");
}

// ---- tokens ----

TEST(VtaChecker, TokenImbalance) {
  Tiny t;
  depsOf(t.program[4]).pushPrev = true; // a compute->load token nobody pops
  EXPECT_EQ(t.run(4), "token imbalance on the compute->load (g2l) queue: 1 pushes but 0 pops; the token pushed "
                      "by instruction 4 (GEMM) is never popped");
}

TEST(VtaChecker, DeadlockOnATokenNeverPushed) {
  Tiny t;
  depsOf(t.program[1]).pushNext = false;
  EXPECT_EQ(t.run(2), "deadlock: compute module stuck: instruction 2 (LOAD UOP) waits for a load->compute (l2g) "
                      "token (pop #1) that is never pushed (the stream pushes 0); store module stuck: instruction "
                      "5 (STORE OUT) waits for a compute->store (g2s) token that instruction 4 (GEMM) would push, "
                      "but that instruction never runs");
}

TEST(VtaChecker, DeadlockOnACycleIsReportedNotHung) {
  Tiny t;
  depsOf(t.program[1]).popNext = true; // load waits for compute, which waits for load
  depsOf(t.program[4]).pushPrev = true;
  std::string message = t.run(1);
  EXPECT_EQ(message.rfind("deadlock: load module stuck: instruction 1 (LOAD INP) waits for a compute->load (g2l) "
                          "token that instruction 4 (GEMM) would push, but that instruction never runs; compute "
                          "module stuck: instruction 2 (LOAD UOP) waits for a load->compute (l2g) token that "
                          "instruction 1 (LOAD INP) would push",
                          0),
            0u)
      << message;
}

// Fetch dispatches in order into 512-entry command queues: 600 stores waiting for a
// compute token that comes later in the stream fill the store queue, and fetch never
// reaches the compute instructions. A board hangs; we report it.
TEST(VtaChecker, DeadlockOnAFullCommandQueue) {
  Tiny t;
  std::vector<Instruction> p;
  for (int i = 0; i < 600; ++i)
    p.push_back(noop(Opcode::Store, MemoryType::Out, "pop_prev,push_prev"));
  for (int i = 0; i < 600; ++i)
    p.push_back(noop(Opcode::Load, MemoryType::Uop, "push_next"));
  for (int i = 0; i < 600; ++i)
    p.push_back(noop(Opcode::Load, MemoryType::Uop, "pop_next"));
  p.push_back(finish());
  t.program = p;
  std::string message = t.run();
  EXPECT_NE(message.find("deadlock: compute module stuck: instruction 600 (LOAD UOP) is never fetched: fetch is "
                         "blocked at instruction 512 (STORE OUT) because the store command queue is full (512 "
                         "entries)"),
            std::string::npos)
      << message;
  // With the compute pushes first the same instructions run fine.
  std::swap_ranges(p.begin(), p.begin() + 600, p.begin() + 600);
  t.program = p;
  EXPECT_EQ(t.run(), "");
}

// ---- ordering and FINISH ----

TEST(VtaChecker, WorkNotOrderedBeforeFinish) {
  Tiny t;
  depsOf(t.program[5]).pushPrev = false; // the store no longer signals compute
  depsOf(t.program[6]).popNext = false;
  EXPECT_EQ(t.run(5), "instruction 5 (STORE OUT): is not ordered before FINISH (instruction 7): no chain of "
                      "dependency tokens leads from it to FINISH, so the run can end before it executes");
}

TEST(VtaChecker, MissingFinish) {
  Tiny t;
  t.program.pop_back();
  EXPECT_EQ(t.run(6), "instruction 6 (LOAD UOP): the stream ends here without FINISH; the driver would wait for "
                      "the done flag forever");
}

TEST(VtaChecker, FinishNotLast) {
  Tiny t;
  t.program.push_back(finish());
  EXPECT_EQ(t.run(8), "instruction 8 (FINISH): comes after FINISH (instruction 7); FINISH must be the last "
                      "instruction");
}

TEST(VtaChecker, FinishMustNotPop) {
  Tiny t;
  t.program.pop_back();
  t.program.pop_back();
  t.program.push_back(finish("pop_next"));
  EXPECT_EQ(t.run(6), "instruction 6 (FINISH): FINISH must not pop tokens; pop them with a no-op before FINISH");
}

TEST(VtaChecker, DependencyFlagsTheModuleLacks) {
  Tiny t;
  depsOf(t.program[0]).popPrev = true;
  EXPECT_EQ(t.run(0), "instruction 0 (LOAD WGT): pop_prev is set, but the load module is the first stage and has "
                      "no previous queue");
  Tiny s;
  depsOf(s.program[5]).pushNext = true;
  EXPECT_EQ(s.run(5), "instruction 5 (STORE OUT): push_next is set, but the store module is the last stage and "
                      "has no next queue");
}

// ---- ranges ----

TEST(VtaChecker, SramRangeOfLoads) {
  Tiny t;
  std::get<MemInsn>(t.program[1]).sramBase = 2047;
  std::get<MemInsn>(t.program[1]).xSize = 2;
  EXPECT_EQ(t.run(1), "instruction 1 (LOAD INP): INP buffer entries [2047, 2049) exceed its 2048 entries");
  Tiny p;
  std::get<MemInsn>(p.program[1]).sramBase = 2040;
  std::get<MemInsn>(p.program[1]).yPad1 = 8; // padding rows count too
  EXPECT_EQ(p.run(1), "instruction 1 (LOAD INP): INP buffer entries [2040, 2049) exceed its 2048 entries");
  Tiny s;
  std::get<MemInsn>(s.program[5]).sramBase = 2048;
  EXPECT_EQ(s.run(5), "instruction 5 (STORE OUT): OUT buffer entries [2048, 2049) exceed its 2048 entries");
  Tiny u;
  std::get<MemInsn>(u.program[2]).sramBase = 8190;
  EXPECT_EQ(u.run(2), "instruction 2 (LOAD UOP): micro-op buffer entries [8190, 8198) exceed its 8192 entries");
}

TEST(VtaChecker, SramRangeOfMicroOpLoops) {
  Tiny t;
  Loop twice;
  twice.iterOut = 2, twice.dstOut = 2047;
  t.program[3] = gemmReset(2, 3, twice); // uop 2 has dst 1
  EXPECT_EQ(t.run(3), "instruction 3 (GEMM): micro-op 2 at i_out=1, i_in=0 gives ACC index 2048 (dst), beyond "
                      "the 2048-entry ACC buffer");
  Tiny w; // uop 7 = {dst 3, src 0, wgt 1}
  Loop one, far;
  far.iterIn = 2, far.wgtIn = 1023;
  w.program[3] = gemmReset(7, 8, one);
  w.program[4] = gemm(7, 8, far, "push_next");
  EXPECT_EQ(w.run(4), "instruction 4 (GEMM): micro-op 7 at i_out=0, i_in=1 gives WGT index 1024 (wgt), beyond "
                      "the 1024-entry WGT buffer");
  Tiny u;
  std::get<GemmInsn>(u.program[4]).uopEnd = 8193;
  EXPECT_EQ(u.run(4), "instruction 4 (GEMM): uop_end 8193 is beyond the micro-op buffer (8192 entries)");
}

TEST(VtaChecker, DramRange) {
  Tiny t;
  std::get<MemInsn>(t.program[1]).dramBase = uint32_t(t.img.bytes.size() / 16);
  EXPECT_EQ(t.run(1), "instruction 1 (LOAD INP): DRAM bytes [1048576, 1048592) reach beyond the DRAM image of "
                      "1048576 bytes (dram_base 65536 is in 16-byte elements)");
  Tiny s;
  MemInsn &st = std::get<MemInsn>(s.program[5]);
  st.ySize = 3;
  st.xStride = 0x8000; // rows far apart
  EXPECT_NE(s.run(5).find("instruction 5 (STORE OUT): DRAM bytes"), std::string::npos);
  Tiny w;
  std::get<MemInsn>(w.program[0]).dramBase = 4096; // 4096 * 256 bytes = 1 MiB
  EXPECT_NE(w.run(0).find("reach beyond the DRAM image"), std::string::npos);
}

// ---- what the Pynq design lacks ----

TEST(VtaChecker, AluMul) {
  Tiny t;
  t.program.insert(t.program.begin() + 4, aluImm(AluOpcode::Mul, 3, 0, 1, Loop{}));
  EXPECT_EQ(t.run(4), "instruction 4 (ALU MUL): the Pynq ALU has no MUL (opcode 4 exists only in the functional "
                      "simulator)");
}

TEST(VtaChecker, Acc8BitLoad) {
  Tiny t;
  std::get<MemInsn>(t.program[2]).memoryType = MemoryType::Acc8Bit;
  EXPECT_EQ(t.run(2), "instruction 2 (LOAD ACC_8BIT): memory type ACC_8BIT (int8 DRAM into int32 ACC) exists only "
                      "in the functional simulator, not in the Pynq design");
}

TEST(VtaChecker, LoadIntoOut) {
  Tiny t;
  t.program.insert(t.program.begin() + 3, load(MemoryType::Out, 0, t.out, 1, 1, 1));
  EXPECT_EQ(t.run(3), "instruction 3 (LOAD OUT): the Pynq design cannot load into the OUT buffer (only INP, WGT, "
                      "UOP and ACC)");
}

TEST(VtaChecker, StoreFromAcc) {
  Tiny t;
  std::get<MemInsn>(t.program[5]).memoryType = MemoryType::Acc;
  EXPECT_EQ(t.run(5), "instruction 5 (STORE ACC): the Pynq store module writes only the OUT buffer, not ACC");
}

TEST(VtaChecker, PaddingWhereThePynqHasNone) {
  Tiny t;
  std::get<MemInsn>(t.program[0]).xPad0 = 1;
  EXPECT_EQ(t.run(0), "instruction 0 (LOAD WGT): the Pynq load module does not pad weights; y_pad/x_pad must be 0 "
                      "for WGT");
  Tiny u;
  std::get<MemInsn>(u.program[2]).ySize = 2;
  EXPECT_EQ(u.run(2), "instruction 2 (LOAD UOP): micro-op loads are flat copies of x_size micro-ops on Pynq; "
                      "y_size must be 1, not 2");
  Tiny s;
  std::get<MemInsn>(s.program[5]).yPad0 = 1;
  EXPECT_EQ(s.run(5), "instruction 5 (STORE OUT): stores cannot pad; y_pad/x_pad must be 0");
}

TEST(VtaChecker, ShiftAmountsOutsideTheHardwareRange) {
  Tiny t;
  t.program.insert(t.program.begin() + 4, aluImm(AluOpcode::Shr, 16, 0, 1, Loop{}));
  EXPECT_EQ(t.run(4), "instruction 4 (ALU SHR): shift amount 16 outside [-16, 15]; the Pynq ALU uses only its low "
                      "5 bits");
  // From the register file, found while running: ACC[0] and ACC[2] hold 5 in every lane;
  // uop 4 shifts ACC[2] by ACC[0].
  Tiny r;
  Loop one;
  auto shiftProgram = [&](bool tooFar) {
    std::vector<Instruction> p = {loadUops(0, r.uop, 8), load(MemoryType::Acc, 0, r.acc, 1, 1, 1),
                                  load(MemoryType::Acc, 2, r.acc, 1, 1, 1), aluAcc(AluOpcode::Shr, 4, 5, one)};
    if (tooFar)
      p.push_back(aluImm(AluOpcode::Shr, -3, 0, 1, one)); // ACC[0] = 5 << 3 = 40
    p.push_back(aluAcc(AluOpcode::Shr, 4, 5, one));
    p.push_back(finish());
    return p;
  };
  r.program = shiftProgram(false);
  EXPECT_EQ(r.run(), "");
  r.program = shiftProgram(true);
  EXPECT_EQ(r.run(5), "instruction 5 (ALU SHR): micro-op 4 at i_out=0, i_in=0: shift amount 40 (lane 0) outside "
                      "[-16, 15]; the Pynq ALU uses only its low 5 bits");
}

// ---- the accumulator hazard ----

TEST(VtaChecker, BackToBackAccumulatorWrites) {
  Tiny t;
  std::get<GemmInsn>(t.program[4]).uopEnd = 2; // uops 0 and 1 both write ACC[0]
  EXPECT_EQ(t.run(4), "instruction 4 (GEMM): accumulator hazard: micro-op 1 at i_out=0, i_in=0 writes ACC entry 0 "
                      "that micro-op 0 at i_out=0, i_in=0 wrote 1 micro-op(s) earlier; Pynq's pipeline does not "
                      "forward accumulator writes, so two other micro-ops must separate them");
}

TEST(VtaChecker, AccumulatorWritesTwoApart) {
  Tiny t; // uops 1, 2, 3 write ACC[0], ACC[1], ACC[0]
  Loop one;
  t.program[3] = gemmReset(1, 3, one);
  t.program[4] = gemm(1, 4, one, "push_next");
  EXPECT_EQ(t.run(4), "instruction 4 (GEMM): accumulator hazard: micro-op 3 at i_out=0, i_in=0 writes ACC entry 0 "
                      "that micro-op 1 at i_out=0, i_in=0 wrote 2 micro-op(s) earlier; Pynq's pipeline does not "
                      "forward accumulator writes, so two other micro-ops must separate them");
  // Three apart is fine: uops 3..6 write ACC[0], ACC[2], ACC[1], ACC[0].
  Tiny ok;
  ok.program[3] = gemmReset(3, 6, one);
  ok.program[4] = gemm(3, 7, one, "push_next");
  EXPECT_EQ(ok.run(), "");
}

TEST(VtaChecker, HazardThroughTheLoopExpansion) {
  Tiny t; // one micro-op repeated by the inner loop with dst_factor_in 0
  std::get<GemmInsn>(t.program[4]).iterIn = 2;
  EXPECT_EQ(t.run(4), "instruction 4 (GEMM): accumulator hazard: micro-op 0 at i_out=0, i_in=1 writes ACC entry 0 "
                      "that micro-op 0 at i_out=0, i_in=0 wrote 1 micro-op(s) earlier; Pynq's pipeline does not "
                      "forward accumulator writes, so two other micro-ops must separate them");
}

TEST(VtaChecker, AluReadingAnEntryJustWritten) {
  Tiny t; // uops 3 {dst 0} then 4 {dst 2, src 0}: uop 4 reads ACC[0] right after it is written
  Loop one;
  t.program = {loadUops(0, t.uop, 8), gemmReset(0, 1, one), gemmReset(2, 3, one), gemmReset(4, 5, one),
               aluAcc(AluOpcode::Add, 3, 5, one), finish()};
  EXPECT_EQ(t.run(4), "instruction 4 (ALU ADD): accumulator hazard: micro-op 4 at i_out=0, i_in=0 reads ACC entry "
                      "0 that micro-op 3 at i_out=0, i_in=0 wrote 1 micro-op(s) earlier; Pynq's pipeline does not "
                      "forward accumulator writes, so two other micro-ops must separate them");
}

// ---- what a sequential simulator would get wrong ----

TEST(VtaChecker, StoreOfAValueOnlyLoadedIntoAcc) {
  Tiny t; // replace the GEMMs by a LOAD ACC: OUT never gets the values on Pynq
  t.program[3] = load(MemoryType::Acc, 0, t.acc, 1, 1, 1);
  t.program[4] = noop(Opcode::Load, MemoryType::Uop, "push_next");
  EXPECT_EQ(t.run(5), "instruction 5 (STORE OUT): reads OUT entry 0 that no earlier instruction of this run wrote "
                      "(on Pynq, OUT holds only GEMM/ALU results; a value only LOADed into ACC needs an ALU op, "
                      "e.g. SHR 0, before it can be stored)");
  Loop one;
  t.program[4] = aluImm(AluOpcode::Shr, 0, 0, 1, one, "push_next");
  EXPECT_EQ(t.run(), "");
}

TEST(VtaChecker, ReadOfAnEntryNeverLoaded) {
  Tiny t; // the second iteration reads INP[7], which was never loaded
  Loop loop;
  loop.iterIn = 2, loop.dstIn = 3, loop.srcIn = 7;
  t.program[3] = gemmReset(0, 1, loop);
  t.program[4] = gemm(0, 1, loop, "push_next");
  EXPECT_EQ(t.run(4), "instruction 4 (GEMM): reads INP entry 7 that no earlier instruction of this run wrote");
}

TEST(VtaChecker, DataRace) {
  Tiny t; // a second INP load into the entry the GEMM reads, not ordered against it
  t.program.insert(t.program.begin() + 2, load(MemoryType::Inp, 0, t.inp, 1, 1, 1, "push_next"));
  t.program.insert(t.program.begin() + 7, noop(Opcode::Load, MemoryType::Uop, "pop_prev"));
  std::string message = t.run();
  EXPECT_NE(message.find("INP entry 0 that"), std::string::npos) << message;
  EXPECT_NE(message.find("with no dependency token ordering the"), std::string::npos) << message;
  EXPECT_NE(message.find("(data race)"), std::string::npos) << message;
}

// ---- the stream itself ----

TEST(VtaChecker, UndecodableAndMisplacedStreams) {
  Tiny t;
  uint64_t offset = t.img.putProgram(t.program);
  t.img.bytes[offset + 16] = 7; // instruction 1: opcode 7
  try {
    Simulator().run(DramView(t.img.bytes), offset, t.program.size());
    FAIL();
  } catch (const StreamError &e) {
    EXPECT_STREQ(e.what(), "instruction 1 does not decode: unknown opcode 7");
  }
  EXPECT_THROW(Simulator().run(DramView(t.img.bytes), offset + 8, 2), StreamError);
  EXPECT_THROW(Simulator().run(DramView(t.img.bytes), t.img.bytes.size() - 16, 2), StreamError);
  EXPECT_THROW(Simulator().run(DramView(t.img.bytes), std::vector<Instruction>{}), StreamError);
}
