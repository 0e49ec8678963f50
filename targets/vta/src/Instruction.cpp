#include "rqc/vta/Instruction.h"

#include <algorithm>
#include <cctype>
#include <tuple>

namespace rqc::vta {
namespace {

std::string upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return char(std::toupper(c)); });
  return s;
}

} // namespace

const char *opcodeName(Opcode op) {
  switch (op) {
  case Opcode::Load: return "LOAD";
  case Opcode::Store: return "STORE";
  case Opcode::Gemm: return "GEMM";
  case Opcode::Finish: return "FINISH";
  case Opcode::Alu: return "ALU";
  }
  return "?";
}

const char *memoryTypeName(MemoryType m) {
  switch (m) {
  case MemoryType::Uop: return "UOP";
  case MemoryType::Wgt: return "WGT";
  case MemoryType::Inp: return "INP";
  case MemoryType::Acc: return "ACC";
  case MemoryType::Out: return "OUT";
  case MemoryType::Acc8Bit: return "ACC_8BIT";
  }
  return "?";
}

const char *aluOpcodeName(AluOpcode op) {
  switch (op) {
  case AluOpcode::Min: return "MIN";
  case AluOpcode::Max: return "MAX";
  case AluOpcode::Add: return "ADD";
  case AluOpcode::Shr: return "SHR";
  case AluOpcode::Mul: return "MUL";
  }
  return "?";
}

std::optional<Opcode> opcodeFromName(const std::string &name) {
  std::string u = upper(name);
  for (Opcode op : {Opcode::Load, Opcode::Store, Opcode::Gemm, Opcode::Finish, Opcode::Alu})
    if (u == opcodeName(op))
      return op;
  return std::nullopt;
}

std::optional<MemoryType> memoryTypeFromName(const std::string &name) {
  std::string u = upper(name);
  for (unsigned i = 0; i < kNumMemoryTypes; ++i)
    if (u == memoryTypeName(MemoryType(i)))
      return MemoryType(i);
  return std::nullopt;
}

std::optional<AluOpcode> aluOpcodeFromName(const std::string &name) {
  std::string u = upper(name);
  for (unsigned i = 0; i < kNumAluOpcodes; ++i)
    if (u == aluOpcodeName(AluOpcode(i)))
      return AluOpcode(i);
  return std::nullopt;
}

Opcode opcodeOf(const Instruction &insn) {
  struct Visitor {
    Opcode operator()(const MemInsn &m) const { return m.opcode; }
    Opcode operator()(const GemmInsn &) const { return Opcode::Gemm; }
    Opcode operator()(const AluInsn &) const { return Opcode::Alu; }
    Opcode operator()(const FinishInsn &) const { return Opcode::Finish; }
  };
  return std::visit(Visitor{}, insn);
}

const DepFlags &depsOf(const Instruction &insn) {
  return std::visit([](const auto &i) -> const DepFlags & { return i.deps; }, insn);
}

DepFlags &depsOf(Instruction &insn) {
  return std::visit([](auto &i) -> DepFlags & { return i.deps; }, insn);
}

std::string describe(const Instruction &insn) {
  if (auto *m = std::get_if<MemInsn>(&insn))
    return std::string(opcodeName(m->opcode)) + " " + memoryTypeName(m->memoryType);
  if (auto *a = std::get_if<AluInsn>(&insn))
    return std::string("ALU ") + aluOpcodeName(a->aluOpcode);
  return opcodeName(opcodeOf(insn));
}

bool operator==(const DepFlags &a, const DepFlags &b) {
  return std::tie(a.popPrev, a.popNext, a.pushPrev, a.pushNext) ==
         std::tie(b.popPrev, b.popNext, b.pushPrev, b.pushNext);
}

bool operator==(const MemInsn &a, const MemInsn &b) {
  return std::tie(a.opcode, a.deps, a.memoryType, a.sramBase, a.dramBase, a.ySize, a.xSize, a.xStride, a.yPad0,
                  a.yPad1, a.xPad0, a.xPad1) == std::tie(b.opcode, b.deps, b.memoryType, b.sramBase, b.dramBase,
                                                         b.ySize, b.xSize, b.xStride, b.yPad0, b.yPad1, b.xPad0,
                                                         b.xPad1);
}

bool operator==(const GemmInsn &a, const GemmInsn &b) {
  return std::tie(a.deps, a.resetReg, a.uopBgn, a.uopEnd, a.iterOut, a.iterIn, a.dstFactorOut, a.dstFactorIn,
                  a.srcFactorOut, a.srcFactorIn, a.wgtFactorOut, a.wgtFactorIn) ==
         std::tie(b.deps, b.resetReg, b.uopBgn, b.uopEnd, b.iterOut, b.iterIn, b.dstFactorOut, b.dstFactorIn,
                  b.srcFactorOut, b.srcFactorIn, b.wgtFactorOut, b.wgtFactorIn);
}

bool operator==(const AluInsn &a, const AluInsn &b) {
  return std::tie(a.deps, a.resetReg, a.uopBgn, a.uopEnd, a.iterOut, a.iterIn, a.dstFactorOut, a.dstFactorIn,
                  a.srcFactorOut, a.srcFactorIn, a.aluOpcode, a.useImm, a.imm) ==
         std::tie(b.deps, b.resetReg, b.uopBgn, b.uopEnd, b.iterOut, b.iterIn, b.dstFactorOut, b.dstFactorIn,
                  b.srcFactorOut, b.srcFactorIn, b.aluOpcode, b.useImm, b.imm);
}

bool operator==(const FinishInsn &a, const FinishInsn &b) { return a.deps == b.deps; }

bool operator==(const Uop &a, const Uop &b) {
  return a.dstIdx == b.dstIdx && a.srcIdx == b.srcIdx && a.wgtIdx == b.wgtIdx;
}

} // namespace rqc::vta
