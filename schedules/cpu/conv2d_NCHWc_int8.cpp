// conv2d_NCHWc_int8.x86 / conv2d_NCHWc_int8.arm_cpu: the integer convolution (uint8 or int8 data,
// int8 weights, int32 accumulators) on channel-blocked data, TVM's topi/x86/conv2d_int8.py
// with the same knobs as conv2d_NCHWc:
//   tile_ic    split(IC, 2), inner a multiple of 4   the input-channel block ic: data NCHW{ic}c
//   tile_oc    split(OC, 2), inner a multiple of 4   the output-channel block oc: result
//                            NCHW{oc}c, weights OIHW{oc}o4i (TVM's OIHW{ic/4}i{oc}o4i with
//                            the input block taken from the data instead): the four input
//                            channels of one output channel together, vpdpbusd's operand
//   tile_ow    split(OW, 2, verbose, inner <= 64)  output columns per micro-kernel call
//   tile_oh    [1, 2] (1x1 kernels only)  output rows per micro-kernel call
//   unroll_kw  [true, false] (other kernels)  unroll the filter-width loop
// The loop structure is conv2d_NCHWc's; the micro-kernel conv2d_nchwc_int8
// (targets/cpu/MicroKernels.cpp) accumulates four-channel dot products in i32 registers
// (VNNI's vpdpbusd where the CPU has it) and requantizes in registers, writing 8-bit
// results. The input zero point is folded into the bias (rqc-alter-layout).
#include "schedules/cpu/CpuTemplates.h"

#include "ir/Graph/Layout.h"

namespace rqc::schedule::cpu {

namespace {

bool isPointwise(const Workload &w) { return w.kernelH() == 1 && w.kernelW() == 1; }

class Conv2dNCHWcInt8 : public Template {
public:
  explicit Conv2dNCHWcInt8(std::string key) : key_(std::move(key)) {}
  std::string name() const override { return "conv2d_NCHWc_int8." + key_; }

  bool matches(const Workload &w) const override {
    return w.op == "conv2d" && w.groups == 1 && (w.data.dtype == "uint8" || w.data.dtype == "int8") &&
           w.weight.dtype == "int8" &&
           w.outDtype == "int32" && w.inChannels() % 4 == 0 && w.outChannels() % 4 == 0;
  }

  std::vector<std::string> layoutKnobs() const override { return {"tile_ic", "tile_oc"}; }
  ConfigSpace space(const Workload &w) const override {
    auto quad = [](const std::vector<int64_t> &sz) { return sz.back() % 4 == 0; };
    ConfigSpace s;
    s.defineSplit("tile_ic", w.inChannels(), 2, ConfigSpace::SplitPolicy::Factors, quad);
    s.defineSplit("tile_oc", w.outChannels(), 2, ConfigSpace::SplitPolicy::Factors, quad);
    s.defineSplit("tile_ow", w.outWidth(), 2, ConfigSpace::SplitPolicy::Verbose,
                  [](const std::vector<int64_t> &sz) { return sz.back() <= 64; });
    if (isPointwise(w)) s.defineKnob("tile_oh", w.outHeight() > 1 ? std::vector<nlohmann::json>{1, 2} : std::vector<nlohmann::json>{1});
    else s.defineKnob("unroll_kw", {true, false});
    return s;
  }

  Config fallback(const Workload &w, const ConfigSpace &s, const TargetDesc &t) const override {
    // The channel blocks are int8ChannelBlock's, functions of the channel count alone, so
    // that a producer's output block is its consumer's input block (no layout change).
    const int64_t oc = int8ChannelBlock(w.outChannels(), t), ic = int8ChannelBlock(w.inChannels(), t);
    const int64_t vectors = (oc + t.lanes() - 1) / t.lanes();
    // Registers: the accumulators and one per weight vector; with AVX-512 the input word is
    // an embedded-broadcast operand of vpdpbusd, elsewhere it takes a register too.
    const bool embeddedBroadcast = t.key == "x86" && t.vectorRegisters >= 32;
    const int64_t free = t.vectorRegisters - vectors - (embeddedBroadcast ? 0 : 1);
    const int64_t columns = largestDivisorAtMost(w.outWidth(), std::max<int64_t>(1, free / vectors));
    std::vector<std::pair<std::string, nlohmann::json>> v = {
        {"tile_ic", std::vector<int64_t>{w.inChannels() / ic, ic}},
        {"tile_oc", std::vector<int64_t>{w.outChannels() / oc, oc}},
        {"tile_ow", std::vector<int64_t>{w.outWidth() / columns, columns}}};
    if (isPointwise(w)) {
      bool twoRows = w.outHeight() % 2 == 0 && 2 * columns * vectors + vectors + 1 <= t.vectorRegisters;
      v.push_back({"tile_oh", twoRows ? 2 : 1});
    } else {
      // A 4-channel input block (an RGB first layer) has one dot product per filter tap:
      // unrolled, the taps of a row share one loop step.
      v.push_back({"unroll_kw", ic <= 4});
    }
    return s.at(v);
  }

  Schedule schedule(const Workload &w, const Config &c, const TargetDesc &) const override {
    const int64_t ic = c.inner("tile_ic"), oc = c.inner("tile_oc"), ow = c.inner("tile_ow");
    const int64_t rows = isPointwise(w) ? c.other("tile_oh") : 1;
    const int64_t unrollKw = isPointwise(w) ? 0 : c.other("unroll_kw");
    if (ic % 4 != 0 || oc % 4 != 0)
      throw InvalidConfig("tile_ic " + std::to_string(ic) + " and tile_oc " + std::to_string(oc) +
                          " must be multiples of 4 (four-channel dot products)");
    // Four-channel groups in steps of up to 4 (16 channels), unrolled inside a step.
    return directConvSchedule(name(), w, ic, "OIHW" + std::to_string(oc) + "o4i", oc, rows, ow, "conv2d_nchwc_int8",
                              {unrollKw, largestDivisorAtMost(ic / 4, 4)});
  }

private:
  std::string key_;
};

} // namespace

std::unique_ptr<Template> makeConv2dNCHWcInt8(const std::string &key) { return std::make_unique<Conv2dNCHWcInt8>(key); }

} // namespace rqc::schedule::cpu
