// dense_pack.x86 / .arm_cpu: dense (fully connected) with the weight packed at compile time
// to [M/x, K, x] so that x output features are contiguous, TVM's topi/x86/dense.py
// dense_pack with its knobs:
//   tile_y      split(N, 3)   rows of the input (the batch; 1 for batch-1 inference)
//   tile_x      split(M, 3)   output features; the innermost size x is the packing block and
//                             the width of the micro-kernel's accumulators
//   tile_k      split(K, 2)   the innermost size is the unroll of the reduction loop
//   tile_inner  split(N, 2, inner <= 16)  (kept for TVM compatibility; rows per call)
// Configs whose accumulators exceed the register file, or whose unrolled body exceeds 1024
// vector FMAs, are refused (InvalidConfig) instead of compiled.
// The result is produced as [N, M/x, x] ("NM{x}m"), which is [N, M] in memory: the
// layout change back is a reshape. Loops: blocks of x features in parallel; one
// dense_pack micro-kernel call per (row, block).
#include "schedules/cpu/CpuTemplates.h"

namespace rqc::schedule::cpu {

namespace {

class DensePack : public Template {
public:
  explicit DensePack(std::string key) : key_(std::move(key)) {}
  std::string name() const override { return "dense_pack." + key_; }

  bool matches(const Workload &w) const override { return w.op == "dense" && w.data.dtype == "float32"; }

  ConfigSpace space(const Workload &w) const override {
    const int64_t n = w.data.shape[0], m = w.weight.shape[0], k = w.weight.shape[1];
    ConfigSpace s;
    s.defineSplit("tile_y", n, 3);
    s.defineSplit("tile_x", m, 3);
    s.defineSplit("tile_k", k, 2);
    s.defineSplit("tile_inner", n, 2, ConfigSpace::SplitPolicy::Factors,
                  [](const std::vector<int64_t> &sz) { return sz.back() <= 16; });
    return s;
  }

  Config fallback(const Workload &w, const ConfigSpace &s, const TargetDesc &t) const override {
    const int64_t n = w.data.shape[0], m = w.weight.shape[0], k = w.weight.shape[1];
    // Four vectors of features: four independent FMA chains per input element.
    int64_t x = largestDivisorAtMost(m, 4 * t.lanes());
    int64_t unroll = largestDivisorAtMost(k, 4);
    return s.at({{"tile_y", std::vector<int64_t>{n, 1, 1}},
                 {"tile_x", std::vector<int64_t>{m / x, 1, x}},
                 {"tile_k", std::vector<int64_t>{k / unroll, unroll}},
                 {"tile_inner", std::vector<int64_t>{n, 1}}});
  }

  Schedule schedule(const Workload &, const Config &c, const TargetDesc &t) const override {
    const int64_t x = c.inner("tile_x"), unroll = c.inner("tile_k");
    // The micro-kernel keeps x features in registers and unrolls the reduction fully: past
    // the register file it only spills, and a huge body takes minutes to compile.
    const int64_t vectors = (x + t.lanes() - 1) / t.lanes();
    if (vectors > t.vectorRegisters)
      throw InvalidConfig("tile_x " + std::to_string(x) + " needs " + std::to_string(vectors) +
                          " accumulator registers, the target has " + std::to_string(t.vectorRegisters));
    if (vectors * unroll > 1024)
      throw InvalidConfig("tile_x " + std::to_string(x) + " with tile_k " + std::to_string(unroll) +
                          " unrolls to " + std::to_string(vectors * unroll) + " vector FMAs (at most 1024)");
    Schedule s{name(), {}};
    s.steps.push_back({"pack", "weight", {}, "MK" + std::to_string(x) + "m"});
    s.steps.push_back({"pack", "output", {}, "NM" + std::to_string(x) + "m"});
    s.steps.push_back({"tile_parallel", "output", {1, 1, 0}, ""});
    s.steps.push_back({"tensorize", "root", {unroll}, "dense_pack"});
    s.steps.push_back({"vectorize", "init", {}, ""});
    s.steps.push_back({"vectorize", "epilogue", {}, ""});
    return s;
  }

private:
  std::string key_;
};

} // namespace

std::unique_ptr<Template> makeDensePack(const std::string &key) { return std::make_unique<DensePack>(key); }

} // namespace rqc::schedule::cpu
