// The on-chip SRAMs: micro-ops, INP, WGT, ACC (the int32 register file) and OUT (the
// int8 copy of the last GEMM/ALU result at each ACC index, which is what STORE reads on
// Pynq). Elements are stored row-major: INP [batch][block_in], WGT [block_out][block_in],
// ACC and OUT [batch][block_out].
#pragma once

#include "rqc/vta/Config.h"
#include "rqc/vta/Instruction.h"

#include <vector>

namespace rqc::vta {

enum class Buffer : uint8_t { Uop = 0, Inp = 1, Wgt = 2, Acc = 3, Out = 4 };
constexpr unsigned kNumBuffers = 5;
const char *bufferName(Buffer b); // "UOP", "INP", ...

struct OnChipMemory {
  explicit OnChipMemory(const VtaConfig &config);

  uint32_t depth(Buffer b) const { return depths[unsigned(b)]; }
  int8_t *inpElem(uint32_t i) { return &inp[size_t(i) * inpLanes]; }
  int8_t *wgtElem(uint32_t i) { return &wgt[size_t(i) * wgtLanes]; }
  int32_t *accElem(uint32_t i) { return &acc[size_t(i) * accLanes]; }
  int8_t *outElem(uint32_t i) { return &out[size_t(i) * accLanes]; }

  size_t inpLanes, wgtLanes, accLanes; // values per element
  uint32_t depths[kNumBuffers];
  std::vector<Uop> uop;
  std::vector<int8_t> inp, wgt, out;
  std::vector<int32_t> acc;
};

} // namespace rqc::vta
