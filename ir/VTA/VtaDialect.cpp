#include "ir/VTA/VtaDialect.h"

#include "rqc/runtime/Error.h"

#include "mlir/IR/DialectImplementation.h"

#include <array>
#include <optional>

using namespace mlir;
using namespace rqc::vta;
using namespace rqc::vta::ir;

#include "ir/VTA/VtaOpsDialect.cpp.inc"

void VTADialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "ir/VTA/VtaOps.cpp.inc"
      >();
}

namespace {

// The configuration of the kernel around `op`, or an error on `op`.
std::optional<VtaConfig> configOf(Operation *op) {
  auto kernel = op->getParentOfType<KernelOp>();
  if (!kernel) return std::nullopt; // HasParent reports it
  try {
    return VtaConfig::fromModelString(kernel.getModel().str());
  } catch (const rqc::Error &e) {
    op->emitOpError("in a kernel of an unknown VTA configuration: ") << e.what();
    return std::nullopt;
  }
}

std::optional<uint32_t> depthOf(const VtaConfig &c, llvm::StringRef buffer) {
  if (buffer == "UOP") return c.uopDepth();
  if (buffer == "WGT") return c.wgtDepth();
  if (buffer == "INP") return c.inpDepth();
  if (buffer == "ACC" || buffer == "ACC_8BIT") return c.accDepth();
  if (buffer == "OUT") return c.outDepth();
  return std::nullopt;
}

// The SRAM range [base, base + rows * columns) a LOAD writes or a STORE reads must stay
// inside the buffer.
LogicalResult checkRange(Operation *op, llvm::StringRef verb, llvm::StringRef buffer, uint32_t depth, int64_t base,
                         int64_t rows, int64_t columns) {
  const int64_t end = base + rows * columns;
  if (base < 0 || rows < 0 || columns < 0 || end > depth)
    return op->emitOpError(verb) << " " << buffer << " elements [" << base << ", " << end << "), beyond the buffer's "
                                 << depth << " elements";
  return success();
}

enum Module { Load, Compute, Store };
enum Queue { LoadToCompute, ComputeToLoad, ComputeToStore, StoreToCompute };

Module moduleOf(Operation *op) {
  if (auto l = llvm::dyn_cast<LoadOp>(op)) return l.getBuffer() == "INP" || l.getBuffer() == "WGT" ? Load : Compute;
  if (llvm::isa<StoreOp>(op)) return Store;
  return Compute;
}

} // namespace

LogicalResult UopsOp::verify() {
  if (getDst().size() != getSrc().size() || getDst().size() != getWgt().size())
    return emitOpError("needs as many dst, src and wgt indices (")
           << getDst().size() << ", " << getSrc().size() << ", " << getWgt().size() << ")";
  return success();
}

LogicalResult LoadOp::verify() {
  std::optional<VtaConfig> c = configOf(*this);
  if (!c) return failure();
  std::optional<uint32_t> depth = depthOf(*c, getBuffer());
  if (!depth || getBuffer() == "OUT")
    return emitOpError("loads into UOP, WGT, INP, ACC or ACC_8BIT, not '") << getBuffer() << "'";
  return checkRange(*this, "writes", getBuffer(), *depth, getSramBase(), getYSize() + getYPad0() + getYPad1(),
                    getXSize() + getXPad0() + getXPad1());
}

LogicalResult StoreOp::verify() {
  std::optional<VtaConfig> c = configOf(*this);
  if (!c) return failure();
  return checkRange(*this, "reads", "OUT", c->outDepth(), getSramBase(), getYSize(), getXSize());
}

LogicalResult GemmOp::verify() {
  std::optional<VtaConfig> c = configOf(*this);
  if (!c) return failure();
  if (getUopBegin() > getUopEnd() || getUopEnd() > c->uopDepth())
    return emitOpError("runs micro-ops [") << getUopBegin() << ", " << getUopEnd() << ") of a buffer of "
                                           << c->uopDepth();
  return success();
}

LogicalResult AluOp::verify() {
  std::optional<VtaConfig> c = configOf(*this);
  if (!c) return failure();
  if (!aluOpcodeFromName(getOpcode().str())) return emitOpError("opcode '") << getOpcode() << "' is not MIN, MAX, ADD, SHR or MUL";
  if (getUopBegin() > getUopEnd() || getUopEnd() > c->uopDepth())
    return emitOpError("runs micro-ops [") << getUopBegin() << ", " << getUopEnd() << ") of a buffer of "
                                           << c->uopDepth();
  if (auto imm = getImm()) {
    const int32_t v = static_cast<int32_t>(*imm); // an i32 attribute, unwrapped as unsigned
    if (v < -32768 || v > 32767) return emitOpError("immediate ") << v << " does not fit 16 bits";
  }
  return success();
}

LogicalResult KernelOp::verify() {
  VtaConfig c;
  try {
    c = VtaConfig::fromModelString(getModel().str());
  } catch (const rqc::Error &e) {
    return emitOpError("model: ") << e.what();
  }
  Block &body = getBody().front();
  if (body.empty() || !llvm::isa<FinishOp>(body.back())) return emitOpError("must end with vta.finish");
  UopsOp table;
  std::array<int64_t, 4> pushed{}, popped{};
  for (Operation &op : body) {
    if (auto u = llvm::dyn_cast<UopsOp>(op)) {
      if (table) return u.emitOpError("is the kernel's second micro-op table");
      table = u;
      continue;
    }
    const Module m = moduleOf(&op);
    auto flag = [&](llvm::StringRef name) { return op.hasAttr(name); };
    // prev/next of each module, as queues.
    if (m == Load && (flag("pop_prev") || flag("push_prev")))
      return op.emitOpError("runs on the load module, which has no previous module");
    if (m == Store && (flag("pop_next") || flag("push_next")))
      return op.emitOpError("runs on the store module, which has no next module");
    if (m == Load) {
      pushed[LoadToCompute] += flag("push_next");
      popped[ComputeToLoad] += flag("pop_next");
    } else if (m == Compute) {
      popped[LoadToCompute] += flag("pop_prev");
      pushed[ComputeToLoad] += flag("push_prev");
      pushed[ComputeToStore] += flag("push_next");
      popped[StoreToCompute] += flag("pop_next");
    } else {
      popped[ComputeToStore] += flag("pop_prev");
      pushed[StoreToCompute] += flag("push_prev");
    }
    // Every micro-op over the loops stays inside its buffers.
    auto indices = [&](Operation *insn, uint64_t begin, uint64_t end, uint64_t iterOut, uint64_t iterIn,
                       std::array<uint64_t, 3> out, std::array<uint64_t, 3> in, bool gemm,
                       bool readsSrc) -> LogicalResult {
      if (end <= begin || !iterOut || !iterIn) return success();
      if (!table || end > table.getDst().size())
        return insn->emitOpError("runs micro-ops [") << begin << ", " << end << ") the kernel's vta.uops does not have";
      const std::array<uint64_t, 3> depth{c.accDepth(), gemm ? c.inpDepth() : c.accDepth(), c.wgtDepth()};
      const char *names[3] = {"ACC", gemm ? "INP" : "ACC (src)", "WGT"};
      // The indices it reads: a reset GEMM and an immediate ALU read only ACC[dst].
      const int read = gemm ? 3 : readsSrc ? 2 : 1;
      for (uint64_t u = begin; u < end; ++u) {
        const std::array<uint64_t, 3> base{uint64_t(table.getDst()[u]), uint64_t(table.getSrc()[u]),
                                           uint64_t(table.getWgt()[u])};
        for (int k = 0; k < read; ++k) {
          const uint64_t last = base[k] + (iterOut - 1) * out[k] + (iterIn - 1) * in[k];
          if (last >= depth[k])
            return insn->emitOpError("micro-op ") << u << " reaches " << names[k] << " element " << last
                                                  << ", beyond the buffer's " << depth[k];
        }
      }
      return success();
    };
    if (auto g = llvm::dyn_cast<GemmOp>(op)) {
      if (failed(indices(g, g.getUopBegin(), g.getUopEnd(), g.getIterOut(), g.getIterIn(),
                         {uint64_t(g.getDstFactorOut()), uint64_t(g.getSrcFactorOut()), uint64_t(g.getWgtFactorOut())},
                         {uint64_t(g.getDstFactorIn()), uint64_t(g.getSrcFactorIn()), uint64_t(g.getWgtFactorIn())},
                         !g.getReset(), false)))
        return failure();
    } else if (auto a = llvm::dyn_cast<AluOp>(op)) {
      if (failed(indices(a, a.getUopBegin(), a.getUopEnd(), a.getIterOut(), a.getIterIn(),
                         {uint64_t(a.getDstFactorOut()), uint64_t(a.getSrcFactorOut()), 0},
                         {uint64_t(a.getDstFactorIn()), uint64_t(a.getSrcFactorIn()), 0}, false,
                         !a.getImm().has_value())))
        return failure();
    }
  }
  const char *names[4] = {"load->compute", "compute->load", "compute->store", "store->compute"};
  for (int q = 0; q < 4; ++q)
    if (pushed[q] != popped[q])
      return emitOpError("queue ") << names[q] << " has " << pushed[q] << " push(es) and " << popped[q]
                                   << " pop(s): a token is left over or awaited forever";
  return success();
}

KernelOp rqc::vta::ir::buildKernel(OpBuilder &b, Location loc, llvm::StringRef name, const VtaConfig &config,
                                   const std::vector<Instruction> &program, const std::vector<Uop> &uops) {
  auto kernel = b.create<KernelOp>(loc, b.getStringAttr(name), b.getStringAttr(config.modelString()));
  Block *body = new Block();
  kernel.getBody().push_back(body);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToEnd(body);
  if (!uops.empty()) {
    std::vector<int32_t> dst, src, wgt;
    for (const Uop &u : uops) dst.push_back(int32_t(u.dstIdx)), src.push_back(int32_t(u.srcIdx)), wgt.push_back(int32_t(u.wgtIdx));
    b.create<UopsOp>(loc, dst, src, wgt);
  }
  auto i64 = [&](uint64_t v) { return b.getI64IntegerAttr(int64_t(v)); };
  for (const Instruction &insn : program) {
    Operation *op = nullptr;
    if (const auto *m = std::get_if<MemInsn>(&insn)) {
      if (m->opcode == Opcode::Load)
        op = b.create<LoadOp>(loc, b.getStringAttr(memoryTypeName(m->memoryType)), i64(m->sramBase), i64(m->dramBase),
                              i64(m->ySize), i64(m->xSize), i64(m->xStride), i64(m->yPad0), i64(m->yPad1),
                              i64(m->xPad0), i64(m->xPad1), UnitAttr(), UnitAttr(), UnitAttr(), UnitAttr());
      else
        op = b.create<StoreOp>(loc, i64(m->sramBase), i64(m->dramBase), i64(m->ySize), i64(m->xSize), i64(m->xStride),
                               UnitAttr(), UnitAttr(), UnitAttr(), UnitAttr());
    } else if (const auto *g = std::get_if<GemmInsn>(&insn)) {
      op = b.create<GemmOp>(loc, g->resetReg ? b.getUnitAttr() : UnitAttr(), i64(g->uopBgn), i64(g->uopEnd),
                            i64(g->iterOut), i64(g->iterIn), i64(g->dstFactorOut), i64(g->dstFactorIn),
                            i64(g->srcFactorOut), i64(g->srcFactorIn), i64(g->wgtFactorOut), i64(g->wgtFactorIn),
                            UnitAttr(), UnitAttr(), UnitAttr(), UnitAttr());
    } else if (const auto *a = std::get_if<AluInsn>(&insn)) {
      op = b.create<AluOp>(loc, b.getStringAttr(aluOpcodeName(a->aluOpcode)), a->resetReg ? b.getUnitAttr() : UnitAttr(),
                           i64(a->uopBgn), i64(a->uopEnd), i64(a->iterOut), i64(a->iterIn), i64(a->dstFactorOut),
                           i64(a->dstFactorIn), i64(a->srcFactorOut), i64(a->srcFactorIn),
                           a->useImm ? b.getI32IntegerAttr(a->imm) : IntegerAttr(), UnitAttr(), UnitAttr(), UnitAttr(),
                           UnitAttr());
    } else {
      op = b.create<FinishOp>(loc, UnitAttr(), UnitAttr(), UnitAttr(), UnitAttr());
    }
    const DepFlags &d = depsOf(insn);
    if (d.popPrev) op->setAttr("pop_prev", b.getUnitAttr());
    if (d.popNext) op->setAttr("pop_next", b.getUnitAttr());
    if (d.pushPrev) op->setAttr("push_prev", b.getUnitAttr());
    if (d.pushNext) op->setAttr("push_next", b.getUnitAttr());
  }
  return kernel;
}

#define GET_OP_CLASSES
#include "ir/VTA/VtaOps.cpp.inc"
