#include "autotune/LogTools.h"

#include "schedules/Template.h"

#include <map>

namespace rqc::autotune {

namespace {
std::string pairKey(const TuningRecord &r) { return r.target + "\n" + r.workloadKey(); }
} // namespace

std::vector<TuningRecord> bestPerWorkload(const std::vector<TuningRecord> &records) {
  std::map<std::string, size_t> at;
  std::vector<TuningRecord> best;
  for (const TuningRecord &r : records) {
    if (r.errorNo != 0) continue;
    auto [it, fresh] = at.try_emplace(pairKey(r), best.size());
    if (fresh) best.push_back(r);
    else if (r.meanCost() < best[it->second].meanCost()) best[it->second] = r;
  }
  return best;
}

std::vector<TuningRecord> bestPerWorkloadAndLayout(const std::vector<TuningRecord> &records) {
  std::map<std::string, size_t> at;
  std::vector<TuningRecord> best;
  for (const TuningRecord &r : records) {
    if (r.errorNo != 0) continue;
    std::string key = pairKey(r);
    if (const schedule::Template *t = schedule::findTemplate(r.task))
      for (const std::string &knob : t->layoutKnobs())
        for (const nlohmann::json &e : r.entity)
          if (e.is_array() && e.size() == 3 && e[0] == knob) key += "\n" + knob + "=" + e[2].dump();
    auto [it, fresh] = at.try_emplace(key, best.size());
    if (fresh) best.push_back(r);
    else if (r.meanCost() < best[it->second].meanCost()) best[it->second] = r;
  }
  return best;
}

std::vector<CostChange> diffLogs(const std::vector<TuningRecord> &before, const std::vector<TuningRecord> &after) {
  std::vector<TuningRecord> a = bestPerWorkload(before), b = bestPerWorkload(after);
  std::map<std::string, size_t> index;
  std::vector<CostChange> out;
  for (const TuningRecord &r : a) {
    index[pairKey(r)] = out.size();
    out.push_back({r.target, r.task, r.args, r.meanCost(), 0});
  }
  for (const TuningRecord &r : b) {
    auto it = index.find(pairKey(r));
    if (it != index.end()) out[it->second].after = r.meanCost();
    else out.push_back({r.target, r.task, r.args, 0, r.meanCost()});
  }
  return out;
}

std::string formatLog(const std::vector<TuningRecord> &records, const std::vector<std::string> &header) {
  std::string out;
  for (const std::string &h : header) out += "# " + h + "\n";
  for (const TuningRecord &r : records) out += formatRecord(r) + "\n";
  return out;
}

std::string describeArgs(const nlohmann::json &args) {
  std::string out;
  for (const auto &a : args) {
    std::string s;
    if (a.is_array() && a.size() == 3 && a[0] == "TENSOR") {
      for (const auto &d : a[1]) s += (s.empty() ? "" : "x") + d.dump();
    } else {
      s = a.is_string() ? a.get<std::string>() : a.dump();
    }
    out += (out.empty() ? "" : " ") + s;
  }
  return out;
}

} // namespace rqc::autotune
