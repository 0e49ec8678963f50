// dense_packed.vta: TVM's vta_dense.py knob space (../shared/reference/vta.md 4.2):
//   tile_b      split(M / BATCH, 2)        batch blocks per tile (only inner 1 is emitted)
//   tile_ci     split(K / BLOCK_IN, 2)     input blocks per load group
//   tile_co     split(N / BLOCK_OUT, 2)    output blocks per tile
//   oc_nthread  [1, 2]                     virtual threads over output tiles
// A dense layer is the 1x1 convolution of a 1x1 image, so the stream is conv2d_packed's
// (rqc/vta/Conv2dPacked.h) with one row and one column per tile. Layouts: data
// NC{BATCH}n{BLOCK}c ([M/b, K/c, b, c]), weights [N/c, K/c, c, c]. Points that do not fit
// are refused by schedule(), as in conv2d_packed.vta.
#include "schedules/vta/VtaTemplates.h"

#include "rqc/runtime/Error.h"

#include <optional>
#include <tuple>

namespace rqc::schedule::vta {

using rqc::vta::Conv2dShape;
using rqc::vta::Conv2dTiling;
using rqc::vta::VtaConfig;

namespace {

Conv2dTiling tilingOf(const Config &c) {
  Conv2dTiling t;
  t.tileB = c.inner("tile_b"), t.tileCi = c.inner("tile_ci"), t.tileCo = c.inner("tile_co");
  t.ocThreads = c.other("oc_nthread");
  return t;
}

class DensePacked : public Template {
public:
  std::string name() const override { return "dense_packed.vta"; }

  bool matches(const Workload &w) const override {
    if (w.op != "dense" || !isVtaPacked(w.layout) || w.data.dtype != "int8" || w.weight.dtype != "int8" ||
        w.outDtype != "int32" || w.data.shape.size() != 2 || w.weight.shape.size() != 2)
      return false;
    auto [b, c] = vtaBlocks(w.layout);
    return w.data.shape[0] % b == 0 && w.data.shape[1] % c == 0 && w.weight.shape[0] % c == 0;
  }

  ConfigSpace space(const Workload &w) const override {
    auto [b, c] = vtaBlocks(w.layout);
    ConfigSpace s;
    s.defineSplit("tile_b", w.data.shape[0] / b, 2);
    s.defineSplit("tile_ci", w.data.shape[1] / c, 2);
    s.defineSplit("tile_co", w.weight.shape[0] / c, 2);
    s.defineKnob("oc_nthread", {1, 2});
    return s;
  }

  // Untuned: two threads where the output tiles halve, then the largest output tile, then
  // the largest input group.
  Config fallback(const Workload &w, const ConfigSpace &space, const TargetDesc &t) const override {
    const VtaConfig config = vtaConfigOf(t);
    const Conv2dShape shape = denseShapeOf(w);
    std::optional<Config> best;
    std::tuple<int64_t, int64_t, int64_t> bestScore{-1, -1, -1};
    for (uint64_t i = 0; i < space.size(); ++i) {
      Config c = space.get(i);
      Conv2dTiling tiling = tilingOf(c);
      if (rqc::vta::whyNotEmittable(config, shape, tiling)) continue;
      std::tuple<int64_t, int64_t, int64_t> score{tiling.ocThreads, tiling.tileCo, tiling.tileCi};
      if (score > bestScore) bestScore = score, best = c;
    }
    if (!best) throw InvalidConfig("dense_packed.vta: no tiling of this dense layer fits " + config.modelString());
    return *best;
  }

  Schedule schedule(const Workload &w, const Config &c, const TargetDesc &t) const override {
    const VtaConfig config = vtaConfigOf(t);
    const Conv2dTiling tiling = tilingOf(c);
    if (auto why = rqc::vta::whyNotEmittable(config, denseShapeOf(w), tiling))
      throw InvalidConfig("dense_packed.vta: " + *why);
    const std::string b = std::to_string(config.batch()), in = std::to_string(config.blockIn()),
                      out = std::to_string(config.blockOut());
    Schedule s;
    s.templateName = name();
    s.steps = {
        {"pack", "input", {}, "NC" + b + "n" + in + "c"},
        {"pack", "weight", {}, "NK" + out + "n" + in + "k"},
        {"pack", "output", {}, "NC" + b + "n" + out + "c"},
        // The output tile [rows, columns] and the reduction group (root loops m, n, k).
        {"tile", "output", {tiling.tileB * config.batch(), tiling.tileCo * config.blockOut()}, ""},
        {"tile", "root", {0, 0, tiling.tileCi * config.blockIn()}, ""},
        {"virtual_thread", "output", {tiling.ocThreads, 1}, ""},
        {"tensorize", "root", {}, "vta_gemm"},
    };
    return s;
  }
};

} // namespace

std::unique_ptr<Template> makeDensePacked() { return std::make_unique<DensePacked>(); }

Conv2dShape denseShapeOf(const Workload &w) {
  Conv2dShape s;
  s.batch = w.data.shape[0], s.inChannels = w.data.shape[1], s.outChannels = w.weight.shape[0];
  return s;
}

Conv2dTiling denseTilingOf(const Schedule &s, const VtaConfig &config) {
  auto step = [&](const std::string &primitive, const std::string &op, size_t sizes) -> const Step & {
    for (const Step &st : s.steps)
      if (st.primitive == primitive && st.op == op) {
        if (st.sizes.size() != sizes)
          throw Error(s.templateName + ": step '" + primitive + " " + op + "' needs " + std::to_string(sizes) +
                      " sizes");
        return st;
      }
    throw Error(s.templateName + ": the schedule has no '" + primitive + " " + op + "' step");
  };
  const Step &out = step("tile", "output", 2), &root = step("tile", "root", 3), &vt = step("virtual_thread", "output", 2);
  Conv2dTiling t;
  t.tileB = out.sizes[0] / config.batch(), t.tileCo = out.sizes[1] / config.blockOut();
  t.tileCi = root.sizes[2] / config.blockIn();
  t.ocThreads = vt.sizes[0], t.hThreads = vt.sizes[1];
  return t;
}

} // namespace rqc::schedule::vta
