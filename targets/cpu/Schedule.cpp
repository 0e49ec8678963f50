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
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/Vector/Transforms/LoweringPatterns.h"
#include "mlir/Dialect/Vector/Transforms/VectorRewritePatterns.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
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

// The kernel's defining computation: its first named linalg op that is not a fill or a
// layout change.
std::string rootOpName(func::FuncOp fn) {
  std::string name = "generic";
  fn.walk([&](linalg::LinalgOp op) {
    if (name == "generic" && !llvm::isa<linalg::GenericOp, linalg::FillOp, linalg::TransposeOp, linalg::CopyOp>(op))
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
  // A convolution's NCHW -> NHWC input is computed once, before the parallel loop
  // (tileLayoutChanges parallelizes it): fused, every tile of output channels would redo
  // it. Its filter repacking is fused: each tile repacks only its own filters.
  options.setFusionControlFn([](tensor::ExtractSliceOp slice, OpResult producer, bool) {
    bool convInput = llvm::isa<linalg::TransposeOp>(producer.getOwner()) &&
                     llvm::any_of(slice->getUsers(), [&](Operation *user) {
                       return llvm::isa<linalg::Conv2DNhwcHwcfOp, linalg::DepthwiseConv2DNhwcHwcOp,
                                        linalg::PoolingNhwcMaxOp>(user) &&
                              user->getOperand(0) == slice.getResult();
                     });
    return std::make_tuple(!convInput, false);
  });
  FailureOr<scf::SCFTileAndFuseResult> result =
      scf::tileConsumerAndFuseProducersUsingSCF(rewriter, llvm::cast<TilingInterface>(consumer.getOperation()), options);
  if (failed(result)) return; // the kernel keeps its untiled (correct, slower) form
  for (OpResult r : consumer->getResults())
    if (Value replacement = result->replacements.lookup(r)) rewriter.replaceAllUsesWith(r, replacement);
}

// A divisor of `n` not above `limit` (tiles that divide evenly need no masking),
// preferring powers of two (vectors of 8 or 16 lanes map to whole registers).
int64_t divisorAtMost(int64_t n, int64_t limit) {
  for (int64_t d = 1 << 6; d >= 4; d /= 2)
    if (d <= limit && n % d == 0) return d;
  for (int64_t d = std::min(n, limit); d > 1; --d)
    if (n % d == 0) return d;
  return 1;
}

// The layout changes left outside the parallel loop (see tileParallel) get parallel tiles
// of their own: bands of their second dimension (rows of an NHWC tensor).
void tileLayoutChanges(func::FuncOp fn) {
  SmallVector<linalg::TransposeOp> layoutChanges;
  fn.walk([&](linalg::TransposeOp op) {
    if (!op->getParentOfType<scf::ForallOp>() && op.getInit().getType().getRank() >= 2) layoutChanges.push_back(op);
  });
  IRRewriter rewriter(fn.getContext());
  for (linalg::TransposeOp op : layoutChanges) {
    int64_t rows = op.getInit().getType().getDimSize(1);
    SmallVector<OpFoldResult> sizes(op.getInit().getType().getRank(), rewriter.getIndexAttr(0));
    sizes[0] = rewriter.getIndexAttr(1);
    sizes[1] = rewriter.getIndexAttr(divisorAtMost(rows, std::max<int64_t>(1, rows / 8)));
    rewriter.setInsertionPoint(op);
    scf::SCFTilingOptions tiling;
    tiling.setTileSizes(sizes);
    tiling.setLoopType(scf::SCFTilingOptions::LoopType::ForallOp);
    // The padding of the convolution's input is fused into these tiles (parallel too).
    scf::SCFTileAndFuseOptions options;
    options.setTilingOptions(tiling);
    FailureOr<scf::SCFTileAndFuseResult> tiled =
        scf::tileConsumerAndFuseProducersUsingSCF(rewriter, llvm::cast<TilingInterface>(op.getOperation()), options);
    if (failed(tiled)) continue;
    for (OpResult r : op->getResults())
      if (Value replacement = tiled->replacements.lookup(r)) rewriter.replaceAllUsesWith(r, replacement);
  }
}

// Register-level tile of one op inside a parallel tile: the shape its vectorized form
// computes at once. Empty when the op is left scalar.
SmallVector<int64_t> registerTile(linalg::LinalgOp op, int vectorLanes) {
  auto static_ = [&](unsigned loop) { return op.getStaticLoopRanges()[loop]; };
  if (llvm::any_of(op.getStaticLoopRanges(), ShapedType::isDynamic)) return {};
  // Channels-last convolutions: a [output columns x output channels] block, channels in
  // whole vectors, accumulated over a few input channels of one filter tap at a time
  // (a 1-D convolution the vectorizer turns into broadcast-FMA outer products).
  if (llvm::isa<linalg::Conv2DNhwcHwcfOp>(op.getOperation())) // (n, oh, ow, f, kh, kw, c)
    return {1, 1, divisorAtMost(static_(2), 8), divisorAtMost(static_(3), 2 * vectorLanes), 1, 1,
            divisorAtMost(static_(6), 8)};
  // Channels-last depthwise: [output columns x channels in whole vectors], one filter row
  // per step with the window width unrolled.
  if (llvm::isa<linalg::DepthwiseConv2DNhwcHwcOp, linalg::PoolingNhwcMaxOp>(op.getOperation())) // (n, oh, ow, c, kh, kw)
    return {1, 1, divisorAtMost(static_(2), 8), divisorAtMost(static_(3), 2 * vectorLanes), 1, 0};
  // Average pooling (NCHW): a [channels x output columns] block, the window width whole.
  if (llvm::isa<linalg::PoolingNchwSumOp>(op))
    return {1, divisorAtMost(static_(1), 4), 1, divisorAtMost(static_(3), vectorLanes), 1, 0};
  // Layout changes: square blocks of the two innermost output dimensions (a register
  // transpose between a strided read and a contiguous write).
  if (llvm::isa<linalg::TransposeOp>(op.getOperation())) {
    SmallVector<int64_t> sizes(op.getNumLoops(), 1);
    if (sizes.size() < 2) return {};
    // At most 8x8: as fast as 16x16 on AVX-512 and a third less LLVM time.
    for (unsigned d = sizes.size() - 2; d < sizes.size(); ++d) sizes[d] = divisorAtMost(static_(d), std::min(8, vectorLanes));
    return sizes;
  }
  if (auto g = llvm::dyn_cast<linalg::GenericOp>(op.getOperation())) {
    if (g.getNumReductionLoops() != 0 || g.getNumLoops() == 0) return {};
    SmallVector<int64_t> sizes(g.getNumLoops(), 1);
    sizes.back() = divisorAtMost(static_(g.getNumLoops() - 1), 4 * vectorLanes);
    return sizes;
  }
  if (llvm::isa<linalg::FillOp>(op)) {
    SmallVector<int64_t> sizes(op.getNumLoops(), 1);
    if (!sizes.empty()) sizes.back() = divisorAtMost(static_(op.getNumLoops() - 1), 4 * vectorLanes);
    return sizes;
  }
  return {};
}

// Tiles each op inside the parallel tiles to its register tile (scf.for), decomposes
// 2-D convolutions and pooling with a unit window height into 1-D ones (the forms MLIR 19
// vectorizes), then vectorizes every static linalg op that can be.
void vectorizeTiles(func::FuncOp fn, int vectorBits) {
  const int lanes = std::max(4, vectorBits / 32);
  MLIRContext *ctx = fn.getContext();
  SmallVector<linalg::LinalgOp> ops;
  fn.walk([&](linalg::LinalgOp op) {
    if (op->getParentOfType<scf::ForallOp>()) ops.push_back(op);
  });
  IRRewriter rewriter(ctx);
  for (linalg::LinalgOp op : ops) {
    SmallVector<int64_t> tile = registerTile(op, lanes);
    if (tile.empty()) continue;
    rewriter.setInsertionPoint(op);
    scf::SCFTilingOptions options;
    SmallVector<OpFoldResult> sizes;
    for (int64_t t : tile) sizes.push_back(rewriter.getIndexAttr(t));
    options.setTileSizes(sizes);
    FailureOr<scf::SCFTilingResult> tiled = scf::tileUsingSCF(rewriter, llvm::cast<TilingInterface>(op.getOperation()), options);
    if (failed(tiled)) continue;
    rewriter.replaceOp(op, tiled->replacements);
  }
  // Convolution tiles whose reduction loops are all unit (one input channel, one tap) become
  // generic ops; folding the unit dimensions leaves an outer product of input columns and
  // a weight vector: broadcast + FMA vectors.
  {
    SmallVector<linalg::ConvolutionOpInterface> unitReductions;
    fn.walk([&](linalg::ConvolutionOpInterface conv) {
      auto op = llvm::cast<linalg::LinalgOp>(conv.getOperation());
      if (!op->getParentOfType<scf::ForallOp>() || op.hasDynamicShape()) return;
      SmallVector<int64_t> ranges = op.getStaticLoopRanges();
      SmallVector<unsigned> reductions;
      op.getReductionDims(reductions);
      if (llvm::all_of(reductions, [&](unsigned d) { return ranges[d] == 1; })) unitReductions.push_back(conv);
    });
    for (auto conv : unitReductions) {
      rewriter.setInsertionPoint(conv);
      (void)linalg::generalizeNamedOp(rewriter, llvm::cast<linalg::LinalgOp>(conv.getOperation()));
    }
    RewritePatternSet patterns(ctx);
    linalg::ControlDropUnitDims unitDims;
    unitDims.rankReductionStrategy = linalg::ControlDropUnitDims::RankReductionStrategy::ExtractInsertSlice;
    linalg::populateFoldUnitExtentDimsPatterns(patterns, unitDims);
    linalg::populateDecomposeConvolutionPatterns(patterns);
    (void)applyPatternsAndFoldGreedily(fn, std::move(patterns));
  }
  // Only register-sized ops become vectors; a larger op (an untiled matmul tile) would
  // turn into huge vector values spilled to the stack.
  constexpr int64_t kMaxVectorElements = 1024;
  SmallVector<linalg::LinalgOp> candidates;
  fn.walk([&](linalg::LinalgOp op) {
    if (!op->getParentOfType<scf::ForallOp>() || op.hasDynamicShape()) return;
    int64_t iterations = 1;
    for (int64_t r : op.getStaticLoopRanges()) iterations *= r;
    if (iterations <= kMaxVectorElements) candidates.push_back(op);
  });
  for (linalg::LinalgOp op : candidates) {
    if (failed(linalg::vectorizeOpPrecondition(op))) continue;
    rewriter.setInsertionPoint(op);
    (void)linalg::vectorize(rewriter, op);
  }
  RewritePatternSet cleanup(ctx);
  vector::populateVectorTransferPermutationMapLoweringPatterns(cleanup);
  vector::populateVectorReductionToContractPatterns(cleanup);
  vector::TransferReadOp::getCanonicalizationPatterns(cleanup, ctx);
  vector::TransferWriteOp::getCanonicalizationPatterns(cleanup, ctx);
  (void)applyPatternsAndFoldGreedily(fn, std::move(cleanup));
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
      if (step.primitive == "tile_parallel") {
        tileParallel(fn, consumer, step.args);
        tileLayoutChanges(fn);
      }
      else if (step.primitive == "vectorize") vectorizeTiles(fn, target.vectorBits);
    }
    fn->setAttr("rqc.schedule", StringAttr::get(fn.getContext(), schedule::toJson(sch)));
  }
}

} // namespace rqc::cpu
