// The VTA simulator: runs an instruction stream against a DRAM image with the Pynq
// hardware's semantics and reports cycles.
//
// A run (1) decodes the stream, (2) applies the static checker, (3) walks the cycle
// model, which also detects deadlocks, (4) checks token balance and that everything is
// ordered before FINISH, (5) executes the instructions in the cycle model's start order,
// checking index ranges, the accumulator hazard, uninitialised reads and races. Any
// violation throws StreamError (a rqc::Error) naming the instruction; DRAM may then be
// partly written. On-chip buffers start empty on every run, as the VTA runtime assumes.
//
// The simulator executes every micro-op a stream asks for, and a valid 32-bit-field stream
// may ask for billions of billions; so a run first bounds the stream's work (streamWork)
// and refuses one over the simulator's work limit instead of running for days.
#pragma once

#include "rqc/vta/CycleModel.h"
#include "rqc/vta/Dram.h"
#include "rqc/vta/Executor.h"
#include "rqc/vta/Isa.h"

#include <string>

#include <nlohmann/json_fwd.hpp>

namespace rqc::vta {

struct ModuleReport {
  uint64_t instructions = 0;
  uint64_t busyCycles = 0;
  uint64_t stalledCycles = 0;
  uint64_t idleCycles = 0;
};

struct SimulationReport {
  std::string model;
  double clockMHz = 100.0;
  uint64_t instructions = 0;
  uint64_t totalCycles = 0;
  ModuleReport load, compute, store;
  uint64_t fetchBusyCycles = 0;
  uint64_t fetchBlockedCycles = 0;
  ExecutionCounters counters;
  double gemmUtilization = 0; // non-reset GEMM micro-ops per cycle (1.0 = peak)
  double achievedGops = 0;
  double peakGops = 0;

  double microseconds() const { return double(totalCycles) / clockMHz; }
  std::string toText() const;
  nlohmann::json toJson() const;
};

// Lane operations and bytes a stream makes the simulator touch: per GEMM, outer x inner
// iterations x micro-ops x batch x BLOCK_IN x BLOCK_OUT multiply-adds; per ALU, the same with
// batch x BLOCK_OUT lanes; per LOAD/STORE, the padded 2-D tile's elements x the widest
// element's bytes. Saturates at UINT64_MAX instead of overflowing.
uint64_t streamWork(const VtaConfig &config, const std::vector<Instruction> &program);

class Simulator {
public:
  // 2^36 work units: ResNet-18's VTA stream is about 2^31; a run at the limit takes minutes.
  static constexpr uint64_t kDefaultWorkLimit = uint64_t(1) << 36;

  explicit Simulator(const VtaConfig &config = VtaConfig::pynq(), const CycleCosts &costs = CycleCosts{});

  const Isa &isa() const { return isa_; }
  const CycleModel &cycleModel() const { return model_; }

  // Runs `insnCount` instructions stored at byte offset `insnOffset` of the image (the
  // instruction buffer's physical address).
  SimulationReport run(DramView dram, uint64_t insnOffset, uint64_t insnCount) const;
  // Runs already-decoded instructions (they need not be in the image).
  SimulationReport run(DramView dram, const std::vector<Instruction> &program) const;

  // A run throws StreamError before executing anything when streamWork exceeds `limit`.
  void setWorkLimit(uint64_t limit) { workLimit_ = limit; }
  uint64_t workLimit() const { return workLimit_; }

  // Reads and decodes instructions from the image; StreamError names a bad one.
  std::vector<Instruction> readProgram(DramView dram, uint64_t insnOffset, uint64_t insnCount) const;

private:
  Isa isa_;
  CycleModel model_;
  uint64_t workLimit_ = kDefaultWorkLimit;
};

} // namespace rqc::vta
