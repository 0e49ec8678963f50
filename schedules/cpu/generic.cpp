// generic.x86 / generic.arm_cpu: every kernel no other template claims (elementwise ops,
// layout changes, softmax, normalization, integer kernels, plain-layout pooling). Its
// workload is the kernel's list of linalg ops with their loop ranges (Workload::ops).
// One knob:
//   tile_inner  [1, 2, 4] vectors per register tile along the innermost output dimension
// Steps: parallel tiles of the output (an image, a block of channels, a band of rows of
// at most 8192 elements), register tiles of the output with every producer fused into
// them, then every op of at most 1024 iterations in a tile becomes vector code. Layout
// changes (transpose) get square register tiles of at most 8 x 8 (a register transpose
// between a strided read and a contiguous write).
#include "schedules/cpu/CpuTemplates.h"

namespace rqc::schedule::cpu {

namespace {

const Workload::LoopNest *outputNest(const Workload &w) {
  for (const Workload::LoopNest &n : w.ops)
    if (n.writesOutput) return &n;
  return nullptr;
}

// Parallel tiles of an output of this shape: about 32 KiB of f32 each (an image, a block of
// channels, a band of rows).
std::vector<int64_t> parallelTiles(const std::vector<int64_t> &shape) {
  constexpr int64_t kTileElements = 8192;
  const size_t rank = shape.size();
  std::vector<int64_t> parallel(rank, 0);
  parallel[0] = 1;
  if (rank >= 4) {
    int64_t c = rank == 4 ? largestDivisorAtMost(shape[1], 16) : 1;
    int64_t rowElems = c;
    for (size_t d = 3; d < rank; ++d) rowElems *= shape[d];
    parallel[1] = c;
    parallel[2] = largestDivisorAtMost(shape[2], std::max<int64_t>(1, kTileElements / std::max<int64_t>(1, rowElems)));
  } else if (rank == 2) {
    parallel[1] = largestDivisorAtMost(shape[1], 64);
  }
  if (rank == 1) parallel[0] = 0;
  return parallel;
}

class Generic : public Template {
public:
  explicit Generic(std::string key) : key_(std::move(key)) {}
  std::string name() const override { return "generic." + key_; }

  bool matches(const Workload &w) const override { return w.op == "kernel"; }

  ConfigSpace space(const Workload &) const override {
    ConfigSpace s;
    s.defineKnob("tile_inner", {1, 2, 4});
    return s;
  }

  Config fallback(const Workload &, const ConfigSpace &s, const TargetDesc &) const override {
    return s.at({{"tile_inner", 4}});
  }

  Schedule schedule(const Workload &w, const Config &c, const TargetDesc &t) const override {
    Schedule s{name(), {}};
    const Workload::LoopNest *out = outputNest(w);
    // Outputs indexed by constants (global pooling writes [n, c, 0, 0]) cannot be tiled.
    if (!out || !out->outputIsTileable || w.output.empty()) return s;
    // A padding kernel: fills of the border and a copy of the source, the copy in the
    // parallel tiles an elementwise op of the source's shape would get.
    if (out->op == "pad") {
      s.steps.push_back({"compute_root", "output", parallelTiles(out->ranges), ""});
      return s;
    }
    const std::vector<int64_t> &shape = w.output;
    const size_t rank = shape.size();
    const std::vector<int64_t> parallel = parallelTiles(shape);
    s.steps.push_back({"tile_parallel", "output", parallel, ""});

    // Register tiles inside the parallel tile.
    auto extent = [&](size_t d) { return parallel[d] ? parallel[d] : shape[d]; };
    std::vector<int64_t> reg(rank, 1);
    if (out->op == "transpose" && rank >= 2) {
      for (size_t d = rank - 2; d < rank; ++d) reg[d] = largestDivisorAtMost(extent(d), std::min(8, t.lanes()));
    } else {
      reg[rank - 1] = largestDivisorAtMost(extent(rank - 1), c.other("tile_inner") * t.lanes());
    }
    s.steps.push_back({"tile", "output", reg, ""});
    s.steps.push_back({"vectorize", "all", {1024}, ""});
    return s;
  }

private:
  std::string key_;
};

} // namespace

std::unique_ptr<Template> makeGeneric(const std::string &key) { return std::make_unique<Generic>(key); }

} // namespace rqc::schedule::cpu
