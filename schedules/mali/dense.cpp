// dense.mali: y = x W^T (+ b) with x [M, K], W [N, K], as TVM's topi/mali/dense.py, with its
// knobs in its order:
//   tile_y    split(M, 3)  [blocks, threads, vy]
//   tile_x    split(N, 3)  [blocks, threads, vx]
//   c_unroll  split(K, 2, max_factor 64)  the reduction unrolled by the inner factor
// Each work-item keeps vy x vx outputs in registers over K.
#include "schedules/mali/MaliTemplates.h"

namespace rqc::schedule::mali {

namespace {

class Dense : public Template {
public:
  std::string name() const override { return "dense.mali"; }

  bool matches(const Workload &w) const override {
    return w.op == "dense" && w.data.dtype == "float32" && w.outDtype == "float32" && w.data.shape.size() == 2;
  }

  // TVM 0.7's dense(data, weight, bias, out_dtype) as the mali log records it.
  nlohmann::json args(const Workload &w) const override {
    nlohmann::json bias = w.bias ? TensorArg{{w.weight.shape[0]}, w.data.dtype}.json() : nlohmann::json();
    return nlohmann::json::array({w.data.json(), w.weight.json(), bias, nullptr});
  }

  ConfigSpace space(const Workload &w) const override {
    ConfigSpace s;
    s.defineSplit("tile_y", w.data.shape[0], 3);
    s.defineSplit("tile_x", w.weight.shape[0], 3);
    s.defineSplit("c_unroll", w.data.shape[1], 2, ConfigSpace::SplitPolicy::Factors, {}, 64);
    return s;
  }

  Config fallback(const Workload &w, const ConfigSpace &s, const TargetDesc &) const override {
    return s.at({{"tile_y", fallbackSplit(w.data.shape[0], {-1, 1, 1})},
                 {"tile_x", fallbackSplit(w.weight.shape[0], {-1, 8, 4})},
                 {"c_unroll", fallbackSplit(w.data.shape[1], {-1, 8})}});
  }

  Schedule schedule(const Workload &, const Config &c, const TargetDesc &) const override {
    const std::vector<int64_t> y = c.split("tile_y"), x = c.split("tile_x"), k = c.split("c_unroll");
    checkWorkItem(y[1] * x[1], y[2] * x[2]);
    Schedule s{name(), {}};
    s.steps.push_back({"register_tile", "root", {y[2], x[2]}, ""});
    s.steps.push_back({"bind_threads", "root", {y[1], x[1]}, ""});
    s.steps.push_back({"reorder_tile", "root", {0, 1}, ""});
    s.steps.push_back({"unroll_reduce", "root", {k[1]}, ""});
    return s;
  }
};

} // namespace

std::unique_ptr<Template> makeDense() { return std::make_unique<Dense>(); }

} // namespace rqc::schedule::mali
