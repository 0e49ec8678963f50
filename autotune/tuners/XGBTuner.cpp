// xgb: AutoTVM's XGBTuner (python/tvm/autotvm/tuner/xgboost_tuner.py, model_based_tuner.py)
// rebuilt on libxgboost's C API (autotune/CostModel.h):
//   - the first 64 configs (a plan) are random: the model needs data;
//   - after every 64 measurements the model is retrained on all of them (scores:
//     throughput / the best throughput, failed configs 0; plus other workloads'
//     measurements given to transfer()) and a new plan is made: the 64 unmeasured configs
//     it ranks best, found by simulated annealing over the space (128 walkers, up to 500
//     steps, temperature 1 -> 0, a step changes one knob; stops after 50 steps without a
//     new top-64 entry) or, for spaces of at most 20000 configs, by ranking them all;
//   - each proposal is a random unmeasured config with probability 0.05 (epsilon-greedy).
#include "autotune/CostModel.h"
#include "autotune/Tuner.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

namespace rqc::autotune {

namespace {

constexpr int kPlanSize = 64, kWalkers = 128, kMaxSteps = 500, kPatience = 50;
constexpr double kEpsilon = 0.05;
constexpr uint64_t kExhaustiveLimit = 20000;

class XGBTuner : public Tuner {
public:
  using Tuner::Tuner;

  std::vector<schedule::Config> next(int n) override {
    std::vector<schedule::Config> out;
    std::uniform_real_distribution<double> coin(0, 1);
    while (static_cast<int>(out.size()) < n && remaining() > 0) {
      uint64_t i;
      if (!model_.trained() || coin(rng_) < kEpsilon || !nextFromPlan(i)) {
        std::optional<uint64_t> r = randomUnvisited();
        if (!r) break;
        i = *r;
      }
      markVisited(i);
      out.push_back(space_.get(i));
    }
    return out;
  }

  void update(const std::vector<schedule::Config> &configs, const std::vector<MeasureResult> &results) override {
    for (size_t k = 0; k < configs.size(); ++k) {
      markVisited(configs[k].index());
      double cost = results[k].meanCost();
      xs_.push_back(knobFeatures(configs[k]));
      ys_.push_back(std::isfinite(cost) && cost > 0 ? 1.0 / cost : 0.0);
    }
    if (xs_.size() >= static_cast<size_t>(kPlanSize) * (trainings_ + 1)) {
      retrain();
      replan();
    }
  }

  void transfer(const std::vector<std::vector<float>> &features, const std::vector<float> &scores) override {
    const size_t length = knobFeatures(space_.get(0)).size();
    for (size_t k = 0; k < features.size(); ++k)
      if (features[k].size() == length) historyX_.push_back(features[k]), historyY_.push_back(scores[k]);
  }

private:
  CostModel model_;
  std::vector<std::vector<float>> xs_, historyX_;
  std::vector<double> ys_;
  std::vector<float> historyY_;
  std::vector<uint64_t> plan_;
  size_t planPos_ = 0;
  int trainings_ = 0;

  bool nextFromPlan(uint64_t &i) {
    while (planPos_ < plan_.size())
      if (!visited(i = plan_[planPos_++])) return true;
    return false;
  }

  void retrain() {
    double best = *std::max_element(ys_.begin(), ys_.end());
    std::vector<std::vector<float>> x = historyX_;
    std::vector<float> y = historyY_;
    for (size_t k = 0; k < xs_.size(); ++k) x.push_back(xs_[k]), y.push_back(best > 0 ? float(ys_[k] / best) : 0.f);
    model_.fit(x, y);
    ++trainings_;
  }

  std::vector<float> scores(const std::vector<uint64_t> &indices) const {
    std::vector<std::vector<float>> f;
    f.reserve(indices.size());
    for (uint64_t i : indices) f.push_back(knobFeatures(space_.get(i)));
    return model_.predict(f);
  }

  // A neighbour: one knob set to another of its entities.
  uint64_t neighbour(uint64_t index) {
    std::vector<int64_t> g = positions(index);
    std::vector<size_t> movable;
    for (size_t k = 0; k < radix_.size(); ++k)
      if (radix_[k] > 1) movable.push_back(k);
    if (movable.empty()) return index;
    size_t k = movable[std::uniform_int_distribution<size_t>(0, movable.size() - 1)(rng_)];
    int64_t v = std::uniform_int_distribution<int64_t>(0, radix_[k] - 2)(rng_);
    g[k] = v >= g[k] ? v + 1 : v;
    return indexOf(g);
  }

  void replan() {
    plan_.clear();
    planPos_ = 0;
    if (space_.size() <= kExhaustiveLimit) {
      std::vector<uint64_t> all;
      for (uint64_t i = 0; i < space_.size(); ++i)
        if (!visited(i)) all.push_back(i);
      std::vector<float> s = scores(all);
      std::vector<size_t> order(all.size());
      for (size_t k = 0; k < order.size(); ++k) order[k] = k;
      const size_t keep = std::min<size_t>(kPlanSize, order.size());
      std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(keep), order.end(),
                        [&](size_t a, size_t b) { return s[a] > s[b] || (s[a] == s[b] && all[a] < all[b]); });
      for (size_t k = 0; k < keep; ++k) plan_.push_back(all[order[k]]);
      return;
    }
    // Simulated annealing; the top kPlanSize unvisited points seen are the plan.
    std::vector<uint64_t> points;
    for (int w = 0; w < kWalkers && remaining() > points.size(); ++w) {
      std::optional<uint64_t> p = randomUnvisited();
      if (!p) break;
      points.push_back(*p);
    }
    if (points.empty()) return;
    std::vector<float> cur = scores(points);
    std::map<uint64_t, float> top;
    auto offer = [&](uint64_t i, float s) {
      if (visited(i) || top.count(i)) return false;
      if (static_cast<int>(top.size()) < kPlanSize) return top.emplace(i, s), true;
      auto worst = std::min_element(top.begin(), top.end(), [](auto &a, auto &b) { return a.second < b.second; });
      if (s <= worst->second) return false;
      top.erase(worst);
      top.emplace(i, s);
      return true;
    };
    for (size_t k = 0; k < points.size(); ++k) offer(points[k], cur[k]);
    std::uniform_real_distribution<double> coin(0, 1);
    int quiet = 0;
    for (int step = 0; step < kMaxSteps && quiet < kPatience; ++step) {
      const double t = 1.0 - static_cast<double>(step) / kMaxSteps;
      std::vector<uint64_t> moved;
      for (uint64_t p : points) moved.push_back(neighbour(p));
      std::vector<float> s = scores(moved);
      bool improved = false;
      for (size_t k = 0; k < points.size(); ++k) {
        if (s[k] > cur[k] || coin(rng_) < std::exp((s[k] - cur[k]) / (t + 1e-5))) points[k] = moved[k], cur[k] = s[k];
        improved |= offer(moved[k], s[k]);
      }
      quiet = improved ? 0 : quiet + 1;
    }
    std::vector<std::pair<float, uint64_t>> ranked;
    for (auto [i, s] : top) ranked.push_back({s, i});
    std::sort(ranked.begin(), ranked.end(), [](auto &a, auto &b) { return a.first > b.first || (a.first == b.first && a.second < b.second); });
    for (auto [s, i] : ranked) plan_.push_back(i);
  }
};

} // namespace

std::unique_ptr<Tuner> makeXGBTuner(const schedule::ConfigSpace &space, uint64_t seed) {
  return std::make_unique<XGBTuner>(space, seed);
}

} // namespace rqc::autotune
