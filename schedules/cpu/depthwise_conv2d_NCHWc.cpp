// depthwise_conv2d_NCHWc.x86 / .arm_cpu: depthwise convolution on channel-blocked data, as
// TVM's topi/x86/depthwise_conv2d.py, with its knobs:
//   tile_ic    split(C, 2)   the input's channel block (must equal tile_oc here: the
//                            micro-kernel reads input and filter vectors of the same channels)
//   tile_oc    split(C, 2)   the channel block c: data and result NCHW{c}c, filter OIHW1i{c}o
//   tile_ow    split(OW, 2, inner <= 64)  output columns per micro-kernel call
//   unroll_kw  [true, false] unroll the filter-width loop
// Loops: the padding inlined (compute_inline); (channel block, output row) tiles in parallel; each
// block of tile_ow x c outputs is one depthwise_conv2d_nchwc micro-kernel call (vector FMAs
// along channels, accumulators in registers over kh, kw), then its epilogue. On 8-bit data
// (a QDQ depthwise convolution, rqc-qdq-to-integer) the same loops multiply-add bytes
// widened to i32 and the requantization is the epilogue: exact, as TVM's int8 depthwise.
#include "schedules/cpu/CpuTemplates.h"

#include "ir/Graph/Layout.h"

namespace rqc::schedule::cpu {

namespace {

// The channels of one micro-kernel call: the whole block, except on 8-bit data, where the
// integer kernels' 64-channel block (int8ChannelBlock) is walked in two-vector parts, so
// that a 7-wide output row still fits the registers (i32 accumulators of a 64 block leave
// room for one column).
int64_t kernelChannels(const Workload &w, int64_t block, const TargetDesc &t) {
  const int64_t part = 2 * t.lanes();
  if (w.data.dtype == "float32" || block <= part || block % part != 0) return block;
  return part;
}

class DepthwiseConv2dNCHWc : public Template {
public:
  explicit DepthwiseConv2dNCHWc(std::string key) : key_(std::move(key)) {}
  std::string name() const override { return "depthwise_conv2d_NCHWc." + key_; }

  bool matches(const Workload &w) const override {
    // float32, or 8-bit data with int8 weights (rqc-qdq-to-integer): the same loops, i32
    // accumulators, the input zero point folded into the bias as for conv2d_NCHWc_int8.
    const bool integer = (w.data.dtype == "uint8" || w.data.dtype == "int8") && w.weight.dtype == "int8";
    return w.op == "depthwise_conv2d" && (w.data.dtype == "float32" || integer) && w.outChannels() == w.inChannels();
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
    // On 8-bit data the block of the integer kernels around it (int8ChannelBlock).
    const bool integer = w.data.dtype != "float32";
    const int64_t c = integer ? int8ChannelBlock(w.outChannels(), t) : channelBlock(w.outChannels(), t);
    const int64_t vectors = (kernelChannels(w, c, t) + t.lanes() - 1) / t.lanes();
    const int64_t free = std::max<int64_t>(vectors, t.vectorRegisters - (w.kernelW() + 1) * vectors);
    RegisterBlock rb{c, largestDivisorAtMost(w.outWidth(), free / vectors)};
    return s.at({{"tile_ic", std::vector<int64_t>{w.inChannels() / rb.channels, rb.channels}},
                 {"tile_oc", std::vector<int64_t>{w.outChannels() / rb.channels, rb.channels}},
                 {"tile_ow", std::vector<int64_t>{w.outWidth() / rb.columns, rb.columns}},
                 {"unroll_kw", true}});
  }

  Schedule schedule(const Workload &w, const Config &c, const TargetDesc &t) const override {
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
    // Channels untiled (0) unless the block is walked in parts (8-bit data).
    const int64_t part = kernelChannels(w, oc, t);
    s.steps.push_back({"tile", "output", {1, 1, 1, ow, part == oc ? 0 : part}, ""});
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
