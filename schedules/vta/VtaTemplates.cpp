// Helpers shared by the VTA templates (conv2d_packed.cpp, dense_packed.cpp).
#include "schedules/vta/VtaTemplates.h"

#include "rqc/runtime/Error.h"

#include <optional>
#include <tuple>

namespace rqc::schedule::vta {

using rqc::vta::Conv2dTiling;
using rqc::vta::VtaConfig;

VtaConfig vtaConfigOf(const TargetDesc &t) {
  if (t.model.empty() || t.model == "unknown") return VtaConfig::pynq();
  return VtaConfig::fromModelString(t.model);
}

Conv2dTiling tilingOfConfig(const Config &c) {
  auto inner = [&](const char *knob) { return c.has(knob) ? c.inner(knob) : int64_t(1); };
  Conv2dTiling t;
  t.tileB = inner("tile_b"), t.tileH = inner("tile_h"), t.tileW = inner("tile_w");
  t.tileCi = inner("tile_ci"), t.tileCo = inner("tile_co");
  t.ocThreads = c.has("oc_nthread") ? c.other("oc_nthread") : 1;
  t.hThreads = c.has("h_nthread") ? c.other("h_nthread") : 1;
  return t;
}

Config bestFittingConfig(const ConfigSpace &space, const rqc::vta::Conv2dShape &shape, const TargetDesc &t,
                         const std::string &templateName, int64_t maxThreads) {
  const VtaConfig config = vtaConfigOf(t);
  std::optional<Config> best;
  std::tuple<int64_t, int64_t, int64_t> bestScore{-1, -1, -1};
  for (uint64_t i = 0; i < space.size(); ++i) {
    Config c = space.get(i);
    const Conv2dTiling tiling = tilingOfConfig(c);
    if (tiling.threads() > maxThreads || rqc::vta::whyNotEmittable(config, shape, tiling)) continue;
    const std::tuple<int64_t, int64_t, int64_t> score{std::min<int64_t>(tiling.threads(), 2),
                                                      tiling.tileCo * tiling.tileH * tiling.tileW, tiling.tileCi};
    if (score > bestScore) bestScore = score, best = c;
  }
  if (!best) throw InvalidConfig(templateName + ": no tiling of this workload fits " + config.modelString());
  return *best;
}

const Step &scheduleStep(const Schedule &s, const std::string &primitive, const std::string &op, size_t sizes) {
  for (const Step &st : s.steps)
    if (st.primitive == primitive && st.op == op) {
      if (st.sizes.size() != sizes)
        throw Error(s.templateName + ": step '" + primitive + " " + op + "' needs " + std::to_string(sizes) + " sizes");
      return st;
    }
  throw Error(s.templateName + ": the schedule has no '" + primitive + " " + op + "' step");
}

} // namespace rqc::schedule::vta
