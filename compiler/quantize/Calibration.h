// Post-training calibration: the statistics of one float activation over a calibration
// set, the range each method chooses from them, and the (scale, zero point) of a range.
//
// Methods (--calibrate-method), all on the same two passes over the calibration set:
//   minmax      the observed [min, max] (ONNX Runtime's MinMax calibrator).
//   percentile  |x| clipped at the given percentile of its histogram (default 99.999,
//               ONNX Runtime's Percentile calibrator's default).
//   entropy     |x| clipped at the threshold that minimises the KL divergence between the
//               histogram and its quantized copy (TensorRT's entropy calibration, Migacz,
//               "8-bit Inference with TensorRT", GTC 2017).
// Pass 1 records min and max; pass 2 (percentile, entropy) two histograms of kHistogramBins
// bins: of the positive values over [0, max] and of the magnitudes of the negative ones over
// [0, -min]. Each side's limit is chosen on its own histogram, so that an asymmetric tensor
// (an image normalised to [-0.8, 2.0]) is not clipped on its long side by the mass of its
// short one, as one histogram of |x| would.
//
// Quantization parameters follow ONNX Runtime's quantizer (onnxruntime/python/tools/
// quantization/quant_utils.py, compute_scale_zp): the range is widened to contain 0;
// asymmetric: scale = (rmax - rmin) / (qmax - qmin), zero point = round(qmin - rmin/scale);
// symmetric: int8 over [-127, 127] with zero point 0, uint8 with zero point 128. A zero
// range gets scale 1. Power-of-two mode (VTA: requantization is a shift) is symmetric int8
// with the scale rounded up to a power of two, so that nothing in the range clips.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace rqc::quantize {

enum class CalibrationMethod { MinMax, Percentile, Entropy };
enum class QuantType { U8, S8 };

// Parses "minmax" | "percentile" | "entropy" (throws rqc::Error naming the choices).
CalibrationMethod parseCalibrationMethod(const std::string &name);
std::string calibrationMethodName(CalibrationMethod m);

constexpr int kHistogramBins = 2048;

// The statistics of one tensor, accumulated over calibration samples.
class TensorStatistics {
public:
  // Pass 1: min and max of `n` values.
  void observeRange(const float *x, size_t n);
  // Pass 2: counts the positive values and the negative ones' magnitudes into the two
  // histograms, over the ranges pass 1 found.
  void observeHistogram(const float *x, size_t n);

  bool seen() const { return seen_; }
  float min() const { return min_; }
  float max() const { return max_; }
  // kHistogramBins counts each (empty before pass 2); bin i of a side covers
  // [i * binWidth, (i + 1) * binWidth) of x (positive) or -x (negative).
  const std::vector<double> &positiveHistogram() const { return positive_; }
  const std::vector<double> &negativeHistogram() const { return negative_; }
  double positiveBinWidth() const;
  double negativeBinWidth() const;

private:
  bool seen_ = false;
  float min_ = 0, max_ = 0;
  std::vector<double> positive_, negative_;
};

// The |x| below which `percentile` percent of the histogram lies (the upper edge of the
// first bin where the cumulative count reaches it). percentile in (0, 100].
double percentileThreshold(const std::vector<double> &histogram, double binWidth, double percentile);

// The |x| threshold (upper edge of the last kept bin, at least `levels` bins) that minimises
// KL(P || Q): P the histogram up to the threshold with everything above added to its last
// bin, Q the same bins merged into `levels` quantization levels and spread back evenly over
// their non-empty bins. `levels`: 128 for one side of a symmetric or two-signed range, 256
// for a one-signed tensor in an asymmetric scheme. Bin 0 (the zeros of a ReLU) counts as
// much as bin 1.
double entropyThreshold(const std::vector<double> &histogram, double binWidth, int levels);

struct Range {
  float min = 0, max = 0;
};

// The range `method` chooses for a tensor (pass 2 must have run for percentile and entropy):
// each side's limit from its own histogram. `oneSidedLevels`: the entropy levels of a tensor
// with one sign (256 in an asymmetric scheme, uint8 or int8; 128 in a symmetric one); a tensor with
// both signs gets 128 per side.
Range chooseRange(const TensorStatistics &stats, CalibrationMethod method, double percentile, int oneSidedLevels);

struct QuantParams {
  float scale = 1;
  int32_t zeroPoint = 0;
};

struct ActivationScheme {
  QuantType type = QuantType::U8;
  bool symmetric = false;
  bool powerOfTwo = false; // implies symmetric int8
};

QuantParams activationParams(Range range, const ActivationScheme &scheme);

// 2^ceil(log2(s)) for s > 0: the smallest power of two that is at least s.
float powerOfTwoAtLeast(float s);

// Symmetric int8 per-channel weights: the scale of one channel with largest magnitude
// `absMax` (absMax / 127, or its power of two; 1 for an all-zero channel).
// With qmax (127, or 63 for reduce_range) the weights lie in [-qmax, qmax].
float weightScale(float absMax, bool powerOfTwo, int qmax = 127);

// ONNX QuantizeLinear: saturate(round_half_to_even(x / scale) + zeroPoint) to [qmin, qmax].
int32_t quantizeValue(float x, float scale, int32_t zeroPoint, int32_t qmin, int32_t qmax);

} // namespace rqc::quantize
