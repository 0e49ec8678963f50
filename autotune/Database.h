// Which record applies to a workload: AutoTVM's ApplyHistoryBest
// (python/tvm/autotvm/task/dispatcher.py; ../shared/reference/autotvm.md section 1.2).
// Among error-free records of the same task and args, the lowest mean cost wins; a record
// tuned on the same device (rqc's fingerprint) or the same -model= board is preferred to one
// that only shares a target key ("cpu", "arm_cpu", ...); a user's log is preferred to the
// shipped tophub logs. No MLIR here.
#pragma once

#include "autotune/Records.h"

#include <map>
#include <string>
#include <vector>

namespace rqc::autotune {

// AutoTVM's target keys and model of a TVM target string:
//   "llvm ..."                      keys [cpu]
//   "llvm -device=arm_cpu ..."      keys [arm_cpu, cpu]
//   "opencl -device=mali ..."       keys [mali, opencl, gpu]
//   "ext_dev -device=vta ..."       keys [vta, cpu]
// and -model=NAME ("unknown" without one).
struct TargetKeys {
  std::vector<std::string> keys;
  std::string model = "unknown";
  std::string mcpu; // -mcpu=NAME, "" without one
};
TargetKeys targetKeys(const std::string &target);

class RecordDatabase {
public:
  // Adds the error-free records of a log; `priority` 0 is preferred (a user's log), then 1
  // (tophub).
  void add(const RecordLog &log, int priority);
  // The records for (task, args) usable on `target`, best first: by priority, then device,
  // then model, then mean cost. The caller takes the first whose config still fits the
  // template's space. A shipped (tophub, priority 1) record tuned for another -mcpu is not
  // usable: register tiles tuned for one micro-architecture's registers and vector width
  // can spill on another, where the template's fallback follows the machine. A user's log
  // applies whatever its -mcpu. With `tiers`, each record's rank without its cost
  // (priority x 3 + 0 this device, 1 this -model=, 2 the target key): records of one tier
  // are comparable by cost, a lower tier is preferred whatever its cost.
  std::vector<const TuningRecord *> candidates(const std::string &target, const std::string &device,
                                               const std::string &task, const nlohmann::json &args,
                                               std::vector<int> *tiers = nullptr) const;
  size_t size() const { return count_; }

private:
  struct Entry {
    TuningRecord record;
    int priority;
  };
  std::map<std::string, std::vector<Entry>> byWorkload_;
  size_t count_ = 0;
};

} // namespace rqc::autotune
