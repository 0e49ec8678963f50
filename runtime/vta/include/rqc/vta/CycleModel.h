// A cycle model of fetch and the three concurrent modules at the configured clock
// (100 MHz on Pynq). Each module runs its instructions in order; an instruction starts
// when it has been fetched, the module's previous instruction has finished and every
// token it pops has been pushed; its pushes happen when it finishes. Fetch dispatches
// in stream order and stalls while the target module's command queue is full.
//
// Costs (CycleCosts; assumptions, not measurements — see docs/vta.md):
//   fetch    fetchCyclesPerInsn per instruction (128 bits over the 64-bit bus) after one
//            DMA start-up
//   DMA      per row: dmaStartupCycles + bytes / bus width; padding writes one element
//            per cycle; a micro-op load is one row
//   GEMM     pipeline fill + one micro-op per cycle (II=1)
//   ALU      pipeline fill + aluInitiationInterval cycles per micro-op (II=2 in HLS)
//   every instruction pays instructionOverheadCycles for decode and issue.
// Not modelled: contention between the modules' DMAs on the shared DRAM port, DRAM
// refresh/page effects, the 1024-deep token FIFOs filling up.
//
// The same walk finds deadlocks: if some instruction can never start, schedule() throws
// StreamError saying what each stuck module waits for — never a hang.
#pragma once

#include "rqc/vta/Config.h"
#include "rqc/vta/Dependences.h"

#include <array>
#include <vector>

namespace rqc::vta {

struct CycleCosts {
  uint32_t fetchCyclesPerInsn = 2;
  uint32_t dmaStartupCycles = 24;
  uint32_t instructionOverheadCycles = 2;
  uint32_t gemmPipelineDepth = 4;
  uint32_t aluPipelineDepth = 4;
  uint32_t aluInitiationInterval = 2;
  uint32_t padCyclesPerElement = 1;
  uint32_t commandQueueDepth = 512; // per module (Vivado block design)
};

struct InsnTiming {
  uint64_t fetched = 0; // in the module's command queue
  uint64_t start = 0;   // tokens popped, running
  uint64_t end = 0;     // done; tokens pushed
};

struct ModuleTiming {
  uint64_t instructions = 0;
  uint64_t busyCycles = 0;    // running an instruction
  uint64_t stalledCycles = 0; // next instruction fetched but waiting for a token
  uint64_t idleCycles = 0;    // nothing to run (waiting for fetch, or done)
};

struct Schedule {
  std::vector<InsnTiming> timing;
  std::vector<size_t> startOrder; // instruction indices by start cycle
  uint64_t totalCycles = 0;       // when the last instruction (FINISH) completes
  std::array<ModuleTiming, kNumModules> modules;
  uint64_t fetchBusyCycles = 0;
  uint64_t fetchBlockedCycles = 0; // waiting for room in a full command queue
};

class CycleModel {
public:
  CycleModel(const VtaConfig &config, const CycleCosts &costs);

  const CycleCosts &costs() const { return costs_; }
  // Cycles one instruction keeps its module busy.
  uint64_t cost(const Instruction &insn) const;
  // Throws StreamError on deadlock.
  Schedule schedule(const std::vector<Instruction> &program, const Dependences &deps) const;

private:
  uint64_t dmaRows(uint64_t rows, uint64_t bytesPerRow) const;
  VtaConfig config_;
  CycleCosts costs_;
};

} // namespace rqc::vta
