// The xgb tuner's cost model: gradient-boosted trees (Debian's libxgboost, its C API)
// ranking configs by predicted speed, as AutoTVM's XGBoostCostModel
// (python/tvm/autotvm/tuner/xgboost_cost_model.py) with its "knob" features and
// rank:pairwise objective. No MLIR here.
#pragma once

#include "schedules/ConfigSpace.h"

#include <memory>
#include <vector>

namespace rqc::autotune {

// A config's knob features: every split size, reorder position, annotation and option
// value, in knob order (AutoTVM's ConfigEntity.get_flatten_feature). The same length for
// every config of a space.
std::vector<float> knobFeatures(const schedule::Config &c);
// The same from an entity list [[name, tag, value], ...] (a record's config).
std::vector<float> knobFeatures(const nlohmann::json &entity);

class CostModel {
public:
  CostModel();
  ~CostModel();
  CostModel(const CostModel &) = delete;
  CostModel &operator=(const CostModel &) = delete;

  // Trains from scratch on rows of features with scores (higher = faster; AutoTVM uses
  // throughput normalized by the best, 0 for failed configs). Rows of a different
  // feature length than the first are an error.
  void fit(const std::vector<std::vector<float>> &features, const std::vector<float> &scores, int rounds = 100);
  bool trained() const { return booster_ != nullptr; }
  // Predicted scores (only their order means something).
  std::vector<float> predict(const std::vector<std::vector<float>> &features) const;

private:
  void *booster_ = nullptr; // BoosterHandle
};

} // namespace rqc::autotune
