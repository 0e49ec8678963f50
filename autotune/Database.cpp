#include "autotune/Database.h"

#include <algorithm>
#include <sstream>
#include <tuple>

namespace rqc::autotune {

TargetKeys targetKeys(const std::string &target) {
  std::istringstream in(target);
  std::string kind, tok, device;
  in >> kind;
  TargetKeys t;
  while (in >> tok) {
    if (tok.rfind("-device=", 0) == 0) device = tok.substr(8);
    else if (tok.rfind("-model=", 0) == 0) t.model = tok.substr(7);
    else if (tok.rfind("-mcpu=", 0) == 0) t.mcpu = tok.substr(6);
    else if (tok.rfind("-keys=", 0) == 0) {
      std::istringstream keys(tok.substr(6));
      for (std::string k; std::getline(keys, k, ',');) t.keys.push_back(k);
    }
  }
  if (!t.keys.empty()) return t;
  if (kind == "llvm") t.keys = device == "arm_cpu" ? std::vector<std::string>{"arm_cpu", "cpu"} : std::vector<std::string>{"cpu"};
  else if (kind == "opencl") t.keys = device == "mali" ? std::vector<std::string>{"mali", "opencl", "gpu"}
                                                     : std::vector<std::string>{"opencl", "gpu"};
  else if (kind == "ext_dev") t.keys = {device.empty() ? "ext_dev" : device, "cpu"};
  else t.keys = {kind};
  return t;
}

void RecordDatabase::add(const RecordLog &log, int priority) {
  for (const TuningRecord &r : log.records) {
    if (r.errorNo != 0) continue;
    byWorkload_[r.workloadKey()].push_back({r, priority});
    ++count_;
  }
}

std::vector<const TuningRecord *> RecordDatabase::candidates(const std::string &target, const std::string &device,
                                                             const std::string &task, const nlohmann::json &args,
                                                             std::vector<int> *tiers) const {
  auto it = byWorkload_.find(nlohmann::json::array({task, args}).dump());
  if (it == byWorkload_.end()) return {};
  TargetKeys want = targetKeys(target);
  std::vector<std::tuple<int, int, double, const TuningRecord *>> ranked;
  for (const Entry &e : it->second) {
    TargetKeys have = targetKeys(e.record.target);
    bool shared = std::any_of(have.keys.begin(), have.keys.end(), [&](const std::string &k) {
      return std::find(want.keys.begin(), want.keys.end(), k) != want.keys.end();
    });
    if (!shared) continue;
    if (e.priority > 0 && !have.mcpu.empty() && !want.mcpu.empty() && have.mcpu != want.mcpu) continue;
    int match = !device.empty() && e.record.device == device ? 0 : (want.model != "unknown" && have.model == want.model ? 1 : 2);
    ranked.emplace_back(e.priority, match, e.record.meanCost(), &e.record);
  }
  std::stable_sort(ranked.begin(), ranked.end(), [](const auto &a, const auto &b) {
    return std::tie(std::get<0>(a), std::get<1>(a), std::get<2>(a)) < std::tie(std::get<0>(b), std::get<1>(b), std::get<2>(b));
  });
  std::vector<const TuningRecord *> out;
  if (tiers) tiers->clear();
  for (const auto &r : ranked) {
    out.push_back(std::get<3>(r));
    if (tiers) tiers->push_back(std::get<0>(r) * 3 + std::get<1>(r));
  }
  return out;
}

} // namespace rqc::autotune
