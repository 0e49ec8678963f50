// Quantization with ONNX semantics: round half to even (nearbyint in the default
// rounding mode), saturate to the target type, float math in f32 as ONNX Runtime does.
#include "compiler/reference/kernels/Kernels.h"

#include <algorithm>
#include <cmath>

namespace rqc::reference {

namespace {

// Index into per-axis parameters for flat element i.
struct AxisIndexer {
  int64_t inner = 1, dim = 1;
  bool perTensor;
  AxisIndexer(const Shape &s, int64_t axis, size_t numParams) : perTensor(numParams == 1) {
    if (perTensor) return;
    dim = s[axis];
    for (size_t i = axis + 1; i < s.size(); ++i) inner *= s[i];
  }
  int64_t operator()(int64_t i) const { return perTensor ? 0 : (i / inner) % dim; }
};

template <typename Q> void storeSaturated(float v, int32_t zp, Q *dst) {
  float lo = std::is_signed_v<Q> ? -128.f : 0.f, hi = std::is_signed_v<Q> ? 127.f : 255.f;
  float q = std::nearbyint(v) + static_cast<float>(zp);
  *dst = static_cast<Q>(std::min(std::max(q, lo), hi));
}

template <typename Q>
void quantizeTyped(const Tensor &x, const std::vector<float> &scale, const std::vector<int32_t> &zp,
                   const AxisIndexer &ax, Tensor &out) {
  const float *xd = x.data<float>();
  Q *o = out.data<Q>();
  for (int64_t i = 0; i < x.numel(); ++i) {
    int64_t k = ax(i);
    storeSaturated<Q>(xd[i] / scale[k], zp.size() == 1 ? zp[0] : zp[k], o + i);
  }
}

template <typename T>
void dequantizeTyped(const Tensor &x, const std::vector<float> &scale, const std::vector<int32_t> &zp,
                     const AxisIndexer &ax, Tensor &out) {
  const T *xd = x.data<T>();
  float *o = out.data<float>();
  for (int64_t i = 0; i < x.numel(); ++i) {
    int64_t k = ax(i);
    int32_t z = zp.size() == 1 ? zp[0] : zp[k];
    o[i] = static_cast<float>(static_cast<int32_t>(xd[i]) - z) * scale[k];
  }
}

template <typename Q>
void requantizeTyped(const Tensor &x, const std::vector<float> &scale, int32_t zp, const AxisIndexer &ax,
                     Tensor &out) {
  const int32_t *xd = x.data<int32_t>();
  Q *o = out.data<Q>();
  for (int64_t i = 0; i < x.numel(); ++i)
    storeSaturated<Q>(static_cast<float>(xd[i]) * scale[ax(i)], zp, o + i);
}

} // namespace

void quantize(const Tensor &x, const std::vector<float> &scale, const std::vector<int32_t> &zp,
              int64_t axis, Tensor &out) {
  AxisIndexer ax(x.shape(), axis, scale.size());
  if (out.dtype() == DType::I8) quantizeTyped<int8_t>(x, scale, zp, ax, out);
  else quantizeTyped<uint8_t>(x, scale, zp, ax, out);
}

void dequantize(const Tensor &x, const std::vector<float> &scale, const std::vector<int32_t> &zp,
                int64_t axis, Tensor &out) {
  AxisIndexer ax(x.shape(), axis, scale.size());
  switch (x.dtype()) {
  case DType::I8: return dequantizeTyped<int8_t>(x, scale, zp, ax, out);
  case DType::U8: return dequantizeTyped<uint8_t>(x, scale, zp, ax, out);
  default: return dequantizeTyped<int32_t>(x, scale, zp, ax, out);
  }
}

void requantize(const Tensor &x, const std::vector<float> &scale, int32_t zp, int64_t axis, Tensor &out) {
  AxisIndexer ax(x.shape(), axis, scale.size());
  if (out.dtype() == DType::I8) requantizeTyped<int8_t>(x, scale, zp, ax, out);
  else requantizeTyped<uint8_t>(x, scale, zp, ax, out);
}

} // namespace rqc::reference
