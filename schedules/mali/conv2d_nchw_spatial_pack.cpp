// conv2d_nchw_spatial_pack.mali: direct convolution on NCHW, as TVM's mali spatial pack
// (topi/arm_cpu/conv2d_spatial_pack.py with num_tile=3), with its knobs in its order:
//   tile_co     split(CO, 3)  [blocks, threads, vc]: vc output channels per work-item
//   tile_oh     split(OH, 3)  [blocks, threads, vh]
//   tile_ow     split(OW, 3)  [blocks, threads, vw]
//   reorder_0   [n, co, oh, ow, ci, kh, kw, vh, vw, vc] or [..., kw, vc, vh, vw]
//   ann_reduce  try_unroll over [kh, kw]
//   ann_spatial try_unroll_vec over [vh, vw, vc]
// Each work-item keeps its vc x vh x vw outputs in registers over ci, kh, kw; the threads
// factors make the work-group. Partial: no data/kernel packing, "vec" is unrolled scalars.
#include "schedules/mali/MaliTemplates.h"

namespace rqc::schedule::mali {

namespace {

class Conv2dNCHWSpatialPack : public Template {
public:
  std::string name() const override { return "conv2d_nchw_spatial_pack.mali"; }

  bool matches(const Workload &w) const override {
    return w.op == "conv2d" && w.groups == 1 && w.data.dtype == "float32" && w.outDtype == "float32";
  }

  nlohmann::json args(const Workload &w) const override {
    return nlohmann::json::array({w.data.json(), w.weight.json(), w.strides, w.pads, w.dilations, w.outDtype});
  }

  ConfigSpace space(const Workload &w) const override {
    ConfigSpace s;
    s.defineSplit("tile_co", w.outChannels(), 3);
    s.defineSplit("tile_oh", w.outHeight(), 3);
    s.defineSplit("tile_ow", w.outWidth(), 3);
    s.defineReorder("reorder_0", {{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, {0, 1, 2, 3, 4, 5, 6, 9, 7, 8}});
    s.defineAnnotate("ann_reduce", 2, "try_unroll");
    s.defineAnnotate("ann_spatial", 3, "try_unroll_vec");
    return s;
  }

  Config fallback(const Workload &w, const ConfigSpace &s, const TargetDesc &) const override {
    const bool smallWindow = w.kernelH() * w.kernelW() <= 9;
    const std::string reduce = smallWindow ? "unroll" : "none";
    return s.at({{"tile_co", fallbackSplit(w.outChannels(), {-1, 4, 4})},
                 {"tile_oh", fallbackSplit(w.outHeight(), {-1, 2, 1})},
                 {"tile_ow", fallbackSplit(w.outWidth(), {-1, 8, 4})},
                 {"reorder_0", std::vector<int64_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}},
                 {"ann_reduce", std::vector<std::string>{reduce, reduce}},
                 {"ann_spatial", std::vector<std::string>{"unroll", "unroll", "vec"}}});
  }

  Schedule schedule(const Workload &w, const Config &c, const TargetDesc &) const override {
    const std::vector<int64_t> co = c.split("tile_co"), oh = c.split("tile_oh"), ow = c.split("tile_ow");
    const std::vector<std::string> reduce = c.annotate("ann_reduce"), spatial = c.annotate("ann_spatial");
    checkAnnotation("ann_reduce", reduce[0], w.kernelH());
    checkAnnotation("ann_reduce", reduce[1], w.kernelW());
    checkAnnotation("ann_spatial", spatial[0], oh[2]);
    checkAnnotation("ann_spatial", spatial[1], ow[2]);
    checkAnnotation("ann_spatial", spatial[2], co[2]);
    checkWorkItem(co[1] * oh[1] * ow[1], co[2] * oh[2] * ow[2]);
    const bool vcLast = c.reorder("reorder_0") == std::vector<int64_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
    Schedule s{name(), {}};
    s.steps.push_back({"register_tile", "root", {1, co[2], oh[2], ow[2]}, ""});
    s.steps.push_back({"bind_threads", "root", {1, co[1], oh[1], ow[1]}, ""});
    s.steps.push_back({"reorder_tile", "root", vcLast ? std::vector<int64_t>{2, 3, 1} : std::vector<int64_t>{1, 2, 3}, ""});
    // The reduction loops of the convolution: ci (kept), kh, kw.
    s.steps.push_back({"unroll_reduce", "root", {1, reduce[0] == "unroll" ? 0 : 1, reduce[1] == "unroll" ? 0 : 1}, ""});
    return s;
  }
};

} // namespace

std::unique_ptr<Template> makeConv2dNCHWSpatialPack() { return std::make_unique<Conv2dNCHWSpatialPack>(); }

} // namespace rqc::schedule::mali
