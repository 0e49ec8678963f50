#include "compiler/analysis/ModelStats.h"

#include "ir/Graph/GraphDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;

namespace rqc::analysis {

static ArrayRef<int64_t> shapeOf(Value v) { return llvm::cast<RankedTensorType>(v.getType()).getShape(); }

static int64_t product(ArrayRef<int64_t> s) {
  int64_t n = 1;
  for (int64_t d : s) n *= d;
  return n;
}

// Per output element: (input channels per group) x kernel area for convolutions; the
// reduction size for products.
int64_t macsOf(Operation *op) {
  // weight elements / output channels: layout-independent (OIHW, or packed OIHW{x}i{y}o
  // with a channel-blocked NCHW{y}c result).
  auto conv = [](Value weight, Value result) {
    auto out = shapeOf(result);
    int64_t channels = out[1] * (out.size() == 5 ? out[4] : 1);
    return product(out) * (product(shapeOf(weight)) / channels);
  };
  auto matmul = [](Value lhs, Value result) { return product(shapeOf(result)) * shapeOf(lhs).back(); };
  return llvm::TypeSwitch<Operation *, int64_t>(op)
      .Case([&](graph::Conv2DOp o) { return conv(o.getWeight(), o.getResult()); })
      .Case([&](graph::Conv2DIntegerOp o) { return conv(o.getWeight(), o.getResult()); })
      // Winograd counts the direct 3x3 convolution's MACs (as TVM and cuDNN report it), so
      // GMAC/s compare across algorithms. Transformed weight [alpha, alpha, OCo, ICo, ic, oc].
      .Case([&](graph::Conv2DWinogradOp o) {
        auto w = shapeOf(o.getWeight());
        return product(shapeOf(o.getResult())) * w[3] * w[4] * 9;
      })
      // Packed [O/c, I/c, KH, KW, c, c] weight, [N/b, O/c, OH, OW, b, c] result.
      .Case([&](graph::VtaConv2DOp o) {
        auto w = shapeOf(o.getWeight());
        return product(shapeOf(o.getResult())) * w[1] * w[2] * w[3] * w[5];
      })
      .Case([&](graph::DenseOp o) { return matmul(o.getInput(), o.getResult()); })
      .Case([&](graph::MatMulOp o) { return matmul(o.getLhs(), o.getResult()); })
      .Case([&](graph::MatMulIntegerOp o) { return matmul(o.getLhs(), o.getResult()); })
      .Default([](Operation *) { return int64_t(0); });
}

static std::string locName(Location loc) {
  if (auto n = llvm::dyn_cast<NameLoc>(loc)) return n.getName().str();
  return "";
}

ModelStats computeStats(ModuleOp module) {
  ModelStats stats;
  module.walk([&](Operation *op) {
    if (op->getDialect() == nullptr || op->getDialect()->getNamespace() != "graph") return;
    std::string name = op->getName().stripDialect().str();
    stats.opCounts[name]++;
    if (auto c = llvm::dyn_cast<graph::ConstantOp>(op)) {
      auto t = llvm::cast<RankedTensorType>(c.getType());
      if (!t.getElementType().isInteger(64)) stats.parameters += t.getNumElements();
      return;
    }
    if (int64_t macs = macsOf(op)) {
      auto out = shapeOf(op->getResult(0));
      stats.layers.push_back({locName(op->getLoc()), name, Shape(out.begin(), out.end()), macs});
      stats.totalMacs += macs;
    }
  });
  return stats;
}

} // namespace rqc::analysis
