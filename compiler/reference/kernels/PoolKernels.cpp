#include "compiler/reference/kernels/Kernels.h"

#include "rqc/runtime/Error.h"

#include <algorithm>
#include <limits>

namespace rqc::reference {

namespace {

template <typename T> void maxPoolTyped(const Tensor &x, const Window2D &win, Tensor &out) {
  const int64_t N = x.dim(0), C = x.dim(1), H = x.dim(2), W = x.dim(3);
  const int64_t OH = out.dim(2), OW = out.dim(3);
  const T *xd = x.data<T>();
  T *o = out.data<T>();
#pragma omp parallel for collapse(2) schedule(static)
  for (int64_t n = 0; n < N; ++n)
    for (int64_t c = 0; c < C; ++c) {
      const T *plane = xd + (n * C + c) * H * W;
      for (int64_t oh = 0; oh < OH; ++oh)
        for (int64_t ow = 0; ow < OW; ++ow) {
          T best = std::numeric_limits<T>::lowest();
          for (int64_t kh = 0; kh < win.kernel[0]; ++kh) {
            int64_t ih = oh * win.strides[0] - win.pads[0] + kh * win.dilations[0];
            if (ih < 0 || ih >= H) continue;
            for (int64_t kw = 0; kw < win.kernel[1]; ++kw) {
              int64_t iw = ow * win.strides[1] - win.pads[1] + kw * win.dilations[1];
              if (iw < 0 || iw >= W) continue;
              best = std::max(best, plane[ih * W + iw]);
            }
          }
          o[((n * C + c) * OH + oh) * OW + ow] = best;
        }
    }
}

template <typename T> void globalMaxTyped(const Tensor &x, Tensor &out) {
  const int64_t NC = x.dim(0) * x.dim(1), S = x.numel() / std::max<int64_t>(NC, 1);
  const T *xd = x.data<T>();
  for (int64_t i = 0; i < NC; ++i)
    out.data<T>()[i] = S ? *std::max_element(xd + i * S, xd + (i + 1) * S) : T(0);
}

} // namespace

void maxPool2d(const Tensor &x, const Window2D &win, Tensor &out) {
  switch (x.dtype()) {
  case DType::F32: return maxPoolTyped<float>(x, win, out);
  case DType::I8: return maxPoolTyped<int8_t>(x, win, out);
  case DType::U8: return maxPoolTyped<uint8_t>(x, win, out);
  case DType::I32: return maxPoolTyped<int32_t>(x, win, out);
  default: throw Error("max_pool2d: unsupported element type");
  }
}

// The divisor counts the window cells inside the input, plus (count_include_pad) those
// in the explicit padding, never the cells ceil_mode adds beyond it.
void avgPool2d(const Tensor &x, const Window2D &win, bool countIncludePad, Tensor &out) {
  const int64_t N = x.dim(0), C = x.dim(1), H = x.dim(2), W = x.dim(3);
  const int64_t OH = out.dim(2), OW = out.dim(3);
  const float *xd = x.data<float>();
  float *o = out.data<float>();
#pragma omp parallel for collapse(2) schedule(static)
  for (int64_t n = 0; n < N; ++n)
    for (int64_t c = 0; c < C; ++c) {
      const float *plane = xd + (n * C + c) * H * W;
      for (int64_t oh = 0; oh < OH; ++oh)
        for (int64_t ow = 0; ow < OW; ++ow) {
          int64_t h0 = oh * win.strides[0] - win.pads[0], w0 = ow * win.strides[1] - win.pads[1];
          int64_t h1 = std::min(h0 + win.kernel[0], H + win.pads[2]);
          int64_t w1 = std::min(w0 + win.kernel[1], W + win.pads[3]);
          int64_t padded = (h1 - h0) * (w1 - w0);
          int64_t hs = std::max<int64_t>(h0, 0), ws = std::max<int64_t>(w0, 0);
          int64_t he = std::min(h1, H), we = std::min(w1, W);
          float sum = 0.f;
          for (int64_t ih = hs; ih < he; ++ih)
            for (int64_t iw = ws; iw < we; ++iw) sum += plane[ih * W + iw];
          int64_t count = countIncludePad ? padded : (he - hs) * (we - ws);
          o[((n * C + c) * OH + oh) * OW + ow] = count > 0 ? sum / static_cast<float>(count) : 0.f;
        }
    }
}

void globalAvgPool(const Tensor &x, Tensor &out) {
  const int64_t NC = x.dim(0) * x.dim(1), S = x.numel() / std::max<int64_t>(NC, 1);
  const float *xd = x.data<float>();
  for (int64_t i = 0; i < NC; ++i) {
    float sum = 0.f;
    for (int64_t s = 0; s < S; ++s) sum += xd[i * S + s];
    out.data<float>()[i] = sum / static_cast<float>(S);
  }
}

void globalMaxPool(const Tensor &x, Tensor &out) {
  switch (x.dtype()) {
  case DType::F32: return globalMaxTyped<float>(x, out);
  case DType::I8: return globalMaxTyped<int8_t>(x, out);
  case DType::U8: return globalMaxTyped<uint8_t>(x, out);
  case DType::I32: return globalMaxTyped<int32_t>(x, out);
  default: throw Error("global_max_pool: unsupported element type");
  }
}

} // namespace rqc::reference
