// rqc tune report: tuning curves (best GFLOP/s against trials, per task and per tuner) and
// a per-task table, from tuning logs. The curves are drawn by PLplot (its SVG driver); the
// table is one HTML page linking them. No MLIR here.
#pragma once

#include "autotune/Records.h"

#include <cstdint>
#include <string>
#include <vector>

namespace rqc::autotune {

// Multiply-adds of a task from its AutoTVM args, for GFLOP/s = 2 * macs / seconds:
// conv2d / depthwise templates ([data NCHW, weight OIHW, strides, pads t/l/b/r,
// dilations, ...]) and dense ([data MxK, weight NxK, ...]); 0 for anything else (pooling,
// generic kernels: their curves are in ms).
int64_t taskMacs(const std::string &task, const nlohmann::json &args);

// One tuner's trials on one task, in the order they were measured (log order).
struct TuningCurve {
  std::string target, task, tuner; // tuner: the records' "tuner" key, else the log's file name
  nlohmann::json args;
  int64_t macs = 0;
  std::vector<double> bestCost; // seconds: the best error-free cost after each trial (+inf before the first)
  int errors = 0;
  std::string bestConfig;       // "knob=value ..." of the best trial ("" when every trial failed)
  // Trials until the curve first reaches `cost` or better (0 when it never does).
  size_t trialsToReach(double cost) const;
};

// The curves of all records: one per (target, task, args, tuner), in first-appearance
// order. `sources[i]` names the log of records[i] (used when a record has no tuner key).
std::vector<TuningCurve> tuningCurves(const std::vector<TuningRecord> &records, const std::vector<std::string> &sources);

// Reads `logs` and writes into `dir` (created; files of an earlier report are replaced):
// task<N>.svg, one plot per task with a curve per tuner, and index.html, the table (task,
// template, workload, tuner, trials, errors, best GFLOP/s and ms, best config, trials to
// reach 95% of the task's best) with the plots. Tasks are numbered in order of first
// appearance in the logs. With several logs, a curve is one tuner of one log ("xgb: LOGNAME").
// Malformed lines are skipped and named in `warnings`. Throws rqc::Error naming the file
// when a log cannot be read or holds no record, or `dir` cannot be written. Returns the curves.
std::vector<TuningCurve> writeTuningReport(const std::vector<std::string> &logs, const std::string &dir,
                                           std::vector<std::string> *warnings = nullptr);

} // namespace rqc::autotune
