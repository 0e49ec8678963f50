#include "schedules/cpu/CpuTemplates.h"

#include "ir/Graph/Layout.h"

namespace rqc::schedule::cpu {

int64_t channelBlock(int64_t channels, const TargetDesc &t) {
  const int64_t lanes = t.lanes();
  if (channels % (2 * lanes) == 0) return 2 * lanes;
  if (channels % lanes == 0) return lanes;
  return largestDivisorAtMost(channels, 2 * lanes);
}

int64_t int8ChannelBlock(int64_t channels, const TargetDesc &t) {
  const int64_t lanes = t.lanes();
  if (t.key == "x86" && t.vectorRegisters >= 32 && channels % (4 * lanes) == 0) return 4 * lanes;
  const int64_t floatBlock = channelBlock(channels, t);
  if (floatBlock % 4 == 0 || channels % 4 != 0) return floatBlock;
  // The largest multiple of 4 dividing the channels, at most two vectors.
  for (int64_t d = std::min(channels, 2 * lanes) / 4 * 4; d >= 4; d -= 4)
    if (channels % d == 0) return d;
  return 4;
}

RegisterBlock registerBlock(int64_t outChannels, int64_t outWidth, const TargetDesc &t) {
  const int64_t channels = channelBlock(outChannels, t);
  const int64_t vectors = (channels + t.lanes() - 1) / t.lanes();
  const int64_t columns = largestDivisorAtMost(outWidth, std::max<int64_t>(1, (t.vectorRegisters - vectors - 1) / vectors));
  return {channels, columns};
}

Schedule directConvSchedule(const std::string &name, const Workload &w, int64_t ic, const std::string &weightLayout,
                            int64_t oc, int64_t rows, int64_t ow, const std::string &microKernel,
                            std::vector<int64_t> args) {
  if (w.outWidth() % ow != 0)
    throw InvalidConfig("tile_ow " + std::to_string(ow) + " does not divide the output width " +
                        std::to_string(w.outWidth()));
  if (w.outHeight() % rows != 0)
    throw InvalidConfig("tile_oh " + std::to_string(rows) + " does not divide the output height " +
                        std::to_string(w.outHeight()));
  Schedule s{name, {}};
  s.steps.push_back({"pack", "input", {}, graph::blockedNCHW(ic)});
  s.steps.push_back({"pack", "weight", {}, weightLayout});
  s.steps.push_back({"pack", "output", {}, graph::blockedNCHW(oc)});
  if (w.pads != std::vector<int64_t>{0, 0, 0, 0}) s.steps.push_back({"compute_root", "pad", {1, 1, 1, 0, 0}, ""});
  s.steps.push_back({"tile_parallel", "output", {1, 1, rows, 0, 0}, ""});
  s.steps.push_back({"tile", "output", {1, 1, rows, ow, 0}, ""});
  s.steps.push_back({"tensorize", "root", std::move(args), microKernel});
  s.steps.push_back({"vectorize", "init", {}, ""});
  s.steps.push_back({"vectorize", "epilogue", {}, ""});
  return s;
}

} // namespace rqc::schedule::cpu
