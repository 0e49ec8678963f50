// Tuning records in AutoTVM's log format, version 0.2: one JSON object per line,
//   {"input": [target, task, args, kwargs],
//    "config": {"index": I, "code_hash": null, "entity": [[knob, "sp"|"re"|"an"|"ot", value], ...]},
//    "result": [[cost_s, ...], error_no, all_cost_s, timestamp_s],
//    "version": 0.2, "tvm_version": "...",
//    "rqc_version": "...", "space_hash": "...", "device": "...",    <- rqc's own keys
//    "error_msg": "...",   (why a failed candidate failed)
//    "tuner": "xgb"}       (which tuner proposed it: rqc tune report's curves)
// Lines starting with '#' and blank lines are comments (tophub uses them as headers). TVM's
// own tophub lines parse here whether or not rqc has their template. The format and the
// error numbers are AutoTVM's (python/tvm/autotvm/record.py, measure/measure.py), see
// ../shared/reference/autotvm.md section 1.1. Parsed and validated in this one place, like
// runtime/src/ModuleDescription.cpp. No MLIR here.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace rqc::autotune {

// AutoTVM's MeasureErrorNo.
enum class MeasureError : int {
  NoError = 0,
  InstantiationError = 1,
  CompileHost = 2,
  CompileDevice = 3,
  RuntimeDevice = 4,
  WrongAnswer = 5,
  BuildTimeout = 6,
  RunTimeout = 7,
  Unknown = 8,
};

struct TuningRecord {
  // input
  std::string target;      // TVM target string, e.g. "llvm -mcpu=skylake-avx512"
  std::string task;        // template name, e.g. "conv2d_NCHWc.x86"
  nlohmann::json args;     // the workload's args (schedules/Workload.h)
  nlohmann::json kwargs = nlohmann::json::object();
  // config
  int64_t index = 0;
  nlohmann::json codeHash; // null in every known log
  nlohmann::json entity;   // [[name, tag, value], ...]
  // result
  std::vector<double> costs; // seconds per run
  int errorNo = 0;
  double allCost = 0;   // seconds for build + run
  double timestamp = 0; // unix seconds
  // rqc's keys (empty in TVM's logs)
  std::string rqcVersion, spaceHash, device, errorMsg, tuner;
  std::string tvmVersion;

  // Where it came from, for warnings: "file:line".
  std::string origin;

  // Mean of `costs` (AutoTVM's config.cost), +inf for an error record.
  double meanCost() const;
  // The workload key [task, args] as one JSON string.
  std::string workloadKey() const;
};

// A line that is not a record (blank or '#' comment) gives nullopt; a malformed record
// throws rqc::Error with the reason (the caller adds the line number).
std::optional<TuningRecord> parseRecord(const std::string &line);
// The record as one JSON line (no newline), AutoTVM's key order.
std::string formatRecord(const TuningRecord &r);

struct RecordLog {
  std::vector<TuningRecord> records;
  struct Skipped {
    std::string origin; // "file:line"
    std::string reason;
  };
  std::vector<Skipped> skipped; // malformed lines (old v0.1 rows included)
};

// Reads a whole log. A malformed line is skipped and listed (never fatal); a last line
// without its newline (a run killed mid-write) likewise. Throws rqc::Error when the file
// cannot be opened.
RecordLog readRecords(const std::string &path);

// Appends one record as a line and makes it durable (flush + fsync) before returning, so a
// killed run loses at most the measurement in flight. Throws rqc::Error on I/O failure.
void appendRecord(const std::string &path, const TuningRecord &r);

} // namespace rqc::autotune
