// rqc-pack-conv-weights: OIHW -> OHWI for the constant weights of ungrouped float
// convolutions, done once at compile time for the CPU's channels-last convolution.
#include "compiler/passes/Passes.h"

#include "ir/Graph/TensorAttr.h"

namespace rqc {
#define GEN_PASS_DEF_PACKCONVWEIGHTS
#include "compiler/passes/Passes.h.inc"
} // namespace rqc

using namespace mlir;
using namespace rqc;

namespace {

Tensor ohwiFromOihw(const Tensor &w) {
  const int64_t O = w.dim(0), I = w.dim(1), KH = w.dim(2), KW = w.dim(3);
  Tensor out(DType::F32, {O, KH, KW, I});
  const float *src = w.data<float>();
  float *dst = out.data<float>();
  for (int64_t o = 0; o < O; ++o)
    for (int64_t i = 0; i < I; ++i)
      for (int64_t kh = 0; kh < KH; ++kh)
        for (int64_t kw = 0; kw < KW; ++kw) dst[((o * KH + kh) * KW + kw) * I + i] = *src++;
  return out;
}

struct PackConvWeightsPass : rqc::impl::PackConvWeightsBase<PackConvWeightsPass> {
  void runOnOperation() override {
    llvm::DenseMap<Operation *, Value> packedOf; // one packed copy per shared constant
    getOperation().walk([&](graph::Conv2DOp conv) {
      auto weight = conv.getWeight().getDefiningOp<graph::ConstantOp>();
      if (!weight || conv.getGroups() != 1 || conv.getWeightLayout() != "OIHW" ||
          !llvm::cast<RankedTensorType>(conv.getWeight().getType()).getElementType().isF32())
        return;
      Value &packed = packedOf[weight];
      if (!packed) {
        OpBuilder b(weight);
        Tensor ohwi = ohwiFromOihw(graph::fromAttr(weight.getValue()));
        packed = b.create<graph::ConstantOp>(weight.getLoc(), graph::toAttr(ohwi, &getContext())).getResult();
      }
      conv.getWeightMutable().assign(packed);
      conv.setWeightLayout("OHWI");
    });
    for (auto &[original, packed] : packedOf)
      if (original->use_empty()) original->erase();
  }
};

} // namespace
