#include "rqc/vta/CycleModel.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace rqc::vta {
namespace {

constexpr uint64_t kNotYet = std::numeric_limits<uint64_t>::max();

uint64_t elemBytes(const VtaConfig &c, MemoryType m) {
  switch (m) {
  case MemoryType::Uop: return c.uopElemBytes();
  case MemoryType::Wgt: return c.wgtElemBytes();
  case MemoryType::Inp: return c.inpElemBytes();
  case MemoryType::Acc: return c.accElemBytes();
  case MemoryType::Out: return c.outElemBytes();
  case MemoryType::Acc8Bit: return c.inpElemBytes();
  }
  return 1;
}

uint64_t loopTrips(uint32_t iterOut, uint32_t iterIn, uint32_t bgn, uint32_t end) {
  return uint64_t(iterOut) * iterIn * (end > bgn ? end - bgn : 0);
}

} // namespace

CycleModel::CycleModel(const VtaConfig &config, const CycleCosts &costs) : config_(config), costs_(costs) {}

uint64_t CycleModel::dmaRows(uint64_t rows, uint64_t bytesPerRow) const {
  const double perCycle = std::max(1e-3, double(config_.busBytes()) * costs_.dramEfficiency);
  return rows * (costs_.dmaStartupCycles + uint64_t(std::ceil(double(bytesPerRow) / perCycle)));
}

uint64_t CycleModel::dramCycles(const Instruction &insn) const {
  const auto *m = std::get_if<MemInsn>(&insn);
  if (!m || m->xSize == 0 || m->ySize == 0) return 0;
  const uint64_t bytes = elemBytes(config_, m->memoryType);
  if (m->opcode == Opcode::Load && m->memoryType == MemoryType::Uop) return dmaRows(1, m->xSize * bytes);
  return dmaRows(m->ySize, m->xSize * bytes);
}

uint64_t CycleModel::cost(const Instruction &insn) const {
  uint64_t cycles = costs_.instructionOverheadCycles;
  if (auto *m = std::get_if<MemInsn>(&insn)) {
    if (m->xSize == 0)
      return cycles;
    uint64_t bytes = elemBytes(config_, m->memoryType);
    if (m->opcode == Opcode::Load && m->memoryType == MemoryType::Uop)
      return cycles + dmaRows(1, m->xSize * bytes);
    cycles += dmaRows(m->ySize, m->xSize * bytes);
    uint64_t width = uint64_t(m->xPad0) + m->xSize + m->xPad1;
    uint64_t padElems = (uint64_t(m->yPad0) + m->yPad1) * width + uint64_t(m->ySize) * (m->xPad0 + m->xPad1);
    return cycles + padElems * costs_.padCyclesPerElement;
  }
  if (auto *g = std::get_if<GemmInsn>(&insn))
    return cycles + costs_.gemmPipelineDepth + loopTrips(g->iterOut, g->iterIn, g->uopBgn, g->uopEnd);
  if (auto *a = std::get_if<AluInsn>(&insn))
    return cycles + costs_.aluPipelineDepth +
           costs_.aluInitiationInterval * loopTrips(a->iterOut, a->iterIn, a->uopBgn, a->uopEnd);
  return std::max<uint64_t>(cycles, 1); // FINISH; every instruction takes at least a cycle
}

Schedule CycleModel::schedule(const std::vector<Instruction> &program, const Dependences &deps) const {
  const size_t n = program.size();
  Schedule s;
  s.timing.assign(n, InsnTiming{kNotYet, kNotYet, kNotYet});
  std::vector<uint64_t> costOf(n);
  for (size_t i = 0; i < n; ++i)
    costOf[i] = cost(program[i]);

  size_t fetchNext = 0;
  uint64_t fetchClock = costs_.dmaStartupCycles;
  std::array<size_t, kNumModules> nextToStart{};
  std::array<uint64_t, kNumModules> moduleFree{};
  uint64_t portFree = 0; // the shared DRAM port's next free cycle
  const uint64_t depth = costs_.commandQueueDepth;

  bool progress = true;
  while (progress) {
    progress = false;
    // Fetch in stream order while the target command queue has room: the instruction
    // `depth` places earlier in that queue must have left it (started).
    while (fetchNext < n) {
      size_t i = fetchNext;
      const auto &queue = deps.moduleProgram(deps.module(i));
      uint32_t local = deps.localIndex(i);
      uint64_t ready = fetchClock;
      if (local >= depth) {
        uint64_t freed = s.timing[queue[local - depth]].start;
        if (freed == kNotYet)
          break;
        if (freed > ready) {
          s.fetchBlockedCycles += freed - ready;
          ready = freed;
        }
      }
      s.timing[i].fetched = ready + costs_.fetchCyclesPerInsn;
      s.fetchBusyCycles += costs_.fetchCyclesPerInsn;
      fetchClock = s.timing[i].fetched;
      ++fetchNext;
      progress = true;
    }
    // Start, earliest first, what the modules can start: in time order, so that the DRAM
    // port goes to the DMAs in the order they ask for it.
    while (true) {
      unsigned bestModule = kNumModules;
      uint64_t bestStart = kNotYet, bestAvailable = 0;
      for (unsigned m = 0; m < kNumModules; ++m) {
        const auto &queue = deps.moduleProgram(Module(m));
        if (nextToStart[m] == queue.size())
          continue;
        size_t i = queue[nextToStart[m]];
        if (s.timing[i].fetched == kNotYet)
          continue;
        uint64_t available = std::max(s.timing[i].fetched, moduleFree[m]);
        uint64_t start = available;
        bool blocked = false;
        for (const TokenEvent &pop : deps.pops(i)) {
          const auto &pushers = deps.pushers(pop.queue);
          if (pop.ordinal >= pushers.size() || s.timing[pushers[pop.ordinal]].end == kNotYet) {
            blocked = true;
            break;
          }
          start = std::max(start, s.timing[pushers[pop.ordinal]].end);
        }
        if (!blocked && start < bestStart)
          bestModule = m, bestStart = start, bestAvailable = available;
      }
      if (bestModule == kNumModules)
        break;
      const unsigned m = bestModule;
      size_t i = deps.moduleProgram(Module(m))[nextToStart[m]];
      uint64_t end = bestStart + costOf[i];
      if (uint64_t dram = dramCycles(program[i]); dram && costs_.sharedDramPort) {
        // The transfer waits for the port after the issue overhead; the padding writes and
        // the rest follow it.
        const uint64_t ask = bestStart + costs_.instructionOverheadCycles;
        const uint64_t granted = std::max(ask, portFree);
        end += granted - ask;
        portFree = granted + dram;
      }
      ModuleTiming &mt = s.modules[m];
      mt.instructions++;
      mt.busyCycles += end - bestStart;
      mt.stalledCycles += bestStart - bestAvailable;
      s.timing[i].start = bestStart;
      s.timing[i].end = end;
      moduleFree[m] = end;
      ++nextToStart[m];
      progress = true;
    }
  }

  // Anything left never starts: describe what each stuck module waits for.
  std::string stuck;
  std::optional<size_t> first;
  for (unsigned m = 0; m < kNumModules; ++m) {
    const auto &queue = deps.moduleProgram(Module(m));
    if (nextToStart[m] == queue.size())
      continue;
    size_t i = queue[nextToStart[m]];
    if (!first || i < *first)
      first = i;
    std::string why;
    if (s.timing[i].fetched == kNotYet) {
      size_t blockedAt = fetchNext;
      why = "is never fetched: fetch is blocked at " + insnLabel(blockedAt, program[blockedAt]) + " because the " +
            moduleName(deps.module(blockedAt)) + " command queue is full (" + std::to_string(depth) + " entries)";
    } else {
      for (const TokenEvent &pop : deps.pops(i)) {
        const auto &pushers = deps.pushers(pop.queue);
        if (pop.ordinal >= pushers.size()) {
          why = "waits for a " + std::string(tokenQueueName(pop.queue)) + " token (pop #" +
                std::to_string(pop.ordinal + 1) + ") that is never pushed (the stream pushes " +
                std::to_string(pushers.size()) + ")";
          break;
        }
        size_t pusher = pushers[pop.ordinal];
        if (s.timing[pusher].end == kNotYet) {
          why = "waits for a " + std::string(tokenQueueName(pop.queue)) + " token that " +
                insnLabel(pusher, program[pusher]) + " would push, but that instruction never runs";
          break;
        }
      }
    }
    stuck += std::string(stuck.empty() ? "" : "; ") + moduleName(Module(m)) + " module stuck: " +
             insnLabel(i, program[i]) + " " + why;
  }
  if (first)
    throw StreamError(*first, "deadlock: " + stuck);

  s.startOrder.resize(n);
  for (size_t i = 0; i < n; ++i)
    s.startOrder[i] = i;
  std::stable_sort(s.startOrder.begin(), s.startOrder.end(),
                   [&](size_t a, size_t b) { return s.timing[a].start < s.timing[b].start; });
  for (size_t i = 0; i < n; ++i)
    s.totalCycles = std::max(s.totalCycles, s.timing[i].end);
  for (ModuleTiming &mt : s.modules)
    mt.idleCycles = s.totalCycles - mt.busyCycles - mt.stalledCycles;
  return s;
}

} // namespace rqc::vta
