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
#include <random>
#include <string>
#include <unordered_set>
#include <vector>

namespace rqc::autotune {

class Tuner {
public:
  Tuner(const schedule::ConfigSpace &space, uint64_t seed) : space_(space), rng_(seed) {}
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
  bool visited(uint64_t index) const { return visited_.count(index) != 0; }
  uint64_t remaining() const { return space_.size() - visited_.size(); }

protected:
  const schedule::ConfigSpace &space_;
  std::mt19937_64 rng_;
  std::unordered_set<uint64_t> visited_;

  // A uniformly random index not visited yet (the space must have one left).
  uint64_t randomUnvisited();
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
