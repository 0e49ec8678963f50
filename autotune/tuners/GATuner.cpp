// ga: after AutoTVM's GATuner (python/tvm/autotvm/tuner/ga_tuner.py). A gene is a config's
// entity position per knob. A generation of 100 is measured; the next is bred from every
// config measured so far: two parents drawn by fitness (roulette over 1 / cost, errors
// 0; the best configs, AutoTVM's elites, weigh most and are not measured again),
// one-point crossover, each gene mutated with probability 0.1. A child measured before is
// drawn again (a bounded number of times), then random configs fill the generation.
#include "autotune/Tuner.h"

#include <algorithm>
#include <map>
#include <cmath>
#include <numeric>

namespace rqc::autotune {

namespace {

constexpr int kPopulation = 100;
constexpr double kMutation = 0.1;

class GATuner : public Tuner {
public:
  using Tuner::Tuner;

  std::vector<schedule::Config> next(int n) override {
    if (queue_.empty()) breed(); // the tuning loop measures a batch before asking again
    std::vector<schedule::Config> out;
    while (static_cast<int>(out.size()) < n && !queue_.empty()) {
      uint64_t i = queue_.front();
      queue_.erase(queue_.begin());
      if (visited(i)) continue;
      markVisited(i);
      out.push_back(space_.get(i));
    }
    return out;
  }

  void update(const std::vector<schedule::Config> &configs, const std::vector<MeasureResult> &results) override {
    for (size_t k = 0; k < configs.size(); ++k) {
      uint64_t i = configs[k].index();
      double cost = results[k].meanCost();
      fitness_[i] = std::isfinite(cost) && cost > 0 ? 1.0 / cost : 0.0;
      markVisited(i);
    }
  }

private:
  std::vector<uint64_t> queue_;        // the generation's configs not handed out yet
  std::vector<uint64_t> generation_;   // the generation being measured
  std::map<uint64_t, double> fitness_; // every measured config

  void breed() {
    generation_.clear();
    const uint64_t want = std::min<uint64_t>(kPopulation, remaining());
    if (want == 0) return;
    if (fitness_.empty()) { // the first generation: random
      fillRandomly(want);
    } else {
      std::vector<std::pair<double, uint64_t>> ranked;
      for (auto [i, f] : fitness_) ranked.push_back({f, i});
      std::sort(ranked.rbegin(), ranked.rend());
      std::vector<uint64_t> parents;
      std::vector<double> weights;
      for (auto [f, i] : ranked) parents.push_back(i), weights.push_back(f + 1e-12);
      std::discrete_distribution<size_t> pick(weights.begin(), weights.end());
      int attempts = 0;
      while (generation_.size() < want && attempts++ < kPopulation * 50) {
        std::vector<int64_t> a = positions(parents[pick(rng_)]), b = positions(parents[pick(rng_)]);
        size_t point = std::uniform_int_distribution<size_t>(0, a.size())(rng_);
        for (size_t k = point; k < a.size(); ++k) a[k] = b[k];
        for (size_t k = 0; k < a.size(); ++k)
          if (std::uniform_real_distribution<double>(0, 1)(rng_) < kMutation)
            a[k] = std::uniform_int_distribution<int64_t>(0, radix_[k] - 1)(rng_);
        uint64_t i = indexOf(a);
        if (!visited(i) && std::find(generation_.begin(), generation_.end(), i) == generation_.end())
          generation_.push_back(i);
      }
      fillRandomly(want); // a converged population
    }
    queue_ = generation_;
  }

  // Random configs up to `want` (fewer when the space has no more). The generation is
  // marked visited meanwhile so that randomUnvisited skips it, then unmarked: next()
  // marks what it hands out.
  void fillRandomly(uint64_t want) {
    for (uint64_t i : generation_) markVisited(i);
    while (generation_.size() < want) {
      std::optional<uint64_t> i = randomUnvisited();
      if (!i) break;
      markVisited(*i);
      generation_.push_back(*i);
    }
    for (uint64_t i : generation_) visited_.erase(i);
  }
};

} // namespace

std::unique_ptr<Tuner> makeGATuner(const schedule::ConfigSpace &space, uint64_t seed) {
  return std::make_unique<GATuner>(space, seed);
}

} // namespace rqc::autotune
