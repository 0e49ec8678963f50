// The kernel ABI at the MLIR level: every kernel takes memrefs (its inputs, then its
// output) and writes its result into the output memref. Inputs enter the tensor world
// with bufferization.to_tensor; the result leaves through materialize_in_destination, so
// bufferization writes straight into the caller's buffer (no copy, no allocation).
#include "targets/cpu/KernelAbi.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/IRMapping.h"

using namespace mlir;

namespace rqc::cpu {

static MemRefType memrefFor(Type t) {
  auto rt = llvm::cast<RankedTensorType>(t);
  return MemRefType::get(rt.getShape(), rt.getElementType());
}

void applyKernelAbi(ModuleOp module) {
  SmallVector<func::FuncOp> funcs(module.getOps<func::FuncOp>());
  for (func::FuncOp fn : funcs) {
    auto type = fn.getFunctionType();
    SmallVector<Type> args;
    for (Type t : type.getInputs()) args.push_back(memrefFor(t));
    for (Type t : type.getResults()) args.push_back(memrefFor(t));
    OpBuilder b(fn);
    auto abi = b.create<func::FuncOp>(fn.getLoc(), fn.getName(), b.getFunctionType(args, {}));
    abi.setPublic();
    abi->setDiscardableAttrs(fn->getDiscardableAttrDictionary()); // rqc.schedule & co.
    Block *entry = abi.addEntryBlock();
    OpBuilder kb = OpBuilder::atBlockEnd(entry);
    IRMapping map;
    for (unsigned i = 0; i < type.getNumInputs(); ++i)
      map.map(fn.getArgument(i),
              kb.create<bufferization::ToTensorOp>(fn.getLoc(), type.getInput(i), entry->getArgument(i),
                                                   /*restrict=*/true, /*writable=*/false));
    for (Operation &op : fn.getBody().front()) {
      if (auto ret = llvm::dyn_cast<func::ReturnOp>(op)) {
        for (auto [i, v] : llvm::enumerate(ret.getOperands())) {
          auto m = kb.create<bufferization::MaterializeInDestinationOp>(
              fn.getLoc(), Type(), map.lookup(v), entry->getArgument(type.getNumInputs() + i));
          m.setRestrict(true);
          m.setWritable(true);
        }
        kb.create<func::ReturnOp>(fn.getLoc());
        continue;
      }
      kb.clone(op, map);
    }
    fn.erase();
  }
}

} // namespace rqc::cpu
