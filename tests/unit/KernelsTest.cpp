// Reference kernels against hand-computed values: the cases where ONNX semantics are
// easy to get wrong (rounding, saturation, padding divisors, broadcasting).
#include "compiler/reference/kernels/Kernels.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

using namespace rqc;
using namespace rqc::reference;

namespace {
Tensor floats(Shape shape, std::vector<float> values) {
  Tensor t(DType::F32, std::move(shape));
  std::copy(values.begin(), values.end(), t.data<float>());
  return t;
}
} // namespace

TEST(Kernels, QuantizeRoundsHalfToEvenAndSaturates) {
  Tensor x = floats({6}, {0.5f, 1.5f, 2.5f, -0.5f, 1000.f, -1000.f});
  Tensor q(DType::I8, {6});
  quantize(x, {1.f}, {0}, 0, q);
  const int8_t *v = q.data<int8_t>();
  EXPECT_EQ(v[0], 0);   // 0.5 -> 0 (even)
  EXPECT_EQ(v[1], 2);   // 1.5 -> 2
  EXPECT_EQ(v[2], 2);   // 2.5 -> 2
  EXPECT_EQ(v[3], 0);   // -0.5 -> -0
  EXPECT_EQ(v[4], 127); // saturates
  EXPECT_EQ(v[5], -128);
}

TEST(Kernels, QuantizeUint8WithZeroPointPerChannel) {
  Tensor x = floats({1, 2, 2}, {0.f, 1.f, 0.f, 1.f});
  Tensor q(DType::U8, {1, 2, 2});
  quantize(x, {0.5f, 0.25f}, {10, 100}, 1, q);
  const uint8_t *v = q.data<uint8_t>();
  EXPECT_EQ(v[0], 10);
  EXPECT_EQ(v[1], 12);
  EXPECT_EQ(v[2], 100);
  EXPECT_EQ(v[3], 104);
}

TEST(Kernels, RequantizeMatchesFloatRounding) {
  Tensor acc(DType::I32, {4});
  int32_t *a = acc.data<int32_t>();
  a[0] = 5; a[1] = 15; a[2] = -25; a[3] = 100000;
  Tensor out(DType::I8, {4});
  requantize(acc, {0.1f}, 3, 0, out);
  const int8_t *v = out.data<int8_t>();
  EXPECT_EQ(v[0], 3 + 0);  // 0.5 -> 0
  EXPECT_EQ(v[1], 3 + 2);  // 1.5 -> 2
  EXPECT_EQ(v[2], 3 - 2);  // -2.5 -> -2
  EXPECT_EQ(v[3], 127);
}

TEST(Kernels, DequantizeSubtractsZeroPoint) {
  Tensor q(DType::U8, {2});
  q.data<uint8_t>()[0] = 0;
  q.data<uint8_t>()[1] = 255;
  Tensor out(DType::F32, {2});
  dequantize(q, {0.5f}, {128}, 0, out);
  EXPECT_FLOAT_EQ(out.data<float>()[0], -64.f);
  EXPECT_FLOAT_EQ(out.data<float>()[1], 63.5f);
}

TEST(Kernels, ConvMatchesDirectFormulaWithPaddingStrideDilationGroups) {
  // 1x4x5x5 input, 2 groups, 4 filters of 2x3x3, stride 2, pad 1, dilation 1 vs a naive sum.
  Tensor x(DType::F32, {1, 4, 5, 5}), w(DType::F32, {4, 2, 3, 3}), b(DType::F32, {4});
  for (int64_t i = 0; i < x.numel(); ++i) x.data<float>()[i] = std::sin(0.3f * i);
  for (int64_t i = 0; i < w.numel(); ++i) w.data<float>()[i] = std::cos(0.7f * i);
  for (int64_t i = 0; i < 4; ++i) b.data<float>()[i] = 0.1f * i;
  Window2D win{{3, 3}, {2, 2}, {1, 1, 1, 1}, {1, 1}};
  Tensor out(DType::F32, {1, 4, 3, 3});
  conv2d(x, w, &b, win, 2, out);
  for (int64_t o = 0; o < 4; ++o)
    for (int64_t oh = 0; oh < 3; ++oh)
      for (int64_t ow = 0; ow < 3; ++ow) {
        double s = 0.1 * o;
        for (int64_t c = 0; c < 2; ++c)
          for (int64_t kh = 0; kh < 3; ++kh)
            for (int64_t kw = 0; kw < 3; ++kw) {
              int64_t ih = oh * 2 - 1 + kh, iw = ow * 2 - 1 + kw, ic = (o / 2) * 2 + c;
              if (ih < 0 || ih >= 5 || iw < 0 || iw >= 5) continue;
              s += x.data<float>()[(ic * 5 + ih) * 5 + iw] * w.data<float>()[((o * 2 + c) * 3 + kh) * 3 + kw];
            }
        EXPECT_NEAR(out.data<float>()[(o * 3 + oh) * 3 + ow], s, 1e-5) << o << " " << oh << " " << ow;
      }
}

TEST(Kernels, ConvIntegerSubtractsZeroPoints) {
  Tensor x(DType::U8, {1, 1, 2, 2}), w(DType::I8, {2, 1, 1, 1});
  uint8_t xs[] = {10, 11, 12, 13};
  std::copy(xs, xs + 4, x.data<uint8_t>());
  w.data<int8_t>()[0] = 3;
  w.data<int8_t>()[1] = -2;
  Tensor out(DType::I32, {1, 2, 2, 2});
  conv2dInteger(x, w, 10, {1, -2}, Window2D{{1, 1}, {1, 1}, {0, 0, 0, 0}, {1, 1}}, 1, out);
  // Channel 0: (x - 10) * (3 - 1); channel 1: (x - 10) * (-2 - -2) = 0.
  const int32_t *v = out.data<int32_t>();
  EXPECT_EQ(std::vector<int32_t>(v, v + 8), (std::vector<int32_t>{0, 2, 4, 6, 0, 0, 0, 0}));
}

TEST(Kernels, AvgPoolDivisorWithAndWithoutPadding) {
  Tensor x = floats({1, 1, 2, 2}, {1, 2, 3, 4});
  Window2D win{{2, 2}, {1, 1}, {1, 1, 0, 0}, {1, 1}};
  Tensor excl(DType::F32, {1, 1, 2, 2}), incl(DType::F32, {1, 1, 2, 2});
  avgPool2d(x, win, false, excl);
  avgPool2d(x, win, true, incl);
  EXPECT_FLOAT_EQ(excl.data<float>()[0], 1.f);        // only x[0,0] is inside
  EXPECT_FLOAT_EQ(incl.data<float>()[0], 1.f / 4.f);  // padding counts
  EXPECT_FLOAT_EQ(excl.data<float>()[3], 2.5f);
}

TEST(Kernels, MaxPoolIgnoresPadding) {
  Tensor x = floats({1, 1, 1, 2}, {-5.f, -3.f});
  Tensor out(DType::F32, {1, 1, 1, 2});
  maxPool2d(x, Window2D{{1, 2}, {1, 1}, {0, 1, 0, 0}, {1, 1}}, out);
  EXPECT_FLOAT_EQ(out.data<float>()[0], -5.f); // the pad never wins, even over negatives
  EXPECT_FLOAT_EQ(out.data<float>()[1], -3.f);
}

TEST(Kernels, BinaryBroadcasts) {
  Tensor a = floats({2, 3}, {1, 2, 3, 4, 5, 6});
  Tensor b = floats({3}, {10, 20, 30});
  Tensor out(DType::F32, {2, 3});
  binary(BinaryOp::Sub, a, b, out);
  const float *v = out.data<float>();
  EXPECT_EQ(std::vector<float>(v, v + 6), (std::vector<float>{-9, -18, -27, -6, -15, -24}));

  // Both sides broadcast: [2, 1] - [1, 3] -> [2, 3].
  Tensor col = floats({2, 1}, {1, 2}), row = floats({1, 3}, {10, 20, 30});
  binary(BinaryOp::Sub, col, row, out);
  EXPECT_EQ(std::vector<float>(v, v + 6), (std::vector<float>{-9, -19, -29, -8, -18, -28}));
}

TEST(Kernels, PadModes) {
  Tensor x = floats({3}, {1, 2, 3});
  Tensor out(DType::F32, {7});
  pad(x, {2, 2}, "reflect", 0.f, out);
  std::vector<float> reflect(out.data<float>(), out.data<float>() + 7);
  EXPECT_EQ(reflect, (std::vector<float>{3, 2, 1, 2, 3, 2, 1}));
  pad(x, {2, 2}, "edge", 0.f, out);
  std::vector<float> edge(out.data<float>(), out.data<float>() + 7);
  EXPECT_EQ(edge, (std::vector<float>{1, 1, 1, 2, 3, 3, 3}));
  pad(x, {2, 2}, "constant", 9.f, out);
  std::vector<float> cst(out.data<float>(), out.data<float>() + 7);
  EXPECT_EQ(cst, (std::vector<float>{9, 9, 1, 2, 3, 9, 9}));
}

TEST(Kernels, SoftmaxIsStableForLargeInputs) {
  Tensor x = floats({1, 3}, {1000.f, 1000.f, 1000.f});
  Tensor out(DType::F32, {1, 3});
  softmax(x, 1, out);
  for (int i = 0; i < 3; ++i) EXPECT_NEAR(out.data<float>()[i], 1.f / 3.f, 1e-6);
}

TEST(Kernels, LrnWindowIsAsymmetricForEvenSize) {
  // size 2: channel c sums c and c+1 (floor((2-1)/2)=0 before, 1 after).
  Tensor x = floats({1, 2, 1, 1}, {1.f, 2.f});
  Tensor out(DType::F32, {1, 2, 1, 1});
  lrn(x, 2, 2.f, 1.f, 1.f, out);
  EXPECT_FLOAT_EQ(out.data<float>()[0], 1.f / (1.f + 1.f * (1.f + 4.f)));
  EXPECT_FLOAT_EQ(out.data<float>()[1], 2.f / (1.f + 1.f * 4.f));
}
