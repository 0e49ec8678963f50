// Replays each kernel's schedule (its rqc.schedule attribute, schedules/Schedule.h) onto
// its linalg ops, one function per primitive, each a thin wrapper over an upstream C++
// transform:
//   compute_root   the op stays out of tile fusion; tiled alone into scf.forall
//                  (scf::tileUsingSCF)
//   compute_inline a padding stays out of tile fusion and unmaterialized: the micro-kernel
//                  of its consumer reads through it (checked after the last step)
//   tile_parallel  scf::tileConsumerAndFuseProducersUsingSCF with scf.forall loops
//   tile           the same with scf.for loops (plain scf::tileUsingSCF for ops other
//                  than the output)
//   interchange    linalg::interchangeGenericOp
//   unroll         scf's loopUnrollByFactor on the innermost loop around the op
//   vectorize      linalg::vectorize
//   tensorize      a micro-kernel from MicroKernels.cpp
// Nothing here chooses a size: every number comes from the schedule.
#include "targets/cpu/ApplySchedule.h"
#include "targets/cpu/MicroKernels.h"

#include "compiler/support/JsonAttr.h"
#include "rqc/runtime/Error.h"
#include "schedules/Schedule.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/SCF/Utils/Utils.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/Vector/Transforms/LoweringPatterns.h"
#include "mlir/Dialect/Vector/Transforms/VectorRewritePatterns.h"
#include "mlir/Interfaces/TilingInterface.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

using namespace mlir;

namespace rqc::cpu {

namespace {

constexpr const char *kRole = "rqc.role";

// ---- roles ----

// The op producing the kernel's result (what materialize_in_destination stores, or the
// returned value before the kernel ABI).
Operation *outputProducer(func::FuncOp fn) {
  Operation *producer = nullptr;
  fn.walk([&](bufferization::MaterializeInDestinationOp m) { producer = m.getSource().getDefiningOp(); });
  if (!producer)
    fn.walk([&](func::ReturnOp r) {
      if (r.getNumOperands() == 1) producer = r.getOperand(0).getDefiningOp();
    });
  return producer;
}

// Tags the kernel's ops with their roles (schedules/Schedule.h) before any transform:
// tags are attributes, so they follow the ops through tiling (which clones them).
void tagRoles(func::FuncOp fn) {
  MLIRContext *ctx = fn.getContext();
  auto tag = [&](Operation *op, StringRef role) {
    if (op && !op->hasAttr(kRole)) op->setAttr(kRole, StringAttr::get(ctx, role));
  };
  Operation *root = nullptr;
  unsigned index = 0;
  fn.walk([&](Operation *op) {
    if (!llvm::isa<linalg::LinalgOp>(op)) return;
    op->setAttr("rqc.op_index", IntegerAttr::get(IntegerType::get(ctx, 64), index++));
    if (op->hasAttr("rqc.root")) root = op;
  });
  if (Operation *out = outputProducer(fn)) out->setAttr("rqc.output", UnitAttr::get(ctx));
  if (!root) return;
  tag(root, "root");
  auto linalgRoot = llvm::cast<linalg::LinalgOp>(root);
  if (Operation *pad = linalgRoot.getDpsInputOperand(0)->get().getDefiningOp<tensor::PadOp>()) tag(pad, "pad");
  tag(linalgRoot.getDpsInitOperand(0)->get().getDefiningOp(), "init");
  // Everything computed from the root's result is its epilogue (but ops the lowering
  // already gave a role, such as a Winograd output transform, keep theirs).
  SmallVector<Value> work(root->getResults().begin(), root->getResults().end());
  llvm::DenseSet<Operation *> seen;
  while (!work.empty()) {
    Value v = work.pop_back_val();
    for (Operation *user : v.getUsers())
      if (llvm::isa<linalg::LinalgOp>(user) && seen.insert(user).second) {
        tag(user, "epilogue");
        work.append(user->getResults().begin(), user->getResults().end());
      }
  }
}

bool hasRole(Operation *op, StringRef role) {
  if (role == "all") return llvm::isa<linalg::LinalgOp>(op);
  if (role == "output") return op->hasAttr("rqc.output");
  if (role.consume_front("op:")) {
    auto i = op->getAttrOfType<IntegerAttr>("rqc.op_index");
    return i && std::to_string(i.getInt()) == role.str();
  }
  auto r = op->getAttrOfType<StringAttr>(kRole);
  return r && r.getValue() == role;
}

SmallVector<Operation *> opsWithRole(func::FuncOp fn, StringRef role) {
  SmallVector<Operation *> ops;
  fn.walk([&](Operation *op) {
    if (hasRole(op, role)) ops.push_back(op);
  });
  return ops;
}

// Roles a kernel may lack (no padding, no epilogue): a step naming them does nothing then.
bool isOptionalRole(StringRef role) { return role == "pad" || role == "epilogue" || role == "init"; }

[[noreturn]] void fail(func::FuncOp fn, const schedule::Step &step, const std::string &why) {
  throw Error("schedule of " + fn.getName().str() + ": step '" + step.primitive + " " + step.op + "': " + why);
}

// Dead originals of tiled or fused ops go, so that later steps see only live ops.
void cleanup(func::FuncOp fn) {
  RewritePatternSet none(fn.getContext());
  (void)applyPatternsAndFoldGreedily(fn, std::move(none));
}

// ---- tiling ----

// Tile sizes per loop of `op` from sizes per dimension of its result (reduction loops
// whole).
SmallVector<OpFoldResult> loopSizesFromResult(linalg::LinalgOp op, ArrayRef<int64_t> sizes, OpBuilder &b) {
  SmallVector<OpFoldResult> out(op.getNumLoops(), b.getIndexAttr(0));
  AffineMap map = op.getIndexingMapMatchingResult(op->getResult(0));
  for (auto [i, expr] : llvm::enumerate(map.getResults()))
    if (auto d = llvm::dyn_cast<AffineDimExpr>(expr); d && i < sizes.size()) out[d.getPosition()] = b.getIndexAttr(sizes[i]);
  return out;
}

SmallVector<OpFoldResult> indexAttrs(ArrayRef<int64_t> sizes, OpBuilder &b) {
  SmallVector<OpFoldResult> out;
  for (int64_t s : sizes) out.push_back(b.getIndexAttr(s));
  return out;
}

// Tiles the output op and fuses its producers into the tiles, except ops computed at root;
// serial (register-level) tiles do not fuse a padding either: it is computed at root or
// once per parallel tile, never once per register tile.
void tileOutputAndFuse(func::FuncOp fn, const schedule::Step &step, scf::SCFTilingOptions::LoopType loopType) {
  SmallVector<Operation *> outs = opsWithRole(fn, "output");
  if (outs.empty()) fail(fn, step, "the kernel has no output op to tile");
  IRRewriter rewriter(fn.getContext());
  for (Operation *op : outs) {
    auto consumer = llvm::dyn_cast<linalg::LinalgOp>(op);
    if (!consumer || consumer->getNumResults() != 1 ||
        !consumer.getIndexingMapMatchingResult(consumer->getResult(0)).isProjectedPermutation())
      fail(fn, step, "the output op is not a linalg op indexed by its loops");
    if (step.sizes.size() != static_cast<size_t>(llvm::cast<ShapedType>(op->getResult(0).getType()).getRank()))
      fail(fn, step, "expects one size per output dimension");
    rewriter.setInsertionPoint(op);
    scf::SCFTilingOptions tiling;
    tiling.setTileSizes(loopSizesFromResult(consumer, step.sizes, rewriter));
    tiling.setLoopType(loopType);
    scf::SCFTileAndFuseOptions options;
    options.setTilingOptions(tiling);
    bool serial = loopType == scf::SCFTilingOptions::LoopType::ForOp;
    options.setFusionControlFn([serial](tensor::ExtractSliceOp, OpResult producer, bool) {
      Operation *op = producer.getOwner();
      bool fuse = !op->hasAttr("rqc.compute_root") && !op->hasAttr("rqc.compute_inline") &&
                  !(serial && llvm::isa<tensor::PadOp>(op));
      return std::make_tuple(fuse, false);
    });
    FailureOr<scf::SCFTileAndFuseResult> result =
        scf::tileConsumerAndFuseProducersUsingSCF(rewriter, llvm::cast<TilingInterface>(op), options);
    if (failed(result)) fail(fn, step, "tiling failed");
    for (OpResult r : op->getResults())
      if (Value replacement = result->replacements.lookup(r)) rewriter.replaceAllUsesWith(r, replacement);
  }
  cleanup(fn);
}

void tileOps(func::FuncOp fn, const schedule::Step &step, scf::SCFTilingOptions::LoopType loopType) {
  IRRewriter rewriter(fn.getContext());
  for (Operation *op : opsWithRole(fn, step.op)) {
    auto tileable = llvm::dyn_cast<TilingInterface>(op);
    if (!tileable) fail(fn, step, "'" + op->getName().getStringRef().str() + "' cannot be tiled");
    if (step.sizes.size() != tileable.getLoopIteratorTypes().size())
      fail(fn, step, "expects one size per loop (" + std::to_string(tileable.getLoopIteratorTypes().size()) + ")");
    rewriter.setInsertionPoint(op);
    scf::SCFTilingOptions tiling;
    tiling.setTileSizes(indexAttrs(step.sizes, rewriter));
    tiling.setLoopType(loopType);
    // A zero-fill of the accumulator goes into the tiles with it (a micro-kernel then starts
    // its registers at zero instead of reading them), unless a reduction loop is tiled: the
    // fill would then run again for every step of the reduction.
    bool tilesReduction = false;
    auto iterators = tileable.getLoopIteratorTypes();
    for (size_t d = 0; d < iterators.size(); ++d)
      tilesReduction |= step.sizes[d] != 0 && iterators[d] == utils::IteratorType::reduction;
    scf::SCFTileAndFuseOptions options;
    options.setTilingOptions(tiling);
    options.setFusionControlFn([tilesReduction](tensor::ExtractSliceOp, OpResult producer, bool) {
      return std::make_tuple(!tilesReduction && llvm::isa<linalg::FillOp>(producer.getOwner()), false);
    });
    FailureOr<scf::SCFTileAndFuseResult> tiled = scf::tileConsumerAndFuseProducersUsingSCF(rewriter, tileable, options);
    if (failed(tiled)) fail(fn, step, "tiling failed");
    for (OpResult r : op->getResults())
      if (Value replacement = tiled->replacements.lookup(r)) rewriter.replaceAllUsesWith(r, replacement);
  }
  cleanup(fn);
}

// A padding computed at root: fills of the border and a copy of the input into the
// interior, linalg ops that tile in parallel (tensor.pad itself does not tile into
// scf.forall) and that LLVM vectorizes as plain loops. Only the copy carries the pad's role
// (it is what compute_root's sizes tile); the border fills run whole (small for a spatial
// padding; a channel padding's is the new channels).
void padInParallelTiles(func::FuncOp fn, tensor::PadOp pad) {
  IRRewriter b(fn.getContext());
  b.setInsertionPoint(pad);
  Location loc = pad.getLoc();
  auto type = pad.getResultType();
  Value padValue = pad.getConstantPaddingValue();
  if (!padValue || !type.hasStaticShape() || !pad.getSourceType().hasStaticShape())
    throw Error("compute_root: only a constant padding of static shape can be computed in parallel tiles");
  SmallVector<int64_t> low(pad.getStaticLow()), high(pad.getStaticHigh());
  ArrayRef<int64_t> shape = type.getShape(), src = pad.getSourceType().getShape();
  Value padded = b.create<tensor::EmptyOp>(loc, shape, type.getElementType());
  auto slice = [&](SmallVector<int64_t> offsets, SmallVector<int64_t> sizes) {
    SmallVector<OpFoldResult> o, z, st(shape.size(), b.getIndexAttr(1));
    for (int64_t v : offsets) o.push_back(b.getIndexAttr(v));
    for (int64_t v : sizes) z.push_back(b.getIndexAttr(v));
    return std::make_tuple(o, z, st);
  };
  // The border: for each padded dimension, the low and high slabs (over the extent of the
  // dimensions before it already padded, after it not yet).
  for (size_t d = 0; d < shape.size(); ++d)
    for (bool isLow : {true, false}) {
      int64_t width = isLow ? low[d] : high[d];
      if (!width) continue;
      SmallVector<int64_t> offsets(shape.size(), 0), sizes(shape.begin(), shape.end());
      for (size_t k = d + 1; k < shape.size(); ++k) offsets[k] = low[k], sizes[k] = src[k];
      offsets[d] = isLow ? 0 : low[d] + src[d];
      sizes[d] = width;
      auto [o, z, st] = slice(offsets, sizes);
      Value border = b.create<tensor::ExtractSliceOp>(loc, padded, o, z, st);
      Value filled = b.create<linalg::FillOp>(loc, padValue, border).getResult(0);
      filled.getDefiningOp()->setAttr("rqc.compute_root", b.getUnitAttr());
      padded = b.create<tensor::InsertSliceOp>(loc, filled, padded, o, z, st);
    }
  SmallVector<int64_t> inner(src.begin(), src.end());
  auto [o, z, st] = slice(SmallVector<int64_t>(low.begin(), low.end()), inner);
  Value interior = b.create<tensor::ExtractSliceOp>(loc, padded, o, z, st);
  auto copy = b.create<linalg::CopyOp>(loc, pad.getSource(), interior);
  copy->setAttr("rqc.compute_root", b.getUnitAttr());
  // The copy takes the pad's role (a kernel that is one padding: its output role).
  for (const char *role : {kRole, "rqc.output"})
    if (Attribute a = pad->getAttr(role)) copy->setAttr(role, a);
  b.replaceOp(pad, b.create<tensor::InsertSliceOp>(loc, copy.getResult(0), padded, o, z, st).getResult());
}

void computeRoot(func::FuncOp fn, const schedule::Step &step) {
  for (Operation *op : opsWithRole(fn, step.op)) {
    op->setAttr("rqc.compute_root", UnitAttr::get(fn.getContext()));
    if (auto pad = llvm::dyn_cast<tensor::PadOp>(op); pad && !step.sizes.empty()) padInParallelTiles(fn, pad);
  }
  if (!step.sizes.empty()) tileOps(fn, step, scf::SCFTilingOptions::LoopType::ForallOp);
}

void computeInline(func::FuncOp fn, const schedule::Step &step) {
  for (Operation *op : opsWithRole(fn, step.op)) {
    auto pad = llvm::dyn_cast<tensor::PadOp>(op);
    if (!pad || !pad.getConstantPaddingValue()) fail(fn, step, "only a padding by a constant can be inlined");
    op->setAttr("rqc.compute_inline", UnitAttr::get(fn.getContext()));
  }
}

// An inlined padding must be dead once every step ran: its consumers' micro-kernels read
// its source. (Left alive it would be materialized whole, silently slower.)
void checkInlined(func::FuncOp fn, const schedule::Schedule &s) {
  cleanup(fn);
  fn.walk([&](tensor::PadOp pad) {
    if (!pad->hasAttr("rqc.compute_inline")) return;
    for (const schedule::Step &step : s.steps)
      if (step.primitive == "compute_inline")
        fail(fn, step, "a consumer of the padding does not read through it (no micro-kernel that can took its tile)");
  });
}

// ---- loop-level steps ----

void interchange(func::FuncOp fn, const schedule::Step &step) {
  IRRewriter rewriter(fn.getContext());
  SmallVector<unsigned> perm(step.sizes.begin(), step.sizes.end());
  for (Operation *op : opsWithRole(fn, step.op)) {
    auto generic = llvm::dyn_cast<linalg::GenericOp>(op);
    if (!generic) fail(fn, step, "only linalg.generic ops can be interchanged");
    rewriter.setInsertionPoint(op);
    if (failed(linalg::interchangeGenericOp(rewriter, generic, perm))) fail(fn, step, "not a permutation of its loops");
  }
}

void unroll(func::FuncOp fn, const schedule::Step &step) {
  if (step.sizes.size() != 1 || step.sizes[0] < 1) fail(fn, step, "expects one unroll factor");
  for (Operation *op : opsWithRole(fn, step.op)) {
    auto loop = op->getParentOfType<scf::ForOp>();
    if (!loop) fail(fn, step, "the op is not inside a tiled loop");
    if (failed(loopUnrollByFactor(loop, static_cast<uint64_t>(step.sizes[0])))) fail(fn, step, "unrolling failed");
  }
}

void vectorize(func::FuncOp fn, const schedule::Step &step) {
  // "all": every op inside the tiles with at most sizes[0] iterations (a register-sized tile).
  int64_t limit = step.op == "all" ? (step.sizes.empty() ? 1024 : step.sizes[0]) : INT64_MAX;
  IRRewriter rewriter(fn.getContext());
  for (Operation *op : opsWithRole(fn, step.op)) {
    auto l = llvm::cast<linalg::LinalgOp>(op);
    if (step.op == "all") {
      if (!op->getParentOfType<scf::ForallOp>() && !op->getParentOfType<scf::ForOp>()) continue;
      if (l.hasDynamicShape()) continue;
      int64_t iterations = 1;
      for (int64_t r : l.getStaticLoopRanges()) iterations *= r;
      if (iterations > limit) continue;
    }
    if (failed(linalg::vectorizeOpPrecondition(op))) {
      if (step.op == "all") continue;
      fail(fn, step, "'" + op->getName().getStringRef().str() + "' cannot be vectorized (dynamic or unsupported shape)");
    }
    rewriter.setInsertionPoint(op);
    // "all" takes what the vectorizer can do (some named pooling forms it cannot).
    if (failed(linalg::vectorize(rewriter, op)) && step.op != "all") fail(fn, step, "vectorization failed");
  }
  // Vector transfers in the forms the LLVM lowering handles; reads of values just written
  // on tensors fold away (the epilogue then works on the micro-kernel's registers).
  MLIRContext *ctx = fn.getContext();
  RewritePatternSet cleanupPatterns(ctx);
  vector::populateVectorTransferPermutationMapLoweringPatterns(cleanupPatterns);
  vector::populateVectorReductionToContractPatterns(cleanupPatterns);
  vector::TransferReadOp::getCanonicalizationPatterns(cleanupPatterns, ctx);
  vector::TransferWriteOp::getCanonicalizationPatterns(cleanupPatterns, ctx);
  (void)applyPatternsAndFoldGreedily(fn, std::move(cleanupPatterns));
}

void tensorizeStep(func::FuncOp fn, const schedule::Step &step, const MicroKernelIsa &isa) {
  IRRewriter rewriter(fn.getContext());
  for (Operation *op : opsWithRole(fn, step.op)) {
    auto l = llvm::dyn_cast<linalg::LinalgOp>(op);
    if (!l) fail(fn, step, "not a linalg op");
    try {
      tensorize(rewriter, l, step.name, step.sizes, isa);
    } catch (const Error &e) {
      fail(fn, step, e.what());
    }
  }
  cleanup(fn);
}

} // namespace

void applySchedule(func::FuncOp fn, const schedule::Schedule &s, const MicroKernelIsa &isa) {
  tagRoles(fn);
  for (const schedule::Step &step : s.steps) {
    // graph level: rqc-alter-layout applied them
    if (step.primitive == "pack" || step.primitive == "winograd") continue;
    if (step.op != "all" && step.op != "output" && !StringRef(step.op).starts_with("op:") &&
        opsWithRole(fn, step.op).empty()) {
      if (isOptionalRole(step.op)) continue;
      fail(fn, step, "the kernel has no op with this role");
    }
    if (step.primitive == "compute_root") computeRoot(fn, step);
    else if (step.primitive == "compute_inline") computeInline(fn, step);
    else if (step.primitive == "tile_parallel") tileOutputAndFuse(fn, step, scf::SCFTilingOptions::LoopType::ForallOp);
    else if (step.primitive == "tile") {
      if (step.op == "output") tileOutputAndFuse(fn, step, scf::SCFTilingOptions::LoopType::ForOp);
      else tileOps(fn, step, scf::SCFTilingOptions::LoopType::ForOp);
    } else if (step.primitive == "interchange") interchange(fn, step);
    else if (step.primitive == "unroll") unroll(fn, step);
    else if (step.primitive == "vectorize") vectorize(fn, step);
    else if (step.primitive == "tensorize") tensorizeStep(fn, step, isa);
    else fail(fn, step, "unknown primitive");
  }
  checkInlined(fn, s);
}

// The target's ISA with what this kernel's constants allow (rqc.weight_pairs_fit_i16,
// rqc-alter-layout): vpmaddubsw on x86 without VNNI.
MicroKernelIsa kernelIsa(func::FuncOp fn, MicroKernelIsa isa) {
  isa.pmaddubsw = isa.pmaddwd128 && fn->hasAttr("rqc.weight_pairs_fit_i16");
  return isa;
}

void applySchedules(ModuleOp kernels, const MicroKernelIsa &isa) {
  for (func::FuncOp fn : kernels.getOps<func::FuncOp>()) {
    Attribute attr = fn->getAttr("rqc.schedule");
    if (!attr) continue;
    applySchedule(fn, schedule::scheduleFromJson(attrToJson(attr)), kernelIsa(fn, isa));
  }
}

} // namespace rqc::cpu

// ---- the pass (rqc-opt and lit tests) ----

#include "targets/cpu/Passes.h"

namespace rqc::cpu {
#define GEN_PASS_DEF_APPLYSCHEDULE
#include "targets/cpu/Passes.h.inc"

namespace {
struct ApplySchedulePass : impl::ApplyScheduleBase<ApplySchedulePass> {
  using ApplyScheduleBase::ApplyScheduleBase;
  void runOnOperation() override {
    for (func::FuncOp fn : getOperation().getOps<func::FuncOp>()) {
      Attribute attr = fn->getAttr("rqc.schedule");
      if (!attr) continue;
      try {
        MicroKernelIsa isa{std::max(4, vectorBits / 32), vnni && vectorBits >= 512, vnni, sdot, pmaddwd,
                           pmaddwd && vectorBits >= 256, pmaddwd && vectorBits >= 512};
        applySchedule(fn, schedule::scheduleFromJson(attrToJson(attr)), kernelIsa(fn, isa));
      } catch (const Error &e) {
        fn.emitError(e.what());
        return signalPassFailure();
      }
    }
  }
};
} // namespace
} // namespace rqc::cpu
