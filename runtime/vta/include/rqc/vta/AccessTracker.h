// Watches every on-chip buffer access during a run and rejects the two ways a stream can
// compute the wrong thing on a board while looking fine in a sequential simulator:
//   - reading an entry no instruction of this run wrote (stale SRAM contents on Pynq;
//     e.g. STORE of an OUT entry that was only LOADed into ACC, never touched by
//     GEMM/ALU);
//   - a data race: two modules touching one entry (load writes INP/WGT that compute
//     reads; compute writes OUT that store reads) without a happens-before edge between
//     them, i.e. a missing dependency token.
#pragma once

#include "rqc/vta/Dependences.h"
#include "rqc/vta/OnChipMemory.h"

#include <array>
#include <vector>

namespace rqc::vta {

class AccessTracker {
public:
  AccessTracker(const OnChipMemory &memory, const std::vector<Instruction> &program, const Dependences &deps,
                const HappensBefore &order);

  // Throw StreamError naming `insn` (and the other instruction, for races).
  void read(Buffer buffer, uint32_t entry, size_t insn);
  void write(Buffer buffer, uint32_t entry, size_t insn);

private:
  static constexpr int32_t kNone = -1;
  struct EntryState {
    int32_t lastWriter = kNone;
    std::array<int32_t, kNumModules> lastReader{kNone, kNone, kNone};
  };
  void race(size_t insn, size_t other, Buffer buffer, uint32_t entry, const char *what);

  const std::vector<Instruction> &program_;
  const Dependences &deps_;
  const HappensBefore &order_;
  std::array<std::vector<EntryState>, kNumBuffers> state_;
};

} // namespace rqc::vta
