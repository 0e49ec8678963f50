// Helpers for hand-written VTA streams in tests: instruction constructors that read like
// the disassembly, and a DRAM image with a bump allocator for data, micro-ops and the
// instruction buffer.
#pragma once

#include "rqc/vta/Isa.h"

#include <cstdint>
#include <string>
#include <vector>

namespace rqc::vta::test {

// "pop_prev,push_next" -> DepFlags; "" or "-" -> none.
DepFlags deps(const std::string &flags);

struct Pad {
  uint32_t y0 = 0, y1 = 0, x0 = 0, x1 = 0;
};

MemInsn load(MemoryType type, uint32_t sram, uint32_t dram, uint32_t ySize, uint32_t xSize, uint32_t xStride,
             const std::string &flags = "", Pad pad = {});
MemInsn loadUops(uint32_t sram, uint32_t dram, uint32_t count, const std::string &flags = "");
MemInsn store(uint32_t sram, uint32_t dram, uint32_t ySize, uint32_t xSize, uint32_t xStride,
              const std::string &flags = "");
// A LOAD/STORE with x_size 0 that only carries tokens; the memory type picks the module
// (INP: load, UOP: compute, OUT with STORE: store).
MemInsn noop(Opcode op, MemoryType type, const std::string &flags);

struct Loop {
  uint32_t iterOut = 1, iterIn = 1;
  uint32_t dstOut = 0, dstIn = 0, srcOut = 0, srcIn = 0, wgtOut = 0, wgtIn = 0;
};
GemmInsn gemm(uint32_t uopBgn, uint32_t uopEnd, Loop loop, const std::string &flags = "");
GemmInsn gemmReset(uint32_t uopBgn, uint32_t uopEnd, Loop loop, const std::string &flags = "");
AluInsn aluImm(AluOpcode op, int32_t imm, uint32_t uopBgn, uint32_t uopEnd, Loop loop,
               const std::string &flags = "");
AluInsn aluAcc(AluOpcode op, uint32_t uopBgn, uint32_t uopEnd, Loop loop, const std::string &flags = "");
FinishInsn finish(const std::string &flags = "");

// A DRAM image whose byte 0 is at physical address `physBase`; every offset taken or
// returned is a physical byte address.
class Image {
public:
  explicit Image(const VtaConfig &config = VtaConfig::pynq(), size_t bytes = size_t(1) << 20,
                 uint64_t physBase = 0);

  // Reserves `bytes`, aligned to `align`; returns the physical address.
  uint64_t alloc(uint64_t bytes, uint64_t align = 256);
  uint64_t putInt8(const std::vector<int8_t> &values, uint64_t align = 256);
  uint64_t putInt32(const std::vector<int32_t> &values, uint64_t align = 256);
  uint64_t putUops(const std::vector<Uop> &uops);
  uint64_t putProgram(const std::vector<Instruction> &program);
  std::vector<int8_t> getInt8(uint64_t offset, size_t count) const;

  const Isa &isa() const { return isa_; }
  std::vector<uint8_t> bytes;

private:
  Isa isa_;
  uint64_t physBase_;
  uint64_t next_; // keep the first page unused, so no data sits at address 0
};

// Deterministic pseudo-random int8 values in [lo, hi].
std::vector<int8_t> randomInt8(size_t count, uint32_t seed, int lo = -128, int hi = 127);

// Requantisation as the VTA ALU does it: (acc + round) >> shift, clipped to int8.
int8_t requantize(int32_t acc, int32_t round, int shift);

} // namespace rqc::vta::test
