// The three VTA modules and the four dependency-token queues between them.
//
// Fetch dispatches every instruction to one module: LOAD INP/WGT to load; STORE to
// store; GEMM, ALU, FINISH and the other LOADs (UOP, ACC) to compute. The modules form
// the pipeline load -> compute -> store; an instruction's pop/push "prev"/"next" flags
// name a queue relative to its own module.
#pragma once

#include "rqc/vta/Instruction.h"

#include <string>
#include <vector>

namespace rqc::vta {

enum class Module : uint8_t { Load = 0, Compute = 1, Store = 2 };
constexpr unsigned kNumModules = 3;
const char *moduleName(Module m); // "load", "compute", "store"
Module moduleOf(const Instruction &insn);

enum class TokenQueue : uint8_t {
  LoadToCompute = 0,  // l2g: load pushes after writing INP/WGT (RAW)
  ComputeToLoad = 1,  // g2l: compute pushes once INP/WGT may be overwritten (WAR)
  ComputeToStore = 2, // g2s: compute pushes after writing OUT (RAW)
  StoreToCompute = 3, // s2g: store pushes once OUT may be overwritten (WAR)
};
constexpr unsigned kNumTokenQueues = 4;
const char *tokenQueueName(TokenQueue q); // "load->compute (l2g)", ...

// The queues an instruction pops before it runs and pushes after it completes. Flags
// that make no sense for the module (e.g. pop_prev on a load) are ignored here; the
// static checker rejects them.
struct TokenUse {
  std::vector<TokenQueue> pops;
  std::vector<TokenQueue> pushes;
};
TokenUse tokenUse(const Instruction &insn);

} // namespace rqc::vta
