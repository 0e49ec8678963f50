// What the schedule-selection passes share with their caller: the tuning records to consult,
// the target the templates specialize for, and what was chosen (for rqc compile's summary
// line and rqc inspect --tasks).
#pragma once

#include "autotune/Database.h"
#include "schedules/Template.h"

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace mlir {
class Pass;
}

namespace rqc {

struct ScheduleSelection {
  autotune::RecordDatabase records;
  schedule::TargetDesc target;
  // The accelerator's target (key "vta") for the ops it runs (graph.vta_conv2d); key empty
  // when the target has none.
  schedule::TargetDesc deviceTarget;
  std::string device; // this machine's fingerprint: records measured on it are preferred
  // The graph tuner's price of a layout_transform (bytes read plus written per second; see
  // autotune/GraphTuner.h and docs/tuning.md for the measurement behind the default).
  double transformBytesPerSecond = 8e9;
  bool graphTuner = true; // false: each op takes its best record alone (AutoTVM without its graph tuner)

  // Filled by rqc-select-schedules, one entry per distinct task (template + workload): every
  // template that matches an op's workload, chosen or not.
  struct Task {
    std::string templateName;
    schedule::Workload workload;
    nlohmann::json args;
    uint64_t spaceSize = 0;
    bool tuned = false;     // chosen with a record's config
    std::string source;     // chosen: "fallback" or the record's "file:line"; else empty
    std::string config;     // chosen: Config::str()
    int64_t macs = 0;       // of one occurrence of the workload
    int ops = 0;            // ops with this workload
    int chosen = 0;         // of them, computed with this template (0: another template was chosen)
  };
  std::vector<Task> tasks;           // in the order the model first uses them
  std::vector<std::string> warnings; // one line each, in order, without duplicates
  // Set when the graph tuner chose layouts (some op had records in several layouts).
  struct LayoutPlanSummary {
    bool made = false;
    int transforms = 0;  // layout mismatches it accepted
    double seconds = 0;  // its estimate: the chosen records' mean costs plus the transforms
  } layoutPlan;

  // The task with workload key `key` ([template, args] as JSON), added if new.
  Task &task(const std::string &key) {
    auto [it, fresh] = taskIndex_.try_emplace(key, tasks.size());
    if (fresh) tasks.emplace_back();
    return tasks[it->second];
  }

  void warn(const std::string &line) {
    if (warned_.insert(line).second) warnings.push_back(line);
  }

private:
  std::set<std::string> warned_;
  std::map<std::string, size_t> taskIndex_;
};

// rqc-select-schedules with the caller's records and target, reporting into `selection`.
std::unique_ptr<mlir::Pass> createSelectSchedules(ScheduleSelection &selection);

} // namespace rqc
