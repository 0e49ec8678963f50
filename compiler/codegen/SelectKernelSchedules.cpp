// rqc-select-kernel-schedules: the generic template's schedule for every kernel that has
// none (the strategy; targets apply it).
#include "compiler/codegen/Passes.h"
#include "compiler/passes/ScheduleSelection.h"
#include "compiler/support/JsonAttr.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

namespace rqc::codegen {
#define GEN_PASS_DEF_SELECTKERNELSCHEDULES
#include "compiler/codegen/Passes.h.inc"
} // namespace rqc::codegen

using namespace mlir;

namespace rqc::codegen {

namespace {

// The kernel as the generic template sees it: its linalg ops and their loops.
schedule::Workload kernelWorkload(func::FuncOp fn) {
  schedule::Workload w;
  w.op = "kernel";
  Value result;
  fn.walk([&](func::ReturnOp r) {
    if (r.getNumOperands() == 1) result = r.getOperand(0);
  });
  if (result) {
    auto t = llvm::cast<RankedTensorType>(result.getType());
    w.output.assign(t.getShape().begin(), t.getShape().end());
  }
  fn.walk([&](linalg::LinalgOp op) {
    schedule::Workload::LoopNest n;
    n.op = op->getName().stripDialect().str();
    SmallVector<int64_t> ranges = op.getStaticLoopRanges();
    n.ranges.assign(ranges.begin(), ranges.end());
    for (utils::IteratorType it : op.getIteratorTypesArray()) n.reduction.push_back(it == utils::IteratorType::reduction);
    n.writesOutput = result && op->getNumResults() == 1 && op->getResult(0) == result;
    n.outputIsTileable = op->getNumResults() == 1 && !op.hasDynamicShape() &&
                         op.getIndexingMapMatchingResult(op->getResult(0)).isProjectedPermutation();
    w.ops.push_back(std::move(n));
  });
  // A kernel that is one padding (tensor.pad is not a linalg op; QdqToInteger's channel
  // padding of an RGB input): described by its source's loops, so that it gets parallel tiles.
  fn.walk([&](tensor::PadOp pad) {
    if (!result || pad.getResult() != result) return;
    schedule::Workload::LoopNest n;
    n.op = "pad";
    ArrayRef<int64_t> source = pad.getSourceType().getShape();
    n.ranges.assign(source.begin(), source.end());
    n.reduction.assign(source.size(), false);
    n.writesOutput = true;
    n.outputIsTileable = pad.getSourceType().hasStaticShape() && pad.getResultType().hasStaticShape() &&
                         pad.getConstantPaddingValue();
    w.ops.push_back(std::move(n));
  });
  return w;
}

struct SelectKernelSchedulesPass : impl::SelectKernelSchedulesBase<SelectKernelSchedulesPass> {
  using SelectKernelSchedulesBase::SelectKernelSchedulesBase;
  explicit SelectKernelSchedulesPass(ScheduleSelection *shared) : shared_(shared) {}

  void runOnOperation() override {
    schedule::TargetDesc target;
    if (shared_) {
      target = shared_->target;
    } else {
      target.key = targetKey;
      target.vectorBits = vectorBits;
      target.vectorRegisters = vectorRegisters;
    }
    MLIRContext *ctx = &getContext();
    for (func::FuncOp fn : getOperation().getOps<func::FuncOp>()) {
      if (fn->hasAttr("rqc.schedule")) continue;
      schedule::Workload w = kernelWorkload(fn);
      std::vector<const schedule::Template *> candidates = schedule::templatesFor(w, target.key);
      if (candidates.empty()) continue;
      const schedule::Template *t = candidates.front();
      schedule::ConfigSpace space = t->space(w);
      schedule::Config c = t->fallback(w, space, target);
      schedule::Schedule s = t->schedule(w, c, target);
      fn->setAttr("rqc.task", jsonToAttr(ctx, nlohmann::json::array({t->name(), t->args(w)})));
      nlohmann::json config = {{"index", c.index()}, {"entity", c.entity()}, {"source", "fallback"}};
      fn->setAttr("rqc.config", jsonToAttr(ctx, config));
      fn->setAttr("rqc.schedule", jsonToAttr(ctx, schedule::toJson(s)));
    }
  }

private:
  ScheduleSelection *shared_ = nullptr;
};

} // namespace

std::unique_ptr<Pass> createSelectKernelSchedules(ScheduleSelection &selection) {
  return std::make_unique<SelectKernelSchedulesPass>(&selection);
}

} // namespace rqc::codegen
