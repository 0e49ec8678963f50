// depthwise_conv2d_NCHWc.x86 / .arm_cpu: depthwise convolution on channel-blocked data, as
// TVM's topi/x86/depthwise_conv2d.py, with its knobs:
//   tile_ic    split(C, 2)   the input's channel block (must equal tile_oc here: the
//                            micro-kernel reads input and filter vectors of the same channels)
//   tile_oc    split(C, 2)   the channel block c: data and result NCHW{c}c, filter OIHW1i{c}o
//   tile_ow    split(OW, 2, inner <= 64)  output columns per micro-kernel call
//   unroll_kw  [true, false] unroll the filter-width loop
// Loops: the padding inlined (compute_inline); (channel block, output row) tiles in parallel; each
// block of tile_ow x c outputs is one depthwise_conv2d_nchwc micro-kernel call (vector FMAs
// along channels, accumulators in registers over kh, kw), then its epilogue.
#include "schedules/cpu/CpuTemplates.h"

#include "ir/Graph/Layout.h"

namespace rqc::schedule::cpu {

namespace {

class DepthwiseConv2dNCHWc : public Template {
public:
  explicit DepthwiseConv2dNCHWc(std::string key) : key_(std::move(key)) {}
  std::string name() const override { return "depthwise_conv2d_NCHWc." + key_; }

  bool matches(const Workload &w) const override {
    return w.op == "depthwise_conv2d" && w.data.dtype == "float32" && w.outChannels() == w.inChannels();
  }

  std::vector<std::string> layoutKnobs() const override { return {"tile_ic", "tile_oc"}; }
  ConfigSpace space(const Workload &w) const override {
    ConfigSpace s;
    s.defineSplit("tile_ic", w.inChannels(), 2);
    s.defineSplit("tile_oc", w.outChannels(), 2);
    s.defineSplit("tile_ow", w.outWidth(), 2, ConfigSpace::SplitPolicy::Factors,
                  [](const std::vector<int64_t> &sz) { return sz.back() <= 64; });
    s.defineKnob("unroll_kw", {true, false});
    return s;
  }

  Config fallback(const Workload &w, const ConfigSpace &s, const TargetDesc &t) const override {
    // Registers: the accumulators, the KW filter vectors of a row and one input vector.
    const int64_t c = channelBlock(w.outChannels(), t), vectors = (c + t.lanes() - 1) / t.lanes();
    const int64_t free = std::max<int64_t>(vectors, t.vectorRegisters - (w.kernelW() + 1) * vectors);
    RegisterBlock rb{c, largestDivisorAtMost(w.outWidth(), free / vectors)};
    return s.at({{"tile_ic", std::vector<int64_t>{w.inChannels() / rb.channels, rb.channels}},
                 {"tile_oc", std::vector<int64_t>{w.outChannels() / rb.channels, rb.channels}},
                 {"tile_ow", std::vector<int64_t>{w.outWidth() / rb.columns, rb.columns}},
                 {"unroll_kw", true}});
  }

  Schedule schedule(const Workload &w, const Config &c, const TargetDesc &) const override {
    const int64_t ic = c.inner("tile_ic"), oc = c.inner("tile_oc"), ow = c.inner("tile_ow");
    if (ic != oc)
      throw InvalidConfig("tile_ic " + std::to_string(ic) + " differs from tile_oc " + std::to_string(oc) +
                          " (the depthwise micro-kernel needs one channel block)");
    Schedule s{name(), {}};
    s.steps.push_back({"pack", "input", {}, graph::blockedNCHW(oc)});
    s.steps.push_back({"pack", "weight", {}, "OIHW1i" + std::to_string(oc) + "o"});
    s.steps.push_back({"pack", "output", {}, graph::blockedNCHW(oc)});
    // The padding is never materialized: the micro-kernel reads the unpadded input (a copy
    // of a whole padded activation costs more than this memory-bound kernel itself).
    if (w.pads != std::vector<int64_t>{0, 0, 0, 0}) s.steps.push_back({"compute_inline", "pad", {}, ""});
    s.steps.push_back({"tile_parallel", "output", {1, 1, 1, 0, 0}, ""});
    s.steps.push_back({"tile", "output", {1, 1, 1, ow, 0}, ""});
    s.steps.push_back({"tensorize", "root", {c.other("unroll_kw")}, "depthwise_conv2d_nchwc"});
    s.steps.push_back({"vectorize", "init", {}, ""});
    s.steps.push_back({"vectorize", "epilogue", {}, ""});
    return s;
  }

private:
  std::string key_;
};

} // namespace

std::unique_ptr<Template> makeDepthwiseConv2dNCHWc(const std::string &key) {
  return std::make_unique<DepthwiseConv2dNCHWc>(key);
}

} // namespace rqc::schedule::cpu
