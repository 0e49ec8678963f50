#include "rqc/vta/AccessTracker.h"

namespace rqc::vta {

AccessTracker::AccessTracker(const OnChipMemory &memory, const std::vector<Instruction> &program,
                             const Dependences &deps, const HappensBefore &order)
    : program_(program), deps_(deps), order_(order) {
  for (unsigned b = 0; b < kNumBuffers; ++b)
    state_[b].resize(memory.depth(Buffer(b)));
}

void AccessTracker::race(size_t insn, size_t other, Buffer buffer, uint32_t entry, const char *what) {
  failAt(insn, program_[insn],
         std::string(what) + " " + bufferName(buffer) + " entry " + std::to_string(entry) + " that " +
             insnLabel(other, program_[other]) + " also accesses, with no dependency token ordering the " +
             moduleName(deps_.module(other)) + " and " + moduleName(deps_.module(insn)) +
             " modules between them (data race)");
}

void AccessTracker::read(Buffer buffer, uint32_t entry, size_t insn) {
  EntryState &s = state_[unsigned(buffer)][entry];
  if (s.lastWriter == kNone)
    failAt(insn, program_[insn],
           std::string("reads ") + bufferName(buffer) + " entry " + std::to_string(entry) +
               " that no earlier instruction of this run wrote" +
               (buffer == Buffer::Out ? " (on Pynq, OUT holds only GEMM/ALU results; a value only LOADed into ACC "
                                        "needs an ALU op, e.g. SHR 0, before it can be stored)"
                                      : ""));
  if (deps_.module(size_t(s.lastWriter)) != deps_.module(insn) && !order_.ordered(size_t(s.lastWriter), insn))
    race(insn, size_t(s.lastWriter), buffer, entry, "reads");
  s.lastReader[unsigned(deps_.module(insn))] = int32_t(insn);
}

void AccessTracker::write(Buffer buffer, uint32_t entry, size_t insn) {
  EntryState &s = state_[unsigned(buffer)][entry];
  Module self = deps_.module(insn);
  if (s.lastWriter != kNone && deps_.module(size_t(s.lastWriter)) != self &&
      !order_.ordered(size_t(s.lastWriter), insn))
    race(insn, size_t(s.lastWriter), buffer, entry, "overwrites");
  // Reads within one module are in program order, so the latest read per module
  // stands for all of that module's earlier ones.
  for (unsigned m = 0; m < kNumModules; ++m)
    if (m != unsigned(self) && s.lastReader[m] != kNone && !order_.ordered(size_t(s.lastReader[m]), insn))
      race(insn, size_t(s.lastReader[m]), buffer, entry, "overwrites");
  s.lastWriter = int32_t(insn);
}

} // namespace rqc::vta
