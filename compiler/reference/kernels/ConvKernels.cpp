#include "compiler/reference/kernels/Kernels.h"
#include "ir/Graph/Winograd.h"

#include <algorithm>

namespace rqc::reference {

namespace {

// Output columns `ow` whose input column ow*stride - pad + offset lies in [0, width).
void validRange(int64_t outW, int64_t stride, int64_t start, int64_t width, int64_t &lo, int64_t &hi) {
  // start + ow * stride >= 0  and  start + ow * stride < width
  lo = start >= 0 ? 0 : (-start + stride - 1) / stride;
  hi = start >= width ? 0 : std::min(outW, (width - start + stride - 1) / stride);
  if (hi < lo) hi = lo;
}

// Generic direct convolution: Acc accumulates (T(x) - xz) * (U(w) - wz).
template <typename T, typename U, typename Acc, typename Init>
void convDirect(const T *x, const U *w, Acc *out, const Shape &xs, const Shape &ws, const Shape &os,
                const Window2D &win, int64_t groups, int32_t xz, const std::vector<int32_t> &wz,
                Init init) {
  const int64_t N = xs[0], C = xs[1], H = xs[2], W = xs[3];
  const int64_t O = ws[0], CG = ws[1], KH = ws[2], KW = ws[3];
  const int64_t OH = os[2], OW = os[3], OG = O / groups;
  const int64_t sh = win.strides[0], sw = win.strides[1], ph = win.pads[0], pw = win.pads[1];
  const int64_t dh = win.dilations[0], dw = win.dilations[1];
#pragma omp parallel for collapse(2) schedule(static)
  for (int64_t n = 0; n < N; ++n)
    for (int64_t o = 0; o < O; ++o) {
      const int64_t g = o / OG;
      const Acc wzo = static_cast<Acc>(wz.size() == 1 ? wz[0] : wz[o]);
      Acc *plane = out + (n * O + o) * OH * OW;
      std::fill(plane, plane + OH * OW, init(o));
      for (int64_t c = 0; c < CG; ++c) {
        const T *xplane = x + (n * C + g * CG + c) * H * W;
        for (int64_t kh = 0; kh < KH; ++kh)
          for (int64_t kw = 0; kw < KW; ++kw) {
            const Acc wv = static_cast<Acc>(w[((o * CG + c) * KH + kh) * KW + kw]) - wzo;
            int64_t lo, hi;
            validRange(OW, sw, kw * dw - pw, W, lo, hi);
            for (int64_t oh = 0; oh < OH; ++oh) {
              const int64_t ih = oh * sh - ph + kh * dh;
              if (ih < 0 || ih >= H) continue;
              const T *xrow = xplane + ih * W + kw * dw - pw;
              Acc *orow = plane + oh * OW;
              for (int64_t ow = lo; ow < hi; ++ow)
                orow[ow] += wv * (static_cast<Acc>(xrow[ow * sw]) - static_cast<Acc>(xz));
            }
          }
      }
    }
}

template <typename T, typename U>
void conv2dIntegerTyped(const Tensor &x, const Tensor &w, int32_t xz, const std::vector<int32_t> &wz,
                        const Window2D &win, int64_t groups, Tensor &out) {
  convDirect(x.data<T>(), w.data<U>(), out.data<int32_t>(), x.shape(), w.shape(), out.shape(), win,
             groups, xz, wz, [](int64_t) { return int32_t(0); });
}

template <typename T, typename U>
void matmulIntegerTyped(const Tensor &a, const Tensor &b, int32_t az, const std::vector<int32_t> &bz,
                        Tensor &out);

// Batched matrix product with NumPy broadcasting of the batch dimensions (rank-1
// operands promoted as in ONNX MatMul). `mac` accumulates one product into Acc.
template <typename Acc, typename Load>
void matmulBroadcast(const Shape &as, const Shape &bs, const Shape &os, Acc *out, Load mac) {
  Shape a = as, b = bs;
  if (a.size() == 1) a.insert(a.begin(), 1);
  if (b.size() == 1) b.push_back(1);
  const int64_t M = a[a.size() - 2], K = a.back(), Ncol = b.back();
  size_t batchRank = std::max(a.size(), b.size()) - 2;
  Shape batch(batchRank, 1);
  auto dimAt = [&](const Shape &s, size_t i) {
    size_t r = s.size() - 2, off = batchRank - r;
    return i < off ? int64_t(1) : s[i - off];
  };
  for (size_t i = 0; i < batchRank; ++i) batch[i] = std::max(dimAt(a, i), dimAt(b, i));
  int64_t nb = numElements(batch);
  for (int64_t bi = 0; bi < nb; ++bi) {
    int64_t rem = bi, aoff = 0, boff = 0, astr = 1, bstr = 1;
    for (int64_t i = static_cast<int64_t>(batchRank) - 1; i >= 0; --i) {
      int64_t coord = rem % batch[i];
      rem /= batch[i];
      if (dimAt(a, i) != 1) aoff += coord * astr;
      if (dimAt(b, i) != 1) boff += coord * bstr;
      astr *= dimAt(a, i);
      bstr *= dimAt(b, i);
    }
    Acc *o = out + bi * M * Ncol;
#pragma omp parallel for schedule(static)
    for (int64_t m = 0; m < M; ++m)
      for (int64_t k = 0; k < K; ++k)
        for (int64_t j = 0; j < Ncol; ++j)
          mac(o[m * Ncol + j], (aoff * M + m) * K + k, (boff * K + k) * Ncol + j, j);
  }
  (void)os;
}

} // namespace

void conv2d(const Tensor &x, const Tensor &w, const Tensor *bias, const Window2D &win, int64_t groups,
            Tensor &out) {
  const float *b = bias ? bias->data<float>() : nullptr;
  convDirect(x.data<float>(), w.data<float>(), out.data<float>(), x.shape(), w.shape(), out.shape(),
             win, groups, 0, {0}, [b](int64_t o) { return b ? b[o] : 0.f; });
}

void conv2dInteger(const Tensor &x, const Tensor &w, int32_t xz, const std::vector<int32_t> &wz,
                   const Window2D &win, int64_t groups, Tensor &out) {
  bool xu = x.dtype() == DType::U8, wu = w.dtype() == DType::U8;
  if (xu && wu) conv2dIntegerTyped<uint8_t, uint8_t>(x, w, xz, wz, win, groups, out);
  else if (xu) conv2dIntegerTyped<uint8_t, int8_t>(x, w, xz, wz, win, groups, out);
  else if (wu) conv2dIntegerTyped<int8_t, uint8_t>(x, w, xz, wz, win, groups, out);
  else conv2dIntegerTyped<int8_t, int8_t>(x, w, xz, wz, win, groups, out);
}

void dense(const Tensor &x, const Tensor &w, const Tensor *bias, Tensor &out) {
  const int64_t N = x.dim(0), K = x.dim(1), M = w.dim(0);
  const float *xd = x.data<float>(), *wd = w.data<float>();
  const float *b = bias ? bias->data<float>() : nullptr;
  float *o = out.data<float>();
#pragma omp parallel for collapse(2) schedule(static)
  for (int64_t n = 0; n < N; ++n)
    for (int64_t m = 0; m < M; ++m) {
      float acc = b ? b[m] : 0.f;
      for (int64_t k = 0; k < K; ++k) acc += xd[n * K + k] * wd[m * K + k];
      o[n * M + m] = acc;
    }
}

void matmul(const Tensor &a, const Tensor &b, Tensor &out) {
  const float *ad = a.data<float>(), *bd = b.data<float>();
  std::fill(out.data<float>(), out.data<float>() + out.numel(), 0.f);
  matmulBroadcast<float>(a.shape(), b.shape(), out.shape(), out.data<float>(),
                         [&](float &acc, int64_t ai, int64_t bi, int64_t) { acc += ad[ai] * bd[bi]; });
}

namespace {
template <typename T, typename U>
void matmulIntegerTyped(const Tensor &a, const Tensor &b, int32_t az, const std::vector<int32_t> &bz,
                        Tensor &out) {
  const T *ad = a.data<T>();
  const U *bd = b.data<U>();
  std::fill(out.data<int32_t>(), out.data<int32_t>() + out.numel(), 0);
  matmulBroadcast<int32_t>(a.shape(), b.shape(), out.shape(), out.data<int32_t>(),
                           [&](int32_t &acc, int64_t ai, int64_t bi, int64_t col) {
                             int32_t z = bz.size() == 1 ? bz[0] : bz[col];
                             acc += (int32_t(ad[ai]) - az) * (int32_t(bd[bi]) - z);
                           });
}
} // namespace

void matmulInteger(const Tensor &a, const Tensor &b, int32_t az, const std::vector<int32_t> &bz,
                   Tensor &out) {
  bool au = a.dtype() == DType::U8, bu = b.dtype() == DType::U8;
  if (au && bu) matmulIntegerTyped<uint8_t, uint8_t>(a, b, az, bz, out);
  else if (au) matmulIntegerTyped<uint8_t, int8_t>(a, b, az, bz, out);
  else if (bu) matmulIntegerTyped<int8_t, uint8_t>(a, b, az, bz, out);
  else matmulIntegerTyped<int8_t, int8_t>(a, b, az, bz, out);
}

void winogradWeightTransform(const Tensor &w, int64_t m, int64_t ib, int64_t ob, Tensor &out) {
  const graph::winograd::Matrices &t = *graph::winograd::matrices(m);
  const int64_t a = t.alpha, O = w.dim(0), I = w.dim(1);
  const float *g = w.data<float>();
  float *u = out.data<float>();
  for (int64_t o = 0; o < O; ++o)
    for (int64_t i = 0; i < I; ++i) {
      const float *f = g + (o * I + i) * 9;
      for (int64_t x = 0; x < a; ++x)
        for (int64_t y = 0; y < a; ++y) {
          double v = 0; // (G f G^T)[x][y]
          for (int k = 0; k < 3; ++k)
            for (int l = 0; l < 3; ++l) v += double(t.G[x * 3 + k]) * f[k * 3 + l] * t.G[y * 3 + l];
          int64_t idx = ((((x * a + y) * (O / ob) + o / ob) * (I / ib) + i / ib) * ib + i % ib) * ob + o % ob;
          u[idx] = static_cast<float>(v);
        }
    }
}

void conv2dWinograd(const Tensor &x, const Tensor &u, const Tensor *bias, const std::vector<int64_t> &pads, int64_t m,
                    Tensor &out) {
  const graph::winograd::Matrices &t = *graph::winograd::matrices(m);
  const int64_t a = t.alpha, ICo = x.dim(1), H = x.dim(2), W = x.dim(3), ib = x.dim(4);
  const int64_t OCo = out.dim(1), TH = out.dim(2), TW = out.dim(4), ob = out.dim(6);
  const float *xd = x.data<float>(), *ud = u.data<float>();
  float *yd = out.data<float>();
  auto in = [&](int64_t c, int64_t h, int64_t w) -> double { // padded input
    h -= pads[0];
    w -= pads[1];
    if (h < 0 || w < 0 || h >= H || w >= W) return 0;
    return xd[(((c / ib) * H + h) * W + w) * ib + c % ib];
  };
#pragma omp parallel for collapse(2)
  for (int64_t o = 0; o < OCo * ob; ++o)
    for (int64_t th = 0; th < TH; ++th)
      for (int64_t tw = 0; tw < TW; ++tw) {
        std::vector<double> M(a * a, 0.0), v(a * a), tmp(a * a);
        for (int64_t c = 0; c < ICo * ib; ++c) {
          for (int64_t i = 0; i < a; ++i) // tmp = B^T d
            for (int64_t j = 0; j < a; ++j) {
              double s = 0;
              for (int64_t k = 0; k < a; ++k) s += t.BT[i * a + k] * in(c, th * m + k, tw * m + j);
              tmp[i * a + j] = s;
            }
          for (int64_t i = 0; i < a; ++i) // v = tmp B
            for (int64_t j = 0; j < a; ++j) {
              double s = 0;
              for (int64_t k = 0; k < a; ++k) s += tmp[i * a + k] * t.BT[j * a + k];
              v[i * a + j] = s;
            }
          for (int64_t e = 0; e < a * a; ++e)
            M[e] += v[e] * ud[((((e * OCo) + o / ob) * ICo + c / ib) * ib + c % ib) * ob + o % ob];
        }
        for (int64_t r = 0; r < m; ++r)
          for (int64_t s = 0; s < m; ++s) {
            double y = bias ? bias->data<float>()[o] : 0.0; // A^T M A
            for (int64_t i = 0; i < a; ++i)
              for (int64_t j = 0; j < a; ++j) y += t.AT[r * a + i] * M[i * a + j] * t.AT[s * a + j];
            yd[(((((o / ob) * TH + th) * m + r) * TW + tw) * m + s) * ob + o % ob] = static_cast<float>(y);
          }
      }
}

} // namespace rqc::reference
