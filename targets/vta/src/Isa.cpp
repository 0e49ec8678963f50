#include "rqc/vta/Isa.h"

#include <algorithm>
#include <sstream>

namespace rqc::vta {
namespace {

// Fixed ISA widths (hw_spec_const.h); index widths come from the configuration.
constexpr unsigned kOpcodeBits = 3;
constexpr unsigned kMemTypeBits = 3;
constexpr unsigned kSramAddrBits = 16;
constexpr unsigned kDramAddrBits = 32;
constexpr unsigned kSizeBits = 16;
constexpr unsigned kStrideBits = 16;
constexpr unsigned kPadBits = 4;
constexpr unsigned kLoopIterBits = 14;
constexpr unsigned kAluOpcodeBits = 3;
constexpr unsigned kAluImmBits = 16;

struct FieldSpec {
  const char *name;
  unsigned width;
  bool isSigned = false;
  // Narrower accepted range for enumerations and fixed opcodes (-1: the full width).
  int64_t minValue = -1;
  int64_t maxValue = -1;
};

// Places fields like a C compiler places bit-fields of a `unitBits`-wide type: in order
// from bit 0, moving a field that would straddle a unit boundary to the next unit.
Format layOut(const std::string &name, const std::vector<FieldSpec> &specs, unsigned unitBits,
              unsigned totalBits, const VtaConfig &config) {
  Format format;
  format.name = name;
  unsigned offset = 0;
  for (const FieldSpec &spec : specs) {
    if (offset / unitBits != (offset + spec.width - 1) / unitBits)
      offset = (offset / unitBits + 1) * unitBits;
    BitField f;
    f.name = spec.name;
    f.offset = offset;
    f.width = spec.width;
    f.isSigned = spec.isSigned;
    if (spec.isSigned) {
      f.minValue = -(int64_t(1) << (spec.width - 1));
      f.maxValue = (int64_t(1) << (spec.width - 1)) - 1;
    } else {
      f.minValue = 0;
      f.maxValue = (int64_t(1) << spec.width) - 1;
    }
    if (spec.minValue >= 0)
      f.minValue = spec.minValue;
    if (spec.maxValue >= 0)
      f.maxValue = spec.maxValue;
    format.fields.push_back(f);
    offset += spec.width;
  }
  if (offset > totalBits)
    throw Error("VTA configuration " + config.modelString() + ": the " + name + " format needs " +
                std::to_string(offset) + " bits, more than " + std::to_string(totalBits));
  return format;
}

std::vector<FieldSpec> headerSpecs(Opcode lo, Opcode hi) {
  return {{"opcode", kOpcodeBits, false, int64_t(lo), int64_t(hi)},
          {"pop_prev_dep", 1},
          {"pop_next_dep", 1},
          {"push_prev_dep", 1},
          {"push_next_dep", 1}};
}

uint64_t getBits(const InsnWord &w, const BitField &f) {
  uint64_t word = f.offset >= 64 ? w.hi : w.lo;
  unsigned shift = f.offset % 64;
  uint64_t mask = f.width == 64 ? ~uint64_t(0) : (uint64_t(1) << f.width) - 1;
  return (word >> shift) & mask;
}

void setBits(InsnWord &w, const BitField &f, uint64_t value) {
  uint64_t &word = f.offset >= 64 ? w.hi : w.lo;
  unsigned shift = f.offset % 64;
  uint64_t mask = f.width == 64 ? ~uint64_t(0) : (uint64_t(1) << f.width) - 1;
  word = (word & ~(mask << shift)) | ((value & mask) << shift);
}

int64_t toSigned(uint64_t raw, const BitField &f) {
  if (!f.isSigned)
    return int64_t(raw);
  uint64_t sign = uint64_t(1) << (f.width - 1);
  return int64_t(raw ^ sign) - int64_t(sign);
}

void checkRanges(const Format &format, const std::vector<int64_t> &values) {
  for (size_t i = 0; i < format.fields.size(); ++i) {
    const BitField &f = format.fields[i];
    if (values[i] < f.minValue || values[i] > f.maxValue)
      throw FieldRangeError(format.name, f, values[i]);
  }
}

InsnWord pack(const Format &format, const std::vector<int64_t> &values) {
  checkRanges(format, values);
  InsnWord w;
  for (size_t i = 0; i < format.fields.size(); ++i)
    setBits(w, format.fields[i], uint64_t(values[i]));
  return w;
}

std::string bitList(uint64_t bits, unsigned base) {
  std::string out;
  for (unsigned b = 0; b < 64; ++b)
    if (bits >> b & 1)
      out += (out.empty() ? "" : ",") + std::to_string(base + b);
  return out;
}

DepFlags depsFrom(const std::vector<int64_t> &v) {
  DepFlags d;
  d.popPrev = v[1] != 0;
  d.popNext = v[2] != 0;
  d.pushPrev = v[3] != 0;
  d.pushNext = v[4] != 0;
  return d;
}

void appendDeps(std::vector<int64_t> &v, const DepFlags &d) {
  v.push_back(d.popPrev);
  v.push_back(d.popNext);
  v.push_back(d.pushPrev);
  v.push_back(d.pushNext);
}

} // namespace

FieldRangeError::FieldRangeError(const std::string &format, const BitField &f, int64_t value)
    : Error(format + " field " + f.name + ": value " + std::to_string(value) + " out of range [" +
            std::to_string(f.minValue) + ", " + std::to_string(f.maxValue) + "]"),
      field(f.name), value(value) {}

const BitField *Format::find(const std::string &fieldName) const {
  for (const BitField &f : fields)
    if (f.name == fieldName)
      return &f;
  return nullptr;
}

Isa::Isa(const VtaConfig &config) : config_(config) {
  config_.validate();
  const unsigned uopBits = config.logUopDepth();
  const unsigned accBits = config.logAccDepth();
  const unsigned inpBits = config.logInpDepth();
  const unsigned wgtBits = config.logWgtDepth();

  std::vector<FieldSpec> mem = headerSpecs(Opcode::Load, Opcode::Store);
  mem.insert(mem.end(), {{"memory_type", kMemTypeBits, false, 0, kNumMemoryTypes - 1},
                         {"sram_base", kSramAddrBits},
                         {"dram_base", kDramAddrBits},
                         {"y_size", kSizeBits},
                         {"x_size", kSizeBits},
                         {"x_stride", kStrideBits},
                         {"y_pad_0", kPadBits},
                         {"y_pad_1", kPadBits},
                         {"x_pad_0", kPadBits},
                         {"x_pad_1", kPadBits}});
  mem_ = layOut("LOAD/STORE", mem, 64, 128, config);

  // GEMM and ALU share their first fields; ALU's src factors keep the INP index width.
  std::vector<FieldSpec> loop = {{"reset_reg", 1},
                                 {"uop_bgn", uopBits},
                                 {"uop_end", uopBits + 1},
                                 {"iter_out", kLoopIterBits},
                                 {"iter_in", kLoopIterBits},
                                 {"dst_factor_out", accBits},
                                 {"dst_factor_in", accBits},
                                 {"src_factor_out", inpBits},
                                 {"src_factor_in", inpBits}};
  std::vector<FieldSpec> gemm = headerSpecs(Opcode::Gemm, Opcode::Gemm);
  gemm.insert(gemm.end(), loop.begin(), loop.end());
  gemm.insert(gemm.end(), {{"wgt_factor_out", wgtBits}, {"wgt_factor_in", wgtBits}});
  gemm_ = layOut("GEMM", gemm, 64, 128, config);

  std::vector<FieldSpec> alu = headerSpecs(Opcode::Alu, Opcode::Alu);
  alu.insert(alu.end(), loop.begin(), loop.end());
  alu.insert(alu.end(), {{"alu_opcode", kAluOpcodeBits, false, 0, kNumAluOpcodes - 1},
                         {"use_imm", 1},
                         {"imm", kAluImmBits, true}});
  alu_ = layOut("ALU", alu, 64, 128, config);

  finish_ = layOut("FINISH", headerSpecs(Opcode::Finish, Opcode::Finish), 64, 128, config);

  const unsigned srcBits = std::max(accBits, inpBits);
  uop_ = layOut("UOP", {{"dst_idx", accBits}, {"src_idx", srcBits}, {"wgt_idx", wgtBits}}, 32, 32, config);
}

const Format &Isa::format(Opcode op) const {
  switch (op) {
  case Opcode::Load:
  case Opcode::Store: return mem_;
  case Opcode::Gemm: return gemm_;
  case Opcode::Alu: return alu_;
  case Opcode::Finish: return finish_;
  }
  throw DecodeError("unknown opcode " + std::to_string(unsigned(op)));
}

std::vector<int64_t> Isa::fieldValues(const Instruction &insn) const {
  std::vector<int64_t> v;
  v.push_back(int64_t(opcodeOf(insn)));
  appendDeps(v, depsOf(insn));
  if (auto *m = std::get_if<MemInsn>(&insn)) {
    v.insert(v.end(), {int64_t(m->memoryType), m->sramBase, m->dramBase, m->ySize, m->xSize, m->xStride, m->yPad0,
                       m->yPad1, m->xPad0, m->xPad1});
  } else if (auto *g = std::get_if<GemmInsn>(&insn)) {
    v.insert(v.end(), {g->resetReg, g->uopBgn, g->uopEnd, g->iterOut, g->iterIn, g->dstFactorOut, g->dstFactorIn,
                       g->srcFactorOut, g->srcFactorIn, g->wgtFactorOut, g->wgtFactorIn});
  } else if (auto *a = std::get_if<AluInsn>(&insn)) {
    v.insert(v.end(), {a->resetReg, a->uopBgn, a->uopEnd, a->iterOut, a->iterIn, a->dstFactorOut, a->dstFactorIn,
                       a->srcFactorOut, a->srcFactorIn, int64_t(a->aluOpcode), a->useImm, a->imm});
  }
  return v;
}

Instruction Isa::fromFieldValues(Opcode op, const std::vector<int64_t> &v) const {
  const Format &f = format(op);
  if (v.size() != f.fields.size())
    throw Error(f.name + ": expected " + std::to_string(f.fields.size()) + " field values, got " +
                std::to_string(v.size()));
  checkRanges(f, v);
  if (v[0] != int64_t(op))
    throw Error(f.name + ": opcode field " + std::to_string(v[0]) + " does not match " + opcodeName(op));
  auto u = [&](size_t i) { return uint32_t(v[i]); };
  switch (op) {
  case Opcode::Load:
  case Opcode::Store: {
    MemInsn m;
    m.opcode = op;
    m.deps = depsFrom(v);
    m.memoryType = MemoryType(v[5]);
    m.sramBase = u(6);
    m.dramBase = u(7);
    m.ySize = u(8);
    m.xSize = u(9);
    m.xStride = u(10);
    m.yPad0 = u(11);
    m.yPad1 = u(12);
    m.xPad0 = u(13);
    m.xPad1 = u(14);
    return m;
  }
  case Opcode::Gemm: {
    GemmInsn g;
    g.deps = depsFrom(v);
    g.resetReg = v[5] != 0;
    g.uopBgn = u(6);
    g.uopEnd = u(7);
    g.iterOut = u(8);
    g.iterIn = u(9);
    g.dstFactorOut = u(10);
    g.dstFactorIn = u(11);
    g.srcFactorOut = u(12);
    g.srcFactorIn = u(13);
    g.wgtFactorOut = u(14);
    g.wgtFactorIn = u(15);
    return g;
  }
  case Opcode::Alu: {
    AluInsn a;
    a.deps = depsFrom(v);
    a.resetReg = v[5] != 0;
    a.uopBgn = u(6);
    a.uopEnd = u(7);
    a.iterOut = u(8);
    a.iterIn = u(9);
    a.dstFactorOut = u(10);
    a.dstFactorIn = u(11);
    a.srcFactorOut = u(12);
    a.srcFactorIn = u(13);
    a.aluOpcode = AluOpcode(v[14]);
    a.useImm = v[15] != 0;
    a.imm = int32_t(v[16]);
    return a;
  }
  case Opcode::Finish: {
    FinishInsn fi;
    fi.deps = depsFrom(v);
    return fi;
  }
  }
  throw DecodeError("unknown opcode");
}

InsnWord Isa::encode(const Instruction &insn) const {
  return pack(format(opcodeOf(insn)), fieldValues(insn));
}

Instruction Isa::decode(const InsnWord &word) const {
  unsigned opcode = unsigned(word.lo & ((1u << kOpcodeBits) - 1));
  if (opcode > unsigned(Opcode::Alu))
    throw DecodeError("unknown opcode " + std::to_string(opcode));
  Opcode op = Opcode(opcode);
  const Format &f = format(op);
  InsnWord covered;
  std::vector<int64_t> values;
  for (const BitField &field : f.fields) {
    values.push_back(toSigned(getBits(word, field), field));
    setBits(covered, field, ~uint64_t(0));
  }
  uint64_t strayLo = word.lo & ~covered.lo, strayHi = word.hi & ~covered.hi;
  if (strayLo || strayHi) {
    std::string bits = bitList(strayLo, 0);
    std::string hiBits = bitList(strayHi, 64);
    if (!bits.empty() && !hiBits.empty())
      bits += ",";
    throw DecodeError(std::string(opcodeName(op)) + ": reserved bit(s) " + bits + hiBits + " must be zero");
  }
  for (size_t i = 0; i < f.fields.size(); ++i)
    if (values[i] < f.fields[i].minValue || values[i] > f.fields[i].maxValue)
      throw DecodeError(f.name + " field " + f.fields[i].name + ": value " + std::to_string(values[i]) +
                        " is not defined (range [" + std::to_string(f.fields[i].minValue) + ", " +
                        std::to_string(f.fields[i].maxValue) + "])");
  return fromFieldValues(op, values);
}

uint32_t Isa::encodeUop(const Uop &uop) const {
  std::vector<int64_t> values = {uop.dstIdx, uop.srcIdx, uop.wgtIdx};
  return uint32_t(pack(uop_, values).lo);
}

Uop Isa::decodeUop(uint32_t word) const {
  InsnWord w;
  w.lo = word;
  Uop u;
  u.dstIdx = uint32_t(getBits(w, uop_.fields[0]));
  u.srcIdx = uint32_t(getBits(w, uop_.fields[1]));
  u.wgtIdx = uint32_t(getBits(w, uop_.fields[2]));
  return u; // bits above the fields are ignored, as the hardware does
}

std::vector<uint8_t> toBytes(const std::vector<InsnWord> &words) {
  std::vector<uint8_t> bytes(words.size() * kInsnBytes);
  for (size_t i = 0; i < words.size(); ++i)
    for (unsigned b = 0; b < 8; ++b) {
      bytes[i * 16 + b] = uint8_t(words[i].lo >> (8 * b));
      bytes[i * 16 + 8 + b] = uint8_t(words[i].hi >> (8 * b));
    }
  return bytes;
}

std::vector<InsnWord> insnWordsFromBytes(const uint8_t *bytes, size_t count) {
  std::vector<InsnWord> words(count);
  for (size_t i = 0; i < count; ++i)
    for (unsigned b = 0; b < 8; ++b) {
      words[i].lo |= uint64_t(bytes[i * 16 + b]) << (8 * b);
      words[i].hi |= uint64_t(bytes[i * 16 + 8 + b]) << (8 * b);
    }
  return words;
}

void storeUop(uint8_t *dst, uint32_t word) {
  for (unsigned b = 0; b < 4; ++b)
    dst[b] = uint8_t(word >> (8 * b));
}

uint32_t loadUop(const uint8_t *src) {
  return uint32_t(src[0]) | uint32_t(src[1]) << 8 | uint32_t(src[2]) << 16 | uint32_t(src[3]) << 24;
}

} // namespace rqc::vta
