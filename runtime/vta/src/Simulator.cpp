#include "rqc/vta/Simulator.h"

#include "rqc/vta/StaticChecker.h"

#include <cstdint>
#include <initializer_list>
#include <type_traits>
#include <variant>

namespace rqc::vta {
namespace {

ModuleReport toReport(const ModuleTiming &t) {
  return ModuleReport{t.instructions, t.busyCycles, t.stalledCycles, t.idleCycles};
}

uint64_t saturatingProduct(std::initializer_list<uint64_t> factors) {
  uint64_t product = 1;
  for (uint64_t f : factors)
    if (f != 0 && product > UINT64_MAX / f) return UINT64_MAX;
    else product *= f;
  return product;
}

} // namespace

uint64_t streamWork(const VtaConfig &c, const std::vector<Instruction> &program) {
  uint64_t total = 0;
  for (const Instruction &insn : program) {
    uint64_t work = std::visit(
        [&](const auto &i) -> uint64_t {
          using T = std::decay_t<decltype(i)>;
          if constexpr (std::is_same_v<T, GemmInsn>) {
            uint64_t uops = i.uopEnd > i.uopBgn ? i.uopEnd - i.uopBgn : 0;
            return saturatingProduct({i.iterOut, i.iterIn, uops, uint64_t(c.batch()), uint64_t(c.blockIn()),
                                      uint64_t(c.blockOut())});
          } else if constexpr (std::is_same_v<T, AluInsn>) {
            uint64_t uops = i.uopEnd > i.uopBgn ? i.uopEnd - i.uopBgn : 0;
            return saturatingProduct({i.iterOut, i.iterIn, uops, uint64_t(c.batch()), uint64_t(c.blockOut())});
          } else if constexpr (std::is_same_v<T, MemInsn>) {
            return saturatingProduct({uint64_t(i.ySize) + i.yPad0 + i.yPad1, uint64_t(i.xSize) + i.xPad0 + i.xPad1,
                                      uint64_t(c.wgtElemBytes())});
          } else {
            return 0;
          }
        },
        insn);
    total = work > UINT64_MAX - total ? UINT64_MAX : total + work;
  }
  return total;
}

Simulator::Simulator(const VtaConfig &config, const CycleCosts &costs) : isa_(config), model_(config, costs) {
  if (config.logInpWidth != 3 || config.logWgtWidth != 3 || config.logAccWidth != 5)
    throw Error("the VTA simulator supports int8 inputs and weights with int32 accumulators only, not " +
                config.modelString());
}

std::vector<Instruction> Simulator::readProgram(DramView dram, uint64_t insnOffset, uint64_t insnCount) const {
  if (insnOffset % kInsnBytes != 0)
    throw StreamError(std::nullopt, "the instruction buffer at byte " + std::to_string(insnOffset) +
                                        " is not aligned to 16 bytes (instructions are read as 128-bit words)");
  if (insnCount > dram.size / kInsnBytes || !dram.contains(insnOffset, insnCount * kInsnBytes))
    throw StreamError(std::nullopt, std::to_string(insnCount) + " instructions at byte " +
                                        std::to_string(insnOffset) + " reach beyond the DRAM image of " +
                                        std::to_string(dram.size) + " bytes");
  std::vector<InsnWord> words = insnWordsFromBytes(dram.data + insnOffset, size_t(insnCount));
  std::vector<Instruction> program;
  program.reserve(words.size());
  for (size_t i = 0; i < words.size(); ++i) {
    try {
      program.push_back(isa_.decode(words[i]));
    } catch (const DecodeError &e) {
      throw StreamError(i, "instruction " + std::to_string(i) + " does not decode: " + e.what());
    }
  }
  return program;
}

SimulationReport Simulator::run(DramView dram, uint64_t insnOffset, uint64_t insnCount) const {
  return run(dram, readProgram(dram, insnOffset, insnCount));
}

SimulationReport Simulator::run(DramView dram, const std::vector<Instruction> &program) const {
  const VtaConfig &config = isa_.config();
  checkStatic(config, program, dram.size);
  if (uint64_t work = streamWork(config, program); work > workLimit_)
    throw StreamError(std::nullopt, "the stream asks for " + std::to_string(work) +
                                        " lane operations and bytes, over the simulator's work limit of " +
                                        std::to_string(workLimit_) + " (rqc vta sim --max-work)");
  Dependences deps(program);
  Schedule schedule = model_.schedule(program, deps);
  checkTokenBalance(program, deps);
  HappensBefore order(deps, schedule.startOrder);
  checkOrderedBeforeFinish(program, order);

  OnChipMemory memory(config);
  AccessTracker tracker(memory, program, deps, order);
  Executor executor(isa_, dram, memory, tracker, program);
  for (size_t i : schedule.startOrder)
    executor.execute(i);

  SimulationReport r;
  r.model = config.modelString();
  r.clockMHz = config.clockMHz;
  r.instructions = program.size();
  r.totalCycles = schedule.totalCycles;
  r.load = toReport(schedule.modules[unsigned(Module::Load)]);
  r.compute = toReport(schedule.modules[unsigned(Module::Compute)]);
  r.store = toReport(schedule.modules[unsigned(Module::Store)]);
  r.fetchBusyCycles = schedule.fetchBusyCycles;
  r.fetchBlockedCycles = schedule.fetchBlockedCycles;
  r.counters = executor.counters();
  r.peakGops = config.peakGops();
  r.gemmUtilization = r.totalCycles ? double(r.counters.gemmUops) / double(r.totalCycles) : 0.0;
  r.achievedGops = r.gemmUtilization * r.peakGops;
  return r;
}

} // namespace rqc::vta
