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

  // Untuned: as conv2d_packed.vta's (bestFittingConfig).
  Config fallback(const Workload &w, const ConfigSpace &space, const TargetDesc &t) const override {
    return bestFittingConfig(space, denseShapeOf(w), t, name());
  }

  Schedule schedule(const Workload &w, const Config &c, const TargetDesc &t) const override {
    const VtaConfig config = vtaConfigOf(t);
    const Conv2dTiling tiling = tilingOfConfig(c);
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
  const Step &out = scheduleStep(s, "tile", "output", 2), &root = scheduleStep(s, "tile", "root", 3),
             &vt = scheduleStep(s, "virtual_thread", "output", 2);
  Conv2dTiling t;
  t.tileB = out.sizes[0] / config.batch(), t.tileCo = out.sizes[1] / config.blockOut();
  t.tileCi = root.sizes[2] / config.blockIn();
  t.ocThreads = vt.sizes[0], t.hThreads = vt.sizes[1];
  return t;
}

} // namespace rqc::schedule::vta
