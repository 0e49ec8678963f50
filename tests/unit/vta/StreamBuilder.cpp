#include "StreamBuilder.h"

#include <algorithm>
#include <random>
#include <sstream>
#include <stdexcept>

namespace rqc::vta::test {

DepFlags deps(const std::string &flags) {
  DepFlags d;
  std::istringstream in(flags);
  std::string f;
  while (std::getline(in, f, ',')) {
    if (f.empty() || f == "-")
      continue;
    if (f == "pop_prev")
      d.popPrev = true;
    else if (f == "pop_next")
      d.popNext = true;
    else if (f == "push_prev")
      d.pushPrev = true;
    else if (f == "push_next")
      d.pushNext = true;
    else
      throw std::invalid_argument("unknown dependency flag " + f);
  }
  return d;
}

MemInsn load(MemoryType type, uint32_t sram, uint32_t dram, uint32_t ySize, uint32_t xSize, uint32_t xStride,
             const std::string &flags, Pad pad) {
  MemInsn m;
  m.opcode = Opcode::Load;
  m.deps = deps(flags);
  m.memoryType = type;
  m.sramBase = sram;
  m.dramBase = dram;
  m.ySize = ySize;
  m.xSize = xSize;
  m.xStride = xStride;
  m.yPad0 = pad.y0;
  m.yPad1 = pad.y1;
  m.xPad0 = pad.x0;
  m.xPad1 = pad.x1;
  return m;
}

MemInsn loadUops(uint32_t sram, uint32_t dram, uint32_t count, const std::string &flags) {
  return load(MemoryType::Uop, sram, dram, 1, count, count, flags);
}

MemInsn store(uint32_t sram, uint32_t dram, uint32_t ySize, uint32_t xSize, uint32_t xStride,
              const std::string &flags) {
  MemInsn m = load(MemoryType::Out, sram, dram, ySize, xSize, xStride, flags);
  m.opcode = Opcode::Store;
  return m;
}

MemInsn noop(Opcode op, MemoryType type, const std::string &flags) {
  MemInsn m;
  m.opcode = op;
  m.memoryType = type;
  m.deps = deps(flags);
  return m;
}

GemmInsn gemm(uint32_t uopBgn, uint32_t uopEnd, Loop l, const std::string &flags) {
  GemmInsn g;
  g.deps = deps(flags);
  g.uopBgn = uopBgn;
  g.uopEnd = uopEnd;
  g.iterOut = l.iterOut;
  g.iterIn = l.iterIn;
  g.dstFactorOut = l.dstOut;
  g.dstFactorIn = l.dstIn;
  g.srcFactorOut = l.srcOut;
  g.srcFactorIn = l.srcIn;
  g.wgtFactorOut = l.wgtOut;
  g.wgtFactorIn = l.wgtIn;
  return g;
}

GemmInsn gemmReset(uint32_t uopBgn, uint32_t uopEnd, Loop loop, const std::string &flags) {
  GemmInsn g = gemm(uopBgn, uopEnd, loop, flags);
  g.resetReg = true;
  return g;
}

static AluInsn alu(AluOpcode op, bool useImm, int32_t imm, uint32_t uopBgn, uint32_t uopEnd, Loop l,
                   const std::string &flags) {
  AluInsn a;
  a.deps = deps(flags);
  a.uopBgn = uopBgn;
  a.uopEnd = uopEnd;
  a.iterOut = l.iterOut;
  a.iterIn = l.iterIn;
  a.dstFactorOut = l.dstOut;
  a.dstFactorIn = l.dstIn;
  a.srcFactorOut = l.srcOut;
  a.srcFactorIn = l.srcIn;
  a.aluOpcode = op;
  a.useImm = useImm;
  a.imm = imm;
  return a;
}

AluInsn aluImm(AluOpcode op, int32_t imm, uint32_t uopBgn, uint32_t uopEnd, Loop loop, const std::string &flags) {
  return alu(op, true, imm, uopBgn, uopEnd, loop, flags);
}

AluInsn aluAcc(AluOpcode op, uint32_t uopBgn, uint32_t uopEnd, Loop loop, const std::string &flags) {
  return alu(op, false, 0, uopBgn, uopEnd, loop, flags);
}

FinishInsn finish(const std::string &flags) {
  FinishInsn f;
  f.deps = deps(flags);
  return f;
}

Image::Image(const VtaConfig &config, size_t bytes, uint64_t physBase)
    : bytes(bytes, 0), isa_(config), physBase_(physBase), next_(physBase + 4096) {}

uint64_t Image::alloc(uint64_t size, uint64_t align) {
  uint64_t address = (next_ + align - 1) / align * align;
  if (address + size > physBase_ + bytes.size())
    throw std::runtime_error("test image too small");
  next_ = address + size;
  return address;
}

uint64_t Image::putInt8(const std::vector<int8_t> &values, uint64_t align) {
  uint64_t address = alloc(values.size(), align);
  std::copy(values.begin(), values.end(), reinterpret_cast<int8_t *>(bytes.data() + (address - physBase_)));
  return address;
}

uint64_t Image::putInt32(const std::vector<int32_t> &values, uint64_t align) {
  uint64_t address = alloc(values.size() * 4, align);
  uint64_t offset = address - physBase_;
  for (size_t i = 0; i < values.size(); ++i)
    for (unsigned b = 0; b < 4; ++b)
      bytes[offset + 4 * i + b] = uint8_t(uint32_t(values[i]) >> (8 * b));
  return address;
}

uint64_t Image::putUops(const std::vector<Uop> &uops) {
  uint64_t address = alloc(uops.size() * kUopBytes, kUopBytes);
  for (size_t i = 0; i < uops.size(); ++i)
    storeUop(bytes.data() + (address - physBase_) + i * kUopBytes, isa_.encodeUop(uops[i]));
  return address;
}

uint64_t Image::putProgram(const std::vector<Instruction> &program) {
  std::vector<InsnWord> words;
  for (const Instruction &insn : program)
    words.push_back(isa_.encode(insn));
  std::vector<uint8_t> raw = toBytes(words);
  uint64_t address = alloc(raw.size(), kInsnBytes);
  std::copy(raw.begin(), raw.end(), bytes.begin() + long(address - physBase_));
  return address;
}

std::vector<int8_t> Image::getInt8(uint64_t address, size_t count) const {
  const int8_t *p = reinterpret_cast<const int8_t *>(bytes.data() + (address - physBase_));
  return std::vector<int8_t>(p, p + count);
}

std::vector<int8_t> randomInt8(size_t count, uint32_t seed, int lo, int hi) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> dist(lo, hi);
  std::vector<int8_t> v(count);
  for (int8_t &x : v)
    x = int8_t(dist(rng));
  return v;
}

int8_t requantize(int32_t acc, int32_t round, int shift) {
  int32_t sum = int32_t(uint32_t(acc) + uint32_t(round)); // the ALU adds modulo 2^32
  int32_t v = sum >> shift;                                // arithmetic shift
  return int8_t(std::clamp<int32_t>(v, -128, 127));
}

} // namespace rqc::vta::test
