#include "rqc/vta/Assembler.h"

#include "StreamBuilder.h"

#include <gtest/gtest.h>

#include <random>

using namespace rqc::vta;
using namespace rqc::vta::test;

namespace {

std::string errorOf(const Isa &isa, const std::string &text) {
  try {
    parseAssembly(isa, text, "t.vtasm");
  } catch (const rqc::Error &e) {
    return e.what();
  }
  return "";
}

} // namespace

TEST(VtaAssembler, FormatsEveryField) {
  Isa isa(VtaConfig::pynq());
  Loop a;
  a.iterOut = 1, a.iterIn = 2, a.dstIn = 1, a.srcIn = 1;
  EXPECT_EQ(formatInstruction(isa, aluImm(AluOpcode::Max, -100, 3, 4, a, "push_next")),
            "ALU MAX deps=push_next reset_reg=0 uop_bgn=3 uop_end=4 iter_out=1 iter_in=2 dst_factor_out=0 "
            "dst_factor_in=1 src_factor_out=0 src_factor_in=1 use_imm=1 imm=-100");
  EXPECT_EQ(formatInstruction(isa, load(MemoryType::Inp, 5, 0x1234, 14, 14, 14, "pop_next,push_next",
                                        Pad{1, 2, 3, 4})),
            "LOAD INP deps=pop_next,push_next sram_base=5 dram_base=0x1234 y_size=14 x_size=14 x_stride=14 "
            "y_pad_0=1 y_pad_1=2 x_pad_0=3 x_pad_1=4");
  EXPECT_EQ(formatInstruction(isa, finish()), "FINISH deps=-");
}

// disassemble -> assemble is the identity on random valid streams.
TEST(VtaAssembler, RandomStreamsRoundTrip) {
  Isa isa(VtaConfig::pynq());
  std::mt19937_64 rng(1);
  const Opcode ops[] = {Opcode::Load, Opcode::Store, Opcode::Gemm, Opcode::Alu, Opcode::Finish};
  std::vector<InsnWord> words;
  for (int i = 0; i < 3000; ++i) {
    Opcode op = ops[rng() % 5];
    std::vector<int64_t> values;
    for (const BitField &f : isa.format(op).fields)
      values.push_back(std::uniform_int_distribution<int64_t>(f.minValue, f.maxValue)(rng));
    values[0] = int64_t(op);
    words.push_back(isa.encode(isa.fromFieldValues(op, values)));
  }
  std::string text = disassemble(isa, words);
  EXPECT_EQ(assemble(isa, text), words);
}

TEST(VtaAssembler, ParsesHandWrittenText) {
  Isa isa(VtaConfig::pynq());
  std::vector<Instruction> program = parseAssembly(isa, R"(
    # comments and blank lines are fine
    load inp sram_base=0 dram_base=0x400100 y_size=1 x_size=4 x_stride=4   # trailing comment
    7: GEMM deps=pop_prev,push_prev uop_end=1 iter_out=1 iter_in=1
    ALU shr use_imm=1 imm=-3 uop_end=1 iter_out=1 iter_in=1
    FINISH
  )");
  ASSERT_EQ(program.size(), 4u);
  EXPECT_TRUE(std::get<MemInsn>(program[0]) == load(MemoryType::Inp, 0, 0x400100, 1, 4, 4));
  Loop one;
  EXPECT_TRUE(std::get<GemmInsn>(program[1]) == gemm(0, 1, one, "pop_prev,push_prev"));
  EXPECT_TRUE(std::get<AluInsn>(program[2]) == aluImm(AluOpcode::Shr, -3, 0, 1, one));
}

TEST(VtaAssembler, ErrorsNameLineAndField) {
  Isa isa(VtaConfig::pynq());
  EXPECT_EQ(errorOf(isa, "FINISH\nGEMM uop_bgn=9000\n"),
            "t.vtasm:2: GEMM field uop_bgn: value 9000 out of range [0, 8191]");
  EXPECT_EQ(errorOf(isa, "GEMM uop_bgnn=1"),
            "t.vtasm:1: unknown field 'uop_bgnn' for GEMM (fields: deps, reset_reg, uop_bgn, uop_end, iter_out, "
            "iter_in, dst_factor_out, dst_factor_in, src_factor_out, src_factor_in, wgt_factor_out, "
            "wgt_factor_in)");
  EXPECT_EQ(errorOf(isa, "MOVE"), "t.vtasm:1: unknown instruction 'MOVE' (expected LOAD, STORE, GEMM, ALU or FINISH)");
  EXPECT_EQ(errorOf(isa, "LOAD x_size=1"),
            "t.vtasm:1: LOAD needs a memory type (UOP, WGT, INP, ACC, OUT, ACC_8BIT)");
  EXPECT_EQ(errorOf(isa, "LOAD FOO"),
            "t.vtasm:1: unknown memory type 'FOO' (expected UOP, WGT, INP, ACC, OUT or ACC_8BIT)");
  EXPECT_EQ(errorOf(isa, "ALU DIV"), "t.vtasm:1: unknown ALU opcode 'DIV' (expected MIN, MAX, ADD, SHR or MUL)");
  EXPECT_EQ(errorOf(isa, "LOAD INP x_size=1 x_size=2"), "t.vtasm:1: field x_size given twice");
  EXPECT_EQ(errorOf(isa, "LOAD INP x_size=abc"), "t.vtasm:1: field x_size: 'abc' is not a number");
  EXPECT_EQ(errorOf(isa, "FINISH deps=pop_later"),
            "t.vtasm:1: unknown dependency flag 'pop_later' (expected pop_prev, pop_next, push_prev, push_next)");
  EXPECT_EQ(errorOf(isa, "STORE OUT y_pad_0=16"), "t.vtasm:1: LOAD/STORE field y_pad_0: value 16 out of range [0, 15]");
  EXPECT_EQ(errorOf(isa, "ALU ADD imm=32768"), "t.vtasm:1: ALU field imm: value 32768 out of range [-32768, 32767]");
}

TEST(VtaAssembler, DisassemblyNamesUndecodableInstruction) {
  Isa isa(VtaConfig::pynq());
  std::vector<InsnWord> words = {isa.encode(finish()), InsnWord{7, 0}};
  try {
    disassemble(isa, words);
    FAIL();
  } catch (const DecodeError &e) {
    EXPECT_EQ(std::string(e.what()),
              "instruction 1 (lo=0x0000000000000007 hi=0x0000000000000000): unknown opcode 7");
  }
}
