// conv2d_NCHWc.x86 / conv2d_NCHWc.arm_cpu: direct convolution on channel-blocked data, the
// algorithm of TVM's topi/x86/conv2d.py (conv2d_NCHWc) with the same knobs, so TVM's x86
// records for this template name the same points:
//   tile_ic    split(IC, 2)  the input-channel block ic: data NCHW{ic}c, weights OIHW{ic}i{oc}o
//   tile_oc    split(OC, 2)  the output-channel block oc: result NCHW{oc}c, the vector width
//                            of the micro-kernel's accumulators (oc / lanes registers per column)
//   tile_ow    split(OW, 2, verbose, inner <= 64)  output columns per micro-kernel call
//   tile_oh    [1, 2] (1x1 kernels only)  output rows per micro-kernel call
//   unroll_kw  [true, false] (other kernels)  unroll the filter-width loop
// Loop structure: the padded input is computed once (compute_root, parallel over input
// channel blocks and rows: a single 64-channel block would otherwise be one task); output
// tiles of (oc block, tile_oh rows) run in parallel; inside, each
// block of tile_oh x tile_ow x oc outputs is one call of the conv2d_nchwc micro-kernel
// (targets/cpu/MicroKernels.cpp: accumulators in registers over ic blocks, kh, kw, ic,
// with the bias, activation and residual add of the block applied in registers).
#include "schedules/cpu/CpuTemplates.h"

#include "ir/Graph/Layout.h"

namespace rqc::schedule::cpu {

namespace {

bool isPointwise(const Workload &w) { return w.kernelH() == 1 && w.kernelW() == 1; }

class Conv2dNCHWc : public Template {
public:
  explicit Conv2dNCHWc(std::string key) : key_(std::move(key)) {}
  std::string name() const override { return "conv2d_NCHWc." + key_; }

  bool matches(const Workload &w) const override {
    return w.op == "conv2d" && w.groups == 1 && w.data.dtype == "float32" && w.weight.dtype == "float32";
  }

  std::vector<std::string> layoutKnobs() const override { return {"tile_ic", "tile_oc"}; }
  ConfigSpace space(const Workload &w) const override {
    ConfigSpace s;
    s.defineSplit("tile_ic", w.inChannels(), 2);
    s.defineSplit("tile_oc", w.outChannels(), 2);
    s.defineSplit("tile_ow", w.outWidth(), 2, ConfigSpace::SplitPolicy::Verbose,
                  [](const std::vector<int64_t> &sz) { return sz.back() <= 64; });
    if (isPointwise(w)) s.defineKnob("tile_oh", w.outHeight() > 1 ? std::vector<nlohmann::json>{1, 2} : std::vector<nlohmann::json>{1});
    else s.defineKnob("unroll_kw", {true, false});
    return s;
  }

  Config fallback(const Workload &w, const ConfigSpace &s, const TargetDesc &t) const override {
    RegisterBlock rb = registerBlock(w.outChannels(), w.outWidth(), t);
    int64_t ic = channelBlock(w.inChannels(), t);
    std::vector<std::pair<std::string, nlohmann::json>> v = {
        {"tile_ic", std::vector<int64_t>{w.inChannels() / ic, ic}},
        {"tile_oc", std::vector<int64_t>{w.outChannels() / rb.channels, rb.channels}},
        {"tile_ow", std::vector<int64_t>{w.outWidth() / rb.columns, rb.columns}}};
    if (isPointwise(w)) {
      // Two rows per call when one row leaves registers unused (narrow late layers).
      int64_t vectors = (rb.channels + t.lanes() - 1) / t.lanes();
      bool twoRows = w.outHeight() % 2 == 0 && 2 * rb.columns * vectors + vectors + 1 <= t.vectorRegisters;
      v.push_back({"tile_oh", twoRows ? 2 : 1});
    } else {
      v.push_back({"unroll_kw", false});
    }
    return s.at(v);
  }

  Schedule schedule(const Workload &w, const Config &c, const TargetDesc &) const override {
    const int64_t ic = c.inner("tile_ic"), oc = c.inner("tile_oc"), ow = c.inner("tile_ow");
    const int64_t rows = isPointwise(w) ? c.other("tile_oh") : 1;
    const int64_t unrollKw = isPointwise(w) ? 0 : c.other("unroll_kw");
    // The input-channel loop in steps of up to 8 (unrolled inside a step): long enough to
    // hide the loop's overhead, short enough to keep LLVM's compile time and the code small.
    // The next output-channel block's filters are prefetched (the last argument): a block's
    // first output row otherwise waits on memory for every filter line, and deep layers'
    // filters (9.4 MiB for 512 x 512 x 3 x 3) do not stay in cache between inferences.
    return directConvSchedule(name(), w, ic, "OIHW" + std::to_string(ic) + "i" + std::to_string(oc) + "o", oc, rows, ow,
                              "conv2d_nchwc", {unrollKw, largestDivisorAtMost(ic, 8), 1});
  }

private:
  std::string key_;
};

} // namespace

std::unique_ptr<Template> makeConv2dNCHWc(const std::string &key) { return std::make_unique<Conv2dNCHWc>(key); }

} // namespace rqc::schedule::cpu
