// rqc-fold-constants: an op whose operands are all constants is evaluated at compile time
// with the reference kernels (the same code that defines the op's semantics).
#include "compiler/passes/Passes.h"

#include "compiler/reference/ReferenceExecutor.h"
#include "ir/Graph/TensorAttr.h"

#include "llvm/ADT/DenseMap.h"

namespace rqc {
#define GEN_PASS_DEF_FOLDCONSTANTS
#include "compiler/passes/Passes.h.inc"
} // namespace rqc

using namespace mlir;
using namespace rqc;

namespace {

struct FoldConstantsPass : rqc::impl::FoldConstantsBase<FoldConstantsPass> {
  void runOnOperation() override {
    llvm::DenseMap<Value, Tensor> known;
    SmallVector<Operation *> dead;
    for (Operation &op : llvm::make_early_inc_range(getOperation().getBody().front())) {
      if (auto c = llvm::dyn_cast<graph::ConstantOp>(op)) {
        known[c.getResult()] = graph::fromAttr(c.getValue());
        continue;
      }
      if (op.getDialect() != getContext().getLoadedDialect<graph::GraphDialect>() ||
          op.getNumOperands() == 0 ||
          !llvm::all_of(op.getOperands(), [&](Value v) { return known.count(v); }))
        continue;
      Tensor result = reference::evaluateOp(&op, [&](Value v) -> const Tensor & { return known.find(v)->second; });
      OpBuilder b(&op);
      auto c = b.create<graph::ConstantOp>(op.getLoc(), graph::toAttr(result, &getContext()));
      known[c.getResult()] = result;
      op.getResult(0).replaceAllUsesWith(c.getResult());
      for (Value v : op.getOperands())
        if (auto def = v.getDefiningOp<graph::ConstantOp>()) dead.push_back(def);
      op.erase();
    }
    for (Operation *op : dead)
      if (op->use_empty()) op->erase();
  }
};

} // namespace
