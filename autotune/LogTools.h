// Whole-log operations behind `rqc tophub best|merge|diff` (and the nightly job's merge
// of shard logs into a new versioned tophub file). No MLIR here.
#pragma once

#include "autotune/Records.h"

#include <string>
#include <vector>

namespace rqc::autotune {

// The best record (lowest mean cost among error-free ones) per (target, workload), in the
// order each pair first appears: AutoTVM's `record --mode pick`.
std::vector<TuningRecord> bestPerWorkload(const std::vector<TuningRecord> &records);

// The best record per (target, workload, values of the template's layout knobs), in first
// appearance order: what `rqc tophub merge` keeps, so that the graph tuner still has a
// record for each layout of a workload (schedules/Template.h layoutKnobs()). A template
// rqc does not have keeps one record per workload.
std::vector<TuningRecord> bestPerWorkloadAndLayout(const std::vector<TuningRecord> &records);

// Per-workload cost change from `before` to `after` (best records of each, matched by
// target and workload).
struct CostChange {
  std::string target, task;
  nlohmann::json args;
  double before = 0, after = 0; // seconds (0 when absent from that log)
  double change() const { return before > 0 && after > 0 ? after / before - 1 : 0; } // +0.10 = 10% slower
};
std::vector<CostChange> diffLogs(const std::vector<TuningRecord> &before, const std::vector<TuningRecord> &after);

// The records as a log file's text: `header` lines as '#' comments, then one record a line.
std::string formatLog(const std::vector<TuningRecord> &records, const std::vector<std::string> &header);

// Task args in one short line: "1x64x56x56 64x64x3x3 [1,1] [1,1,1,1] [1,1] NCHW NCHW float32".
std::string describeArgs(const nlohmann::json &args);

} // namespace rqc::autotune
