// rqc experiment report: for each target, an SVG plot of latency (ms, x) against top-1 (y)
// with the Pareto frontier drawn through its efficient points (PLplot's SVG driver, as rqc
// tune report), and index.html, a scoreboard of every point that sorts by any column and
// filters by text, with the plots. Given a baseline (an earlier run's results, e.g. of
// another rqc version), points present in both are compared: a point whose mean latency
// grew by more than `latencyThreshold` (a fraction) or whose top-1 fell by more than
// `top1Threshold` (a fraction, 0.005 = half a point) is a regression.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace rqc::experiment {

struct Comparison {
  std::string id;
  double baseMs = 0, ms = 0, baseTop1 = 0, top1 = 0;
  bool slower = false, lessAccurate = false;
};

struct ReportSummary {
  size_t points = 0, frontier = 0;
  std::vector<std::string> plots;      // file names in the output folder
  std::vector<Comparison> comparisons; // with a baseline: the points in both
  size_t regressions() const;
};

struct ReportOptions {
  std::string baselineDir;             // "" for none
  double latencyThreshold = 0.10, top1Threshold = 0.005;
};

// Reads RESULTS_DIR's records (Results.h) and writes OUT/index.html, OUT/results.csv and
// OUT/latency_top1_<target>.svg. Throws rqc::Error naming the folder or file when the
// results (or the baseline's) cannot be read or hold no record, or OUT cannot be written.
ReportSummary writeExperimentReport(const std::string &resultsDir, const std::string &outDir,
                                    const ReportOptions &options);

} // namespace rqc::experiment
