#include "compiler/reference/kernels/Kernels.h"

#include <algorithm>
#include <cmath>

namespace rqc::reference {

namespace {

// Flat input index of output element `flat` under NumPy broadcasting.
struct Broadcaster {
  Shape out;
  std::vector<int64_t> strides; // input strides aligned to `out`, 0 on broadcast dims
  Broadcaster(const Shape &in, const Shape &outShape) : out(outShape), strides(outShape.size(), 0) {
    int64_t s = 1;
    for (int64_t i = static_cast<int64_t>(in.size()) - 1; i >= 0; --i) {
      size_t oi = out.size() - in.size() + i;
      strides[oi] = in[i] == 1 ? 0 : s;
      s *= in[i];
    }
  }
  int64_t map(int64_t flat) const {
    int64_t idx = 0;
    for (int64_t i = static_cast<int64_t>(out.size()) - 1; i >= 0; --i) {
      idx += (flat % out[i]) * strides[i];
      flat /= out[i];
    }
    return idx;
  }
};

template <typename T> T apply(BinaryOp op, T a, T b) {
  switch (op) {
  case BinaryOp::Add: return a + b;
  case BinaryOp::Sub: return a - b;
  case BinaryOp::Mul: return a * b;
  case BinaryOp::Div: return b == T(0) && !std::is_floating_point_v<T> ? T(0) : a / b;
  case BinaryOp::Max: return a != a ? a : b != b ? b : std::max(a, b); // x != x: NaN
  case BinaryOp::Min: return a != a ? a : b != b ? b : std::min(a, b);
  }
  return T(0);
}

template <typename T> void binaryTyped(BinaryOp op, const Tensor &a, const Tensor &b, Tensor &out) {
  const T *ad = a.data<T>(), *bd = b.data<T>();
  T *o = out.data<T>();
  const int64_t n = out.numel();
  if (a.shape() == out.shape() && b.shape() == out.shape()) {
    for (int64_t i = 0; i < n; ++i) o[i] = apply(op, ad[i], bd[i]);
    return;
  }
  Broadcaster ba(a.shape(), out.shape()), bb(b.shape(), out.shape());
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < n; ++i) o[i] = apply(op, ad[ba.map(i)], bd[bb.map(i)]);
}

template <typename F> void unary(const Tensor &x, Tensor &out, F f) {
  const float *xd = x.data<float>();
  float *o = out.data<float>();
  const int64_t n = x.numel();
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < n; ++i) o[i] = f(xd[i]);
}

} // namespace

void binary(BinaryOp op, const Tensor &a, const Tensor &b, Tensor &out) {
  if (a.dtype() == DType::I32) binaryTyped<int32_t>(op, a, b, out);
  else binaryTyped<float>(op, a, b, out);
}

void relu(const Tensor &x, Tensor &out) {
  unary(x, out, [](float v) { return v > 0.f ? v : 0.f; });
}

void sigmoid(const Tensor &x, Tensor &out) {
  unary(x, out, [](float v) { return 1.f / (1.f + std::exp(-v)); });
}

void clip(const Tensor &x, float lo, float hi, Tensor &out) {
  unary(x, out, [lo, hi](float v) { return std::min(std::max(v, lo), hi); });
}

void leakyRelu(const Tensor &x, float alpha, Tensor &out) {
  unary(x, out, [alpha](float v) { return v >= 0.f ? v : alpha * v; });
}

void batchNorm(const Tensor &x, const Tensor &scale, const Tensor &bias, const Tensor &mean,
               const Tensor &var, float epsilon, Tensor &out) {
  const int64_t N = x.dim(0), C = x.dim(1), S = x.numel() / std::max<int64_t>(N * C, 1);
  const float *xd = x.data<float>();
  float *o = out.data<float>();
  for (int64_t c = 0; c < C; ++c) {
    float a = scale.data<float>()[c] / std::sqrt(var.data<float>()[c] + epsilon);
    float m = mean.data<float>()[c], b = bias.data<float>()[c];
    for (int64_t n = 0; n < N; ++n) {
      const float *src = xd + (n * C + c) * S;
      float *dst = o + (n * C + c) * S;
      for (int64_t s = 0; s < S; ++s) dst[s] = (src[s] - m) * a + b;
    }
  }
}

// ONNX LRN: the sum runs over channels [c - floor((size-1)/2), c + ceil((size-1)/2)].
void lrn(const Tensor &x, int64_t size, float alpha, float beta, float bias, Tensor &out) {
  const int64_t N = x.dim(0), C = x.dim(1), S = x.numel() / std::max<int64_t>(N * C, 1);
  const int64_t before = (size - 1) / 2, after = size - 1 - before;
  const float *xd = x.data<float>();
  float *o = out.data<float>();
#pragma omp parallel for collapse(2) schedule(static)
  for (int64_t n = 0; n < N; ++n)
    for (int64_t c = 0; c < C; ++c) {
      int64_t c0 = std::max<int64_t>(0, c - before), c1 = std::min<int64_t>(C - 1, c + after);
      for (int64_t s = 0; s < S; ++s) {
        float sq = 0.f;
        for (int64_t k = c0; k <= c1; ++k) {
          float v = xd[(n * C + k) * S + s];
          sq += v * v;
        }
        o[(n * C + c) * S + s] =
            xd[(n * C + c) * S + s] / std::pow(bias + alpha / static_cast<float>(size) * sq, beta);
      }
    }
}

void softmax(const Tensor &x, int64_t axis, Tensor &out) {
  int64_t outer = 1, inner = 1, dim = x.dim(axis);
  for (int64_t i = 0; i < axis; ++i) outer *= x.dim(i);
  for (int64_t i = axis + 1; i < x.rank(); ++i) inner *= x.dim(i);
  const float *xd = x.data<float>();
  float *o = out.data<float>();
  for (int64_t a = 0; a < outer; ++a)
    for (int64_t b = 0; b < inner; ++b) {
      const float *src = xd + a * dim * inner + b;
      float *dst = o + a * dim * inner + b;
      float mx = -INFINITY;
      for (int64_t k = 0; k < dim; ++k) mx = std::max(mx, src[k * inner]);
      float sum = 0.f;
      for (int64_t k = 0; k < dim; ++k) sum += dst[k * inner] = std::exp(src[k * inner] - mx);
      for (int64_t k = 0; k < dim; ++k) dst[k * inner] /= sum;
    }
}

} // namespace rqc::reference
