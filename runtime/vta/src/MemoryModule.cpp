// LOAD and STORE: 2-D strided copies between DRAM and the on-chip buffers.
//
// A LOAD writes its SRAM destination densely from sram_base: (y_pad_0 + y_size + y_pad_1)
// rows of (x_pad_0 + x_size + x_pad_1) elements, padding positions set to zero, DRAM row
// y read from dram_base + y * x_stride (all in elements). A micro-op LOAD is a flat copy
// of x_size micro-ops. A STORE copies y_size rows of x_size OUT elements, read densely
// from sram_base. x_size == 0 makes either one a no-op that only carries tokens.
#include "rqc/vta/Executor.h"

#include <cstring>

namespace rqc::vta {

Executor::Executor(const Isa &isa, DramView dram, OnChipMemory &memory, AccessTracker &tracker,
                   const std::vector<Instruction> &program)
    : isa_(isa), dram_(dram), mem_(memory), tracker_(tracker), program_(program) {}

void Executor::execute(size_t index) {
  const Instruction &insn = program_[index];
  counters_.instructions[unsigned(opcodeOf(insn))]++;
  if (auto *m = std::get_if<MemInsn>(&insn)) {
    if (m->opcode == Opcode::Load)
      load(index, *m);
    else
      store(index, *m);
  } else if (auto *g = std::get_if<GemmInsn>(&insn)) {
    gemm(index, *g);
  } else if (auto *a = std::get_if<AluInsn>(&insn)) {
    alu(index, *a);
  }
  // FINISH only raises done.
}

void Executor::load(size_t index, const MemInsn &m) {
  if (m.xSize == 0)
    return;
  const VtaConfig &c = isa_.config();
  if (m.memoryType == MemoryType::Uop) {
    for (uint32_t k = 0; k < m.xSize; ++k) {
      uint64_t address = (uint64_t(m.dramBase) + k) * c.uopElemBytes();
      mem_.uop[m.sramBase + k] = isa_.decodeUop(loadUop(dram_.data + address));
      tracker_.write(Buffer::Uop, m.sramBase + k, index);
    }
    counters_.uopLoadBytes += uint64_t(m.xSize) * c.uopElemBytes();
    return;
  }

  Buffer buffer;
  size_t elemBytes;
  uint64_t *counter;
  switch (m.memoryType) {
  case MemoryType::Inp:
    buffer = Buffer::Inp, elemBytes = c.inpElemBytes(), counter = &counters_.inpLoadBytes;
    break;
  case MemoryType::Wgt:
    buffer = Buffer::Wgt, elemBytes = c.wgtElemBytes(), counter = &counters_.wgtLoadBytes;
    break;
  case MemoryType::Acc:
    buffer = Buffer::Acc, elemBytes = c.accElemBytes(), counter = &counters_.accLoadBytes;
    break;
  default:
    failAt(index, program_[index], "memory type not supported by this simulator"); // checker rejects earlier
  }

  const uint32_t rows = m.yPad0 + m.ySize + m.yPad1;
  const uint32_t width = m.xPad0 + m.xSize + m.xPad1;
  for (uint32_t y = 0; y < rows; ++y) {
    for (uint32_t x = 0; x < width; ++x) {
      uint32_t entry = m.sramBase + y * width + x;
      uint8_t *dst = buffer == Buffer::Inp   ? reinterpret_cast<uint8_t *>(mem_.inpElem(entry))
                     : buffer == Buffer::Wgt ? reinterpret_cast<uint8_t *>(mem_.wgtElem(entry))
                                             : nullptr;
      bool pad = y < m.yPad0 || y >= m.yPad0 + m.ySize || x < m.xPad0 || x >= m.xPad0 + m.xSize;
      uint64_t address =
          (uint64_t(m.dramBase) + uint64_t(y - m.yPad0) * m.xStride + (x - m.xPad0)) * elemBytes;
      if (buffer == Buffer::Acc) {
        int32_t *acc = mem_.accElem(entry);
        for (size_t lane = 0; lane < mem_.accLanes; ++lane) {
          uint32_t v = 0;
          if (!pad)
            for (unsigned b = 0; b < 4; ++b)
              v |= uint32_t(dram_.data[address + lane * 4 + b]) << (8 * b);
          acc[lane] = int32_t(v);
        }
      } else if (pad) {
        std::memset(dst, 0, elemBytes);
      } else {
        std::memcpy(dst, dram_.data + address, elemBytes);
      }
      tracker_.write(buffer, entry, index);
    }
  }
  *counter += uint64_t(m.ySize) * m.xSize * elemBytes;
}

void Executor::store(size_t index, const MemInsn &m) {
  if (m.xSize == 0)
    return;
  const size_t elemBytes = isa_.config().outElemBytes();
  for (uint32_t y = 0; y < m.ySize; ++y) {
    for (uint32_t x = 0; x < m.xSize; ++x) {
      uint32_t entry = m.sramBase + y * m.xSize + x;
      tracker_.read(Buffer::Out, entry, index);
      uint64_t address = (uint64_t(m.dramBase) + uint64_t(y) * m.xStride + x) * elemBytes;
      std::memcpy(dram_.data + address, mem_.outElem(entry), elemBytes);
    }
  }
  counters_.outStoreBytes += uint64_t(m.ySize) * m.xSize * elemBytes;
}

} // namespace rqc::vta
