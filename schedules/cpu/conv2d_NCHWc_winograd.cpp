// conv2d_NCHWc_winograd.x86 / .arm_cpu: 3x3 stride-1 convolutions by Winograd's minimal
// filtering F(m x m, 3 x 3) (Lavin and Gray 2016; TVM has it as conv2d_nchw_winograd.arm_cpu),
// on the same channel-blocked data as conv2d_NCHWc, so the two mix freely in a network.
// F(4x4, 3x3) does 36 multiplies per 16 outputs and input channel where the direct
// algorithm does 144: fewer operations, not a faster loop, is what beats a direct
// convolution already near the FMA peak. Knobs:
//   tile_ic    split(IC, 2)   input-channel block (data NCHW{ic}c), as conv2d_NCHWc
//   tile_oc    split(OC, 2)   output-channel block: the GEMM's vector width
//   tile_size  [2, 4]         m (4 needs output sizes divisible by 4)
//   tile_th    [1, 2, 4]      rows of output tiles per GEMM micro-kernel call
//   tile_tw    [1, 2, 4, 7, 8, 14]  columns of output tiles per call
// The filter is transformed at compile time (G g G^T, folded). Loops, each stage in parallel
// tiles of its own: the padded input; the input transform, per (input-channel block, row of
// tiles), one winograd_input micro-kernel per tile; the GEMM per (transform point, output
// channel block), winograd_gemm over tile_th x tile_tw tiles; the output transform per
// (output-channel block, row of tiles), winograd_output per tile with the bias, activation
// and residual add in registers. The result stays in output tiles (NCH{m}hW{m}w{oc}c, the
// bytes of NCHW{oc}c).
#include "schedules/cpu/CpuTemplates.h"

#include "ir/Graph/Layout.h"

namespace rqc::schedule::cpu {

namespace {

class Conv2dNCHWcWinograd : public Template {
public:
  explicit Conv2dNCHWcWinograd(std::string key) : key_(std::move(key)) {}
  std::string name() const override { return "conv2d_NCHWc_winograd." + key_; }

  bool matches(const Workload &w) const override {
    return w.op == "conv2d" && w.groups == 1 && w.data.dtype == "float32" && w.constantWeight && w.data.shape[0] == 1 &&
           w.kernelH() == 3 && w.kernelW() == 3 && w.strides == std::vector<int64_t>{1, 1} &&
           w.dilations == std::vector<int64_t>{1, 1} && w.outHeight() % 2 == 0 && w.outWidth() % 2 == 0;
  }

  std::vector<std::string> layoutKnobs() const override { return {"tile_ic", "tile_oc", "tile_size"}; }
  ConfigSpace space(const Workload &w) const override {
    ConfigSpace s;
    s.defineSplit("tile_ic", w.inChannels(), 2);
    s.defineSplit("tile_oc", w.outChannels(), 2);
    s.defineKnob("tile_size", {2, 4});
    s.defineKnob("tile_th", {1, 2, 4});
    s.defineKnob("tile_tw", {1, 2, 4, 7, 8, 14});
    return s;
  }

  Config fallback(const Workload &w, const ConfigSpace &s, const TargetDesc &t) const override {
    const int64_t m = w.outHeight() % 4 == 0 && w.outWidth() % 4 == 0 ? 4 : 2;
    const int64_t oc = channelBlock(w.outChannels(), t), ic = channelBlock(w.inChannels(), t);
    const int64_t vectors = (oc + t.lanes() - 1) / t.lanes(), room = (t.vectorRegisters - vectors - 1) / vectors;
    const int64_t th = w.outHeight() / m, tw = w.outWidth() / m;
    auto pick = [](const std::vector<int64_t> &options, int64_t divides, int64_t limit) {
      int64_t best = 1;
      for (int64_t o : options)
        if (divides % o == 0 && o <= limit) best = std::max(best, o);
      return best;
    };
    const int64_t cols = pick({1, 2, 4, 7, 8, 14}, tw, room), rows = pick({1, 2, 4}, th, room / cols);
    return s.at({{"tile_ic", std::vector<int64_t>{w.inChannels() / ic, ic}},
                 {"tile_oc", std::vector<int64_t>{w.outChannels() / oc, oc}},
                 {"tile_size", m},
                 {"tile_th", rows},
                 {"tile_tw", cols}});
  }

  Schedule schedule(const Workload &w, const Config &c, const TargetDesc &t) const override {
    const int64_t ic = c.inner("tile_ic"), oc = c.inner("tile_oc"), m = c.other("tile_size");
    const int64_t rows = c.other("tile_th"), cols = c.other("tile_tw");
    if (w.outHeight() % m || w.outWidth() % m)
      throw InvalidConfig("tile_size " + std::to_string(m) + " does not divide the output " +
                          std::to_string(w.outHeight()) + "x" + std::to_string(w.outWidth()));
    const int64_t th = w.outHeight() / m, tw = w.outWidth() / m;
    if (th % rows || tw % cols)
      throw InvalidConfig("tile_th x tile_tw " + std::to_string(rows) + "x" + std::to_string(cols) + " does not divide the " +
                          std::to_string(th) + "x" + std::to_string(tw) + " output tiles");
    const int64_t vectors = (oc + t.lanes() - 1) / t.lanes();
    if (rows * cols * vectors + vectors + 1 > 2 * t.vectorRegisters)
      throw InvalidConfig("a " + std::to_string(rows) + "x" + std::to_string(cols) + " tile block of " + std::to_string(oc) +
                          " channels needs far more registers than the target has");
    const std::string ms = std::to_string(m);
    Schedule s{name(), {}};
    s.steps.push_back({"pack", "input", {}, graph::blockedNCHW(ic)});
    s.steps.push_back({"pack", "weight", {}, "OIHW" + std::to_string(ic) + "i" + std::to_string(oc) + "o"});
    s.steps.push_back({"pack", "output", {}, "NCH" + ms + "hW" + ms + "w" + std::to_string(oc) + "c"});
    s.steps.push_back({"winograd", "root", {m}, ""});
    if (w.pads != std::vector<int64_t>{0, 0, 0, 0}) s.steps.push_back({"compute_root", "pad", {1, 1, 0, 0, 0}, ""});
    // input transform loops (xi, nu, ico, th, tw, ici | i, j)
    s.steps.push_back({"compute_root", "input_transform", {0, 0, 1, 1, 0, 0, 0, 0}, ""});
    s.steps.push_back({"tile", "input_transform", {0, 0, 1, 1, 1, 0, 0, 0}, ""});
    s.steps.push_back({"tensorize", "input_transform", {m}, "winograd_input"});
    // GEMM loops (xi, nu, oco, th, tw, oci | ico, ici)
    s.steps.push_back({"compute_root", "root", {1, 1, 1, 0, 0, 0, 0, 0}, ""});
    s.steps.push_back({"tile", "root", {1, 1, 1, rows, cols, 0, 0, 0}, ""});
    s.steps.push_back({"tensorize", "root", {largestDivisorAtMost(ic, 8)}, "winograd_gemm"});
    // output (n, oco, th, a, tw, b, oci)
    s.steps.push_back({"tile_parallel", "output", {1, 1, 1, 0, 0, 0, 0}, ""});
    s.steps.push_back({"tile", "output", {1, 1, 1, 0, 1, 0, 0}, ""});
    s.steps.push_back({"tensorize", "output_transform", {m}, "winograd_output"});
    s.steps.push_back({"vectorize", "epilogue", {}, ""});
    return s;
  }

  // The GEMM's multiply-adds plus the transforms' vector work; a GEMM over few tiles reads
  // its transformed filter (alpha^2 / 9 times the filter) for little reuse, so it counts
  // more then.
  double estimate(const Workload &w, const Config &c, const TargetDesc &) const override {
    const double m = double(c.other("tile_size")), alpha = m + 2;
    const double tiles = (w.outHeight() / m) * (w.outWidth() / m), ic = double(w.inChannels()), oc = double(w.outChannels());
    const double gemm = alpha * alpha * tiles * ic * oc;
    const double transforms = 2 * alpha * alpha * alpha * tiles * (ic + oc);
    const double reuse = tiles >= 49 ? 1.0 : 3.0;
    return gemm * reuse + transforms;
  }

private:
  std::string key_;
};

} // namespace

std::unique_ptr<Template> makeConv2dNCHWcWinograd(const std::string &key) {
  return std::make_unique<Conv2dNCHWcWinograd>(key);
}

} // namespace rqc::schedule::cpu
