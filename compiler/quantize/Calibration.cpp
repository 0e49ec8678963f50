#include "compiler/quantize/Calibration.h"

#include "rqc/runtime/Error.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace rqc::quantize {

CalibrationMethod parseCalibrationMethod(const std::string &name) {
  if (name == "minmax") return CalibrationMethod::MinMax;
  if (name == "percentile") return CalibrationMethod::Percentile;
  if (name == "entropy") return CalibrationMethod::Entropy;
  throw Error("unknown calibration method '" + name + "' (minmax, percentile, entropy)");
}

std::string calibrationMethodName(CalibrationMethod m) {
  switch (m) {
  case CalibrationMethod::MinMax: return "minmax";
  case CalibrationMethod::Percentile: return "percentile";
  case CalibrationMethod::Entropy: return "entropy";
  }
  return "?";
}

void TensorStatistics::observeRange(const float *x, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    float v = x[i];
    if (!std::isfinite(v)) continue; // a NaN or Inf says nothing about the range to cover
    if (!seen_) {
      min_ = max_ = v;
      seen_ = true;
    }
    min_ = std::min(min_, v);
    max_ = std::max(max_, v);
  }
}

double TensorStatistics::positiveBinWidth() const { return max_ > 0 ? double(max_) / kHistogramBins : 1.0; }
double TensorStatistics::negativeBinWidth() const { return min_ < 0 ? double(-min_) / kHistogramBins : 1.0; }

void TensorStatistics::observeHistogram(const float *x, size_t n) {
  if (positive_.empty()) {
    positive_.assign(kHistogramBins, 0.0);
    negative_.assign(kHistogramBins, 0.0);
  }
  const double pw = positiveBinWidth(), nw = negativeBinWidth();
  for (size_t i = 0; i < n; ++i) {
    float v = x[i];
    if (!std::isfinite(v) || v == 0) continue; // zeros clip on neither side
    // The extremes fall in the last bin; values beyond pass 1's range cannot occur for the
    // same samples, but clamp rather than index out of range.
    auto &h = v > 0 ? positive_ : negative_;
    auto bin = static_cast<int64_t>(std::fabs(v) / (v > 0 ? pw : nw));
    h[static_cast<size_t>(std::clamp<int64_t>(bin, 0, kHistogramBins - 1))] += 1;
  }
}

double percentileThreshold(const std::vector<double> &histogram, double binWidth, double percentile) {
  if (!(percentile > 0 && percentile <= 100))
    throw Error("calibration percentile " + std::to_string(percentile) + " is outside (0, 100]");
  const double total = std::accumulate(histogram.begin(), histogram.end(), 0.0);
  if (total <= 0) return 0;
  const double wanted = total * percentile / 100.0;
  double cumulative = 0;
  for (size_t i = 0; i < histogram.size(); ++i) {
    cumulative += histogram[i];
    if (cumulative >= wanted) return double(i + 1) * binWidth;
  }
  return double(histogram.size()) * binWidth;
}

double entropyThreshold(const std::vector<double> &counts, double binWidth, int levels) {
  const int bins = static_cast<int>(counts.size());
  // Bin 0 is the values nearest zero; a spike there (ReLU outputs, a normalised image's
  // background) dominates the divergence and pulls the threshold far down. NVIDIA's
  // pytorch-quantization flattens that bin to its neighbour's count; so does this.
  std::vector<double> histogram = counts;
  if (bins > 1) histogram[0] = histogram[1];
  if (levels <= 0 || bins <= levels) return double(bins) * binWidth;
  // Q is zero where P has mass only when a merged level is empty but P's last bin got the
  // outliers; a tiny floor keeps the divergence finite and large there.
  constexpr double kFloor = 1e-12;
  double best = std::numeric_limits<double>::infinity();
  int bestBins = bins;
  std::vector<double> p, q;
  for (int kept = levels; kept <= bins; ++kept) {
    p.assign(histogram.begin(), histogram.begin() + kept);
    double outliers = std::accumulate(histogram.begin() + kept, histogram.end(), 0.0);
    p[kept - 1] += outliers;
    // Merge the kept bins into `levels` groups of (nearly) equal width, then spread each
    // group's count evenly over its non-empty bins.
    q.assign(kept, 0.0);
    for (int level = 0; level < levels; ++level) {
      int begin = static_cast<int>(int64_t(level) * kept / levels);
      int end = static_cast<int>(int64_t(level + 1) * kept / levels);
      double sum = 0;
      int nonEmpty = 0;
      for (int i = begin; i < end; ++i) {
        sum += histogram[i];
        nonEmpty += histogram[i] > 0;
      }
      if (nonEmpty == 0) continue;
      for (int i = begin; i < end; ++i)
        if (histogram[i] > 0) q[i] = sum / nonEmpty;
    }
    double pSum = std::accumulate(p.begin(), p.end(), 0.0), qSum = std::accumulate(q.begin(), q.end(), 0.0);
    if (pSum <= 0) continue;
    double kl = 0;
    for (int i = 0; i < kept; ++i) {
      if (p[i] <= 0) continue;
      double pi = p[i] / pSum, qi = qSum > 0 ? q[i] / qSum : 0;
      kl += pi * std::log(pi / std::max(qi, kFloor));
    }
    if (kl < best) {
      best = kl;
      bestBins = kept;
    }
  }
  return double(bestBins) * binWidth;
}

Range chooseRange(const TensorStatistics &stats, CalibrationMethod method, double percentile, int oneSidedLevels) {
  Range r{stats.min(), stats.max()};
  if (method == CalibrationMethod::MinMax || !stats.seen()) return r;
  if (stats.positiveHistogram().empty())
    throw Error("internal: calibration histograms missing for a percentile/entropy range");
  const int levels = r.min < 0 && r.max > 0 ? 128 : oneSidedLevels;
  auto limit = [&](const std::vector<double> &h, double width) {
    return static_cast<float>(method == CalibrationMethod::Percentile ? percentileThreshold(h, width, percentile)
                                                                      : entropyThreshold(h, width, levels));
  };
  if (r.max > 0) r.max = std::min(r.max, limit(stats.positiveHistogram(), stats.positiveBinWidth()));
  if (r.min < 0) r.min = std::max(r.min, -limit(stats.negativeHistogram(), stats.negativeBinWidth()));
  return r;
}

float powerOfTwoAtLeast(float s) {
  if (!(s > 0) || !std::isfinite(s)) return 1.0f;
  float p = std::exp2(std::ceil(std::log2(s)));
  // log2 rounding can land one power low for values just above a power of two.
  while (p < s) p *= 2;
  return p;
}

QuantParams activationParams(Range range, const ActivationScheme &scheme) {
  double rmin = std::min(0.0f, range.min), rmax = std::max(0.0f, range.max);
  QuantParams q;
  if (scheme.powerOfTwo) {
    double absMax = std::max(-rmin, rmax);
    q.scale = absMax > 0 ? powerOfTwoAtLeast(static_cast<float>(absMax / 127.0)) : 1.0f;
    q.zeroPoint = 0;
    return q;
  }
  const bool u8 = scheme.type == QuantType::U8;
  if (scheme.symmetric) {
    double absMax = std::max(-rmin, rmax);
    rmin = -absMax;
    rmax = absMax;
  }
  // Symmetric int8 uses [-127, 127] so that zero is exactly in the middle.
  double qmin = u8 ? 0 : (scheme.symmetric ? -127 : -128), qmax = u8 ? 255 : 127;
  double scale = (rmax - rmin) / (qmax - qmin);
  if (!(scale > 0)) return QuantParams{1.0f, 0};
  q.scale = static_cast<float>(scale);
  if (scheme.symmetric) {
    q.zeroPoint = u8 ? 128 : 0;
  } else {
    double zp = std::nearbyint(qmin - rmin / q.scale);
    q.zeroPoint = static_cast<int32_t>(std::clamp(zp, qmin, qmax));
  }
  return q;
}

float weightScale(float absMax, bool powerOfTwo, int qmax) {
  if (!(absMax > 0)) return 1.0f;
  float s = absMax / static_cast<float>(qmax);
  return powerOfTwo ? powerOfTwoAtLeast(s) : s;
}

int32_t quantizeValue(float x, float scale, int32_t zeroPoint, int32_t qmin, int32_t qmax) {
  double v = std::nearbyint(static_cast<double>(x / scale)) + zeroPoint;
  return static_cast<int32_t>(std::clamp(v, double(qmin), double(qmax)));
}

} // namespace rqc::quantize
