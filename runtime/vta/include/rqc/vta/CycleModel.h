// A cycle model of fetch and the three concurrent modules at the configured clock
// (100 MHz on Pynq). Each module runs its instructions in order; an instruction starts
// when it has been fetched, the module's previous instruction has finished and every
// token it pops has been pushed; its pushes happen when it finishes. Fetch dispatches
// in stream order and stalls while the target module's command queue is full.
//
// Costs (CycleCosts; two fitted to TVM's measured ResNet-18 layers, the rest assumptions —
// see docs/vta.md):
//   fetch    fetchCyclesPerInsn per instruction (128 bits over the 64-bit bus) after one
//            DMA start-up
//   DMA      per row: dmaStartupCycles + bytes / (bus width x dramEfficiency), holding the
//            one DRAM port all modules share (first come, first served); padding writes
//            one element per cycle; a micro-op load is one row
//   GEMM     pipeline fill + one micro-op per cycle (II=1)
//   ALU      pipeline fill + aluInitiationInterval cycles per micro-op (II=2 in HLS)
//   every instruction pays instructionOverheadCycles for decode and issue.
// Not modelled: DRAM refresh/page effects, the interleaving of bursts of different DMAs on
// the port (one DMA holds it for all its rows), the 1024-deep token FIFOs filling up.
//
// The same walk finds deadlocks: if some instruction can never start, schedule() throws
// StreamError saying what each stuck module waits for — never a hang.
#pragma once

#include "rqc/vta/Config.h"
#include "rqc/vta/Dependences.h"

#include <array>
#include <vector>

namespace rqc::vta {

// The defaults are calibrated (docs/vta.md, "Calibration"): with TVM's tuned configs of
// ResNet-18 (vta_v0.10.log), rqc's streams take within 21% of TVM's measured Pynq time on
// every layer. dramEfficiency and dmaStartupCycles were fitted; the others are assumptions.
struct CycleCosts {
  uint32_t fetchCyclesPerInsn = 2;
  uint32_t dmaStartupCycles = 20;
  // DRAM bytes per cycle a DMA achieves, as a fraction of the bus width (1.0: a full 64-bit
  // beat every cycle on Pynq; fitted 0.55, i.e. 440 MB/s at 100 MHz).
  double dramEfficiency = 0.55;
  // All modules' LOAD/STORE data share one DRAM port (the Pynq's one AXI HP port): a DMA
  // waits, first come first served, until the port is free. false: every module has its own.
  bool sharedDramPort = true;
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
  // Cycles one instruction keeps its module busy, without waiting for the DRAM port.
  uint64_t cost(const Instruction &insn) const;
  // Of those, the cycles it holds the DRAM port (a LOAD's or STORE's rows), after its
  // issue overhead; 0 for compute and dependency-only instructions.
  uint64_t dramCycles(const Instruction &insn) const;
  // Throws StreamError on deadlock.
  Schedule schedule(const std::vector<Instruction> &program, const Dependences &deps) const;

private:
  uint64_t dmaRows(uint64_t rows, uint64_t bytesPerRow) const;
  VtaConfig config_;
  CycleCosts costs_;
};

} // namespace rqc::vta
