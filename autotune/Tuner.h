// Tuners: which configs of a task's knob space to measure next. AutoTVM's set
// (python/tvm/autotvm/tuner/): random, grid (index order), ga (genetic) and xgb (an
// XGBoost cost model steering simulated annealing), registered by name in a table
// (Tuner.cpp) the way the importer registers ops. Seeded: the same seed, space and
// measurements give the same proposals. No MLIR here.
#pragma once

#include "autotune/Measure.h"
#include "schedules/ConfigSpace.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <unordered_set>
#include <vector>

namespace rqc::autotune {

class Tuner {
public:
  Tuner(const schedule::ConfigSpace &space, uint64_t seed) : space_(space), rng_(seed) {
    for (const auto &k : space.knobs()) radix_.push_back(static_cast<int64_t>(k.entities.size()));
  }
  virtual ~Tuner() = default;

  // Up to `n` configs never proposed or measured before; fewer (or none) when the space is
  // used up.
  virtual std::vector<schedule::Config> next(int n) = 0;
  // Measurements of configs: those it proposed, and before tuning the task's earlier
  // records (a resumed run; the xgb tuner also learns from them).
  virtual void update(const std::vector<schedule::Config> &configs, const std::vector<MeasureResult> &results);

  // Measurements of other workloads of the same template (knob features and scores, 1 =
  // that workload's best): the xgb tuner's transfer learning. Others ignore them.
  virtual void transfer(const std::vector<std::vector<float>> &features, const std::vector<float> &scores) {
    (void)features, (void)scores;
  }

  // A config measured before (a resumed run): never proposed again.
  void markVisited(uint64_t index) { visited_.insert(index); }
  // Configs the filter refuses count as visited: no tuner proposes them. rqc tune's filter
  // is the template itself (a config it refuses would only become an instantiation error
  // record, a trial spent on nothing). Without a filter every config is usable.
  void setFilter(std::function<bool(const schedule::Config &)> usable) { filter_ = std::move(usable); }
  bool visited(uint64_t index) const {
    if (visited_.count(index)) return true;
    if (filter_ && !filter_(space_.get(index))) return visited_.insert(index), true;
    return false;
  }
  // Configs not visited (refused ones count once they have been looked at).
  uint64_t remaining() const { return space_.size() - visited_.size(); }

protected:
  const schedule::ConfigSpace &space_;
  std::mt19937_64 rng_;
  mutable std::unordered_set<uint64_t> visited_;
  std::vector<int64_t> radix_; // entities per knob: an index is a mixed-radix number of positions

  // A config index as one entity position per knob, and back (ConfigSpace's indexing).
  std::vector<int64_t> positions(uint64_t index) const;
  uint64_t indexOf(const std::vector<int64_t> &positions) const;
  std::function<bool(const schedule::Config &)> filter_;

  // A uniformly random index not visited yet; nullopt when none is left.
  std::optional<uint64_t> randomUnvisited();
};

struct TunerInfo {
  std::string name, description;
  std::function<std::unique_ptr<Tuner>(const schedule::ConfigSpace &, uint64_t seed)> make;
};

// The tuners by name (random, grid, ga, xgb).
const std::vector<TunerInfo> &tuners();
// Throws rqc::Error naming the known tuners for an unknown name.
std::unique_ptr<Tuner> makeTuner(const std::string &name, const schedule::ConfigSpace &space, uint64_t seed);

// Factories of the tuners/ files.
std::unique_ptr<Tuner> makeRandomTuner(const schedule::ConfigSpace &space, uint64_t seed);
std::unique_ptr<Tuner> makeGridTuner(const schedule::ConfigSpace &space, uint64_t seed);
std::unique_ptr<Tuner> makeGATuner(const schedule::ConfigSpace &space, uint64_t seed);
std::unique_ptr<Tuner> makeXGBTuner(const schedule::ConfigSpace &space, uint64_t seed);

} // namespace rqc::autotune
