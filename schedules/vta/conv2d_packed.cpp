// conv2d_packed.vta: TVM's vta_conv2d.py knob space (../shared/reference/vta.md 4.2):
//   tile_b      split(N / BATCH, 2)        batch blocks per tile (defined, never applied:
//                                          only inner 1 is emitted, as in TVM)
//   tile_h      split(OH, 2)               output rows per tile
//   tile_w      split(OW, 2)               output columns per tile
//   tile_ci     split(IC / BLOCK_IN, 2)    input channel blocks per load group
//   tile_co     split(OC / BLOCK_OUT, 2)   output channel blocks per tile
//   oc_nthread  [1, 2]                     virtual threads over channel tiles
//   h_nthread   [1, 2]                     virtual threads over row tiles
// The space is TVM's, unfiltered, so indices match TVM's logs; a point whose tiles do not
// fit the on-chip buffers (or split an odd number of tiles between two threads) is refused
// by schedule() with the reason (InvalidConfig, AutoTVM's error 1) and never emitted.
// Layouts follow from the target, not the knobs: NCHW{BATCH}n{BLOCK}c, OIHW{BLOCK}o{BLOCK}i.
#include "schedules/vta/VtaTemplates.h"

#include "rqc/runtime/Error.h"

#include <optional>
#include <tuple>

namespace rqc::schedule::vta {

using rqc::vta::Conv2dShape;
using rqc::vta::Conv2dTiling;
using rqc::vta::VtaConfig;

namespace {

class Conv2dPacked : public Template {
public:
  std::string name() const override { return "conv2d_packed.vta"; }

  bool matches(const Workload &w) const override {
    if (w.op != "conv2d" || w.groups != 1 || !isVtaPacked(w.layout) || w.data.dtype != "int8" ||
        w.weight.dtype != "int8" || w.outDtype != "int32" || w.dilations != std::vector<int64_t>{1, 1})
      return false;
    auto [b, c] = vtaBlocks(w.layout);
    return w.data.shape[0] % b == 0 && w.inChannels() % c == 0 && w.outChannels() % c == 0;
  }

  ConfigSpace space(const Workload &w) const override {
    auto [b, c] = vtaBlocks(w.layout);
    ConfigSpace s;
    s.defineSplit("tile_b", w.data.shape[0] / b, 2);
    s.defineSplit("tile_h", w.outHeight(), 2);
    s.defineSplit("tile_w", w.outWidth(), 2);
    s.defineSplit("tile_ci", w.inChannels() / c, 2);
    s.defineSplit("tile_co", w.outChannels() / c, 2);
    s.defineKnob("oc_nthread", {1, 2});
    s.defineKnob("h_nthread", {1, 2});
    return s;
  }

  // Untuned: among the points that fit, two virtual threads (loads hidden behind compute),
  // then the largest output tile (each loaded input and weight is reused by more outputs),
  // then the largest input-channel group (fewer, longer DMAs).
  Config fallback(const Workload &w, const ConfigSpace &space, const TargetDesc &t) const override {
    return bestFittingConfig(space, conv2dShapeOf(w), t, name());
  }

  Schedule schedule(const Workload &w, const Config &c, const TargetDesc &t) const override {
    const VtaConfig config = vtaConfigOf(t);
    const Conv2dTiling tiling = tilingOfConfig(c);
    if (auto why = rqc::vta::whyNotEmittable(config, conv2dShapeOf(w), tiling))
      throw InvalidConfig("conv2d_packed.vta: " + *why);
    const std::string act = "NCHW" + std::to_string(config.batch()) + "n" + std::to_string(config.blockIn()) + "c";
    const std::string out = "NCHW" + std::to_string(config.batch()) + "n" + std::to_string(config.blockOut()) + "c";
    const std::string wgt = "OIHW" + std::to_string(config.blockOut()) + "o" + std::to_string(config.blockIn()) + "i";
    Schedule s;
    s.templateName = name();
    s.steps = {
        {"pack", "input", {}, act},
        {"pack", "weight", {}, wgt},
        {"pack", "output", {}, out},
        // The output tile [batch, channels, rows, columns], in elements.
        {"tile", "output", {tiling.tileB * config.batch(), tiling.tileCo * config.blockOut(), tiling.tileH, tiling.tileW}, ""},
        // The reduction group: input channels per load (root loops n, oc, oh, ow, ic, kh, kw).
        {"tile", "root", {0, 0, 0, 0, tiling.tileCi * config.blockIn(), 0, 0}, ""},
        {"virtual_thread", "output", {tiling.ocThreads, tiling.hThreads}, ""},
        {"tensorize", "root", {}, "vta_gemm"},
    };
    return s;
  }
};

} // namespace

std::unique_ptr<Template> makeConv2dPacked() { return std::make_unique<Conv2dPacked>(); }

Conv2dShape conv2dShapeOf(const Workload &w) {
  Conv2dShape s;
  s.batch = w.data.shape[0], s.inChannels = w.data.shape[1], s.height = w.data.shape[2], s.width = w.data.shape[3];
  s.outChannels = w.weight.shape[0], s.kernelH = w.weight.shape[2], s.kernelW = w.weight.shape[3];
  s.strideH = w.strides[0], s.strideW = w.strides[1];
  s.padTop = w.pads[0], s.padLeft = w.pads[1], s.padBottom = w.pads[2], s.padRight = w.pads[3];
  return s;
}

std::optional<Workload> conv2dWorkloadFromArgs(const nlohmann::json &args, std::string *why) {
  auto fail = [&](const std::string &reason) -> std::optional<Workload> {
    if (why) *why = reason;
    return std::nullopt;
  };
  auto ints = [](const nlohmann::json &j, size_t n) {
    if (!j.is_array() || j.size() != n) return false;
    for (const auto &v : j)
      if (!v.is_number_integer() || v.get<int64_t>() < 0) return false;
    return true;
  };
  auto tensor = [&](const nlohmann::json &j) {
    return j.is_array() && j.size() == 3 && j[0] == "TENSOR" && ints(j[1], 6) && j[2].is_string();
  };
  if (!args.is_array() || args.size() != 7) return fail("conv2d_packed.vta args are a list of 7 entries");
  if (!tensor(args[0]) || !tensor(args[1]))
    return fail("conv2d_packed.vta args need 6-D packed data and weight tensors");
  if (!ints(args[2], 2) || !ints(args[3], 4) || !ints(args[4], 2) || !args[5].is_string() || !args[6].is_string())
    return fail("conv2d_packed.vta args need strides [2], padding [4], dilation [2], a layout and an out dtype");
  Workload w;
  w.op = "conv2d";
  w.layout = args[5].get<std::string>();
  auto [b, c] = vtaBlocks(w.layout);
  if (!b) return fail("layout '" + w.layout + "' is not NCHW{b}n{c}c");
  const auto d = args[0][1].get<std::vector<int64_t>>(), k = args[1][1].get<std::vector<int64_t>>();
  if (d[4] != b || d[5] != c || k[4] != c || k[5] != c || k[1] != d[1])
    return fail("the packed tensor shapes do not match layout " + w.layout);
  w.data = {{d[0] * b, d[1] * c, d[2], d[3]}, args[0][2].get<std::string>()};
  w.weight = {{k[0] * c, k[1] * c, k[2], k[3]}, args[1][2].get<std::string>()};
  w.strides = args[2].get<std::vector<int64_t>>();
  w.pads = args[3].get<std::vector<int64_t>>();
  w.dilations = args[4].get<std::vector<int64_t>>();
  w.outDtype = args[6].get<std::string>();
  if (w.strides[0] < 1 || w.strides[1] < 1) return fail("strides must be positive");
  const int64_t oh = (d[2] + w.pads[0] + w.pads[2] - k[2]) / w.strides[0] + 1;
  const int64_t ow = (d[3] + w.pads[1] + w.pads[3] - k[3]) / w.strides[1] + 1;
  if (k[2] < 1 || k[3] < 1 || oh < 1 || ow < 1) return fail("the filter is larger than the padded input");
  w.output = {w.data.shape[0], w.weight.shape[0], oh, ow};
  return w;
}

Conv2dTiling conv2dTilingOf(const Schedule &s, const VtaConfig &config) {
  const Step &out = scheduleStep(s, "tile", "output", 4), &root = scheduleStep(s, "tile", "root", 7),
             &vt = scheduleStep(s, "virtual_thread", "output", 2);
  Conv2dTiling t;
  t.tileB = out.sizes[0] / config.batch(), t.tileCo = out.sizes[1] / config.blockOut();
  t.tileH = out.sizes[2], t.tileW = out.sizes[3];
  t.tileCi = root.sizes[4] / config.blockIn();
  t.ocThreads = vt.sizes[0], t.hThreads = vt.sizes[1];
  return t;
}

} // namespace rqc::schedule::vta
