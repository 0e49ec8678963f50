// pool2d_NCHWc.x86 / .arm_cpu: max and average pooling on channel-blocked activations
// (the layout their producer chose), one knob:
//   tile_ow  split(OW, 2, inner <= 64)  output columns per micro-kernel call
// Average pooling here has a constant divisor (no padding, or count_include_pad); other
// average pooling keeps the plain layout (rqc-alter-layout) and the generic template.
// Loops: the padding inlined (compute_inline); (channel block, output row) tiles in parallel; each
// tile_ow x c block is one pool2d_nchwc micro-kernel call (vector max/add over the window).
#include "schedules/cpu/CpuTemplates.h"

namespace rqc::schedule::cpu {

namespace {

class Pool2dNCHWc : public Template {
public:
  explicit Pool2dNCHWc(std::string key) : key_(std::move(key)) {}
  std::string name() const override { return "pool2d_NCHWc." + key_; }

  bool matches(const Workload &w) const override {
    if (w.layout == "NCHW") return false;
    // Max pooling of 8-bit data too (a QDQ max pool, rqc-qdq-to-integer): maxui/maxsi.
    if (w.op == "max_pool2d") return w.data.dtype == "float32" || w.data.dtype == "uint8" || w.data.dtype == "int8";
    if (w.data.dtype != "float32") return false;
    return w.op == "avg_pool2d" && (w.countIncludePad || w.pads == std::vector<int64_t>{0, 0, 0, 0});
  }

  ConfigSpace space(const Workload &w) const override {
    ConfigSpace s;
    s.defineSplit("tile_ow", w.output[3], 2, ConfigSpace::SplitPolicy::Factors,
                  [](const std::vector<int64_t> &sz) { return sz.back() <= 64; });
    return s;
  }

  Config fallback(const Workload &w, const ConfigSpace &s, const TargetDesc &t) const override {
    int64_t vectors = (w.output[4] + t.lanes() - 1) / t.lanes();
    int64_t columns = largestDivisorAtMost(w.output[3], std::max<int64_t>(1, (t.vectorRegisters - 2) / vectors));
    return s.at({{"tile_ow", std::vector<int64_t>{w.output[3] / columns, columns}}});
  }

  Schedule schedule(const Workload &w, const Config &c, const TargetDesc &) const override {
    Schedule s{name(), {}};
    // The padding is never materialized: the micro-kernel reads the unpadded input (a copy
    // of a whole padded activation costs more than this memory-bound kernel itself).
    if (w.pads != std::vector<int64_t>{0, 0, 0, 0}) s.steps.push_back({"compute_inline", "pad", {}, ""});
    s.steps.push_back({"tile_parallel", "output", {1, 1, 1, 0, 0}, ""});
    s.steps.push_back({"tile", "output", {1, 1, 1, c.inner("tile_ow"), 0}, ""});
    s.steps.push_back({"tensorize", "root", {}, w.op == "max_pool2d" ? "max_pool2d_nchwc" : "avg_pool2d_nchwc"});
    s.steps.push_back({"vectorize", "init", {}, ""});
    s.steps.push_back({"vectorize", "epilogue", {}, ""});
    return s;
  }

private:
  std::string key_;
};

} // namespace

std::unique_ptr<Template> makePool2dNCHWc(const std::string &key) { return std::make_unique<Pool2dNCHWc>(key); }

} // namespace rqc::schedule::cpu
