// The edges of docs/vta.md's semantics that the requantising streams never reach (they
// clip before every STORE): STORE narrows by truncation, not saturation; ALU ADD wraps
// modulo 2^32; SHR by a negative amount shifts left. Expected values are computed here
// with plain integer arithmetic (modulo by division, not by the simulator's bit casts).
#include "rqc/vta/Simulator.h"

#include "StreamBuilder.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <climits>

using namespace rqc::vta;
using namespace rqc::vta::test;

namespace {

constexpr int kLanes = 16; // Pynq: BATCH 1 x BLOCK_OUT 16

// The int8 with the same residue modulo 256 (what keeping the low 8 bits means).
int8_t low8(int64_t v) {
  int64_t r = ((v % 256) + 256) % 256;
  return int8_t(r > 127 ? r - 256 : r);
}

// The int32 with the same residue modulo 2^32.
int64_t wrap32(int64_t v) {
  const int64_t m = int64_t(1) << 32;
  int64_t r = ((v % m) + m) % m;
  return r > INT32_MAX ? r - m : r;
}

// Floor division by 2^s: an arithmetic right shift.
int64_t shiftRight(int64_t v, int s) {
  int64_t d = int64_t(1) << s;
  return v >= 0 ? v / d : -((-v + d - 1) / d);
}

} // namespace

// GEMM results in [-576, 576] stored without any clip: OUT holds the low 8 bits.
TEST(VtaSemantics, StoreTruncatesWithoutClip) {
  constexpr int kRows = 4, kK = 16;
  Image img;
  const VtaConfig &c = img.isa().config();
  // Row 0 all +6 and row 1 all -6 against weight rows of +-6 reach the extremes +-576;
  // rows 2 and 3 are random in [-6, 6].
  std::vector<int8_t> a(kRows * kK, 6), w = randomInt8(kLanes * kK, 62, -6, 6);
  std::fill(a.begin() + kK, a.begin() + 2 * kK, int8_t(-6));
  std::vector<int8_t> rnd = randomInt8(2 * kK, 61, -6, 6);
  std::copy(rnd.begin(), rnd.end(), a.begin() + 2 * kK);
  std::fill(w.begin(), w.begin() + kK, int8_t(6));
  std::fill(w.begin() + kK, w.begin() + 2 * kK, int8_t(-6));

  std::vector<int8_t> expected;
  int64_t lo = 0, hi = 0;
  for (int r = 0; r < kRows; ++r)
    for (int o = 0; o < kLanes; ++o) {
      int64_t acc = 0;
      for (int k = 0; k < kK; ++k)
        acc += a[r * kK + k] * w[o * kK + k];
      lo = std::min(lo, acc), hi = std::max(hi, acc);
      expected.push_back(low8(acc));
    }
  // The test only means something if the results leave the int8 range both ways.
  ASSERT_EQ(lo, -576);
  ASSERT_EQ(hi, 576);

  uint32_t inp = uint32_t(img.putInt8(a) / c.inpElemBytes());
  uint32_t wgt = uint32_t(img.putInt8(w) / c.wgtElemBytes());
  uint32_t uop = uint32_t(img.putUops({Uop{0, 0, 0}}) / kUopBytes);
  uint64_t outOff = img.alloc(kRows * kLanes);
  Loop rows;
  rows.iterIn = kRows, rows.dstIn = 1, rows.srcIn = 1;
  std::vector<Instruction> p = {
      load(MemoryType::Inp, 0, inp, kRows, 1, 1),
      load(MemoryType::Wgt, 0, wgt, 1, 1, 1, "push_next"),
      loadUops(0, uop, 1, "pop_prev"),
      gemmReset(0, 1, rows),
      gemm(0, 1, rows, "push_next"),
      store(0, uint32_t(outOff / c.outElemBytes()), kRows, 1, 1, "pop_prev,push_prev"),
      noop(Opcode::Load, MemoryType::Uop, "pop_next"),
      finish(),
  };
  uint64_t insnOff = img.putProgram(p);
  Simulator().run(DramView(img.bytes), insnOff, p.size());
  EXPECT_EQ(img.getInt8(outOff, expected.size()), expected);
}

// ACC values loaded from DRAM, then
//   ACC[0] += 30000 and ACC[1] += -30000 (immediates): near INT32_MAX / INT32_MIN, they wrap
//   in lanes 0..7;
//   ACC[2] += ACC[3] (register form): two large values, wrapping in lanes 1..15;
//   ACC[0..2] >>= 12 twice (the checker allows shifts in [-16, 15]), so the stored low byte
//   is bits 24..31 of the sum: -128 where a sum past INT32_MAX wrapped, where a saturating
//   ADD would give 127 (and 127 where one below INT32_MIN wrapped);
//   ACC[4] >>= -3, i.e. ACC[4] * 8, leaving the int8 range;
//   every entry >>= 0 to put it in OUT (ACC[3] is stored as loaded).
TEST(VtaSemantics, AddWrapsAndNegativeShrShiftsLeft) {
  Image img;
  const VtaConfig &c = img.isa().config();
  std::vector<int32_t> acc(5 * kLanes);
  for (int l = 0; l < kLanes; ++l) {
    acc[0 * kLanes + l] = INT32_MAX - 4000 * l;
    acc[1 * kLanes + l] = INT32_MIN + 4000 * l;
    acc[2 * kLanes + l] = INT32_MAX / 2 + 60000000 * l;
    acc[3 * kLanes + l] = INT32_MAX / 2 + 30000000 * l;
    acc[4 * kLanes + l] = -40 + 5 * l; // * 8: -320 .. 280
  }
  std::vector<int8_t> expected(5 * kLanes);
  for (int l = 0; l < kLanes; ++l) {
    int64_t sums[3] = {int64_t(acc[l]) + 30000, int64_t(acc[kLanes + l]) - 30000,
                       int64_t(acc[2 * kLanes + l]) + acc[3 * kLanes + l]};
    for (int e = 0; e < 3; ++e)
      expected[e * kLanes + l] = low8(shiftRight(wrap32(sums[e]), 24));
    expected[3 * kLanes + l] = low8(acc[3 * kLanes + l]);
    expected[4 * kLanes + l] = low8(int64_t(acc[4 * kLanes + l]) * 8);
  }
  // What a saturating ADD would store instead, in lanes that wrap.
  ASSERT_EQ(expected[0 * kLanes + 0], -128); // saturated: 127
  ASSERT_EQ(expected[1 * kLanes + 7], 127);  // saturated: -128
  ASSERT_EQ(expected[2 * kLanes + 1], -123); // (2^31 - 2 + 9e7 - 2^32) / 2^24 rounded down; saturated: 127

  uint32_t accAddr = uint32_t(img.putInt32(acc) / c.accElemBytes());
  // Micro-ops (dst, src): ACC[0]; ACC[2] with ACC[3]; ACC[1]; ACC[4].
  uint32_t uop = uint32_t(img.putUops({Uop{0, 0, 0}, Uop{2, 3, 0}, Uop{1, 0, 0}, Uop{4, 0, 0}}) / kUopBytes);
  uint64_t outOff = img.alloc(5 * kLanes);
  Loop one, first3, all5;
  first3.iterIn = 3, first3.dstIn = 1;
  all5.iterIn = 5, all5.dstIn = 1;
  std::vector<Instruction> p = {
      loadUops(0, uop, 4),
      load(MemoryType::Acc, 0, accAddr, 1, 5, 5),
      aluImm(AluOpcode::Add, 30000, 0, 1, one),  // ACC[0]
      aluImm(AluOpcode::Add, -30000, 2, 3, one), // ACC[1]
      aluAcc(AluOpcode::Add, 1, 2, one),         // ACC[2] += ACC[3]
      aluImm(AluOpcode::Shr, 12, 0, 1, first3),  // ACC[0..2]
      aluImm(AluOpcode::Shr, 12, 0, 1, first3),
      aluImm(AluOpcode::Shr, -3, 3, 4, one),     // ACC[4]
      aluImm(AluOpcode::Shr, 0, 0, 1, all5, "push_next"),
      store(0, uint32_t(outOff / c.outElemBytes()), 1, 5, 5, "pop_prev,push_prev"),
      noop(Opcode::Load, MemoryType::Uop, "pop_next"),
      finish(),
  };
  uint64_t insnOff = img.putProgram(p);
  Simulator().run(DramView(img.bytes), insnOff, p.size());
  EXPECT_EQ(img.getInt8(outOff, expected.size()), expected);
}
