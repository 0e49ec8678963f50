// Which instruction's token each pop consumes, and the happens-before order the tokens
// create.
//
// Tokens carry no data and every module pops and pushes in program order, so the k-th
// pop on a queue always consumes the token of the k-th push on that queue. Together with
// program order inside each module this gives the only ordering the hardware guarantees
// between modules; everything else (fetch order, relative speed) may differ from run to
// run on a board.
#pragma once

#include "rqc/vta/Pipeline.h"
#include "rqc/vta/StreamError.h"

#include <array>
#include <vector>

namespace rqc::vta {

struct TokenEvent {
  TokenQueue queue;
  uint32_t ordinal; // k-th push / pop on that queue (0-based)
};

class Dependences {
public:
  explicit Dependences(const std::vector<Instruction> &program);

  size_t size() const { return module_.size(); }
  Module module(size_t insn) const { return module_[insn]; }
  uint32_t localIndex(size_t insn) const { return local_[insn]; }
  // Instructions of a module, in program order.
  const std::vector<size_t> &moduleProgram(Module m) const { return byModule_[unsigned(m)]; }
  const std::vector<TokenEvent> &pops(size_t insn) const { return pops_[insn]; }
  const std::vector<TokenEvent> &pushes(size_t insn) const { return pushes_[insn]; }
  // The instruction that performs the k-th push (pop) on a queue.
  const std::vector<size_t> &pushers(TokenQueue q) const { return pushers_[unsigned(q)]; }
  const std::vector<size_t> &poppers(TokenQueue q) const { return poppers_[unsigned(q)]; }

private:
  std::vector<Module> module_;
  std::vector<uint32_t> local_;
  std::array<std::vector<size_t>, kNumModules> byModule_;
  std::vector<std::vector<TokenEvent>> pops_, pushes_;
  std::array<std::vector<size_t>, kNumTokenQueues> pushers_, poppers_;
};

// Happens-before between instructions, as vector clocks: a -> b iff a completes before b
// starts on every possible execution (program order within a module, token edges
// between modules, transitively).
class HappensBefore {
public:
  // `startOrder` must list every instruction in an order that respects the dependences
  // (e.g. the cycle model's start order).
  HappensBefore(const Dependences &deps, const std::vector<size_t> &startOrder);
  bool ordered(size_t before, size_t after) const;

private:
  const Dependences &deps_;
  std::vector<std::array<uint32_t, kNumModules>> clock_; // instructions of each module at or before
};

// Every pushed token must be popped: leftover tokens break the next run's hand-shakes
// (the HLS top level asserts all queues are empty at the end). Throws StreamError naming
// the instruction whose token is never popped. (Pops without a push are deadlocks, found
// by the cycle model.)
void checkTokenBalance(const std::vector<Instruction> &program, const Dependences &deps);

// Every instruction must happen before FINISH: the driver stops waiting when FINISH
// raises done, so work not ordered before it may not have happened yet, and stays queued
// into the next run.
void checkOrderedBeforeFinish(const std::vector<Instruction> &program, const HappensBefore &order);

} // namespace rqc::vta
