#include "schedules/cpu/CpuTemplates.h"

namespace rqc::schedule::cpu {

RegisterBlock registerBlock(int64_t outChannels, int64_t outWidth, const TargetDesc &t) {
  const int64_t lanes = t.lanes(), regs = t.vectorRegisters;
  RegisterBlock best{largestDivisorAtMost(outChannels, lanes), largestDivisorAtMost(outWidth, regs - 2)};
  int64_t bestAccumulators = 0, bestVectors = 0;
  for (int64_t vectors = 1; vectors <= 4; ++vectors) {
    int64_t channels = vectors * lanes;
    if (outChannels % channels != 0) continue;
    int64_t columns = largestDivisorAtMost(outWidth, (regs - vectors - 1) / vectors);
    int64_t accumulators = columns * vectors;
    if (accumulators > bestAccumulators || (accumulators == bestAccumulators && vectors > bestVectors)) {
      best = {channels, columns};
      bestAccumulators = accumulators;
      bestVectors = vectors;
    }
  }
  return best;
}

} // namespace rqc::schedule::cpu
