#include "autotune/CostModel.h"

#include "rqc/runtime/Error.h"

#include <xgboost/c_api.h>

#include <string>

namespace rqc::autotune {

namespace {

void check(int rc, const char *what) {
  if (rc != 0) throw Error(std::string("xgboost ") + what + ": " + XGBGetLastError());
}

// One owned DMatrix of dense rows.
struct Matrix {
  DMatrixHandle handle = nullptr;
  explicit Matrix(const std::vector<std::vector<float>> &rows) {
    const size_t cols = rows.empty() ? 0 : rows[0].size();
    std::vector<float> flat;
    flat.reserve(rows.size() * cols);
    for (const auto &r : rows) {
      if (r.size() != cols) throw Error("cost model: rows of different feature lengths");
      flat.insert(flat.end(), r.begin(), r.end());
    }
    check(XGDMatrixCreateFromMat(flat.data(), rows.size(), cols, -1e30f, &handle), "DMatrix");
  }
  ~Matrix() {
    if (handle) XGDMatrixFree(handle);
  }
};

} // namespace

std::vector<float> knobFeatures(const schedule::Config &c) { return knobFeatures(c.entity()); }

std::vector<float> knobFeatures(const nlohmann::json &entity) {
  std::vector<float> f;
  for (const auto &e : entity) {
    const nlohmann::json &v = e[2];
    if (v.is_array()) {
      for (const auto &x : v) {
        if (x.is_number()) f.push_back(x.get<float>());
        else if (x.is_string()) // an annotation
          f.push_back(x == "none" ? 0.f : x == "unroll" ? 1.f : x == "vec" ? 2.f : 3.f);
        else f.push_back(0.f);
      }
    } else if (v.is_boolean()) {
      f.push_back(v.get<bool>() ? 1.f : 0.f);
    } else if (v.is_number()) {
      f.push_back(v.get<float>());
    } else {
      f.push_back(0.f);
    }
  }
  return f;
}

CostModel::CostModel() = default;

CostModel::~CostModel() {
  if (booster_) XGBoosterFree(booster_);
}

void CostModel::fit(const std::vector<std::vector<float>> &features, const std::vector<float> &scores, int rounds) {
  if (features.empty()) return;
  Matrix train(features);
  check(XGDMatrixSetFloatInfo(train.handle, "label", scores.data(), scores.size()), "labels");
  if (booster_) XGBoosterFree(booster_), booster_ = nullptr;
  BoosterHandle b = nullptr;
  check(XGBoosterCreate(&train.handle, 1, &b), "booster");
  booster_ = b;
  // AutoTVM's parameters for the rank objective.
  for (auto [k, v] : {std::pair<const char *, const char *>{"max_depth", "3"}, {"gamma", "0.0001"},
                      {"min_child_weight", "1"}, {"subsample", "1.0"}, {"eta", "0.3"}, {"lambda", "1.0"},
                      {"alpha", "0"}, {"objective", "rank:pairwise"}, {"nthread", "1"}, {"seed", "0"},
                      {"verbosity", "0"}})
    check(XGBoosterSetParam(booster_, k, v), "parameter");
  for (int i = 0; i < rounds; ++i) check(XGBoosterUpdateOneIter(booster_, i, train.handle), "training");
}

std::vector<float> CostModel::predict(const std::vector<std::vector<float>> &features) const {
  if (!booster_ || features.empty()) return std::vector<float>(features.size(), 0.f);
  Matrix m(features);
  bst_ulong n = 0;
  const float *out = nullptr;
  check(XGBoosterPredict(booster_, m.handle, 0, 0, 0, &n, &out), "prediction");
  return std::vector<float>(out, out + n);
}

} // namespace rqc::autotune
