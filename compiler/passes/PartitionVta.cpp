// rqc-partition-vta: the convolutions VTA can compute become graph.vta_conv2d in VTA's
// packed layouts; the rest of the graph stays on the host CPU path. Power-of-two scales
// (rqc quantize --power-of-two) make every requantization a shift, which is all VTA's ALU
// can do (../shared/reference/vta.md 5).
#include "compiler/passes/ConstantValue.h"
#include "compiler/passes/Passes.h"

#include "ir/Graph/Layout.h"
#include "ir/Graph/TensorAttr.h"
#include "rqc/runtime/Error.h"
#include "rqc/vta/Config.h"
#include "rqc/vta/Conv2dPacked.h"

#include "llvm/ADT/DenseSet.h"

#include <cmath>

namespace rqc {
#define GEN_PASS_DEF_PARTITIONVTA
#include "compiler/passes/Passes.h.inc"
} // namespace rqc

using namespace mlir;
using namespace rqc;

namespace {

// log2(r) when r is 2^k for an integer k in [0, 15] (the Pynq ALU's shift range).
std::optional<int32_t> shiftOf(double r) {
  const double k = std::log2(r);
  const double rounded = std::nearbyint(k);
  if (std::fabs(k - rounded) > 1e-9 || rounded < 0 || rounded > 15) return std::nullopt;
  return static_cast<int32_t>(rounded);
}

bool zeroPoints(ArrayRef<int32_t> z) { return llvm::all_of(z, [](int32_t v) { return v == 0; }); }

std::string nameOf(Operation *op) {
  if (auto n = llvm::dyn_cast<NameLoc>(op->getLoc())) return n.getName().str();
  return op->getName().getStringRef().str();
}

struct PartitionVtaPass : rqc::impl::PartitionVtaBase<PartitionVtaPass> {
  using PartitionVtaBase::PartitionVtaBase;
  PartitionVtaPass(const PartitionVtaOptions &o, PartitionReport *report) : PartitionVtaBase(o), report_(report) {}

  void runOnOperation() override {
    try {
      config_ = model.empty() ? vta::VtaConfig::pynq() : vta::VtaConfig::fromModelString(model);
    } catch (const Error &e) {
      getOperation().emitError("rqc-partition-vta: ") << e.what();
      return signalPassFailure();
    }
    // The convolutions are only ever written (their packed result reused) in program
    // order, so a producer is rewritten before its consumers.
    SmallVector<graph::QuantizeOp> quantizes;
    getOperation().walk([&](graph::QuantizeOp q) { quantizes.push_back(q); });
    llvm::DenseSet<Operation *> seen;
    for (graph::QuantizeOp q : quantizes) {
      std::optional<Match> m = match(q);
      if (!m) continue;
      seen.insert(m->conv);
      const std::string name = nameOf(m->conv);
      std::string why = rewrite(q, *m);
      if (!report_) continue;
      if (why.empty()) ++report_->onDevice;
      else report_->onHost.push_back({name, why});
    }
    if (report_)
      getOperation().walk([&](graph::Conv2DOp conv) {
        if (!seen.count(conv))
          report_->onHost.push_back({nameOf(conv), "not an int8 QDQ convolution quantize(relu|clip?(conv(dequantize ...)))"});
      });
    // What only the rewritten ops read (a dequantize, then its constant).
    for (bool erased = true; erased;) {
      SmallVector<Operation *> dead;
      getOperation().walk([&](Operation *op) {
        if (isa<graph::ConstantOp, graph::DequantizeOp, graph::LayoutTransformOp>(op) && op->use_empty())
          dead.push_back(op);
      });
      for (Operation *op : dead) op->erase();
      erased = !dead.empty();
    }
  }

  std::string act() const {
    return "NCHW" + std::to_string(config_.batch()) + "n" + std::to_string(config_.blockIn()) + "c";
  }

  Value packed(OpBuilder &b, Location loc, Value x, const std::string &from, const std::string &to) {
    auto t = llvm::cast<RankedTensorType>(x.getType());
    graph::Layout src = graph::Layout::parse(from), dst = graph::Layout::parse(to);
    std::vector<int64_t> shape = dst.shapeOf(src.primalShapeOf({t.getShape().begin(), t.getShape().end()}), src.primal());
    return b.create<graph::LayoutTransformOp>(loc, RankedTensorType::get(shape, t.getElementType()), x,
                                              b.getStringAttr(from), b.getStringAttr(to));
  }

  // The convolution of the pattern ending in `q` (with its activation), or none.
  struct Match {
    graph::Conv2DOp conv;
    Operation *activation = nullptr; // graph.relu or graph.clip
  };
  static std::optional<Match> match(graph::QuantizeOp q) {
    Value y = q.getInput();
    Operation *activation = nullptr;
    if (auto relu = y.getDefiningOp<graph::ReluOp>()) activation = relu, y = relu.getInput();
    else if (auto clip = y.getDefiningOp<graph::ClipOp>()) activation = clip, y = clip.getInput();
    if (activation && !activation->hasOneUse()) return std::nullopt;
    auto conv = y.getDefiningOp<graph::Conv2DOp>();
    if (!conv || !conv->hasOneUse()) return std::nullopt;
    return Match{conv, activation};
  }

  // Rewrites the pattern ending in `q` and returns "" when VTA can run it; otherwise changes
  // nothing and returns why not (for the compile's report).
  std::string rewrite(graph::QuantizeOp q, const Match &m) {
    MLIRContext *ctx = q.getContext();
    graph::Conv2DOp conv = m.conv;
    const int64_t block = config_.blockIn(), batch = config_.batch();
    const std::string blocks = std::to_string(block);
    if (config_.blockOut() != block) return "BLOCK_IN and BLOCK_OUT differ in " + config_.modelString();
    if (conv.getGroups() != 1) return "grouped or depthwise (VTA's GEMM has no groups)";
    if (llvm::any_of(conv.getDilations(), [](int64_t d) { return d != 1; })) return "dilated";
    if (conv.getDataLayout() != "NCHW" || conv.getWeightLayout() != "OIHW") return "not in NCHW/OIHW";
    if (q.getScale().size() != 1 || q.getZeroPoint()[0] != 0 || !q.getType().getElementType().isSignlessInteger(8))
      return "its output is not int8 with zero point 0 (rqc quantize --power-of-two)";
    auto dx = conv.getInput().getDefiningOp<graph::DequantizeOp>();
    auto dw = conv.getWeight().getDefiningOp<graph::DequantizeOp>();
    if (!dx || !dx.getInput().getType().getElementType().isSignlessInteger(8) || dx.getScale().size() != 1 ||
        !zeroPoints(dx.getZeroPoint()))
      return "its input is not int8 with zero point 0";
    std::optional<Tensor> w = dw ? constantValue(dw.getInput()) : std::nullopt;
    if (!w || w->dtype() != DType::I8 || !zeroPoints(dw.getZeroPoint())) return "its weights are not constant symmetric int8";
    const int64_t outChannels = w->dim(0), inChannels = w->dim(1);
    auto xt = llvm::cast<RankedTensorType>(dx.getInput().getType());
    if (inChannels % block) return std::to_string(inChannels) + " input channels, not a multiple of " + blocks;
    if (outChannels % block) return std::to_string(outChannels) + " output channels, not a multiple of " + blocks;
    if (xt.getDimSize(0) % batch) return "batch " + std::to_string(xt.getDimSize(0)) + ", not a multiple of " + std::to_string(batch);
    if (llvm::any_of(conv.getPads(), [](int64_t p) { return p > 15; })) return "padding over 15 (LOAD's fields)";
    if (dw.getScale().size() != 1 && (dw.getAxis() != 0 || static_cast<int64_t>(dw.getScale().size()) != outChannels))
      return "its weight scales are neither per tensor nor per output channel";

    // Every requantization must be a right shift: sy / (sx * sw[c]) = 2^k[c].
    const float sx = dx.getScale()[0], sy = q.getScale()[0];
    std::vector<float> accScale(outChannels);
    std::vector<int32_t> shifts(outChannels);
    for (int64_t c = 0; c < outChannels; ++c) {
      accScale[c] = sx * dw.getScale()[dw.getScale().size() == 1 ? 0 : c];
      std::optional<int32_t> k = shiftOf(static_cast<double>(sy) / accScale[c]);
      if (!k) return "its requantization is not a right shift by 0..15 (scales not powers of two)";
      shifts[c] = *k;
    }
    std::optional<Tensor> bias;
    if (conv.getBias() && !(bias = integerBias(conv.getBias(), accScale))) return "its bias is not int32 at scale sx * sw";
    // The activation as the epilogue's clip: quantize(clip(v, a, b)) is the quantized v
    // clipped to [round(a / sy), round(b / sy)] (rounding is monotone).
    bool relu = false;
    int32_t high = 127;
    if (llvm::isa_and_nonnull<graph::ReluOp>(m.activation)) relu = true;
    if (auto clip = llvm::dyn_cast_or_null<graph::ClipOp>(m.activation)) {
      const double low = std::nearbyint(clip.getMin().convertToFloat() / sy);
      const double top = std::nearbyint(clip.getMax().convertToFloat() / sy);
      if (low != 0 && low > -128) return "a Clip whose lower bound is neither 0 nor below the int8 range";
      relu = low == 0;
      high = static_cast<int32_t>(std::min(127.0, top));
      if (high < (relu ? 0 : -128)) return "a Clip that empties the int8 range";
    }
    auto yt = llvm::cast<RankedTensorType>(q.getType());
    vta::Conv2dShape shape;
    shape.batch = xt.getDimSize(0), shape.inChannels = inChannels, shape.height = xt.getDimSize(2);
    shape.width = xt.getDimSize(3), shape.outChannels = outChannels, shape.kernelH = w->dim(2), shape.kernelW = w->dim(3);
    shape.strideH = conv.getStrides()[0], shape.strideW = conv.getStrides()[1];
    shape.padTop = conv.getPads()[0], shape.padLeft = conv.getPads()[1];
    shape.padBottom = conv.getPads()[2], shape.padRight = conv.getPads()[3];
    // The smallest tiling (one output row and column, one channel block, one thread): if it
    // does not fit, no conv2d_packed.vta config does.
    if (auto why = vta::whyNotEmittable(config_, shape, vta::Conv2dTiling{})) return "no VTA tiling fits: " + *why;

    // Bias with the rounding 2^(k-1) folded in (round half up), packed [O/c, b, c] like
    // the shifts: the value of channel o in every batch lane.
    const bool uniform = llvm::all_equal(shifts);
    Tensor packedBias(DType::I32, {outChannels / block, batch, block});
    Tensor packedShifts(DType::I32, {outChannels / block, batch, block});
    for (int64_t c = 0; c < outChannels; ++c) {
      const int64_t rounding = shifts[c] > 0 ? int64_t(1) << (shifts[c] - 1) : 0;
      const int64_t v = (bias ? bias->data<int32_t>()[c] : 0) + rounding;
      if (v > INT32_MAX) return "its bias overflows int32 with the rounding";
      for (int64_t l = 0; l < batch; ++l) {
        const int64_t at = ((c / block) * batch + l) * block + c % block;
        packedBias.data<int32_t>()[at] = static_cast<int32_t>(v);
        packedShifts.data<int32_t>()[at] = shifts[c];
      }
    }

    OpBuilder b(q);
    Location loc = conv.getLoc();
    const std::string layout = act();
    const std::string wgt = "OIHW" + blocks + "o" + blocks + "i";
    // Between two VTA convolutions the data stays packed: reuse the producer's result.
    Value x = dx.getInput(), xp;
    if (auto t = x.getDefiningOp<graph::LayoutTransformOp>(); t && t.getSrcLayout() == layout && t.getDstLayout() == "NCHW")
      xp = t.getInput();
    else
      xp = packed(b, loc, x, "NCHW", layout);
    Value wp = packed(b, dw.getLoc(), dw.getInput(), "OIHW", wgt); // folded into a packed constant
    Value bp = b.create<graph::ConstantOp>(loc, graph::toAttr(packedBias, ctx));
    Value sp = uniform ? Value() : b.create<graph::ConstantOp>(loc, graph::toAttr(packedShifts, ctx)).getResult();
    SmallVector<int64_t> yShape{yt.getDimSize(0) / batch, outChannels / block, yt.getDimSize(2), yt.getDimSize(3), batch,
                                block};
    auto vtaConv = b.create<graph::VtaConv2DOp>(loc, RankedTensorType::get(yShape, b.getI8Type()), xp, wp, bp, sp,
                                                conv.getStrides(), conv.getPads(),
                                                static_cast<uint32_t>(uniform ? shifts[0] : 0), relu,
                                                static_cast<uint32_t>(high));
    Value result = packed(b, q.getLoc(), vtaConv.getResult(), layout, "NCHW");
    q.getResult().replaceAllUsesWith(result);
    q.erase();
    if (m.activation) m.activation->erase();
    conv.erase();
    return "";
  }

  vta::VtaConfig config_;
  PartitionReport *report_ = nullptr;
};

} // namespace

std::unique_ptr<Pass> rqc::createPartitionVta(const PartitionVtaOptions &options, PartitionReport *report) {
  return std::make_unique<PartitionVtaPass>(options, report);
}
