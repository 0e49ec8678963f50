#include "rqc/vta/Pipeline.h"

namespace rqc::vta {

const char *moduleName(Module m) {
  switch (m) {
  case Module::Load: return "load";
  case Module::Compute: return "compute";
  case Module::Store: return "store";
  }
  return "?";
}

Module moduleOf(const Instruction &insn) {
  if (auto *m = std::get_if<MemInsn>(&insn)) {
    if (m->opcode == Opcode::Store)
      return Module::Store;
    if (m->memoryType == MemoryType::Inp || m->memoryType == MemoryType::Wgt)
      return Module::Load;
  }
  return Module::Compute;
}

const char *tokenQueueName(TokenQueue q) {
  switch (q) {
  case TokenQueue::LoadToCompute: return "load->compute (l2g)";
  case TokenQueue::ComputeToLoad: return "compute->load (g2l)";
  case TokenQueue::ComputeToStore: return "compute->store (g2s)";
  case TokenQueue::StoreToCompute: return "store->compute (s2g)";
  }
  return "?";
}

TokenUse tokenUse(const Instruction &insn) {
  const DepFlags &d = depsOf(insn);
  TokenUse use;
  switch (moduleOf(insn)) {
  case Module::Load:
    if (d.popNext)
      use.pops.push_back(TokenQueue::ComputeToLoad);
    if (d.pushNext)
      use.pushes.push_back(TokenQueue::LoadToCompute);
    break;
  case Module::Compute:
    if (d.popPrev)
      use.pops.push_back(TokenQueue::LoadToCompute);
    if (d.popNext)
      use.pops.push_back(TokenQueue::StoreToCompute);
    if (d.pushPrev)
      use.pushes.push_back(TokenQueue::ComputeToLoad);
    if (d.pushNext)
      use.pushes.push_back(TokenQueue::ComputeToStore);
    break;
  case Module::Store:
    if (d.popPrev)
      use.pops.push_back(TokenQueue::ComputeToStore);
    if (d.pushPrev)
      use.pushes.push_back(TokenQueue::StoreToCompute);
    break;
  }
  return use;
}

} // namespace rqc::vta
