#include "rqc/vta/StaticChecker.h"

#include "rqc/vta/Pipeline.h"

namespace rqc::vta {
namespace {

struct BufferShape {
  const char *name;
  uint64_t depth;
  uint64_t elemBytes;
};

BufferShape bufferShape(const VtaConfig &c, MemoryType m) {
  switch (m) {
  case MemoryType::Uop: return {"micro-op", c.uopDepth(), c.uopElemBytes()};
  case MemoryType::Wgt: return {"WGT", c.wgtDepth(), c.wgtElemBytes()};
  case MemoryType::Inp: return {"INP", c.inpDepth(), c.inpElemBytes()};
  case MemoryType::Acc: return {"ACC", c.accDepth(), c.accElemBytes()};
  case MemoryType::Out: return {"OUT", c.outDepth(), c.outElemBytes()};
  case MemoryType::Acc8Bit: return {"ACC", c.accDepth(), c.inpElemBytes()};
  }
  return {"?", 0, 1};
}

void checkDepFlags(size_t index, const Instruction &insn) {
  const DepFlags &d = depsOf(insn);
  switch (moduleOf(insn)) {
  case Module::Load:
    if (d.popPrev || d.pushPrev)
      failAt(index, insn, std::string(d.popPrev ? "pop_prev" : "push_prev") +
                              " is set, but the load module is the first stage and has no previous queue");
    break;
  case Module::Store:
    if (d.popNext || d.pushNext)
      failAt(index, insn, std::string(d.popNext ? "pop_next" : "push_next") +
                              " is set, but the store module is the last stage and has no next queue");
    break;
  case Module::Compute:
    break;
  }
}

void checkDram(size_t index, const Instruction &insn, const MemInsn &m, uint64_t elemBytes, uint64_t dramBytes) {
  if (m.xSize == 0 || m.ySize == 0)
    return;
  // The last element touched, in element units; DRAM addresses are element indices.
  uint64_t rowStride = m.opcode == Opcode::Load && m.memoryType == MemoryType::Uop ? 0 : m.xStride;
  uint64_t lastRow = m.memoryType == MemoryType::Uop ? 0 : m.ySize - 1;
  uint64_t endElem = uint64_t(m.dramBase) + lastRow * rowStride + m.xSize;
  uint64_t beginByte = uint64_t(m.dramBase) * elemBytes;
  uint64_t endByte = endElem * elemBytes;
  if (endByte > dramBytes)
    failAt(index, insn,
           "DRAM bytes [" + std::to_string(beginByte) + ", " + std::to_string(endByte) +
               ") reach beyond the DRAM image of " + std::to_string(dramBytes) + " bytes (dram_base " +
               std::to_string(m.dramBase) + " is in " + std::to_string(elemBytes) + "-byte elements)");
}

void checkLoad(const VtaConfig &c, size_t index, const Instruction &insn, const MemInsn &m, uint64_t dramBytes) {
  switch (m.memoryType) {
  case MemoryType::Out:
    failAt(index, insn, "the Pynq design cannot load into the OUT buffer (only INP, WGT, UOP and ACC)");
  case MemoryType::Acc8Bit:
    failAt(index, insn, "memory type ACC_8BIT (int8 DRAM into int32 ACC) exists only in the functional "
                        "simulator, not in the Pynq design");
  default:
    break;
  }
  if (m.xSize == 0)
    return; // a no-op that only carries dependency flags
  bool padded = m.yPad0 || m.yPad1 || m.xPad0 || m.xPad1;
  if (m.memoryType == MemoryType::Wgt && padded)
    failAt(index, insn, "the Pynq load module does not pad weights; y_pad/x_pad must be 0 for WGT");
  if (m.memoryType == MemoryType::Uop) {
    if (padded)
      failAt(index, insn, "micro-op loads are flat copies on Pynq; y_pad/x_pad must be 0");
    if (m.ySize != 1)
      failAt(index, insn, "micro-op loads are flat copies of x_size micro-ops on Pynq; y_size must be 1, not " +
                              std::to_string(m.ySize));
  }
  BufferShape buffer = bufferShape(c, m.memoryType);
  uint64_t rows = uint64_t(m.yPad0) + m.ySize + m.yPad1;
  uint64_t width = uint64_t(m.xPad0) + m.xSize + m.xPad1;
  uint64_t end = uint64_t(m.sramBase) + (m.memoryType == MemoryType::Uop ? m.xSize : rows * width);
  if (end > buffer.depth)
    failAt(index, insn,
           std::string(buffer.name) + " buffer entries [" + std::to_string(m.sramBase) + ", " +
               std::to_string(end) + ") exceed its " + std::to_string(buffer.depth) + " entries");
  checkDram(index, insn, m, buffer.elemBytes, dramBytes);
}

void checkStore(const VtaConfig &c, size_t index, const Instruction &insn, const MemInsn &m, uint64_t dramBytes) {
  if (m.xSize == 0)
    return; // a no-op that only carries dependency flags (the store module ignores memory_type)
  if (m.memoryType != MemoryType::Out)
    failAt(index, insn, std::string("the Pynq store module writes only the OUT buffer, not ") +
                            memoryTypeName(m.memoryType));
  if (m.yPad0 || m.yPad1 || m.xPad0 || m.xPad1)
    failAt(index, insn, "stores cannot pad; y_pad/x_pad must be 0");
  uint64_t end = uint64_t(m.sramBase) + uint64_t(m.ySize) * m.xSize;
  if (end > c.outDepth())
    failAt(index, insn,
           "OUT buffer entries [" + std::to_string(m.sramBase) + ", " + std::to_string(end) + ") exceed its " +
               std::to_string(c.outDepth()) + " entries");
  checkDram(index, insn, m, c.outElemBytes(), dramBytes);
}

void checkUopRange(const VtaConfig &c, size_t index, const Instruction &insn, uint32_t bgn, uint32_t end) {
  if (end > c.uopDepth())
    failAt(index, insn, "uop_end " + std::to_string(end) + " is beyond the micro-op buffer (" +
                            std::to_string(c.uopDepth()) + " entries)");
  if (bgn > end)
    failAt(index, insn, "uop_bgn " + std::to_string(bgn) + " is after uop_end " + std::to_string(end));
}

void checkAlu(const VtaConfig &c, size_t index, const Instruction &insn, const AluInsn &a) {
  if (a.aluOpcode == AluOpcode::Mul)
    failAt(index, insn, "the Pynq ALU has no MUL (opcode 4 exists only in the functional simulator)");
  if (a.aluOpcode == AluOpcode::Shr && a.useImm && (a.imm < kMinShift || a.imm > kMaxShift))
    failAt(index, insn, "shift amount " + std::to_string(a.imm) + " outside [" + std::to_string(kMinShift) + ", " +
                            std::to_string(kMaxShift) + "]; the Pynq ALU uses only its low 5 bits");
  checkUopRange(c, index, insn, a.uopBgn, a.uopEnd);
}

} // namespace

void checkStatic(const VtaConfig &config, const std::vector<Instruction> &program, uint64_t dramBytes) {
  if (program.empty())
    throw StreamError(std::nullopt, "empty instruction stream: it needs at least a FINISH");
  std::optional<size_t> finish;
  for (size_t i = 0; i < program.size(); ++i) {
    const Instruction &insn = program[i];
    if (finish)
      failAt(i, insn, "comes after FINISH (instruction " + std::to_string(*finish) +
                          "); FINISH must be the last instruction");
    checkDepFlags(i, insn);
    if (auto *m = std::get_if<MemInsn>(&insn)) {
      if (m->opcode == Opcode::Load)
        checkLoad(config, i, insn, *m, dramBytes);
      else
        checkStore(config, i, insn, *m, dramBytes);
    } else if (auto *g = std::get_if<GemmInsn>(&insn)) {
      checkUopRange(config, i, insn, g->uopBgn, g->uopEnd);
    } else if (auto *a = std::get_if<AluInsn>(&insn)) {
      checkAlu(config, i, insn, *a);
    } else if (auto *f = std::get_if<FinishInsn>(&insn)) {
      if (f->deps.popPrev || f->deps.popNext)
        failAt(i, insn, "FINISH must not pop tokens; pop them with a no-op before FINISH");
      finish = i;
    }
  }
  if (!finish)
    failAt(program.size() - 1, program.back(),
           "the stream ends here without FINISH; the driver would wait for the done flag forever");
}

} // namespace rqc::vta
