// The VTA instructions as plain structs, one per instruction format (memory, GEMM, ALU,
// FINISH), and the 32-bit micro-op. Field names follow the VTA ISA (hw_spec.h); the
// binary layout lives in Isa.h.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>

namespace rqc::vta {

enum class Opcode : uint8_t { Load = 0, Store = 1, Gemm = 2, Finish = 3, Alu = 4 };
enum class MemoryType : uint8_t { Uop = 0, Wgt = 1, Inp = 2, Acc = 3, Out = 4, Acc8Bit = 5 };
enum class AluOpcode : uint8_t { Min = 0, Max = 1, Add = 2, Shr = 3, Mul = 4 };

constexpr unsigned kNumMemoryTypes = 6;
constexpr unsigned kNumAluOpcodes = 5;

const char *opcodeName(Opcode op);         // "LOAD", "STORE", "GEMM", "FINISH", "ALU"
const char *memoryTypeName(MemoryType m);  // "UOP", "WGT", "INP", "ACC", "OUT", "ACC_8BIT"
const char *aluOpcodeName(AluOpcode op);   // "MIN", "MAX", "ADD", "SHR", "MUL"
std::optional<Opcode> opcodeFromName(const std::string &name);        // case-insensitive
std::optional<MemoryType> memoryTypeFromName(const std::string &name); // case-insensitive
std::optional<AluOpcode> aluOpcodeFromName(const std::string &name);   // case-insensitive

// Dependency-token flags of every instruction. "prev"/"next" are relative to the
// pipeline order load -> compute -> store. Pops happen before the instruction runs,
// pushes after it completes.
struct DepFlags {
  bool popPrev = false;
  bool popNext = false;
  bool pushPrev = false;
  bool pushNext = false;
};

// LOAD or STORE: a 2-D strided DMA between DRAM and one on-chip buffer.
struct MemInsn {
  Opcode opcode = Opcode::Load; // Load or Store
  DepFlags deps;
  MemoryType memoryType = MemoryType::Inp;
  uint32_t sramBase = 0; // buffer index, in elements
  uint32_t dramBase = 0; // DRAM address, in elements (physical byte address / element bytes)
  uint32_t ySize = 0;    // rows
  uint32_t xSize = 0;    // elements per row; 0 makes the instruction a dependency-only no-op
  uint32_t xStride = 0;  // DRAM row pitch, in elements
  uint32_t yPad0 = 0, yPad1 = 0, xPad0 = 0, xPad1 = 0; // zero padding (LOAD only)
};

// GEMM: for i_out < iter_out, i_in < iter_in, u in [uop_bgn, uop_end):
//   ACC[dst] += INP[src] x WGT[wgt]^T (or ACC[dst] = 0 when reset_reg).
struct GemmInsn {
  DepFlags deps;
  bool resetReg = false;
  uint32_t uopBgn = 0, uopEnd = 0;
  uint32_t iterOut = 0, iterIn = 0;
  uint32_t dstFactorOut = 0, dstFactorIn = 0; // ACC index steps
  uint32_t srcFactorOut = 0, srcFactorIn = 0; // INP index steps
  uint32_t wgtFactorOut = 0, wgtFactorIn = 0; // WGT index steps
};

// ALU: same loop nest as GEMM; ACC[dst] = op(ACC[dst], use_imm ? imm : ACC[src]).
struct AluInsn {
  DepFlags deps;
  bool resetReg = false; // ignored by the hardware
  uint32_t uopBgn = 0, uopEnd = 0;
  uint32_t iterOut = 0, iterIn = 0;
  uint32_t dstFactorOut = 0, dstFactorIn = 0; // ACC index steps
  uint32_t srcFactorOut = 0, srcFactorIn = 0; // ACC index steps
  AluOpcode aluOpcode = AluOpcode::Min;
  bool useImm = false;
  int32_t imm = 0; // 16-bit signed, sign-extended to 32 bits
};

// FINISH: raises the done flag the driver polls.
struct FinishInsn {
  DepFlags deps;
};

using Instruction = std::variant<MemInsn, GemmInsn, AluInsn, FinishInsn>;

// Micro-op: indices into ACC (dst), INP or ACC (src) and WGT.
struct Uop {
  uint32_t dstIdx = 0;
  uint32_t srcIdx = 0;
  uint32_t wgtIdx = 0;
};

Opcode opcodeOf(const Instruction &insn);
const DepFlags &depsOf(const Instruction &insn);
DepFlags &depsOf(Instruction &insn);
// "LOAD INP", "STORE OUT", "GEMM", "ALU MAX", "FINISH": for messages.
std::string describe(const Instruction &insn);

bool operator==(const DepFlags &a, const DepFlags &b);
bool operator==(const MemInsn &a, const MemInsn &b);
bool operator==(const GemmInsn &a, const GemmInsn &b);
bool operator==(const AluInsn &a, const AluInsn &b);
bool operator==(const FinishInsn &a, const FinishInsn &b);
bool operator==(const Uop &a, const Uop &b);
inline bool operator!=(const Uop &a, const Uop &b) { return !(a == b); }

} // namespace rqc::vta
