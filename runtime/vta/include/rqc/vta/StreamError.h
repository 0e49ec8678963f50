// StreamError: an instruction stream that real Pynq hardware could not run correctly
// (or at all). The message is one line and names the instruction index (0-based, as in
// `rqc vta disasm`) wherever one instruction is to blame.
#pragma once

#include "rqc/runtime/Error.h"
#include "rqc/vta/Instruction.h"

#include <optional>
#include <string>

namespace rqc::vta {

class StreamError : public Error {
public:
  StreamError(std::optional<size_t> instruction, const std::string &message)
      : Error(message), instruction(instruction) {}
  std::optional<size_t> instruction; // the instruction to blame, if any
};

// "instruction 7 (GEMM)"
std::string insnLabel(size_t index, const Instruction &insn);
// Throws StreamError("instruction 7 (GEMM): <what>").
[[noreturn]] void failAt(size_t index, const Instruction &insn, const std::string &what);

} // namespace rqc::vta
