#include "rqc/vta/StreamError.h"

namespace rqc::vta {

std::string insnLabel(size_t index, const Instruction &insn) {
  return "instruction " + std::to_string(index) + " (" + describe(insn) + ")";
}

void failAt(size_t index, const Instruction &insn, const std::string &what) {
  throw StreamError(index, insnLabel(index, insn) + ": " + what);
}

} // namespace rqc::vta
