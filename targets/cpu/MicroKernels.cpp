#include "targets/cpu/MicroKernels.h"

#include "rqc/runtime/Error.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

#include <functional>
#include <map>

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

// Reads the accumulator tile [.., R, W, C] of `init` (dims rowDim, colDim, chanDim; the
// others 0) as R*W*chunks vectors.
SmallVector<Value> readTile(Emitter &e, Value init, int64_t rank, int rowDim, int colDim, int chanDim, int64_t R,
                            int64_t W, const std::vector<std::pair<int64_t, int64_t>> &ch) {
  SmallVector<Value> accs;
  for (int64_t r = 0; r < R; ++r)
    for (int64_t w = 0; w < W; ++w)
      for (auto [off, size] : ch) {
        SmallVector<Value> at(rank, e.index(0));
        if (rowDim >= 0) at[rowDim] = e.index(r);
        if (colDim >= 0) at[colDim] = e.index(w);
        at[chanDim] = e.index(off);
        accs.push_back(e.read(init, at, size));
      }
  return accs;
}

Value writeTile(Emitter &e, Value init, ArrayRef<Value> accs, int64_t rank, int rowDim, int colDim, int chanDim,
                int64_t R, int64_t W, const std::vector<std::pair<int64_t, int64_t>> &ch) {
  Value out = init;
  size_t i = 0;
  for (int64_t r = 0; r < R; ++r)
    for (int64_t w = 0; w < W; ++w)
      for (auto [off, size] : ch) {
        (void)size;
        SmallVector<Value> at(rank, e.index(0));
        if (rowDim >= 0) at[rowDim] = e.index(r);
        if (colDim >= 0) at[colDim] = e.index(w);
        at[chanDim] = e.index(off);
        out = e.write(accs[i++], out, at);
      }
  return out;
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
  auto ch = chunks(OC, lanes);
  OpBuilder::InsertionGuard guard(rw);
  rw.setInsertionPoint(op);
  Emitter e(rw, op.getLoc());
  SmallVector<Value> accs = readTile(e, init, 5, 2, 3, 4, R, W, ch);
  accs = loopNest(e, {ICO, KH, KW}, {false, false, unrollKw}, accs,
                  [&](Emitter &e, ArrayRef<Value> iv, ArrayRef<Value> in0) {
                    SmallVector<Value> acc(in0.begin(), in0.end());
                    Value ico = iv[0], kh = iv[1], kw = iv[2];
                    for (int64_t ici = 0; ici < IC; ++ici) {
                      SmallVector<Value> wv;
                      for (auto [off, size] : ch)
                        wv.push_back(e.read(wt, {e.index(0), ico, kh, kw, e.index(ici), e.index(off)}, size));
                      for (int64_t r = 0; r < R; ++r) {
                        Value h = e.affine(r * g.s0, kh, g.d0);
                        for (int64_t w = 0; w < W; ++w) {
                          Value col = e.affine(w * g.s1, kw, g.d1);
                          Value x = e.b.create<tensor::ExtractOp>(e.loc, in, ValueRange{e.index(0), ico, h, col, e.index(ici)});
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
  rw.replaceOp(op, writeTile(e, init, accs, 5, 2, 3, 4, R, W, ch));
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
  Operation *combine = combiner(op);
  bool isMax = llvm::isa<arith::MaximumFOp>(combine);
  if (!depthwise && !isMax && !llvm::isa<arith::AddFOp>(combine))
    throw KernelError(k, "the window combines with neither maximumf nor addf");
  const bool unrollKw = depthwise ? !args.empty() && args[0] : true;
  auto ch = chunks(C, lanes);
  OpBuilder::InsertionGuard guard(rw);
  rw.setInsertionPoint(op);
  Emitter e(rw, op.getLoc());
  SmallVector<Value> accs = readTile(e, init, 5, 2, 3, 4, R, W, ch);
  accs = loopNest(e, {KH, KW}, {false, unrollKw}, accs, [&](Emitter &e, ArrayRef<Value> iv, ArrayRef<Value> in0) {
    SmallVector<Value> acc(in0.begin(), in0.end());
    Value kh = iv[0], kw = iv[1];
    SmallVector<Value> wv;
    if (depthwise)
      for (auto [off, size] : ch)
        wv.push_back(e.read(second, {e.index(0), e.index(0), kh, kw, e.index(0), e.index(off)}, size));
    for (int64_t r = 0; r < R; ++r) {
      Value h = e.affine(r * g.s0, kh, g.d0);
      for (int64_t w = 0; w < W; ++w) {
        Value col = e.affine(w * g.s1, kw, g.d1);
        for (size_t c = 0; c < ch.size(); ++c) {
          auto [off, size] = ch[c];
          Value xv = e.read(in, {e.index(0), e.index(0), h, col, e.index(off)}, size);
          size_t a = (r * W + w) * ch.size() + c;
          if (depthwise) acc[a] = e.b.create<vector::FMAOp>(e.loc, xv, wv[c], acc[a]);
          else if (isMax) acc[a] = e.b.create<arith::MaximumFOp>(e.loc, xv, acc[a]);
          else acc[a] = e.b.create<arith::AddFOp>(e.loc, xv, acc[a]);
        }
      }
    }
    return acc;
  });
  rw.replaceOp(op, writeTile(e, init, accs, 5, 2, 3, 4, R, W, ch));
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
  OpBuilder::InsertionGuard guard(rw);
  rw.setInsertionPoint(op);
  Emitter e(rw, op.getLoc());
  // `unroll` independent partial sums per vector hide the FMA latency.
  SmallVector<Value> accs = readTile(e, init, 3, -1, -1, 2, 1, 1, ch);
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
  rw.replaceOp(op, writeTile(e, init, sums, 3, -1, -1, 2, 1, 1, ch));
}

} // namespace

void tensorize(RewriterBase &rewriter, linalg::LinalgOp op, const std::string &name, ArrayRef<int64_t> args, int lanes) {
  if (name == "conv2d_nchwc") return conv2dNchwc(rewriter, op, args, lanes);
  if (name == "depthwise_conv2d_nchwc" || name == "max_pool2d_nchwc" || name == "avg_pool2d_nchwc")
    return windowNchwc(rewriter, op, args, lanes, name);
  if (name == "dense_pack") return densePack(rewriter, op, args, lanes);
  throw Error("tensorize: no micro-kernel named '" + name + "'");
}

} // namespace rqc::cpu
