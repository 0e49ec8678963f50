// Functional execution of single instructions against the on-chip buffers and DRAM,
// with the Pynq hardware's semantics (docs/vta.md, "Semantics"). The memory side (LOAD
// with padding, STORE) is in MemoryModule.cpp, the compute side (GEMM, ALU) in
// ComputeModule.cpp. Index ranges, the accumulator write hazard, uninitialised reads and
// races are checked as instructions run; violations throw StreamError.
#pragma once

#include "rqc/vta/AccessTracker.h"
#include "rqc/vta/Dram.h"
#include "rqc/vta/Isa.h"

namespace rqc::vta {

// What a run moved and computed (the counters of VTA's functional simulator).
struct ExecutionCounters {
  uint64_t inpLoadBytes = 0;
  uint64_t wgtLoadBytes = 0;
  uint64_t accLoadBytes = 0;
  uint64_t uopLoadBytes = 0;
  uint64_t outStoreBytes = 0;
  uint64_t gemmUops = 0;      // multiply-accumulate micro-ops (reset ones excluded)
  uint64_t gemmResetUops = 0;
  uint64_t aluUops = 0;
  uint64_t instructions[5] = {}; // by opcode
};

class Executor {
public:
  Executor(const Isa &isa, DramView dram, OnChipMemory &memory, AccessTracker &tracker,
           const std::vector<Instruction> &program);

  void execute(size_t index);
  const ExecutionCounters &counters() const { return counters_; }

private:
  void load(size_t index, const MemInsn &m);
  void store(size_t index, const MemInsn &m);
  void gemm(size_t index, const GemmInsn &g);
  void alu(size_t index, const AluInsn &a);

  // The accumulator hazard window: the last two ACC entries written by this instruction.
  struct RecentWrites {
    int64_t entry[2] = {-1, -1};
    uint32_t uop[2] = {0, 0};
    uint32_t iOut[2] = {0, 0}, iIn[2] = {0, 0};
  };
  uint32_t checkedIndex(size_t index, Buffer buffer, uint64_t value, uint32_t uop, uint32_t iOut, uint32_t iIn,
                        const char *field);
  void checkAccHazard(size_t index, RecentWrites &recent, uint64_t entry, bool isWrite, uint32_t uop,
                      uint32_t iOut, uint32_t iIn);

  const Isa &isa_;
  DramView dram_;
  OnChipMemory &mem_;
  AccessTracker &tracker_;
  const std::vector<Instruction> &program_;
  ExecutionCounters counters_;
};

} // namespace rqc::vta
