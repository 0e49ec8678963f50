#include "rqc/vta/Isa.h"

#include "StreamBuilder.h"

#include <gtest/gtest.h>

#include <random>

using namespace rqc::vta;
using namespace rqc::vta::test;

namespace {

const Opcode kAllOpcodes[] = {Opcode::Load, Opcode::Store, Opcode::Gemm, Opcode::Alu, Opcode::Finish};

void expectWord(const Isa &isa, const Instruction &insn, uint64_t lo, uint64_t hi) {
  InsnWord w = isa.encode(insn);
  EXPECT_EQ(w.lo, lo) << std::hex << "lo 0x" << w.lo << " hi 0x" << w.hi;
  EXPECT_EQ(w.hi, hi) << std::hex << "lo 0x" << w.lo << " hi 0x" << w.hi;
  EXPECT_TRUE(isa.encode(isa.decode(w)) == w);
}

std::vector<int64_t> randomValues(const Format &format, std::mt19937_64 &rng) {
  std::vector<int64_t> v;
  for (const BitField &f : format.fields)
    v.push_back(std::uniform_int_distribution<int64_t>(f.minValue, f.maxValue)(rng));
  return v;
}

} // namespace

// The worked encodings of reference/vta.md 1.8 (computed there with VTA's hw_spec.h).
TEST(VtaIsa, WorkedEncodingsArePynqBitExact) {
  Isa isa(VtaConfig::pynq());
  expectWord(isa, load(MemoryType::Inp, 0, 0x400100, 1, 4, 4), 0x0001000400000100ull, 0x0000000400040001ull);
  expectWord(isa, load(MemoryType::Wgt, 0, 0x40020, 1, 8, 8, "push_next"), 0x00001000800000c0ull,
             0x0000000800080001ull);
  expectWord(isa, load(MemoryType::Inp, 5, 0x1234, 14, 14, 14, "", Pad{1, 1, 1, 1}), 0x00000048d0001500ull,
             0x1111000e000e000eull);
  Loop g;
  g.iterOut = 2, g.iterIn = 4, g.dstOut = 1, g.srcIn = 1, g.wgtOut = 4, g.wgtIn = 1;
  expectWord(isa, gemm(1, 2, g), 0x0008001000400102ull, 0x0040400200000001ull);
  Loop a;
  a.iterOut = 1, a.iterIn = 2, a.dstIn = 1, a.srcIn = 1;
  expectWord(isa, aluImm(AluOpcode::Max, -100, 3, 4, a, "push_next"), 0x0004000800800344ull,
             0xff9c900200000800ull);
  expectWord(isa, finish(), 0x3, 0x0);
  EXPECT_EQ(isa.encodeUop(Uop{3, 5, 7}), 0x01c02803u);
}

TEST(VtaIsa, PynqFieldLayout) {
  Isa isa(VtaConfig::pynq());
  const Format &mem = isa.format(Opcode::Load);
  EXPECT_EQ(mem.find("dram_base")->offset, 26u);
  EXPECT_EQ(mem.find("y_size")->offset, 64u); // moved past the 6-bit gap
  EXPECT_EQ(mem.find("x_pad_1")->offset, 124u);
  const Format &gemmFormat = isa.format(Opcode::Gemm);
  EXPECT_EQ(gemmFormat.find("uop_end")->width, 14u);
  EXPECT_EQ(gemmFormat.find("dst_factor_out")->offset, 64u); // moved past bit 63
  EXPECT_EQ(gemmFormat.find("wgt_factor_in")->offset, 118u);
  const Format &aluFormat = isa.format(Opcode::Alu);
  EXPECT_EQ(aluFormat.find("alu_opcode")->offset, 108u);
  EXPECT_EQ(aluFormat.find("imm")->offset, 112u);
  EXPECT_EQ(isa.uopFormat().find("wgt_idx")->offset, 22u);
}

// encode -> decode -> encode for random field values of every instruction type, for
// the Pynq configuration and a second one.
TEST(VtaIsa, RandomRoundTrips) {
  for (const char *model : {"pynq_1x16_i8w8a32_15_15_18_17", "pynq_4x8_i8w8a32_15_16_16_18"}) {
    Isa isa(VtaConfig::fromModelString(model));
    std::mt19937_64 rng(42);
    for (Opcode op : kAllOpcodes) {
      for (int trial = 0; trial < 2000; ++trial) {
        std::vector<int64_t> values = randomValues(isa.format(op), rng);
        if (op == Opcode::Load || op == Opcode::Store)
          values[0] = int64_t(op);
        Instruction insn = isa.fromFieldValues(op, values);
        InsnWord word = isa.encode(insn);
        Instruction decoded = isa.decode(word);
        ASSERT_TRUE(decoded == insn) << model << " " << opcodeName(op) << " trial " << trial;
        ASSERT_TRUE(isa.encode(decoded) == word);
        ASSERT_EQ(isa.fieldValues(decoded), values);
      }
    }
    for (int trial = 0; trial < 2000; ++trial) {
      Uop u{uint32_t(rng() % isa.config().accDepth()), uint32_t(rng() % isa.config().inpDepth()),
            uint32_t(rng() % isa.config().wgtDepth())};
      ASSERT_TRUE(isa.decodeUop(isa.encodeUop(u)) == u);
    }
  }
}

// Any 128-bit word either decodes and re-encodes to itself, or is refused.
TEST(VtaIsa, ArbitraryWordsDecodeExactlyOrAreRefused) {
  Isa isa(VtaConfig::pynq());
  std::mt19937_64 rng(7);
  int decoded = 0;
  for (int trial = 0; trial < 20000; ++trial) {
    InsnWord w{rng(), rng()};
    // Sparse words too, so that some decode.
    if (trial % 2) {
      w.lo &= rng() & rng() & rng();
      w.hi &= rng() & rng();
    }
    try {
      Instruction insn = isa.decode(w);
      ASSERT_TRUE(isa.encode(insn) == w);
      ++decoded;
    } catch (const DecodeError &) {
    }
  }
  EXPECT_GT(decoded, 100);
}

TEST(VtaIsa, EveryOutOfRangeFieldIsRefused) {
  Isa isa(VtaConfig::pynq());
  for (Opcode op : kAllOpcodes) {
    const Format &format = isa.format(op);
    std::vector<int64_t> base(format.fields.size(), 0);
    base[0] = int64_t(op);
    for (size_t i = 0; i < format.fields.size(); ++i) {
      const BitField &f = format.fields[i];
      for (int64_t bad : {f.maxValue + 1, f.minValue - 1}) {
        std::vector<int64_t> values = base;
        values[i] = bad;
        try {
          isa.fromFieldValues(op, values);
          FAIL() << format.name << " field " << f.name << " accepted " << bad;
        } catch (const FieldRangeError &e) {
          EXPECT_EQ(e.field, f.name);
          std::string expected = format.name + " field " + f.name + ": value " + std::to_string(bad) +
                                 " out of range [" + std::to_string(f.minValue) + ", " +
                                 std::to_string(f.maxValue) + "]";
          EXPECT_EQ(std::string(e.what()), expected);
        }
      }
    }
  }
}

TEST(VtaIsa, EncodeRefusesOutOfRangeStructFields) {
  Isa isa(VtaConfig::pynq());
  GemmInsn g = gemm(0, 1, Loop{});
  g.uopBgn = 8192;
  EXPECT_THROW(
      {
        try {
          isa.encode(g);
        } catch (const FieldRangeError &e) {
          EXPECT_STREQ(e.what(), "GEMM field uop_bgn: value 8192 out of range [0, 8191]");
          throw;
        }
      },
      FieldRangeError);
  MemInsn m = load(MemoryType::Inp, 0, 0, 1, 1, 1, "", Pad{16, 0, 0, 0});
  EXPECT_THROW(isa.encode(m), FieldRangeError);
  m = load(MemoryType::Inp, 1 << 16, 0, 1, 1, 1);
  EXPECT_THROW(isa.encode(m), FieldRangeError);
  AluInsn a = aluImm(AluOpcode::Add, 40000, 0, 1, Loop{});
  EXPECT_THROW(isa.encode(a), FieldRangeError);
  a = aluImm(AluOpcode::Add, -32769, 0, 1, Loop{});
  EXPECT_THROW(isa.encode(a), FieldRangeError);
  a = aluImm(AluOpcode(5), 0, 0, 1, Loop{});
  EXPECT_THROW(isa.encode(a), FieldRangeError);
  m.memoryType = MemoryType(6);
  EXPECT_THROW(isa.encode(m), FieldRangeError);
  Loop loop;
  loop.iterOut = 1 << 14;
  EXPECT_THROW(isa.encode(gemm(0, 1, loop)), FieldRangeError);
  EXPECT_THROW(isa.encodeUop(Uop{2048, 0, 0}), FieldRangeError);
  EXPECT_THROW(isa.encodeUop(Uop{0, 0, 1024}), FieldRangeError);
}

TEST(VtaIsa, DecodeRefusesUndefinedWords) {
  Isa isa(VtaConfig::pynq());
  try {
    isa.decode(InsnWord{5, 0});
    FAIL();
  } catch (const DecodeError &e) {
    EXPECT_STREQ(e.what(), "unknown opcode 5");
  }
  try {
    isa.decode(InsnWord{2 | (uint64_t(1) << 63), 0}); // GEMM's reserved bit 63
    FAIL();
  } catch (const DecodeError &e) {
    EXPECT_STREQ(e.what(), "GEMM: reserved bit(s) 63 must be zero");
  }
  try {
    isa.decode(InsnWord{uint64_t(0x3) << 58, 0}); // LOAD's reserved bits 58-63
    FAIL();
  } catch (const DecodeError &e) {
    EXPECT_STREQ(e.what(), "LOAD: reserved bit(s) 58,59 must be zero");
  }
  try {
    isa.decode(InsnWord{uint64_t(6) << 7, 0}); // memory_type 6
    FAIL();
  } catch (const DecodeError &e) {
    EXPECT_STREQ(e.what(), "LOAD/STORE field memory_type: value 6 is not defined (range [0, 5])");
  }
  EXPECT_THROW(isa.decode(InsnWord{3, 1}), DecodeError); // FINISH with stray bits
}
