#include "schedules/cpu/CpuTemplates.h"

namespace rqc::schedule::cpu {

int64_t channelBlock(int64_t channels, const TargetDesc &t) {
  const int64_t lanes = t.lanes();
  if (channels % (2 * lanes) == 0) return 2 * lanes;
  if (channels % lanes == 0) return lanes;
  return largestDivisorAtMost(channels, 2 * lanes);
}

RegisterBlock registerBlock(int64_t outChannels, int64_t outWidth, const TargetDesc &t) {
  const int64_t channels = channelBlock(outChannels, t);
  const int64_t vectors = (channels + t.lanes() - 1) / t.lanes();
  const int64_t columns = largestDivisorAtMost(outWidth, std::max<int64_t>(1, (t.vectorRegisters - vectors - 1) / vectors));
  return {channels, columns};
}

} // namespace rqc::schedule::cpu
