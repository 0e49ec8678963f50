#include "targets/cpu/MicroKernels.h"

#include "ir/Graph/Winograd.h"
#include "rqc/runtime/Error.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

#include <algorithm>
#include <functional>
#include <map>
#include <set>
#include <sstream>

using namespace mlir;

namespace rqc::cpu {

namespace {

// An affine expression of the form sum(coeff * d_i) + constant.
struct Linear {
  std::map<unsigned, int64_t> coeff;
  int64_t constant = 0;
  bool ok = true;
  int64_t of(unsigned dim) const {
    auto it = coeff.find(dim);
    return it == coeff.end() ? 0 : it->second;
  }
};

Linear linear(AffineExpr e) {
  Linear l;
  if (auto d = llvm::dyn_cast<AffineDimExpr>(e)) {
    l.coeff[d.getPosition()] = 1;
  } else if (auto c = llvm::dyn_cast<AffineConstantExpr>(e)) {
    l.constant = c.getValue();
  } else if (auto bin = llvm::dyn_cast<AffineBinaryOpExpr>(e)) {
    Linear a = linear(bin.getLHS()), b = linear(bin.getRHS());
    if (!a.ok || !b.ok) return Linear{{}, 0, false};
    if (e.getKind() == AffineExprKind::Add) {
      l = a;
      for (auto [d, c] : b.coeff) l.coeff[d] += c;
      l.constant += b.constant;
    } else if (e.getKind() == AffineExprKind::Mul && b.coeff.empty()) {
      for (auto [d, c] : a.coeff) l.coeff[d] = c * b.constant;
      l.constant = a.constant * b.constant;
    } else {
      l.ok = false;
    }
  } else {
    l.ok = false;
  }
  return l;
}

// On a four-channel dot product (vector.multi_reduction of widened products): the LLVM
// intrinsic that computes it in one instruction (vpdpbusd, SDOT).
constexpr const char *kDotIntrinsic = "rqc.dot_intrinsic";

// On a micro-kernel's loop nest: [kernel argument of the weights, blocks ahead].
constexpr const char *kPrefetchWeights = "rqc.prefetch_weights";

struct KernelError : Error {
  KernelError(const std::string &kernel, const std::string &why)
      : Error("tensorize " + kernel + ": " + why) {}
};

// The micro-kernels build index and vector arithmetic at one insertion point.
class Emitter {
public:
  Emitter(OpBuilder &b, Location loc) : b(b), loc(loc) {}
  OpBuilder &b;
  Location loc;

  Value index(int64_t v) { return b.create<arith::ConstantIndexOp>(loc, v); }
  // base + iv * scale (iv may be null).
  Value affine(int64_t base, Value iv, int64_t scale) {
    if (!iv || scale == 0) return index(base);
    Value scaled = scale == 1 ? iv : b.create<arith::MulIOp>(loc, iv, index(scale)).getResult();
    return base == 0 ? scaled : b.create<arith::AddIOp>(loc, scaled, index(base)).getResult();
  }
  Value read(Value tensor, ArrayRef<Value> at, int64_t size) {
    auto elem = llvm::cast<RankedTensorType>(tensor.getType()).getElementType();
    SmallVector<bool> inBounds{true};
    return b.create<vector::TransferReadOp>(loc, VectorType::get({size}, elem), tensor, at, ArrayRef<bool>(inBounds));
  }
  Value write(Value vec, Value tensor, ArrayRef<Value> at) {
    SmallVector<bool> inBounds{true};
    return b.create<vector::TransferWriteOp>(loc, vec, tensor, at, ArrayRef<bool>(inBounds)).getResult();
  }
  Value broadcast(Value scalar, int64_t size) {
    return b.create<vector::BroadcastOp>(loc, VectorType::get({size}, scalar.getType()), scalar);
  }
};

// Vector pieces of a channel block: whole `lanes`-wide vectors, then the remainder.
std::vector<std::pair<int64_t, int64_t>> chunks(int64_t n, int lanes) {
  std::vector<std::pair<int64_t, int64_t>> out;
  for (int64_t off = 0; off < n; off += lanes) out.push_back({off, std::min<int64_t>(lanes, n - off)});
  return out;
}

std::vector<int64_t> staticShape(const std::string &kernel, Value v) {
  auto t = llvm::dyn_cast<RankedTensorType>(v.getType());
  if (!t || !t.hasStaticShape()) throw KernelError(kernel, "operands must have static shapes (tiles dividing their loops)");
  return {t.getShape().begin(), t.getShape().end()};
}

// The tensor a tile was cut from through unit-stride tensor.extract_slice ops, and the
// tile's origin in it (index values, per dim).
struct SliceOrigin {
  Value whole;
  SmallVector<Value> offsets;
};

std::optional<SliceOrigin> sliceOrigin(Emitter &e, Value tile) {
  const int64_t rank = llvm::cast<RankedTensorType>(tile.getType()).getRank();
  SmallVector<OpFoldResult> sum(rank, e.b.getIndexAttr(0));
  Value v = tile;
  while (auto slice = v.getDefiningOp<tensor::ExtractSliceOp>()) {
    if (!slice.hasUnitStride() || slice.getSourceType().getRank() != rank) return std::nullopt;
    for (int64_t d = 0; d < rank; ++d) {
      OpFoldResult o = slice.getMixedOffsets()[d];
      auto a = getConstantIntValue(sum[d]), b = getConstantIntValue(o);
      if (a && b) sum[d] = e.b.getIndexAttr(*a + *b);
      else if (b && *b == 0) continue;
      else if (a && *a == 0) sum[d] = o;
      else sum[d] = e.b.create<arith::AddIOp>(e.loc, getValueOrCreateConstantIndexOp(e.b, e.loc, sum[d]),
                                              getValueOrCreateConstantIndexOp(e.b, e.loc, o)).getResult();
    }
    v = slice.getSource();
  }
  SliceOrigin o{v, {}};
  for (int64_t d = 0; d < rank; ++d) o.offsets.push_back(getValueOrCreateConstantIndexOp(e.b, e.loc, sum[d]));
  return o;
}

// The loop-carried accumulators through `count` nested levels: `body(ivs, accs)` returns the
// new accumulators. Levels with `unroll` run inline with constant ivs.
using Body = std::function<SmallVector<Value>(Emitter &, ArrayRef<Value>, ArrayRef<Value>)>;
SmallVector<Value> loopNest(Emitter &e, ArrayRef<int64_t> extents, ArrayRef<bool> unroll, SmallVector<Value> accs,
                            const Body &body, SmallVector<Value> ivs = {}) {
  size_t level = ivs.size();
  if (level == extents.size()) return body(e, ivs, accs);
  if (unroll[level]) {
    for (int64_t i = 0; i < extents[level]; ++i) {
      SmallVector<Value> next = ivs;
      next.push_back(e.index(i));
      accs = loopNest(e, extents, unroll, accs, body, next);
    }
    return accs;
  }
  if (extents[level] == 1) {
    SmallVector<Value> next = ivs;
    next.push_back(e.index(0));
    return loopNest(e, extents, unroll, accs, body, next);
  }
  auto loop = e.b.create<scf::ForOp>(e.loc, e.index(0), e.index(extents[level]), e.index(1), accs,
                                     [&](OpBuilder &nb, Location nl, Value iv, ValueRange args) {
                                       Emitter inner(nb, nl);
                                       SmallVector<Value> next = ivs;
                                       next.push_back(iv);
                                       SmallVector<Value> out =
                                           loopNest(inner, extents, unroll, SmallVector<Value>(args), body, next);
                                       nb.create<scf::YieldOp>(nl, out);
                                     });
  return SmallVector<Value>(loop.getResults());
}

// Where a micro-kernel's accumulators sit in its result tile: R rows (dim rowDim) x W
// columns (dim colDim) x the channel chunks (dim chanDim), every other dim 0.
struct TileLayout {
  int64_t rank;
  int rowDim, colDim, chanDim; // -1: no such dim
  int64_t R, W;
  std::vector<std::pair<int64_t, int64_t>> chunks;
  size_t count() const { return static_cast<size_t>(R * W) * chunks.size(); }
  // Indices of accumulator i in the tile.
  SmallVector<Value> at(Emitter &e, size_t i) const {
    size_t c = i % chunks.size(), rw = i / chunks.size();
    SmallVector<Value> idx(rank, e.index(0));
    if (rowDim >= 0) idx[rowDim] = e.index(static_cast<int64_t>(rw) / W);
    if (colDim >= 0) idx[colDim] = e.index(static_cast<int64_t>(rw) % W);
    idx[chanDim] = e.index(chunks[c].first);
    return idx;
  }
  int64_t size(size_t i) const { return chunks[i % chunks.size()].second; }
};

// A linalg.generic that copies its one input, broadcast (a bias along channels).
bool isBroadcastCopy(linalg::GenericOp g) {
  if (g.getNumDpsInputs() != 1 || g.getNumDpsInits() != 1) return false;
  auto yield = llvm::cast<linalg::YieldOp>(g.getBody()->getTerminator());
  return yield.getNumOperands() == 1 && yield.getOperand(0) == g.getBody()->getArgument(0) &&
         g.getIndexingMapsArray()[1].isIdentity();
}

// The accumulators' initial values. The micro-kernel absorbs its initializer: a fill is a
// splat, a bias broadcast reads the bias vectors (and `init` becomes the initializer's own
// destination, so the initializer is not run); otherwise the init tile is read.
SmallVector<Value> initialAccumulators(Emitter &e, Value &init, const TileLayout &t) {
  Operation *def = init.getDefiningOp();
  SmallVector<Value> accs;
  if (auto fill = llvm::dyn_cast_or_null<linalg::FillOp>(def)) {
    for (size_t i = 0; i < t.count(); ++i) accs.push_back(e.broadcast(fill.getInputs()[0], t.size(i)));
    init = fill.getDpsInitOperand(0)->get();
    return accs;
  }
  auto g = llvm::dyn_cast_or_null<linalg::GenericOp>(def);
  AffineMap map = g ? g.getIndexingMapsArray()[0] : AffineMap();
  auto lastIsChannel = [&] {
    auto d = llvm::dyn_cast<AffineDimExpr>(map.getResults().back());
    return d && static_cast<int>(d.getPosition()) == t.chanDim;
  };
  if (g && isBroadcastCopy(g) && map.getNumResults() > 0 && lastIsChannel()) {
    Value src = g.getDpsInputOperand(0)->get();
    for (size_t i = 0; i < t.count(); ++i) {
      SmallVector<Value> out = t.at(e, i), in;
      for (AffineExpr r : map.getResults()) {
        if (auto d = llvm::dyn_cast<AffineDimExpr>(r)) in.push_back(out[d.getPosition()]);
        else in.push_back(e.index(llvm::cast<AffineConstantExpr>(r).getValue()));
      }
      accs.push_back(e.read(src, in, t.size(i)));
    }
    init = g.getDpsInitOperand(0)->get();
    return accs;
  }
  for (size_t i = 0; i < t.count(); ++i) accs.push_back(e.read(init, t.at(e, i), t.size(i)));
  return accs;
}

Value writeTile(Emitter &e, Value dest, ArrayRef<Value> vecs, const TileLayout &t) {
  for (size_t i = 0; i < t.count(); ++i) dest = e.write(vecs[i], dest, t.at(e, i));
  return dest;
}

bool sameShape(Value a, Value b) {
  return llvm::cast<RankedTensorType>(a.getType()).getShape() == llvm::cast<RankedTensorType>(b.getType()).getShape();
}

// An elementwise op over the tile (identity maps on same-shape operands, a body of
// arith/math ops on f32, i32, i8 or i1 only) that the micro-kernel can apply to its
// registers: an activation, a residual add, a requantization (i32 -> f32 -> i8).
bool isFusableEpilogue(Operation *op, Value tile) {
  auto g = llvm::dyn_cast<linalg::GenericOp>(op);
  if (!g || g.getNumDpsInits() != 1 || g.getNumLoops() != g.getNumParallelLoops()) return false;
  if (!sameShape(g->getResult(0), tile)) return false;
  for (AffineMap m : g.getIndexingMapsArray())
    if (!m.isIdentity()) return false;
  for (Value v : g.getDpsInputs())
    if (!sameShape(v, tile)) return false;
  for (Operation &b : g.getBody()->without_terminator()) {
    if (!llvm::isa<arith::ArithDialect, math::MathDialect>(b.getDialect())) return false;
    for (Type ty : b.getResultTypes())
      if (!ty.isF32() && !ty.isInteger(1) && !ty.isInteger(8) && !ty.isInteger(32)) return false;
  }
  return true;
}

// Accumulator i's part of a tile operand of an epilogue: a per-channel broadcast (a
// requantization's scales) is read from its source vector, anything else from the tile.
Value readTileOperand(Emitter &e, Value v, const TileLayout &t, size_t i) {
  auto g = v.getDefiningOp<linalg::GenericOp>();
  if (g && isBroadcastCopy(g)) {
    AffineMap map = g.getIndexingMapsArray()[0];
    auto last = map.getNumResults() ? llvm::dyn_cast<AffineDimExpr>(map.getResults().back()) : nullptr;
    if (last && static_cast<int>(last.getPosition()) == t.chanDim) {
      SmallVector<Value> out = t.at(e, i), in;
      for (AffineExpr r : map.getResults()) {
        if (auto d = llvm::dyn_cast<AffineDimExpr>(r)) in.push_back(out[d.getPosition()]);
        else in.push_back(e.index(llvm::cast<AffineConstantExpr>(r).getValue()));
      }
      return e.read(g.getDpsInputOperand(0)->get(), in, t.size(i));
    }
  }
  return e.read(v, t.at(e, i), t.size(i));
}

// Applies an epilogue op's body to vector operands.
Value epilogueVector(Emitter &e, linalg::GenericOp g, ArrayRef<Value> inputs, Value output, int64_t size) {
  IRMapping map;
  Block *body = g.getBody();
  for (auto [arg, v] : llvm::zip(body->getArguments().take_front(inputs.size()), inputs)) map.map(arg, v);
  map.map(body->getArgument(inputs.size()), output);
  auto vectorOf = [&](Value v) -> Value {
    if (Value m = map.lookupOrNull(v)) return m;
    return e.broadcast(v, size); // a scalar from outside the body
  };
  for (Operation &b : body->without_terminator()) {
    if (auto c = llvm::dyn_cast<arith::ConstantOp>(b)) {
      map.map(c.getResult(), e.broadcast(e.b.create<arith::ConstantOp>(e.loc, c.getValue()), size));
      continue;
    }
    SmallVector<Value> operands;
    for (Value v : b.getOperands()) operands.push_back(vectorOf(v));
    SmallVector<Type> types;
    for (Type ty : b.getResultTypes()) types.push_back(VectorType::get({size}, ty));
    OperationState st(e.loc, b.getName(), operands, types, b.getAttrs());
    Operation *v = e.b.create(st);
    for (auto [from, to] : llvm::zip(b.getResults(), v->getResults())) map.map(from, to);
  }
  return vectorOf(body->getTerminator()->getOperand(0));
}

// Replaces the root tile `op` by the accumulators written to its init tile, then absorbs
// the elementwise ops that consume the tile (activation, residual add): they are applied
// to the registers and only the last one's result is written.
void finish(RewriterBase &rw, Emitter &e, linalg::LinalgOp op, Value init, SmallVector<Value> accs, const TileLayout &t) {
  Value tile = op->getResult(0);
  Operation *last = op;
  while (tile.hasOneUse() && isFusableEpilogue(*tile.getUsers().begin(), tile)) {
    auto g = llvm::cast<linalg::GenericOp>(*tile.getUsers().begin());
    e.b.setInsertionPoint(g); // its other operands are defined between the root and it
    Value out = g.getDpsInitOperand(0)->get();
    bool outputRead = !g.getBody()->getArgument(g.getNumDpsInputs()).use_empty();
    for (size_t i = 0; i < t.count(); ++i) {
      SmallVector<Value> ins;
      for (Value v : g.getDpsInputs()) ins.push_back(v == tile ? accs[i] : readTileOperand(e, v, t, i));
      accs[i] = epilogueVector(e, g, ins, outputRead ? e.read(out, t.at(e, i), t.size(i)) : Value(), t.size(i));
    }
    tile = g->getResult(0);
    last = g;
  }
  Value dest = last == op.getOperation() ? init : llvm::cast<linalg::GenericOp>(last).getDpsInitOperand(0)->get();
  Value written = writeTile(e, dest, accs, t);
  rw.replaceAllUsesWith(last->getResult(0), written);
}

// Window geometry of a blocked window op: input map results 2 and 3 are
// oh*s0 + kh*d0 and ow*s1 + kw*d1 (dims given).
struct Window {
  int64_t s0, d0, s1, d1;
};
Window windowOf(const std::string &kernel, AffineMap inputMap, unsigned oh, unsigned kh, unsigned ow, unsigned kw) {
  Linear h = linear(inputMap.getResult(2)), w = linear(inputMap.getResult(3));
  if (!h.ok || !w.ok || h.constant || w.constant || !h.of(oh) || !w.of(ow))
    throw KernelError(kernel, "the input is not indexed by (oh * stride + kh * dilation, ow * stride + kw * dilation)");
  return {h.of(oh), h.of(kh), w.of(ow), w.of(kw)};
}

void requireLoops(const std::string &kernel, linalg::LinalgOp op, unsigned loops, unsigned inputs) {
  if (!llvm::isa<linalg::GenericOp>(op.getOperation()) || op.getNumLoops() != loops || op.getNumDpsInputs() != inputs ||
      op.getNumDpsInits() != 1)
    throw KernelError(kernel, "expects a linalg.generic with " + std::to_string(loops) + " loops and " +
                                  std::to_string(inputs) + " inputs");
}

// Body of the root generic: the combining op applied to (input, accumulator) (windows) or
// the multiply-add (convolutions).
Operation *combiner(linalg::LinalgOp op) {
  Operation *yielded = op.getBlock()->getTerminator()->getOperand(0).getDefiningOp();
  return yielded;
}

void conv2dNchwc(RewriterBase &rw, linalg::LinalgOp op, ArrayRef<int64_t> args, int lanes) {
  const std::string k = "conv2d_nchwc";
  requireLoops(k, op, 9, 2); // (n, oco, oh, ow, oci | ico, kh, kw, ici)
  Value in = op.getDpsInputOperand(0)->get(), wt = op.getDpsInputOperand(1)->get(), init = op.getDpsInitOperand(0)->get();
  std::vector<int64_t> is = staticShape(k, in), ws = staticShape(k, wt), os = staticShape(k, init);
  if (os.size() != 5 || os[0] != 1 || os[1] != 1 || ws.size() != 6 || ws[0] != 1)
    throw KernelError(k, "expects a [1, 1, R, W, OC] tile of one output-channel block");
  Window g = windowOf(k, op.getIndexingMapsArray()[0], 2, 6, 3, 7);
  const int64_t R = os[2], W = os[3], OC = os[4], ICO = is[1], IC = is[4], KH = ws[2], KW = ws[3];
  const bool unrollKw = !args.empty() && args[0];
  const int64_t icUnroll = args.size() > 1 && args[1] > 0 && IC % args[1] == 0 ? args[1] : 1;
  auto ch = chunks(OC, lanes);
  TileLayout tile{5, 2, 3, 4, R, W, ch};
  OpBuilder::InsertionGuard guard(rw);
  rw.setInsertionPoint(op);
  Emitter e(rw, op.getLoc());
  SmallVector<Value> accs = initialAccumulators(e, init, tile);
  // args[2] = d > 0: while this block's filters are used (mostly from L2, by every output
  // row after the first), prefetch those of output-channel block oco + d into L2, so that
  // the next block's first row does not wait on memory. The prefetches are placed after
  // bufferization (insertWeightPrefetches): the loop nest is marked with the weights'
  // kernel argument.
  const int64_t prefetchBlocks = args.size() > 2 ? args[2] : 0;
  std::optional<unsigned> weightArg;
  if (prefetchBlocks > 0)
    if (std::optional<SliceOrigin> o = sliceOrigin(e, wt))
      if (auto toTensor = o->whole.getDefiningOp<bufferization::ToTensorOp>())
        if (auto arg = llvm::dyn_cast<BlockArgument>(toTensor.getMemref())) weightArg = arg.getArgNumber();
  // Loops: input-channel blocks, kh, kw (unrolled or not), input channels innermost (in
  // steps of `icUnroll`, unrolled inside): every address in the innermost loop is one
  // pointer plus a constant, so LLVM needs one register for all the broadcast inputs.
  accs = loopNest(e, {ICO, KH, KW, IC / icUnroll}, {false, false, unrollKw, false}, accs,
                  [&](Emitter &e, ArrayRef<Value> iv, ArrayRef<Value> in0) {
                    SmallVector<Value> acc(in0.begin(), in0.end());
                    Value ico = iv[0], kh = iv[1], kw = iv[2];
                    // Each output row reads a [columns, icUnroll channels] slice of one input
                    // row: every input address of an iteration is the slice's base plus a
                    // constant (LLVM then keeps one pointer, not one per column).
                    SmallVector<Value> rows;
                    for (int64_t r = 0; r < R; ++r) {
                      SmallVector<OpFoldResult> offsets{e.b.getIndexAttr(0), ico, e.affine(r * g.s0, kh, g.d0),
                                                        e.affine(0, kw, g.d1), e.affine(0, iv[3], icUnroll)};
                      SmallVector<OpFoldResult> sizes{e.b.getIndexAttr(1), e.b.getIndexAttr(1), e.b.getIndexAttr(1),
                                                      e.b.getIndexAttr((W - 1) * g.s1 + 1), e.b.getIndexAttr(icUnroll)};
                      SmallVector<OpFoldResult> strides(5, e.b.getIndexAttr(1));
                      auto rowType = RankedTensorType::get({(W - 1) * g.s1 + 1, icUnroll}, e.b.getF32Type());
                      rows.push_back(e.b.create<tensor::ExtractSliceOp>(e.loc, rowType, in, offsets, sizes, strides));
                    }
                    for (int64_t u = 0; u < icUnroll; ++u) {
                      Value ici = e.affine(u, iv[3], icUnroll);
                      SmallVector<Value> wv;
                      for (auto [off, size] : ch)
                        wv.push_back(e.read(wt, {e.index(0), ico, kh, kw, ici, e.index(off)}, size));
                      for (int64_t r = 0; r < R; ++r) {
                        for (int64_t w = 0; w < W; ++w) {
                          Value x = e.b.create<tensor::ExtractOp>(e.loc, rows[r], ValueRange{e.index(w * g.s1), e.index(u)});
                          std::map<int64_t, Value> xb;
                          for (size_t c = 0; c < ch.size(); ++c) {
                            int64_t size = ch[c].second;
                            if (!xb.count(size)) xb[size] = e.broadcast(x, size);
                            size_t a = (r * W + w) * ch.size() + c;
                            acc[a] = e.b.create<vector::FMAOp>(e.loc, xb[size], wv[c], acc[a]);
                          }
                        }
                      }
                    }
                    return acc;
                  });
  if (weightArg)
    if (auto loop = accs[0].getDefiningOp<scf::ForOp>())
      loop->setAttr(kPrefetchWeights, rw.getDenseI64ArrayAttr({int64_t(*weightArg), prefetchBlocks}));
  finish(rw, e, op, init, accs, tile);
}

// The integer convolution tile (LowerConv.cpp's blockedConvInteger): i32 accumulators of
// OC channels per output column, each step a four-channel dot product of a broadcast
// 4-byte input word and a [OC, 4] weight block.
void conv2dNchwcInt8(RewriterBase &rw, linalg::LinalgOp op, ArrayRef<int64_t> args, const MicroKernelIsa &isa) {
  const std::string k = "conv2d_nchwc_int8";
  requireLoops(k, op, 10, 2); // (n, oco, oh, ow, oci | ico, kh, kw, icq, r)
  Value in = op.getDpsInputOperand(0)->get(), wt = op.getDpsInputOperand(1)->get(), init = op.getDpsInitOperand(0)->get();
  std::vector<int64_t> is = staticShape(k, in), ws = staticShape(k, wt), os = staticShape(k, init);
  if (os.size() != 5 || os[0] != 1 || os[1] != 1 || ws.size() != 7 || ws[0] != 1 || ws[6] != 4 || ws[5] != os[4])
    throw KernelError(k, "expects a [1, 1, R, W, OC] tile of one output-channel block and [1, ICo, IC/4, KH, KW, OC, 4] weights");
  // The input's signedness: the extension the body applies to it.
  bool inputUnsigned = false;
  op.getBlock()->walk([&](arith::ExtUIOp ext) { inputUnsigned |= ext.getIn() == op.getBlock()->getArgument(0); });
  Window g = windowOf(k, op.getIndexingMapsArray()[0], 2, 6, 3, 7);
  const int64_t R = os[2], W = os[3], OC = os[4], ICO = is[1], IC = is[4], KH = ws[3], KW = ws[4], ICQ = IC / 4;
  if (IC % 4 != 0) throw KernelError(k, "the input-channel block must be a multiple of 4");
  const bool unrollKw = !args.empty() && args[0];
  const int64_t unroll = args.size() > 1 && args[1] > 0 && ICQ % args[1] == 0 ? args[1] : 1;
  auto ch = chunks(OC, isa.lanes);
  TileLayout tile{5, 2, 3, 4, R, W, ch};
  OpBuilder::InsertionGuard guard(rw);
  rw.setInsertionPoint(op);
  Emitter e(rw, op.getLoc());
  SmallVector<Value> accs = initialAccumulators(e, init, tile);
  Type i8 = e.b.getI8Type(), i32 = e.b.getI32Type();
  // [1, ICo, IC/4, KH, KW, OC * 4]: a chunk's weights are one contiguous read.
  auto flatType = RankedTensorType::get({1, ws[1], ws[2], KH, KW, OC * 4}, i8);
  Value wflat = e.b.create<tensor::CollapseShapeOp>(e.loc, flatType, wt,
                                                    SmallVector<ReassociationIndices>{{0}, {1}, {2}, {3}, {4}, {5, 6}});
  // The dot-product instruction takes data bytes of one signedness: vpdpbusd unsigned, SDOT
  // signed (weights are signed for both). Data of the other kind is read with its sign bit
  // flipped: int8 x as x + 128 for vpdpbusd, uint8 x as x - 128 for SDOT; 128 * sum(w) is
  // taken off (vpdpbusd) or added back (SDOT) at the end, with sum(w) accumulated by the same
  // instruction on a word of ones (one more per weight vector, shared by the tile's columns).
  const bool vnni = isa.vnni512 || isa.vnni256, sdot = isa.sdot && !vnni;
  // x86 without VNNI, weights whose neighbouring pairs sum within i16 against any byte
  // (isa.pmaddubsw: 255 * (|w0| + |w1|) <= 32767, e.g. 7-bit weights): vpmaddubsw (u8 x s8
  // pairs summed into i16, cannot saturate then) and vpmaddwd by ones into i32, the input
  // read unsigned as for vpdpbusd. Whole 256- or 512-bit chunks only.
  auto ubswIntrinsic = [&](int64_t size) -> const char * {
    if (vnni || sdot || !isa.pmaddubsw) return nullptr;
    return size == 16 && isa.pmaddwd512 ? "llvm.x86.avx512.pmaddubs.w.512"
           : size == 8 && isa.pmaddwd256 ? "llvm.x86.avx2.pmadd.ub.sw"
                                         : nullptr;
  };
  bool ubsw = true;
  for (auto [off, size] : ch) ubsw &= ubswIntrinsic(size) != nullptr;
  // x86 without VNNI: per output channel, two products of input-channel pairs, each one
  // vpmaddwd of bytes widened to i16 (exact: no saturation, unlike vpmaddubsw's i16 sums,
  // and signed or unsigned data alike).
  auto pairIntrinsic = [&](int64_t size) -> const char * {
    if (vnni || sdot || ubsw) return nullptr;
    return size == 16 && isa.pmaddwd512 ? "llvm.x86.avx512.pmaddw.d.512"
           : size == 8 && isa.pmaddwd256 ? "llvm.x86.avx2.pmadd.wd"
           : size == 4 && isa.pmaddwd128 ? "llvm.x86.sse2.pmadd.wd"
                                         : nullptr;
  };
  bool pairs = true;
  for (auto [off, size] : ch) pairs &= pairIntrinsic(size) != nullptr;
  const bool flipSign = ((vnni || ubsw) && !inputUnsigned) || (sdot && inputUnsigned);
  const bool unsignedBytes = vnni || ubsw || (!sdot && inputUnsigned);
  // acc += dot4(x word, w block) over `size` lanes.
  auto dot4 = [&](Emitter &e, Value acc, Value xWord, Value w, int64_t size) -> Value {
    auto v32 = VectorType::get({size}, i32);
    Value xs = e.b.create<vector::BroadcastOp>(e.loc, v32, xWord);
    const char *intrinsic = size == 16 && isa.vnni512 ? "llvm.x86.avx512.vpdpbusd.512"
                            : size == 8 && isa.vnni256 ? "llvm.x86.avx512.vpdpbusd.256"
                            : size == 4 && isa.vnni256 ? "llvm.x86.avx512.vpdpbusd.128"
                            : size == 4 && sdot        ? "llvm.aarch64.neon.sdot.v4i32.v16i8"
                            : ubsw                     ? ubswIntrinsic(size)
                                                       : nullptr;
    // Widened products, then the four of each lane added: exact in i32. With VNNI or SDOT
    // the reduction is marked, and becomes the instruction after bufferization
    // (materializeDotProductIntrinsics: deallocation refuses the intrinsic's call).
    auto v8 = VectorType::get({size * 4}, i8), wide = VectorType::get({size * 4}, i32);
    Value xb = e.b.create<vector::BitCastOp>(e.loc, v8, xs);
    Value xw = unsignedBytes ? Value(e.b.create<arith::ExtUIOp>(e.loc, wide, xb)) : Value(e.b.create<arith::ExtSIOp>(e.loc, wide, xb));
    Value ww = e.b.create<arith::ExtSIOp>(e.loc, wide, w);
    Value p = e.b.create<arith::MulIOp>(e.loc, xw, ww);
    Value p2 = e.b.create<vector::ShapeCastOp>(e.loc, VectorType::get({size, 4}, i32), p);
    auto sum = e.b.create<vector::MultiDimReductionOp>(e.loc, p2, acc, ArrayRef<bool>{false, true}, vector::CombiningKind::ADD);
    if (intrinsic) sum->setAttr(kDotIntrinsic, e.b.getStringAttr(intrinsic));
    return sum.getResult();
  };
  // acc += sum over the pair of x16[j] * w16[c][j] per lane c, marked for vpmaddwd: x16 is
  // one (i16, i16) input pair broadcast as i32 words, w16 the [size, 2] i16 weights.
  auto dot2 = [&](Emitter &e, Value acc, Value xPair, Value w16, int64_t size) -> Value {
    Type i16 = e.b.getI16Type();
    auto v16 = VectorType::get({size * 2}, i16), wide = VectorType::get({size * 2}, i32);
    Value xs = e.b.create<vector::BitCastOp>(e.loc, v16, e.b.create<vector::BroadcastOp>(e.loc, VectorType::get({size}, i32), xPair));
    Value p = e.b.create<arith::MulIOp>(e.loc, e.b.create<arith::ExtSIOp>(e.loc, wide, xs),
                                        e.b.create<arith::ExtSIOp>(e.loc, wide, w16));
    Value p2 = e.b.create<vector::ShapeCastOp>(e.loc, VectorType::get({size, 2}, i32), p);
    auto sum = e.b.create<vector::MultiDimReductionOp>(e.loc, p2, acc, ArrayRef<bool>{false, true}, vector::CombiningKind::ADD);
    sum->setAttr(kDotIntrinsic, e.b.getStringAttr(pairIntrinsic(size)));
    return sum.getResult();
  };
  const size_t outputs = accs.size();
  if (flipSign) // the weight sums, one vector per channel chunk, after the accumulators
    for (auto [off, size] : ch)
      accs.push_back(e.b.create<arith::ConstantOp>(e.loc, DenseElementsAttr::get(VectorType::get({size}, i32), int32_t(0))));
  accs = loopNest(e, {ICO, KH, KW, ICQ / unroll}, {false, false, unrollKw, false}, accs,
                  [&](Emitter &e, ArrayRef<Value> iv, ArrayRef<Value> in0) {
                    SmallVector<Value> acc(in0.begin(), in0.end());
                    Value ico = iv[0], kh = iv[1], kw = iv[2];
                    // Per output row, the [columns, 4 * unroll channels] slice of one input row
                    // (one base pointer for every input read of the step, as conv2d_nchwc).
                    SmallVector<Value> rows;
                    for (int64_t r = 0; r < R; ++r) {
                      SmallVector<OpFoldResult> offsets{e.b.getIndexAttr(0), ico, e.affine(r * g.s0, kh, g.d0),
                                                        e.affine(0, kw, g.d1), e.affine(0, iv[3], 4 * unroll)};
                      SmallVector<OpFoldResult> sizes{e.b.getIndexAttr(1), e.b.getIndexAttr(1), e.b.getIndexAttr(1),
                                                      e.b.getIndexAttr((W - 1) * g.s1 + 1), e.b.getIndexAttr(4 * unroll)};
                      SmallVector<OpFoldResult> strides(5, e.b.getIndexAttr(1));
                      auto rowType = RankedTensorType::get({(W - 1) * g.s1 + 1, 4 * unroll}, i8);
                      rows.push_back(e.b.create<tensor::ExtractSliceOp>(e.loc, rowType, in, offsets, sizes, strides));
                    }
                    for (int64_t u = 0; u < unroll; ++u) {
                      Value q = e.affine(u, iv[3], unroll);
                      SmallVector<Value> wv;
                      for (auto [off, size] : ch)
                        wv.push_back(e.read(wflat, {e.index(0), ico, q, kh, kw, e.index(off * 4)}, size * 4));
                      if (pairs) {
                        // Weights of channels (0, 1) and (2, 3) of the group as two [size, 2] i16
                        // vectors (the (channel, pair) i32 words, evens and odds), once per
                        // group for every column.
                        Type i16 = e.b.getI16Type();
                        SmallVector<std::array<Value, 2>> wp;
                        for (size_t c = 0; c < ch.size(); ++c) {
                          int64_t size = ch[c].second;
                          Value w16 = e.b.create<arith::ExtSIOp>(e.loc, VectorType::get({size * 4}, i16), wv[c]);
                          Value words = e.b.create<vector::BitCastOp>(e.loc, VectorType::get({size * 2}, i32), w16);
                          std::array<Value, 2> halves;
                          for (int h = 0; h < 2; ++h) {
                            SmallVector<int64_t> pick;
                            for (int64_t l = 0; l < size; ++l) pick.push_back(2 * l + h);
                            Value sel = e.b.create<vector::ShuffleOp>(e.loc, words, words, pick);
                            halves[h] = e.b.create<vector::BitCastOp>(e.loc, VectorType::get({size * 2}, i16), sel);
                          }
                          wp.push_back(halves);
                        }
                        for (int64_t r = 0; r < R; ++r)
                          for (int64_t w = 0; w < W; ++w) {
                            Value bytes = e.read(rows[r], {e.index(w * g.s1), e.index(4 * u)}, 4);
                            auto v4 = VectorType::get({4}, i16);
                            Value x16 = inputUnsigned ? Value(e.b.create<arith::ExtUIOp>(e.loc, v4, bytes))
                                                      : Value(e.b.create<arith::ExtSIOp>(e.loc, v4, bytes));
                            Value xw = e.b.create<vector::BitCastOp>(e.loc, VectorType::get({2}, i32), x16);
                            for (int h = 0; h < 2; ++h) {
                              Value xPair = e.b.create<vector::ExtractOp>(e.loc, xw, ArrayRef<int64_t>{h});
                              for (size_t c = 0; c < ch.size(); ++c) {
                                size_t a = (r * W + w) * ch.size() + c;
                                acc[a] = dot2(e, acc[a], xPair, wp[c][h], ch[c].second);
                              }
                            }
                          }
                        continue;
                      }
                      if (flipSign) {
                        auto one = VectorType::get({1}, i32);
                        Value ones = e.b.create<arith::ConstantOp>(e.loc, DenseElementsAttr::get(one, int32_t(0x01010101)));
                        for (size_t c = 0; c < ch.size(); ++c)
                          acc[outputs + c] = dot4(e, acc[outputs + c], ones, wv[c], ch[c].second);
                      }
                      for (int64_t r = 0; r < R; ++r)
                        for (int64_t w = 0; w < W; ++w) {
                          Value bytes = e.read(rows[r], {e.index(w * g.s1), e.index(4 * u)}, 4);
                          Value word = e.b.create<vector::BitCastOp>(e.loc, VectorType::get({1}, i32), bytes);
                          if (flipSign)
                            word = e.b.create<arith::XOrIOp>(
                                e.loc, word,
                                e.b.create<arith::ConstantOp>(
                                    e.loc, DenseElementsAttr::get(VectorType::get({1}, i32), int32_t(0x80808080u))));
                          for (size_t c = 0; c < ch.size(); ++c) {
                            size_t a = (r * W + w) * ch.size() + c;
                            acc[a] = dot4(e, acc[a], word, wv[c], ch[c].second);
                          }
                        }
                    }
                    return acc;
                  });
  if (flipSign) { // vpdpbusd: sum((x + 128) * w) - 128 * sum(w); SDOT: sum((x - 128) * w) + 128 * sum(w)
    for (size_t a = 0; a < outputs; ++a) {
      size_t c = a % ch.size();
      auto v32 = VectorType::get({ch[c].second}, i32);
      Value k128 = e.b.create<arith::ConstantOp>(e.loc, DenseElementsAttr::get(v32, int32_t(128)));
      Value correction = e.b.create<arith::MulIOp>(e.loc, accs[outputs + c], k128);
      accs[a] = sdot ? e.b.create<arith::AddIOp>(e.loc, accs[a], correction).getResult()
                     : e.b.create<arith::SubIOp>(e.loc, accs[a], correction).getResult();
    }
    accs.resize(outputs);
  }
  finish(rw, e, op, init, accs, tile);
}

// A tile input read through an inlined padding (schedule step compute_inline): the chain
// tile <- tensor.extract_slice (unit strides)* <- tensor.pad {rqc.compute_inline}. Reads go
// to the pad's source at offset + index - low; an index outside the source reads the pad
// value.
struct PaddedInput {
  Value source, padValue;
  SmallVector<Value> offsets; // the tile's origin in padded coordinates, per dim
  SmallVector<int64_t> low;
  std::vector<int64_t> sourceShape, paddedShape, tileShape;

  // The tile's origin along `d` may be anywhere in [0, paddedShape - tileShape].
  int64_t maxOffset(int d) const { return paddedShape[d] - tileShape[d]; }
  // Can tile index `i` (static) along `d` fall outside the source?
  bool mayLeave(int d, int64_t i) const { return i < low[d] || i - low[d] + maxOffset(d) >= sourceShape[d]; }
  Value sourceIndex(Emitter &e, int d, Value i) const {
    Value at = e.b.create<arith::AddIOp>(e.loc, offsets[d], i);
    return low[d] ? e.b.create<arith::SubIOp>(e.loc, at, e.index(low[d])).getResult() : at;
  }
  // i1: does source index `at` (possibly negative) lie inside dim `d`?
  Value inside(Emitter &e, int d, Value at) const {
    return e.b.create<arith::CmpIOp>(e.loc, arith::CmpIPredicate::ult, at, e.index(sourceShape[d]));
  }
};

std::optional<PaddedInput> paddedInput(const std::string &k, Emitter &e, Value tile) {
  std::optional<SliceOrigin> origin = sliceOrigin(e, tile);
  if (!origin) return std::nullopt;
  Value v = origin->whole;
  auto pad = v.getDefiningOp<tensor::PadOp>();
  if (!pad || !pad->hasAttr("rqc.compute_inline")) return std::nullopt;
  PaddedInput p;
  p.source = pad.getSource();
  p.padValue = pad.getConstantPaddingValue();
  if (!p.padValue || ShapedType::isDynamicShape(pad.getStaticLow()) || !pad.getResultType().hasStaticShape())
    throw KernelError(k, "reads through a padding that is not static and constant");
  p.offsets = origin->offsets;
  p.low.assign(pad.getStaticLow().begin(), pad.getStaticLow().end());
  p.sourceShape = staticShape(k, p.source);
  p.paddedShape = staticShape(k, pad.getResult());
  p.tileShape = staticShape(k, tile);
  return p;
}

// accs = cond ? body(accs) : accs.
SmallVector<Value> ifThen(Emitter &e, Value cond, SmallVector<Value> accs,
                          const std::function<SmallVector<Value>(Emitter &, SmallVector<Value>)> &body) {
  SmallVector<Type> types;
  for (Value a : accs) types.push_back(a.getType());
  auto ifOp = e.b.create<scf::IfOp>(e.loc, types, cond, /*withElseRegion=*/true);
  OpBuilder::InsertionGuard guard(e.b);
  e.b.setInsertionPointToStart(ifOp.thenBlock());
  e.b.create<scf::YieldOp>(e.loc, body(e, accs));
  e.b.setInsertionPointToStart(ifOp.elseBlock());
  e.b.create<scf::YieldOp>(e.loc, accs);
  return SmallVector<Value>(ifOp.getResults());
}

// Depthwise convolution and pooling share the window walk: vectors of input channels.
void windowNchwc(RewriterBase &rw, linalg::LinalgOp op, ArrayRef<int64_t> args, int lanes, const std::string &k) {
  const bool depthwise = k == "depthwise_conv2d_nchwc";
  requireLoops(k, op, 7, 2); // (n, c, oh, ow, ci | kh, kw)
  Value in = op.getDpsInputOperand(0)->get(), second = op.getDpsInputOperand(1)->get(), init = op.getDpsInitOperand(0)->get();
  std::vector<int64_t> is = staticShape(k, in), ss = staticShape(k, second), os = staticShape(k, init);
  if (os.size() != 5 || os[0] != 1 || os[1] != 1)
    throw KernelError(k, "expects a [1, 1, R, W, C] tile of one channel block");
  Window g = windowOf(k, op.getIndexingMapsArray()[0], 2, 5, 3, 6);
  const int64_t R = os[2], W = os[3], C = os[4];
  const int64_t KH = depthwise ? ss[2] : ss[0], KW = depthwise ? ss[3] : ss[1];
  if (is[4] != C) throw KernelError(k, "input and output channel blocks differ");
  Operation *combiningOp = combiner(op);
  // maxui/maxsi: max pooling of 8-bit data (a QDQ max pool).
  bool isMax = llvm::isa<arith::MaximumFOp, arith::MaxUIOp, arith::MaxSIOp>(combiningOp);
  if (!depthwise && !isMax && !llvm::isa<arith::AddFOp>(combiningOp))
    throw KernelError(k, "the window combines with neither a maximum nor addf");
  // A depthwise convolution on 8-bit data (i32 accumulators): each loaded byte vector is
  // widened as the root's body widens it (extui for uint8, extsi for int8), then muli/addi.
  const bool integer = depthwise && llvm::isa<arith::AddIOp>(combiningOp);
  if (depthwise && !integer && !llvm::isa<arith::AddFOp>(combiningOp))
    throw KernelError(k, "the depthwise body is neither a float nor an integer multiply-add");
  auto widenedUnsigned = [&](unsigned arg) {
    for (Operation *user : op.getBlock()->getArgument(arg).getUsers())
      if (llvm::isa<arith::ExtUIOp>(user)) return true;
    return false;
  };
  const bool inputUnsigned = integer && widenedUnsigned(0), weightUnsigned = integer && widenedUnsigned(1);
  auto widen = [&](Emitter &e, Value v, bool isUnsigned) -> Value {
    if (!integer) return v;
    auto t = VectorType::get(llvm::cast<VectorType>(v.getType()).getShape(), e.b.getI32Type());
    if (isUnsigned) return e.b.create<arith::ExtUIOp>(e.loc, t, v);
    return e.b.create<arith::ExtSIOp>(e.loc, t, v);
  };
  const bool unrollKw = depthwise ? !args.empty() && args[0] : true;
  auto ch = chunks(C, lanes);
  TileLayout tile{5, 2, 3, 4, R, W, ch};
  OpBuilder::InsertionGuard guard(rw);
  rw.setInsertionPoint(op);
  Emitter e(rw, op.getLoc());
  SmallVector<Value> accs = initialAccumulators(e, init, tile);
  auto combine = [&](Emitter &e, Value xv, Value wv, Value acc) -> Value {
    if (integer)
      return e.b.create<arith::AddIOp>(
          e.loc, acc, e.b.create<arith::MulIOp>(e.loc, widen(e, xv, inputUnsigned), wv).getResult());
    if (depthwise) return e.b.create<vector::FMAOp>(e.loc, xv, wv, acc);
    if (llvm::isa<arith::MaxUIOp>(combiningOp)) return e.b.create<arith::MaxUIOp>(e.loc, xv, acc);
    if (llvm::isa<arith::MaxSIOp>(combiningOp)) return e.b.create<arith::MaxSIOp>(e.loc, xv, acc);
    if (isMax) return e.b.create<arith::MaximumFOp>(e.loc, xv, acc);
    return e.b.create<arith::AddFOp>(e.loc, xv, acc);
  };
  // Through an inlined padding: rows outside the source are skipped (scf.if), columns that
  // may lie outside read a clamped column and select the pad value.
  std::optional<PaddedInput> pin = paddedInput(k, e, in);
  if (pin && (pin->low[0] || pin->low[1] || pin->low[4] || pin->paddedShape[4] != pin->sourceShape[4]))
    throw KernelError(k, "reads through a padding of other dimensions than rows and columns");
  // Skipping a padded row adds nothing, which is right only when the pad value times the
  // filter is 0: an integer depthwise convolution pads with the input zero point (folded
  // into the bias), so there rows are clamped and selected like columns.
  const bool rowsOutside = pin && pin->paddedShape[2] != pin->sourceShape[2];
  const bool guardRows = rowsOutside && !integer, selectRows = rowsOutside && integer;
  auto clampTo = [&](Emitter &e, Value at, int d) -> Value {
    return e.b.create<arith::MaxSIOp>(
        e.loc, e.index(0), e.b.create<arith::MinSIOp>(e.loc, at, e.index(pin->sourceShape[d] - 1)).getResult());
  };
  auto readInput = [&](Emitter &e, Value h, Value col, std::optional<int64_t> colStatic, auto chunk) -> Value {
    auto [off, size] = chunk;
    if (!pin) return e.read(in, {e.index(0), e.index(0), h, col, e.index(off)}, size);
    Value sh = pin->sourceIndex(e, 2, h), sw = pin->sourceIndex(e, 3, col);
    Value c = e.b.create<arith::AddIOp>(e.loc, pin->offsets[4], e.index(off));
    const bool selectCol = !colStatic || pin->mayLeave(3, *colStatic);
    if (!selectCol && !selectRows) return e.read(pin->source, {pin->offsets[0], pin->offsets[1], sh, sw, c}, size);
    Value v = e.read(pin->source,
                     {pin->offsets[0], pin->offsets[1], selectRows ? clampTo(e, sh, 2) : sh, selectCol ? clampTo(e, sw, 3) : sw, c},
                     size);
    Value inside = selectCol ? pin->inside(e, 3, sw) : Value();
    if (selectRows) {
      Value rowInside = pin->inside(e, 2, sh);
      inside = inside ? e.b.create<arith::AndIOp>(e.loc, inside, rowInside).getResult() : rowInside;
    }
    return e.b.create<arith::SelectOp>(e.loc, inside, v, e.broadcast(pin->padValue, size));
  };
  auto row = [&](Emitter &e, Value h, SmallVector<Value> acc,
                 const std::function<SmallVector<Value>(Emitter &, SmallVector<Value>)> &body) {
    if (!guardRows) return body(e, acc);
    return ifThen(e, pin->inside(e, 2, pin->sourceIndex(e, 2, h)), acc, body);
  };
  if (unrollKw) {
    // The window's columns unrolled, walked input column by input column: each input vector
    // is loaded once and used at once by every (output column, kw) that reads it, so no
    // loaded vector stays live (with stride 1, three outputs share each load).
    accs = loopNest(e, {KH}, {false}, accs, [&](Emitter &e, ArrayRef<Value> iv, ArrayRef<Value> in0) {
      SmallVector<Value> acc(in0.begin(), in0.end());
      Value kh = iv[0];
      std::vector<SmallVector<Value>> wv(KW);
      if (depthwise)
        for (int64_t kw = 0; kw < KW; ++kw)
          for (auto [off, size] : ch)
            wv[kw].push_back(widen(
                e, e.read(second, {e.index(0), e.index(0), kh, e.index(kw), e.index(0), e.index(off)}, size),
                weightUnsigned));
      for (int64_t r = 0; r < R; ++r) {
        Value h = e.affine(r * g.s0, kh, g.d0);
        acc = row(e, h, acc, [&](Emitter &e, SmallVector<Value> acc) {
          for (int64_t j = 0; j <= (W - 1) * g.s1 + (KW - 1) * g.d1; ++j)
            for (size_t c = 0; c < ch.size(); ++c) {
              Value xv;
              for (int64_t kw = 0; kw < KW; ++kw) {
                int64_t rel = j - kw * g.d1;
                if (rel < 0 || rel % g.s1 != 0 || rel / g.s1 >= W) continue;
                if (!xv) xv = readInput(e, h, e.index(j), j, ch[c]);
                size_t a = (r * W + rel / g.s1) * ch.size() + c;
                acc[a] = combine(e, xv, depthwise ? wv[kw][c] : Value(), acc[a]);
              }
            }
          return acc;
        });
      }
      return acc;
    });
  } else {
    accs = loopNest(e, {KH, KW}, {false, false}, accs, [&](Emitter &e, ArrayRef<Value> iv, ArrayRef<Value> in0) {
      SmallVector<Value> acc(in0.begin(), in0.end());
      Value kh = iv[0], kw = iv[1];
      SmallVector<Value> wv;
      if (depthwise)
        for (auto [off, size] : ch)
          wv.push_back(
              widen(e, e.read(second, {e.index(0), e.index(0), kh, kw, e.index(0), e.index(off)}, size), weightUnsigned));
      for (int64_t r = 0; r < R; ++r) {
        Value h = e.affine(r * g.s0, kh, g.d0);
        acc = row(e, h, acc, [&](Emitter &e, SmallVector<Value> acc) {
          for (int64_t w = 0; w < W; ++w) {
            Value col = e.affine(w * g.s1, kw, g.d1);
            for (size_t c = 0; c < ch.size(); ++c) {
              Value xv = readInput(e, h, col, std::nullopt, ch[c]);
              size_t a = (r * W + w) * ch.size() + c;
              acc[a] = combine(e, xv, depthwise ? wv[c] : Value(), acc[a]);
            }
          }
          return acc;
        });
      }
      return acc;
    });
  }
  finish(rw, e, op, init, accs, tile);
}

void densePack(RewriterBase &rw, linalg::LinalgOp op, ArrayRef<int64_t> args, int lanes) {
  const std::string k = "dense_pack";
  requireLoops(k, op, 4, 2); // (n, mo, mi | k)
  Value x = op.getDpsInputOperand(0)->get(), wt = op.getDpsInputOperand(1)->get(), init = op.getDpsInitOperand(0)->get();
  std::vector<int64_t> xs = staticShape(k, x), ws = staticShape(k, wt), os = staticShape(k, init);
  if (os.size() != 3 || os[0] != 1 || os[1] != 1 || xs.size() != 2 || xs[0] != 1)
    throw KernelError(k, "expects a [1, 1, X] tile of one row and one feature block");
  const int64_t K = xs[1], X = os[2];
  int64_t unroll = args.empty() || args[0] < 1 || K % args[0] != 0 ? 1 : args[0];
  auto ch = chunks(X, lanes);
  TileLayout tile{3, -1, -1, 2, 1, 1, ch};
  OpBuilder::InsertionGuard guard(rw);
  rw.setInsertionPoint(op);
  Emitter e(rw, op.getLoc());
  // `unroll` independent partial sums per vector hide the FMA latency.
  SmallVector<Value> accs = initialAccumulators(e, init, tile);
  for (int64_t u = 1; u < unroll; ++u)
    for (auto [off, size] : ch) {
      (void)off;
      auto vt = VectorType::get({size}, rw.getF32Type());
      accs.push_back(rw.create<arith::ConstantOp>(op.getLoc(), vt, DenseElementsAttr::get(vt, 0.f)));
    }
  accs = loopNest(e, {K / unroll}, {false}, accs, [&](Emitter &e, ArrayRef<Value> iv, ArrayRef<Value> in0) {
    SmallVector<Value> acc(in0.begin(), in0.end());
    for (int64_t u = 0; u < unroll; ++u) {
      Value kk = e.affine(u, iv[0], unroll);
      Value xv = e.b.create<tensor::ExtractOp>(e.loc, x, ValueRange{e.index(0), kk});
      for (size_t c = 0; c < ch.size(); ++c) {
        auto [off, size] = ch[c];
        Value wv = e.read(wt, {e.index(0), kk, e.index(off)}, size);
        size_t a = u * ch.size() + c;
        acc[a] = e.b.create<vector::FMAOp>(e.loc, e.broadcast(xv, size), wv, acc[a]);
      }
    }
    return acc;
  });
  SmallVector<Value> sums(accs.begin(), accs.begin() + ch.size());
  for (int64_t u = 1; u < unroll; ++u)
    for (size_t c = 0; c < ch.size(); ++c) sums[c] = rw.create<arith::AddFOp>(op.getLoc(), sums[c], accs[u * ch.size() + c]);
  finish(rw, e, op, init, sums, tile);
}

// ---- Winograd F(m x m, 3 x 3) (ir/Graph/Winograd.h) ----

// sum_k coeffs[k] * vals[k] over the nonzero coefficients (+1/-1 as adds, others as FMAs).
Value linearCombination(Emitter &e, const float *coeffs, int64_t stride, ArrayRef<Value> vals, int64_t size) {
  Value acc;
  for (size_t k = 0; k < vals.size(); ++k) {
    float c = coeffs[k * stride];
    if (c == 0.f) continue;
    Value v = vals[k];
    if (!acc) {
      acc = c == 1.f ? v
            : c == -1.f ? Value(e.b.create<arith::NegFOp>(e.loc, v))
                        : Value(e.b.create<arith::MulFOp>(e.loc, e.broadcast(e.b.create<arith::ConstantOp>(e.loc, e.b.getF32FloatAttr(c)), size), v));
    } else if (c == 1.f) {
      acc = e.b.create<arith::AddFOp>(e.loc, acc, v);
    } else if (c == -1.f) {
      acc = e.b.create<arith::SubFOp>(e.loc, acc, v);
    } else {
      Value cv = e.broadcast(e.b.create<arith::ConstantOp>(e.loc, e.b.getF32FloatAttr(c)), size);
      acc = e.b.create<vector::FMAOp>(e.loc, cv, v, acc);
    }
  }
  if (!acc) {
    auto vt = VectorType::get({size}, e.b.getF32Type());
    acc = e.b.create<arith::ConstantOp>(e.loc, vt, DenseElementsAttr::get(vt, 0.f));
  }
  return acc;
}

// The destination of a result that starts at zero: the fill's own destination (the fill
// then is not run).
Value zeroInitDestination(const std::string &k, Value init) {
  auto fill = init.getDefiningOp<linalg::FillOp>();
  auto c = fill ? fill.getInputs()[0].getDefiningOp<arith::ConstantOp>() : arith::ConstantOp();
  auto f = c ? llvm::dyn_cast<FloatAttr>(c.getValue()) : FloatAttr();
  if (!f || !f.getValue().isZero()) throw KernelError(k, "expects a result that starts at zero (a fill of 0)");
  return fill.getDpsInitOperand(0)->get();
}

const graph::winograd::Matrices &winogradMatrices(const std::string &k, ArrayRef<int64_t> args) {
  const graph::winograd::Matrices *t = args.empty() ? nullptr : graph::winograd::matrices(args[0]);
  if (!t) throw KernelError(k, "args must be [tile size 2 or 4]");
  return *t;
}

// V tile [alpha, alpha, 1, 1, 1, C] = B^T d B for one input tile d (alpha x alpha vectors
// of C channels each).
void winogradInput(RewriterBase &rw, linalg::LinalgOp op, ArrayRef<int64_t> args, int lanes) {
  const std::string k = "winograd_input";
  requireLoops(k, op, 8, 3); // (xi, nu, ico, th, tw, ici | i, j)
  const auto &t = winogradMatrices(k, args);
  const int64_t al = t.alpha;
  Value x = op.getDpsInputOperand(1)->get(), init = op.getDpsInitOperand(0)->get();
  std::vector<int64_t> vs = staticShape(k, init), xs = staticShape(k, x);
  if (vs.size() != 6 || vs[0] != al || vs[1] != al || vs[2] != 1 || vs[3] != 1 || vs[4] != 1 || xs[2] < al || xs[3] < al)
    throw KernelError(k, "expects a [alpha, alpha, 1, 1, 1, C] tile of one input tile");
  OpBuilder::InsertionGuard guard(rw);
  rw.setInsertionPoint(op);
  Emitter e(rw, op.getLoc());
  Value dest = zeroInitDestination(k, init);
  for (auto [off, size] : chunks(vs[5], lanes)) {
    std::vector<Value> d(al * al), tmp(al * al);
    for (int64_t i = 0; i < al; ++i)
      for (int64_t j = 0; j < al; ++j)
        d[i * al + j] = e.read(x, {e.index(0), e.index(0), e.index(i), e.index(j), e.index(off)}, size);
    for (int64_t xi = 0; xi < al; ++xi) // tmp = B^T d
      for (int64_t j = 0; j < al; ++j) {
        SmallVector<Value> col;
        for (int64_t i = 0; i < al; ++i) col.push_back(d[i * al + j]);
        tmp[xi * al + j] = linearCombination(e, t.BT + xi * al, 1, col, size);
      }
    for (int64_t xi = 0; xi < al; ++xi) // V = tmp B
      for (int64_t nu = 0; nu < al; ++nu) {
        SmallVector<Value> row(tmp.begin() + xi * al, tmp.begin() + (xi + 1) * al);
        Value v = linearCombination(e, t.BT + nu * al, 1, row, size);
        dest = e.write(v, dest, {e.index(xi), e.index(nu), e.index(0), e.index(0), e.index(0), e.index(off)});
      }
  }
  rw.replaceAllUsesWith(op->getResult(0), dest);
}

// M tile [1, 1, 1, R, W, OC] += V [1, 1, ICo, R, W, IC] x U [1, 1, 1, ICo, IC, OC]: R x W
// tiles by OC channels of accumulators over the input channels, as conv2d_nchwc's 1x1 case.
void winogradGemm(RewriterBase &rw, linalg::LinalgOp op, ArrayRef<int64_t> args, int lanes) {
  const std::string k = "winograd_gemm";
  requireLoops(k, op, 8, 2); // (xi, nu, oco, th, tw, oci | ico, ici)
  Value v = op.getDpsInputOperand(0)->get(), u = op.getDpsInputOperand(1)->get(), init = op.getDpsInitOperand(0)->get();
  std::vector<int64_t> vs = staticShape(k, v), us = staticShape(k, u), ms = staticShape(k, init);
  if (ms.size() != 6 || ms[0] != 1 || ms[1] != 1 || ms[2] != 1 || us[0] != 1 || us[1] != 1 || us[2] != 1)
    throw KernelError(k, "expects a [1, 1, 1, R, W, OC] tile of one transform point and one channel block");
  const int64_t R = ms[3], W = ms[4], OC = ms[5], ICO = vs[2], IC = vs[5];
  const int64_t icUnroll = !args.empty() && args[0] > 0 && IC % args[0] == 0 ? args[0] : 1;
  auto ch = chunks(OC, lanes);
  TileLayout tile{6, 3, 4, 5, R, W, ch};
  OpBuilder::InsertionGuard guard(rw);
  rw.setInsertionPoint(op);
  Emitter e(rw, op.getLoc());
  SmallVector<Value> accs = initialAccumulators(e, init, tile);
  accs = loopNest(e, {ICO, IC / icUnroll}, {false, false}, accs, [&](Emitter &e, ArrayRef<Value> iv, ArrayRef<Value> in0) {
    SmallVector<Value> acc(in0.begin(), in0.end());
    Value ico = iv[0];
    SmallVector<Value> rows; // [W tiles, icUnroll channels] of V per tile row: base + constants
    for (int64_t r = 0; r < R; ++r) {
      SmallVector<OpFoldResult> offsets{e.b.getIndexAttr(0), e.b.getIndexAttr(0), ico, e.b.getIndexAttr(r),
                                        e.b.getIndexAttr(0), e.affine(0, iv[1], icUnroll)};
      SmallVector<OpFoldResult> sizes{e.b.getIndexAttr(1), e.b.getIndexAttr(1), e.b.getIndexAttr(1), e.b.getIndexAttr(1),
                                      e.b.getIndexAttr(W), e.b.getIndexAttr(icUnroll)};
      SmallVector<OpFoldResult> strides(6, e.b.getIndexAttr(1));
      rows.push_back(e.b.create<tensor::ExtractSliceOp>(e.loc, RankedTensorType::get({W, icUnroll}, e.b.getF32Type()), v,
                                                        offsets, sizes, strides));
    }
    for (int64_t q = 0; q < icUnroll; ++q) {
      Value ici = e.affine(q, iv[1], icUnroll);
      SmallVector<Value> wv;
      for (auto [off, size] : ch)
        wv.push_back(e.read(u, {e.index(0), e.index(0), e.index(0), ico, ici, e.index(off)}, size));
      for (int64_t r = 0; r < R; ++r)
        for (int64_t w = 0; w < W; ++w) {
          Value xv = e.b.create<tensor::ExtractOp>(e.loc, rows[r], ValueRange{e.index(w), e.index(q)});
          std::map<int64_t, Value> xb;
          for (size_t c = 0; c < ch.size(); ++c) {
            int64_t size = ch[c].second;
            if (!xb.count(size)) xb[size] = e.broadcast(xv, size);
            size_t a = (r * W + w) * ch.size() + c;
            acc[a] = e.b.create<vector::FMAOp>(e.loc, xb[size], wv[c], acc[a]);
          }
        }
    }
    return acc;
  });
  finish(rw, e, op, init, accs, tile);
}

// Y tile [1, 1, 1, m, 1, m, C] = bias + A^T M A for one output tile (M alpha x alpha
// vectors), then the tile's elementwise epilogue in registers.
void winogradOutput(RewriterBase &rw, linalg::LinalgOp op, ArrayRef<int64_t> args, int lanes) {
  const std::string k = "winograd_output";
  requireLoops(k, op, 9, 3); // (n, oco, th, a, tw, b, oci | xi, nu)
  const auto &t = winogradMatrices(k, args);
  const int64_t al = t.alpha, m = t.m;
  Value mm = op.getDpsInputOperand(1)->get(), init = op.getDpsInitOperand(0)->get();
  std::vector<int64_t> ys = staticShape(k, init), ms = staticShape(k, mm);
  if (ys.size() != 7 || ys[0] != 1 || ys[1] != 1 || ys[2] != 1 || ys[3] != m || ys[4] != 1 || ys[5] != m ||
      ms[0] != al || ms[1] != al)
    throw KernelError(k, "expects a [1, 1, 1, m, 1, m, C] tile of one output tile");
  auto ch = chunks(ys[6], lanes);
  TileLayout tile{7, 3, 5, 6, m, m, ch};
  OpBuilder::InsertionGuard guard(rw);
  rw.setInsertionPoint(op);
  Emitter e(rw, op.getLoc());
  SmallVector<Value> accs = initialAccumulators(e, init, tile);
  for (size_t c = 0; c < ch.size(); ++c) {
    auto [off, size] = ch[c];
    std::vector<Value> mv(al * al), s(m * al);
    for (int64_t xi = 0; xi < al; ++xi)
      for (int64_t nu = 0; nu < al; ++nu)
        mv[xi * al + nu] = e.read(mm, {e.index(xi), e.index(nu), e.index(0), e.index(0), e.index(0), e.index(off)}, size);
    for (int64_t a = 0; a < m; ++a) // s = A^T M
      for (int64_t nu = 0; nu < al; ++nu) {
        SmallVector<Value> col;
        for (int64_t xi = 0; xi < al; ++xi) col.push_back(mv[xi * al + nu]);
        s[a * al + nu] = linearCombination(e, t.AT + a * al, 1, col, size);
      }
    for (int64_t a = 0; a < m; ++a) // y = s A
      for (int64_t b = 0; b < m; ++b) {
        SmallVector<Value> row(s.begin() + a * al, s.begin() + (a + 1) * al);
        size_t i = (a * m + b) * ch.size() + c;
        accs[i] = e.b.create<arith::AddFOp>(e.loc, accs[i], linearCombination(e, t.AT + b * al, 1, row, size));
      }
  }
  finish(rw, e, op, init, accs, tile);
}

} // namespace

void insertWeightPrefetches(func::FuncOp fn) {
  fn.walk([&](scf::ForOp loop) {
    auto mark = loop->getAttrOfType<DenseI64ArrayAttr>(kPrefetchWeights);
    if (!mark) return;
    loop->removeAttr(kPrefetchWeights);
    Value root = fn.getArgument(static_cast<unsigned>(mark[0]));
    auto rootType = llvm::dyn_cast<MemRefType>(root.getType());
    if (!rootType || !rootType.hasStaticShape()) return;
    loop.walk([&](vector::TransferReadOp read) {
      // One prefetch per 64-byte line: the reads of a line's other vectors (AVX2, NEON) none.
      const int64_t lineElements = 64 / std::max<int64_t>(1, rootType.getElementTypeBitWidth() / 8);
      if (auto last = getConstantIntValue(read.getIndices().back()); last && *last % lineElements != 0) return;
      OpBuilder b(read);
      Location loc = read.getLoc();
      SmallVector<Value> at(read.getIndices().begin(), read.getIndices().end());
      Value v = read.getSource();
      // Through the tiles' subviews (unit strides, same rank) to the kernel argument.
      while (true) {
        if (auto cast = v.getDefiningOp<memref::CastOp>()) {
          v = cast.getSource();
          continue;
        }
        auto sv = v.getDefiningOp<memref::SubViewOp>();
        if (!sv || sv.getSourceType().getRank() != static_cast<int64_t>(at.size()) ||
            !llvm::all_of(sv.getStaticStrides(), [](int64_t st) { return st == 1; }))
          break;
        for (auto [d, o] : llvm::enumerate(sv.getMixedOffsets()))
          if (getConstantIntValue(o) != 0)
            at[d] = b.create<arith::AddIOp>(loc, at[d], getValueOrCreateConstantIndexOp(b, loc, o));
        v = sv.getSource();
      }
      if (v != root || at.size() != static_cast<size_t>(rootType.getRank())) return;
      Value next = b.create<arith::AddIOp>(loc, at[0], b.create<arith::ConstantIndexOp>(loc, mark[1]));
      at[0] = b.create<arith::MinSIOp>(loc, next, b.create<arith::ConstantIndexOp>(loc, rootType.getDimSize(0) - 1));
      b.create<memref::PrefetchOp>(loc, root, at, /*isWrite=*/false, /*localityHint=*/2, /*isDataCache=*/true);
    });
  });
}

void materializeDotProductIntrinsics(func::FuncOp fn) {
  fn.getContext()->getOrLoadDialect<LLVM::LLVMDialect>();
  fn.walk([&](vector::MultiDimReductionOp sum) {
    auto intrinsic = sum->getAttrOfType<StringAttr>(kDotIntrinsic);
    if (!intrinsic) return;
    sum->removeAttr(kDotIntrinsic);
    // shape_cast(muli(ext(x bytes), extsi(w bytes))) -> vector<size x 4 x i32>, x
    // zero-extended for vpdpbusd and sign-extended for SDOT; anything else (a
    // canonicalization changed it) keeps the exact widened form.
    const bool aarch64 = intrinsic.getValue().starts_with("llvm.aarch64.");
    const bool pmaddubsw = intrinsic.getValue().contains("pmadd.ub.sw") || intrinsic.getValue().contains("pmaddubs.w");
    const bool pmaddwd = intrinsic.getValue().contains("pmadd") && !pmaddubsw;
    auto cast = sum.getSource().getDefiningOp<vector::ShapeCastOp>();
    auto mul = cast ? cast.getSource().getDefiningOp<arith::MulIOp>() : arith::MulIOp();
    Operation *x = mul ? mul.getLhs().getDefiningOp() : nullptr;
    auto w = mul ? mul.getRhs().getDefiningOp<arith::ExtSIOp>() : arith::ExtSIOp();
    if (!x || !w || !(aarch64 || pmaddwd ? isa<arith::ExtSIOp>(x) : isa<arith::ExtUIOp>(x))) return;
    OpBuilder b(sum);
    auto v32 = llvm::cast<VectorType>(sum.getType());
    if (pmaddubsw) { // u8 x s8 pairs into i16, then vpmaddwd by ones: the four into i32
      const int64_t size = v32.getNumElements();
      auto v16 = VectorType::get({size * 2}, b.getI16Type());
      Value p16 = b.create<LLVM::CallIntrinsicOp>(sum.getLoc(), v16, intrinsic.getValue(),
                                                  ValueRange{x->getOperand(0), w.getIn()})
                      .getResult(0);
      Value ones = b.create<arith::ConstantOp>(sum.getLoc(), DenseElementsAttr::get(v16, int16_t(1)));
      const char *widen = size == 16 ? "llvm.x86.avx512.pmaddw.d.512" : "llvm.x86.avx2.pmadd.wd";
      Value p32 = b.create<LLVM::CallIntrinsicOp>(sum.getLoc(), v32, widen, ValueRange{p16, ones}).getResult(0);
      sum.getResult().replaceAllUsesWith(b.create<arith::AddIOp>(sum.getLoc(), sum.getAcc(), p32).getResult());
      sum->erase();
      return;
    }
    if (pmaddwd) { // pairs of i16 products summed into i32; vpmaddwd does not accumulate
      Value r = b.create<LLVM::CallIntrinsicOp>(sum.getLoc(), v32, intrinsic.getValue(),
                                                ValueRange{x->getOperand(0), w.getIn()})
                    .getResult(0);
      sum.getResult().replaceAllUsesWith(b.create<arith::AddIOp>(sum.getLoc(), sum.getAcc(), r).getResult());
      sum->erase();
      return;
    }
    // vpdpbusd takes the bytes as i32 vectors, SDOT as i8 vectors.
    Value xs = x->getOperand(0), ws = w.getIn();
    if (!aarch64) {
      xs = b.create<vector::BitCastOp>(sum.getLoc(), v32, xs);
      ws = b.create<vector::BitCastOp>(sum.getLoc(), v32, ws);
    }
    Value r = b.create<LLVM::CallIntrinsicOp>(sum.getLoc(), v32, intrinsic.getValue(), ValueRange{sum.getAcc(), xs, ws})
                  .getResult(0);
    sum.getResult().replaceAllUsesWith(r);
    sum->erase();
  });
}

namespace {

// Test-only faults in generated code (schedules/cpu/test_faults.cpp), for the tuner's
// tests: the tile is replaced by zeros after an abort (a failed cf.assert), an endless
// loop, or nothing (wrong values).
void faultKernel(RewriterBase &rw, linalg::LinalgOp op, const std::string &k) {
  OpBuilder::InsertionGuard guard(rw);
  rw.setInsertionPoint(op);
  Location loc = op.getLoc();
  rw.getContext()->getOrLoadDialect<cf::ControlFlowDialect>();
  Value init = op.getDpsInitOperand(0)->get();
  auto type = llvm::cast<RankedTensorType>(init.getType());
  Value zero = rw.create<arith::ConstantOp>(loc, rw.getZeroAttr(type.getElementType()));
  if (k == "fault_abort") {
    rw.create<cf::AssertOp>(loc, rw.create<arith::ConstantIntOp>(loc, 0, 1), "rqc: injected fault (test_faults)");
  } else if (k == "fault_spin") {
    // A counter the loop never leaves, whose value becomes the fill: not dead code.
    auto loop = rw.create<scf::WhileOp>(
        loc, TypeRange{rw.getI64Type()}, ValueRange{rw.create<arith::ConstantIntOp>(loc, 0, 64)},
        [](OpBuilder &b, Location l, ValueRange args) {
          Value keepGoing = b.create<arith::CmpIOp>(l, arith::CmpIPredicate::sge, args[0],
                                                    b.create<arith::ConstantIntOp>(l, 0, 64));
          b.create<scf::ConditionOp>(l, keepGoing, args);
        },
        [](OpBuilder &b, Location l, ValueRange args) {
          Value next = b.create<arith::AndIOp>(l, b.create<arith::AddIOp>(l, args[0], b.create<arith::ConstantIntOp>(l, 1, 64)),
                                               b.create<arith::ConstantIntOp>(l, INT64_MAX, 64));
          b.create<scf::YieldOp>(l, next);
        });
    zero = rw.create<arith::SIToFPOp>(loc, type.getElementType(), loop.getResult(0));
  } else if (k != "fault_zero") {
    throw KernelError(k, "no such fault");
  }
  rw.replaceOp(op, rw.create<linalg::FillOp>(loc, zero, init).getResult(0));
}

} // namespace

MicroKernelIsa microKernelIsa(const std::string &features, int vectorBits) {
  std::set<std::string> on;
  std::string f;
  for (std::istringstream list(features); std::getline(list, f, ',');) on.insert(f);
  MicroKernelIsa isa;
  isa.lanes = std::max(4, vectorBits / 32);
  isa.vnni512 = vectorBits >= 512 && on.count("+avx512vnni") && on.count("+avx512f");
  isa.vnni256 = (on.count("+avx512vnni") && on.count("+avx512vl")) || on.count("+avxvnni");
  isa.sdot = on.count("+dotprod") > 0;
  // Every x86-64 CPU has SSE2; a feature list naming any SSE or AVX level is x86.
  const bool x86 = std::any_of(on.begin(), on.end(), [](const std::string &f) {
    return f.rfind("+sse", 0) == 0 || f.rfind("+avx", 0) == 0;
  });
  isa.pmaddwd128 = x86;
  isa.pmaddwd256 = vectorBits >= 256 && on.count("+avx2");
  isa.pmaddwd512 = vectorBits >= 512 && on.count("+avx512bw");
  return isa;
}

void tensorize(RewriterBase &rewriter, linalg::LinalgOp op, const std::string &name, ArrayRef<int64_t> args,
               const MicroKernelIsa &isa) {
  const int lanes = isa.lanes;
  if (name == "conv2d_nchwc_int8") return conv2dNchwcInt8(rewriter, op, args, isa);
  if (name.rfind("fault_", 0) == 0) return faultKernel(rewriter, op, name);
  if (name == "winograd_input") return winogradInput(rewriter, op, args, lanes);
  if (name == "winograd_gemm") return winogradGemm(rewriter, op, args, lanes);
  if (name == "winograd_output") return winogradOutput(rewriter, op, args, lanes);
  if (name == "conv2d_nchwc") return conv2dNchwc(rewriter, op, args, lanes);
  if (name == "depthwise_conv2d_nchwc" || name == "max_pool2d_nchwc" || name == "avg_pool2d_nchwc")
    return windowNchwc(rewriter, op, args, lanes, name);
  if (name == "dense_pack") return densePack(rewriter, op, args, lanes);
  throw Error("tensorize: no micro-kernel named '" + name + "'");
}

} // namespace rqc::cpu
