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

struct PartitionVtaPass : rqc::impl::PartitionVtaBase<PartitionVtaPass> {
  using PartitionVtaBase::PartitionVtaBase;

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
    for (graph::QuantizeOp q : quantizes) rewrite(q);
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

  // Rewrites the pattern ending in `q`; false (nothing changed) when VTA cannot run it.
  bool rewrite(graph::QuantizeOp q) {
    MLIRContext *ctx = q.getContext();
    const int64_t block = config_.blockIn(), batch = config_.batch();
    if (config_.blockOut() != block) return false; // one activation layout between layers
    if (q.getScale().size() != 1 || q.getZeroPoint()[0] != 0 || !q.getType().getElementType().isSignlessInteger(8))
      return false;
    Value y = q.getInput();
    graph::ReluOp relu = y.getDefiningOp<graph::ReluOp>();
    if (relu) {
      if (!relu->hasOneUse()) return false;
      y = relu.getInput();
    }
    auto conv = y.getDefiningOp<graph::Conv2DOp>();
    if (!conv || !conv->hasOneUse() || conv.getDataLayout() != "NCHW" || conv.getWeightLayout() != "OIHW" ||
        conv.getGroups() != 1 || llvm::any_of(conv.getDilations(), [](int64_t d) { return d != 1; }))
      return false;
    auto dx = conv.getInput().getDefiningOp<graph::DequantizeOp>();
    auto dw = conv.getWeight().getDefiningOp<graph::DequantizeOp>();
    if (!dx || !dw || dx.getScale().size() != 1 || !zeroPoints(dx.getZeroPoint()) || !zeroPoints(dw.getZeroPoint()) ||
        !dx.getInput().getType().getElementType().isSignlessInteger(8))
      return false;
    std::optional<Tensor> w = constantValue(dw.getInput());
    if (!w || w->dtype() != DType::I8) return false;
    const int64_t outChannels = w->dim(0), inChannels = w->dim(1);
    auto xt = llvm::cast<RankedTensorType>(dx.getInput().getType());
    if (outChannels % block || inChannels % block || xt.getDimSize(0) % batch) return false;
    if (llvm::any_of(conv.getPads(), [](int64_t p) { return p > 15; })) return false; // LOAD's padding fields
    if (dw.getScale().size() != 1 && (dw.getAxis() != 0 || static_cast<int64_t>(dw.getScale().size()) != outChannels))
      return false;

    // Every requantization must be a right shift: sy / (sx * sw[c]) = 2^k[c].
    const float sx = dx.getScale()[0], sy = q.getScale()[0];
    std::vector<float> accScale(outChannels);
    std::vector<int32_t> shifts(outChannels);
    for (int64_t c = 0; c < outChannels; ++c) {
      accScale[c] = sx * dw.getScale()[dw.getScale().size() == 1 ? 0 : c];
      std::optional<int32_t> k = shiftOf(static_cast<double>(sy) / accScale[c]);
      if (!k) return false;
      shifts[c] = *k;
    }
    std::optional<Tensor> bias;
    if (conv.getBias() && !(bias = integerBias(conv.getBias(), accScale))) return false;

    // Bias with the rounding 2^(k-1) folded in (round half up), packed [O/c, b, c] like
    // the shifts: the value of channel o in every batch lane.
    const bool uniform = llvm::all_equal(shifts);
    Tensor packedBias(DType::I32, {outChannels / block, batch, block});
    Tensor packedShifts(DType::I32, {outChannels / block, batch, block});
    for (int64_t c = 0; c < outChannels; ++c) {
      const int64_t rounding = shifts[c] > 0 ? int64_t(1) << (shifts[c] - 1) : 0;
      const int64_t v = (bias ? bias->data<int32_t>()[c] : 0) + rounding;
      if (v > INT32_MAX) return false;
      for (int64_t l = 0; l < batch; ++l) {
        const int64_t at = ((c / block) * batch + l) * block + c % block;
        packedBias.data<int32_t>()[at] = static_cast<int32_t>(v);
        packedShifts.data<int32_t>()[at] = shifts[c];
      }
    }

    OpBuilder b(q);
    Location loc = conv.getLoc();
    const std::string layout = act();
    const std::string wgt = "OIHW" + std::to_string(block) + "o" + std::to_string(block) + "i";
    // Between two VTA convolutions the data stays packed: reuse the producer's result.
    Value x = dx.getInput(), xp;
    if (auto t = x.getDefiningOp<graph::LayoutTransformOp>(); t && t.getSrcLayout() == layout && t.getDstLayout() == "NCHW")
      xp = t.getInput();
    else
      xp = packed(b, loc, x, "NCHW", layout);
    Value wp = packed(b, dw.getLoc(), dw.getInput(), "OIHW", wgt); // folded into a packed constant
    Value bp = b.create<graph::ConstantOp>(loc, graph::toAttr(packedBias, ctx));
    Value sp = uniform ? Value() : b.create<graph::ConstantOp>(loc, graph::toAttr(packedShifts, ctx)).getResult();
    auto yt = llvm::cast<RankedTensorType>(q.getType());
    SmallVector<int64_t> yShape{yt.getDimSize(0) / batch, outChannels / block, yt.getDimSize(2), yt.getDimSize(3), batch,
                                block};
    auto vtaConv = b.create<graph::VtaConv2DOp>(loc, RankedTensorType::get(yShape, b.getI8Type()), xp, wp, bp, sp,
                                                conv.getStrides(), conv.getPads(),
                                                static_cast<uint32_t>(uniform ? shifts[0] : 0), static_cast<bool>(relu));
    Value result = packed(b, q.getLoc(), vtaConv.getResult(), layout, "NCHW");
    q.getResult().replaceAllUsesWith(result);
    q.erase();
    if (relu) relu->erase();
    conv.erase();
    return true;
  }

  vta::VtaConfig config_;
};

} // namespace
