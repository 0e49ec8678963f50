#include "autotune/Tuner.h"

#include "rqc/runtime/Error.h"

namespace rqc::autotune {

void Tuner::update(const std::vector<schedule::Config> &configs, const std::vector<MeasureResult> &) {
  for (const schedule::Config &c : configs) markVisited(c.index());
}

std::vector<int64_t> Tuner::positions(uint64_t index) const {
  std::vector<int64_t> p;
  for (int64_t r : radix_) p.push_back(static_cast<int64_t>(index % static_cast<uint64_t>(r))), index /= static_cast<uint64_t>(r);
  return p;
}

uint64_t Tuner::indexOf(const std::vector<int64_t> &p) const {
  uint64_t index = 0, scale = 1;
  for (size_t k = 0; k < p.size(); ++k) index += static_cast<uint64_t>(p[k]) * scale, scale *= static_cast<uint64_t>(radix_[k]);
  return index;
}

std::optional<uint64_t> Tuner::randomUnvisited() {
  const uint64_t n = space_.size();
  // Rejection sampling while most of the space is free; a walk from a random start after
  // (it also finds out when only refused configs are left).
  while (visited_.size() * 2 < n) {
    uint64_t i = std::uniform_int_distribution<uint64_t>(0, n - 1)(rng_);
    if (!visited(i)) return i;
  }
  uint64_t start = std::uniform_int_distribution<uint64_t>(0, n - 1)(rng_);
  for (uint64_t k = 0; k < n; ++k)
    if (!visited((start + k) % n)) return (start + k) % n;
  return std::nullopt;
}

const std::vector<TunerInfo> &tuners() {
  static const std::vector<TunerInfo> table = {
      {"random", "uniformly random configs, each once", makeRandomTuner},
      {"grid", "configs in index order", makeGridTuner},
      {"ga", "genetic algorithm over the knobs (AutoTVM's GATuner)", makeGATuner},
      {"xgb", "XGBoost ranking model over knob features, simulated annealing, epsilon-greedy (AutoTVM's XGBTuner)",
       makeXGBTuner},
  };
  return table;
}

std::unique_ptr<Tuner> makeTuner(const std::string &name, const schedule::ConfigSpace &space, uint64_t seed) {
  std::string known;
  for (const TunerInfo &t : tuners()) {
    if (t.name == name) return t.make(space, seed);
    known += (known.empty() ? "" : ", ") + t.name;
  }
  throw Error("unknown tuner '" + name + "' (tuners: " + known + ")");
}

} // namespace rqc::autotune
