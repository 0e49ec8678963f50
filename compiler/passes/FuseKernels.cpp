// rqc-fuse-kernels: the fusion policy (which ops share a kernel) and the outlining of each
// group into a kernel function. @main becomes the kernel graph the runtime executes.
#include "compiler/passes/Passes.h"

#include "mlir/IR/IRMapping.h"
#include "llvm/ADT/SetVector.h"

#include <cctype>

namespace rqc {
#define GEN_PASS_DEF_FUSEKERNELS
#include "compiler/passes/Passes.h.inc"
} // namespace rqc

using namespace mlir;
using namespace rqc;

namespace {

// Ops that can join a group as its epilogue: elementwise, one result of the group's shape.
bool isEpilogue(Operation *op) {
  return llvm::isa<graph::ReluOp, graph::ClipOp, graph::LeakyReluOp, graph::SigmoidOp, graph::AddOp,
                   graph::SubOp, graph::MulOp, graph::DivOp, graph::MaxOp, graph::MinOp, graph::QuantizeOp, graph::DequantizeOp,
                   graph::RequantizeOp>(op);
}

// Ops that are not CPU kernels: constants (parameters), reshapes (aliases) and the ops an
// accelerator runs, which the driver emits as that device's kernels (graph.vta_conv2d).
bool isNotAKernel(Operation *op) {
  return llvm::isa<graph::ConstantOp, graph::ReshapeOp, graph::VtaConv2DOp, func::ReturnOp>(op);
}

std::string kernelName(Operation *anchor, unsigned index) {
  std::string base;
  if (auto loc = llvm::dyn_cast<NameLoc>(anchor->getLoc())) base = loc.getName().str();
  for (char &c : base)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  if (base.size() > 40) base.resize(40);
  return "kernel_" + std::to_string(index) + (base.empty() ? "" : "_" + base);
}

struct FuseKernelsPass : rqc::impl::FuseKernelsBase<FuseKernelsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto main = module.lookupSymbol<func::FuncOp>("main");
    if (!main) return;

    // 1. Form groups in program order.
    SmallVector<SmallVector<Operation *>> groups;
    llvm::DenseSet<Operation *> grouped;
    for (Operation &op : main.getBody().front()) {
      if (isNotAKernel(&op) || grouped.count(&op)) continue;
      SmallVector<Operation *> group{&op};
      grouped.insert(&op);
      Value tail = op.getResult(0);
      while (tail.hasOneUse()) {
        Operation *user = *tail.getUsers().begin();
        if (!isEpilogue(user) || grouped.count(user)) break;
        auto tailType = llvm::cast<RankedTensorType>(tail.getType());
        auto userType = llvm::cast<RankedTensorType>(user->getResult(0).getType());
        if (tailType.getShape() != userType.getShape()) break;
        group.push_back(user);
        grouped.insert(user);
        tail = user->getResult(0);
      }
      groups.push_back(std::move(group));
    }

    // 2. Outline each group.
    OpBuilder b(module.getBodyRegion());
    b.setInsertionPoint(main);
    unsigned index = 0;
    for (auto &group : groups) {
      llvm::SetVector<Value> operands;
      llvm::DenseSet<Operation *> members(group.begin(), group.end());
      for (Operation *op : group)
        for (Value v : op->getOperands())
          if (!v.getDefiningOp() || !members.count(v.getDefiningOp())) operands.insert(v);
      Value result = group.back()->getResult(0);

      SmallVector<Type> argTypes;
      for (Value v : operands) argTypes.push_back(v.getType());
      auto fn = b.create<func::FuncOp>(group.front()->getLoc(), kernelName(group.front(), index++),
                                       b.getFunctionType(argTypes, {result.getType()}));
      fn.setPrivate();
      // The anchor's schedule (rqc-select-schedules) becomes the kernel's.
      for (const char *name : {"rqc.task", "rqc.config", "rqc.schedule", "rqc.weight_pairs_fit_i16"})
        if (Attribute a = group.front()->getAttr(name)) fn->setAttr(name, a);
      Block *body = fn.addEntryBlock();
      IRMapping map;
      for (auto [v, arg] : llvm::zip(operands, body->getArguments())) map.map(v, arg);
      OpBuilder kb = OpBuilder::atBlockEnd(body);
      for (Operation *op : group) kb.clone(*op, map);
      kb.create<func::ReturnOp>(fn.getLoc(), map.lookup(result));

      OpBuilder mb(group.back());
      auto call = mb.create<func::CallOp>(group.front()->getLoc(), fn, operands.getArrayRef());
      result.replaceAllUsesWith(call.getResult(0));
      for (Operation *op : llvm::reverse(group)) op->erase();
    }
  }
};

} // namespace
