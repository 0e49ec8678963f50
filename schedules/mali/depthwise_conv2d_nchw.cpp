// depthwise_conv2d_nchw.mali: depthwise convolution on NCHW (channel multiplier 1), as TVM's
// topi/mali/depthwise_conv2d.py, with its knobs in its order:
//   tile_c       split(C, 3)   [blocks, threads, vc]
//   tile_y       split(OH, 3)  [blocks, threads, vh]
//   tile_x       split(OW, 3)  [blocks, threads, vw]
//   ann_spatial  try_unroll_vec over [vc, vh, vw]
// Each work-item keeps vc x vh x vw outputs in registers over the (unrolled) window.
#include "schedules/mali/MaliTemplates.h"

namespace rqc::schedule::mali {

namespace {

class DepthwiseConv2dNCHW : public Template {
public:
  std::string name() const override { return "depthwise_conv2d_nchw.mali"; }

  bool matches(const Workload &w) const override {
    return w.op == "depthwise_conv2d" && w.outChannels() == w.inChannels() && w.data.dtype == "float32" &&
           w.outDtype == "float32";
  }

  nlohmann::json args(const Workload &w) const override {
    return nlohmann::json::array({w.data.json(), w.weight.json(), w.strides, w.pads, w.dilations, w.outDtype});
  }

  ConfigSpace space(const Workload &w) const override {
    ConfigSpace s;
    s.defineSplit("tile_c", w.outChannels(), 3);
    s.defineSplit("tile_y", w.outHeight(), 3);
    s.defineSplit("tile_x", w.outWidth(), 3);
    s.defineAnnotate("ann_spatial", 3, "try_unroll_vec");
    return s;
  }

  Config fallback(const Workload &w, const ConfigSpace &s, const TargetDesc &) const override {
    return s.at({{"tile_c", fallbackSplit(w.outChannels(), {-1, 4, 2})},
                 {"tile_y", fallbackSplit(w.outHeight(), {-1, 4, 2})},
                 {"tile_x", fallbackSplit(w.outWidth(), {-1, 4, 2})},
                 {"ann_spatial", std::vector<std::string>{"unroll", "unroll", "vec"}}});
  }

  Schedule schedule(const Workload &w, const Config &c, const TargetDesc &) const override {
    const std::vector<int64_t> ch = c.split("tile_c"), y = c.split("tile_y"), x = c.split("tile_x");
    const std::vector<std::string> spatial = c.annotate("ann_spatial");
    checkAnnotation("ann_spatial", spatial[0], ch[2]);
    checkAnnotation("ann_spatial", spatial[1], y[2]);
    checkAnnotation("ann_spatial", spatial[2], x[2]);
    checkWorkItem(ch[1] * y[1] * x[1], ch[2] * y[2] * x[2]);
    Schedule s{name(), {}};
    s.steps.push_back({"register_tile", "root", {1, ch[2], y[2], x[2]}, ""});
    s.steps.push_back({"bind_threads", "root", {1, ch[1], y[1], x[1]}, ""});
    s.steps.push_back({"reorder_tile", "root", {1, 2, 3}, ""});
    const int64_t window = w.kernelH() * w.kernelW() <= 25 ? 0 : 1; // the window unrolled when small
    s.steps.push_back({"unroll_reduce", "root", {window, window}, ""});
    return s;
  }
};

} // namespace

std::unique_ptr<Template> makeDepthwiseConv2dNCHW() { return std::make_unique<DepthwiseConv2dNCHW>(); }

} // namespace rqc::schedule::mali
