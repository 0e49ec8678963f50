#include "rqc/vta/Dependences.h"

#include <algorithm>

namespace rqc::vta {

Dependences::Dependences(const std::vector<Instruction> &program)
    : module_(program.size()), local_(program.size()), pops_(program.size()), pushes_(program.size()) {
  for (size_t i = 0; i < program.size(); ++i) {
    Module m = moduleOf(program[i]);
    module_[i] = m;
    local_[i] = uint32_t(byModule_[unsigned(m)].size());
    byModule_[unsigned(m)].push_back(i);
    TokenUse use = tokenUse(program[i]);
    for (TokenQueue q : use.pops) {
      pops_[i].push_back({q, uint32_t(poppers_[unsigned(q)].size())});
      poppers_[unsigned(q)].push_back(i);
    }
    for (TokenQueue q : use.pushes) {
      pushes_[i].push_back({q, uint32_t(pushers_[unsigned(q)].size())});
      pushers_[unsigned(q)].push_back(i);
    }
  }
}

HappensBefore::HappensBefore(const Dependences &deps, const std::vector<size_t> &startOrder)
    : deps_(deps), clock_(deps.size()) {
  for (size_t i : startOrder) {
    std::array<uint32_t, kNumModules> c{};
    Module m = deps.module(i);
    uint32_t local = deps.localIndex(i);
    if (local > 0)
      c = clock_[deps.moduleProgram(m)[local - 1]];
    for (const TokenEvent &pop : deps.pops(i)) {
      const auto &pushers = deps.pushers(pop.queue);
      if (pop.ordinal >= pushers.size())
        continue; // never satisfied; the cycle model reports it
      const auto &other = clock_[pushers[pop.ordinal]];
      for (unsigned k = 0; k < kNumModules; ++k)
        c[k] = std::max(c[k], other[k]);
    }
    c[unsigned(m)] = local + 1;
    clock_[i] = c;
  }
}

bool HappensBefore::ordered(size_t before, size_t after) const {
  if (before == after)
    return false;
  return clock_[after][unsigned(deps_.module(before))] > deps_.localIndex(before);
}

void checkTokenBalance(const std::vector<Instruction> &program, const Dependences &deps) {
  for (unsigned q = 0; q < kNumTokenQueues; ++q) {
    const auto &pushers = deps.pushers(TokenQueue(q));
    const auto &poppers = deps.poppers(TokenQueue(q));
    if (pushers.size() > poppers.size()) {
      size_t culprit = pushers[poppers.size()];
      throw StreamError(culprit, "token imbalance on the " + std::string(tokenQueueName(TokenQueue(q))) +
                                     " queue: " + std::to_string(pushers.size()) + " pushes but " +
                                     std::to_string(poppers.size()) + " pops; the token pushed by " +
                                     insnLabel(culprit, program[culprit]) + " is never popped");
    }
  }
}

void checkOrderedBeforeFinish(const std::vector<Instruction> &program, const HappensBefore &order) {
  size_t finish = program.size() - 1;
  for (size_t i = 0; i < finish; ++i)
    if (!order.ordered(i, finish))
      failAt(i, program[i],
             "is not ordered before FINISH (instruction " + std::to_string(finish) +
                 "): no chain of dependency tokens leads from it to FINISH, so the run can end before it "
                 "executes");
}

} // namespace rqc::vta
