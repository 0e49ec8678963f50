// The reference kernels: straightforward loops with ONNX semantics, the oracle every
// compiled target is checked against. Clarity first; loops are ordered so that whole
// networks still run in seconds (inner loops contiguous, outer loops OpenMP-parallel).
// No MLIR here: these functions take and return rqc::Tensor.
#pragma once

#include "rqc/runtime/Tensor.h"

#include <string>
#include <vector>

namespace rqc::reference {

struct Window2D {
  std::vector<int64_t> kernel;    // [kh, kw]
  std::vector<int64_t> strides;   // [sh, sw]
  std::vector<int64_t> pads;      // [top, left, bottom, right]
  std::vector<int64_t> dilations; // [dh, dw]
};

// ---- convolution and matrix products (ConvKernels.cpp) ----
// `out` is preallocated with the result shape (from the IR's inferred types).
void conv2d(const Tensor &x, const Tensor &w, const Tensor *bias, const Window2D &win,
            int64_t groups, Tensor &out);
void conv2dInteger(const Tensor &x, const Tensor &w, int32_t xZeroPoint,
                   const std::vector<int32_t> &wZeroPoints, const Window2D &win, int64_t groups,
                   Tensor &out);
void dense(const Tensor &x, const Tensor &w, const Tensor *bias, Tensor &out);
// Winograd F(m x m, 3 x 3) (ir/Graph/Winograd.h): the filter transform G g G^T of an
// [O, I, 3, 3] weight into [alpha, alpha, O/ob, I/ib, ib, ob], and the convolution itself
// on channel-blocked x [1, I/ib, H, W, ib] with that weight, out [1, O/ob, OH/m, m, OW/m, m, ob].
void winogradWeightTransform(const Tensor &w, int64_t m, int64_t ib, int64_t ob, Tensor &out);
void conv2dWinograd(const Tensor &x, const Tensor &u, const Tensor *bias, const std::vector<int64_t> &pads, int64_t m,
                    Tensor &out);
void matmul(const Tensor &a, const Tensor &b, Tensor &out);
void matmulInteger(const Tensor &a, const Tensor &b, int32_t aZeroPoint,
                   const std::vector<int32_t> &bZeroPoints, Tensor &out);

// ---- pooling (PoolKernels.cpp) ----
void maxPool2d(const Tensor &x, const Window2D &win, Tensor &out);
void avgPool2d(const Tensor &x, const Window2D &win, bool countIncludePad, Tensor &out);
void globalAvgPool(const Tensor &x, Tensor &out);
void globalMaxPool(const Tensor &x, Tensor &out);

// ---- elementwise and normalization (ElementwiseKernels.cpp) ----
enum class BinaryOp { Add, Sub, Mul, Div, Max, Min }; // Max/Min propagate NaN
void binary(BinaryOp op, const Tensor &a, const Tensor &b, Tensor &out); // NumPy broadcasting
void relu(const Tensor &x, Tensor &out);
void sigmoid(const Tensor &x, Tensor &out);
void clip(const Tensor &x, float lo, float hi, Tensor &out);
void leakyRelu(const Tensor &x, float alpha, Tensor &out);
void batchNorm(const Tensor &x, const Tensor &scale, const Tensor &bias, const Tensor &mean,
               const Tensor &var, float epsilon, Tensor &out);
void lrn(const Tensor &x, int64_t size, float alpha, float beta, float bias, Tensor &out);
void softmax(const Tensor &x, int64_t axis, Tensor &out);

// ---- data movement (DataKernels.cpp) ----
void concat(const std::vector<const Tensor *> &inputs, int64_t axis, Tensor &out);
void transpose(const Tensor &x, const std::vector<int64_t> &perm, Tensor &out);
// `x` in layout `srcLayout` rewritten in `dstLayout` (TVM layout strings over the same
// primal axes, ir/Graph/Layout.h); `out` has the destination shape.
void layoutTransform(const Tensor &x, const std::string &srcLayout, const std::string &dstLayout, Tensor &out);
// result[i] = x[starts + i * steps] per axis; `out` has the result shape (the sizes).
void slice(const Tensor &x, const std::vector<int64_t> &starts, const std::vector<int64_t> &steps, Tensor &out);
void pad(const Tensor &x, const std::vector<int64_t> &pads, const std::string &mode, float value,
         Tensor &out);

// ---- quantization (QuantKernels.cpp) ----
// Scales/zero points are per tensor (size 1) or per slice of `axis`.
void quantize(const Tensor &x, const std::vector<float> &scale, const std::vector<int32_t> &zeroPoint,
              int64_t axis, Tensor &out);
void dequantize(const Tensor &x, const std::vector<float> &scale,
                const std::vector<int32_t> &zeroPoint, int64_t axis, Tensor &out);
void requantize(const Tensor &x, const std::vector<float> &scale, int32_t zeroPoint, int64_t axis,
                Tensor &out);

} // namespace rqc::reference
