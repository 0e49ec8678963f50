// rqc-fold-batch-norm: inference batch normalization is an affine map per channel; fold it
// into the convolution that feeds it, or rewrite it as a multiply-add when none does.
#include "compiler/passes/ConstantValue.h"
#include "compiler/passes/Passes.h"

#include "ir/Graph/TensorAttr.h"

#include <cmath>

namespace rqc {
#define GEN_PASS_DEF_FOLDBATCHNORM
#include "compiler/passes/Passes.h.inc"
} // namespace rqc

using namespace mlir;
using namespace rqc;

namespace {

struct FoldBatchNormPass : rqc::impl::FoldBatchNormBase<FoldBatchNormPass> {
  void runOnOperation() override {
    getOperation().walk([&](graph::BatchNormOp bn) {
      auto scale = constantValue(bn.getScale()), beta = constantValue(bn.getBias());
      auto mean = constantValue(bn.getMean()), var = constantValue(bn.getVariance());
      if (!scale || !beta || !mean || !var) return;
      const int64_t channels = scale->numel();
      const float eps = bn.getEpsilon().convertToFloat();
      // y = x * a + shift
      std::vector<float> a(channels), shift(channels);
      for (int64_t c = 0; c < channels; ++c) {
        a[c] = scale->data<float>()[c] / std::sqrt(var->data<float>()[c] + eps);
        shift[c] = beta->data<float>()[c] - mean->data<float>()[c] * a[c];
      }
      OpBuilder b(bn);
      auto conv = bn.getInput().getDefiningOp<graph::Conv2DOp>();
      auto weight = conv ? constantValue(conv.getWeight()) : std::nullopt;
      std::optional<Tensor> bias = conv && conv.getBias() ? constantValue(conv.getBias()) : std::nullopt;
      if (conv && conv->hasOneUse() && weight && (!conv.getBias() || bias) && conv.getWeightLayout() == "OIHW") {
        Tensor w = weight->clone();
        const int64_t perChannel = w.numel() / channels;
        Tensor nb(DType::F32, {channels});
        for (int64_t c = 0; c < channels; ++c) {
          for (int64_t i = 0; i < perChannel; ++i) w.data<float>()[c * perChannel + i] *= a[c];
          nb.data<float>()[c] = (bias ? bias->data<float>()[c] : 0.f) * a[c] + shift[c];
        }
        b.setInsertionPoint(conv);
        auto wc = b.create<graph::ConstantOp>(conv.getWeight().getLoc(), graph::toAttr(w, &getContext()));
        auto bc = b.create<graph::ConstantOp>(bn.getLoc(), graph::toAttr(nb, &getContext()));
        auto fused = b.create<graph::Conv2DOp>(conv.getLoc(), conv.getType(), conv.getInput(), wc, bc,
                                               conv.getStrides(), conv.getPads(), conv.getDilations(),
                                               conv.getGroups());
        bn.replaceAllUsesWith(fused.getResult());
        bn.erase();
        conv.erase();
        return;
      }
      // No foldable convolution: x * a + shift, with a and shift broadcast over [C, 1, ...].
      auto type = bn.getType();
      Shape paramShape(type.getRank() - 1, 1);
      paramShape[0] = channels;
      Tensor at(DType::F32, paramShape), st(DType::F32, paramShape);
      std::copy(a.begin(), a.end(), at.data<float>());
      std::copy(shift.begin(), shift.end(), st.data<float>());
      auto ac = b.create<graph::ConstantOp>(bn.getLoc(), graph::toAttr(at, &getContext()));
      auto sc = b.create<graph::ConstantOp>(bn.getLoc(), graph::toAttr(st, &getContext()));
      auto mul = b.create<graph::MulOp>(bn.getLoc(), type, bn.getInput(), ac);
      auto add = b.create<graph::AddOp>(bn.getLoc(), type, mul, sc);
      bn.replaceAllUsesWith(add.getResult());
      bn.erase();
    });
  }
};

} // namespace
