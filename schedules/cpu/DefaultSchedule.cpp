// The untuned CPU schedule: enough parallel tiles for the threads, each tile's output a
// few tens of kilobytes so it and its inputs stay in L2, then vectorized.
#include "schedules/Schedule.h"

#include <algorithm>

namespace rqc::schedule {

namespace {
// Tiles divide their dimension evenly: every tile then has the same static shape, which
// the vectorizer needs.
int64_t divisorAtMost(int64_t n, int64_t limit) {
  for (int64_t d = std::min(n, std::max<int64_t>(limit, 1)); d > 1; --d)
    if (n % d == 0) return d;
  return 1;
}
} // namespace

Schedule defaultCpuSchedule(const KernelInfo &k) {
  const auto &s = k.outputShape;
  std::vector<int64_t> tiles(s.size(), 0);
  constexpr int64_t kTileElements = 8192; // 32 KiB of f32 output per tile
  if (s.size() == 4) { // NCHW: one image, a block of channels, a band of rows
    int64_t c = divisorAtMost(s[1], 16);
    int64_t rowElems = std::max<int64_t>(1, c * s[3]);
    int64_t h = divisorAtMost(s[2], kTileElements / rowElems);
    tiles = {1, c, h, 0};
  } else if (s.size() == 2) { // [N, M]: blocks of output features
    tiles = {1, divisorAtMost(s[1], 64)};
  } else if (!s.empty()) {
    tiles[0] = 1;
  }
  return Schedule{"default.cpu." + k.rootOp, {{"tile_parallel", tiles}, {"vectorize", {}}}};
}

std::string toJson(const Schedule &sch) {
  std::string out = "{\"name\": \"" + sch.name + "\", \"steps\": [";
  for (size_t i = 0; i < sch.steps.size(); ++i) {
    out += (i ? ", " : "") + std::string("[\"") + sch.steps[i].primitive + "\", [";
    for (size_t j = 0; j < sch.steps[i].args.size(); ++j)
      out += (j ? ", " : "") + std::to_string(sch.steps[i].args[j]);
    out += "]]";
  }
  return out + "]}";
}

} // namespace rqc::schedule
