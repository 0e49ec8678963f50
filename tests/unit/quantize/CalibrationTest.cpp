// The quantizer's range choices and quantization parameters against values worked out by
// hand (compiler/quantize/Calibration.h); the graph rewrite and the calibration runs are
// tested end to end in tests/models/quantizer_check.py.
#include "compiler/quantize/Calibration.h"

#include "rqc/runtime/Error.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

using namespace rqc::quantize;

TEST(Calibration, RangeSkipsNonFiniteValues) {
  TensorStatistics s;
  std::vector<float> x = {1.5f, std::numeric_limits<float>::quiet_NaN(), -2.0f,
                          std::numeric_limits<float>::infinity(), 0.25f};
  s.observeRange(x.data(), x.size());
  EXPECT_TRUE(s.seen());
  EXPECT_EQ(s.min(), -2.0f);
  EXPECT_EQ(s.max(), 1.5f);
}

TEST(Calibration, HistogramsCountEachSideOverItsOwnRange) {
  TensorStatistics s;
  std::vector<float> x = {-1.0f, -0.5f, 0.0f, 4.0f, 2.0f};
  s.observeRange(x.data(), x.size());
  s.observeHistogram(x.data(), x.size());
  const auto &pos = s.positiveHistogram(), &neg = s.negativeHistogram();
  ASSERT_EQ(pos.size(), size_t(kHistogramBins));
  EXPECT_DOUBLE_EQ(s.positiveBinWidth(), 4.0 / kHistogramBins);
  EXPECT_DOUBLE_EQ(s.negativeBinWidth(), 1.0 / kHistogramBins);
  EXPECT_EQ(pos[kHistogramBins - 1], 1); // 4.0, the maximum, in the last bin
  EXPECT_EQ(pos[kHistogramBins / 2], 1); // 2.0
  EXPECT_EQ(neg[kHistogramBins - 1], 1); // -1.0
  EXPECT_EQ(neg[kHistogramBins / 2], 1); // -0.5
  double total = 0;
  for (double c : pos) total += c;
  for (double c : neg) total += c;
  EXPECT_EQ(total, 4); // the zero is on neither side
}

TEST(Calibration, PercentileIsTheUpperEdgeOfTheBinReachingIt) {
  std::vector<double> h(100, 10.0); // 1000 values, 10 per bin of width 0.5
  EXPECT_DOUBLE_EQ(percentileThreshold(h, 0.5, 50), 25.0);
  EXPECT_DOUBLE_EQ(percentileThreshold(h, 0.5, 50.1), 25.5);
  EXPECT_DOUBLE_EQ(percentileThreshold(h, 0.5, 100), 50.0);
  EXPECT_THROW(percentileThreshold(h, 0.5, 0), rqc::Error);
  EXPECT_THROW(percentileThreshold(h, 0.5, 100.5), rqc::Error);
}

TEST(Calibration, EntropyKeepsAUniformRangeWhole) {
  // Merging equal counts and spreading them back changes nothing only when nothing is
  // clipped: the divergence is 0 at the full range and positive below it.
  std::vector<double> h(kHistogramBins, 5.0);
  EXPECT_DOUBLE_EQ(entropyThreshold(h, 0.01, 128), kHistogramBins * 0.01);
}

TEST(Calibration, EntropyClipsRareOutliers) {
  // A dense bulk in the first 400 bins and two lone values near the maximum: the threshold
  // lands just past the bulk, far below the maximum that minmax would keep.
  std::vector<double> h(kHistogramBins, 0.0);
  for (int i = 0; i < 400; ++i) h[i] = 1000.0 - 2.0 * i;
  h[1900] = 1;
  h[2047] = 1;
  double t = entropyThreshold(h, 1.0, 128);
  EXPECT_GE(t, 380.0);
  EXPECT_LE(t, 420.0);
}

TEST(Calibration, ChooseRangeClipsEachSideOnItsOwn) {
  // Negative side: a spike at -0.8 (a normalised background). Positive side: spread to 2.
  TensorStatistics s;
  std::vector<float> x;
  for (int i = 0; i < 5000; ++i) x.push_back(-0.8f);
  for (int i = 1; i <= 2000; ++i) x.push_back(2.0f * float(i) / 2000.0f);
  s.observeRange(x.data(), x.size());
  s.observeHistogram(x.data(), x.size());
  Range minmax = chooseRange(s, CalibrationMethod::MinMax, 99.999, 256);
  EXPECT_EQ(minmax.min, -0.8f);
  EXPECT_EQ(minmax.max, 2.0f);
  Range entropy = chooseRange(s, CalibrationMethod::Entropy, 99.999, 256);
  EXPECT_NEAR(entropy.min, -0.8f, 1e-6); // the spike is the whole negative side
  EXPECT_GT(entropy.max, 1.9f);          // a uniform side is kept whole
  Range p90 = chooseRange(s, CalibrationMethod::Percentile, 90, 256);
  EXPECT_NEAR(p90.max, 1.8f, 2.0 / kHistogramBins + 1e-6);
}

TEST(Calibration, AsymmetricUint8FollowsOnnxRuntime) {
  // [-1, 3]: scale 4/255, zero point round(0 + 1/scale) = round(63.75) = 64.
  QuantParams q = activationParams({-1.0f, 3.0f}, {QuantType::U8, false, false});
  EXPECT_FLOAT_EQ(q.scale, 4.0f / 255.0f);
  EXPECT_EQ(q.zeroPoint, 64);
  // A non-negative range is widened to contain 0: [0.5, 2] -> [0, 2], zero point 0.
  q = activationParams({0.5f, 2.0f}, {QuantType::U8, false, false});
  EXPECT_FLOAT_EQ(q.scale, 2.0f / 255.0f);
  EXPECT_EQ(q.zeroPoint, 0);
  // int8 asymmetric: [-1, 3] -> zero point round(-128 + 63.75) = -64.
  q = activationParams({-1.0f, 3.0f}, {QuantType::S8, false, false});
  EXPECT_EQ(q.zeroPoint, -64);
}

TEST(Calibration, SymmetricAndPowerOfTwo) {
  QuantParams q = activationParams({-2.0f, 1.0f}, {QuantType::S8, true, false});
  EXPECT_FLOAT_EQ(q.scale, 2.0f / 127.0f);
  EXPECT_EQ(q.zeroPoint, 0);
  q = activationParams({-2.0f, 1.0f}, {QuantType::U8, true, false});
  EXPECT_FLOAT_EQ(q.scale, 4.0f / 255.0f);
  EXPECT_EQ(q.zeroPoint, 128);
  // 5/127 = 0.0394 rounds up to 2^-4: nothing in [-3, 5] clips.
  q = activationParams({-3.0f, 5.0f}, {QuantType::S8, true, true});
  EXPECT_EQ(q.scale, 0.0625f);
  EXPECT_EQ(q.zeroPoint, 0);
  EXPECT_EQ(powerOfTwoAtLeast(0.25f), 0.25f);
  EXPECT_EQ(powerOfTwoAtLeast(0.2500001f), 0.5f);
  EXPECT_EQ(weightScale(127.0f, false), 1.0f);
  EXPECT_EQ(weightScale(100.0f, true), 1.0f);
  EXPECT_EQ(weightScale(0.0f, false), 1.0f); // an all-zero channel
}

TEST(Calibration, ZeroRangeGetsScaleOne) {
  QuantParams q = activationParams({0.0f, 0.0f}, {QuantType::U8, false, false});
  EXPECT_EQ(q.scale, 1.0f);
  EXPECT_EQ(q.zeroPoint, 0);
}

TEST(Calibration, QuantizeRoundsHalfToEvenAndSaturates) {
  EXPECT_EQ(quantizeValue(2.5f, 1.0f, 0, -128, 127), 2);
  EXPECT_EQ(quantizeValue(3.5f, 1.0f, 0, -128, 127), 4);
  EXPECT_EQ(quantizeValue(-2.5f, 1.0f, 0, -128, 127), -2);
  EXPECT_EQ(quantizeValue(1000.0f, 1.0f, 0, -127, 127), 127);
  EXPECT_EQ(quantizeValue(-1.0f, 0.5f, 10, 0, 255), 8);
  EXPECT_EQ(quantizeValue(-100.0f, 0.5f, 10, 0, 255), 0);
}

TEST(Calibration, MethodNames) {
  EXPECT_EQ(parseCalibrationMethod("entropy"), CalibrationMethod::Entropy);
  EXPECT_EQ(calibrationMethodName(CalibrationMethod::Percentile), "percentile");
  EXPECT_THROW(parseCalibrationMethod("kl"), rqc::Error);
}
