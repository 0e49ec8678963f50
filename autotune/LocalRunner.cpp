#include "autotune/Measure.h"
#include "runtime/tools/Subprocess.h"

#include <chrono>
#include <cmath>
#include <limits>
#include <thread>

namespace rqc::autotune {

double MeasureResult::meanCost() const {
  if (error != MeasureError::NoError || costs.empty()) return std::numeric_limits<double>::infinity();
  double s = 0;
  for (double c : costs) s += c;
  return s / static_cast<double>(costs.size());
}

void readMeasureOutput(MeasureResult &m, bool timedOut, bool exitedCleanly, const std::string &howItEnded,
                       const std::string &out) {
  if (timedOut) {
    m.error = MeasureError::RunTimeout;
    m.message = howItEnded;
    return;
  }
  if (!exitedCleanly) {
    m.error = MeasureError::RuntimeDevice;
    m.message = howItEnded;
    return;
  }
  try {
    std::string line = out;
    while (!line.empty() && line.back() == '\n') line.pop_back();
    if (auto nl = line.rfind('\n'); nl != std::string::npos) line = line.substr(nl + 1);
    nlohmann::json j = nlohmann::json::parse(line);
    m.error = static_cast<MeasureError>(j.at("error_no").get<int>());
    if (j.contains("error_msg")) m.message = j["error_msg"].get<std::string>();
    if (j.contains("costs")) m.costs = j["costs"].get<std::vector<double>>();
    if (m.error == MeasureError::NoError && m.costs.empty()) m.error = MeasureError::Unknown, m.message = "no costs";
  } catch (const std::exception &e) {
    m.error = MeasureError::Unknown;
    m.message = std::string("unreadable measurement: ") + e.what();
  }
}

double unixNow() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

MeasureResult buildFailure(const BuildResult &candidate) {
  MeasureResult m;
  m.error = candidate.error;
  m.message = candidate.message;
  m.allCost = candidate.seconds;
  m.timestamp = unixNow();
  return m;
}

void Runner::runBatch(const std::vector<BuildResult> &candidates,
                      const std::function<void(size_t, MeasureResult)> &onResult) {
  for (size_t k = 0; k < candidates.size(); ++k) onResult(k, run(candidates[k]));
}

LocalRunner::LocalRunner(RunSettings settings, std::string inputs, std::string expected, std::string kernel,
                         std::string executable)
    : settings_(std::move(settings)), inputs_(std::move(inputs)), expected_(std::move(expected)),
      kernel_(std::move(kernel)), executable_(std::move(executable)) {}

MeasureResult LocalRunner::run(const BuildResult &candidate) {
  if (candidate.error != MeasureError::NoError) return buildFailure(candidate);
  MeasureResult m;
  m.allCost = candidate.seconds;
  std::vector<std::string> argv;
  if (!settings_.cpus.empty()) {
    std::string list;
    for (int c : settings_.cpus) list += (list.empty() ? "" : ",") + std::to_string(c);
    argv = {"/usr/bin/taskset", "-c", list};
  }
  for (std::string a : {executable_, std::string("measure"), candidate.package, std::string("--inputs"), inputs_,
                        std::string("--expected"), expected_, std::string("--kernel"), kernel_})
    argv.push_back(a);
  if (settings_.flushCache) argv.push_back("--flush-cache");
  for (auto [flag, value] : {std::pair<const char *, std::string>{"--number", std::to_string(settings_.number)},
                             {"--repeat", std::to_string(settings_.repeat)},
                             {"--min-repeat-ms", std::to_string(settings_.minRepeatMs)},
                             {"--warmup", std::to_string(settings_.warmup)},
                             {"--threads", std::to_string(settings_.threads)}}) {
    argv.push_back(flag);
    argv.push_back(value);
  }
  tools::ProcessResult p = tools::runProcess(argv, settings_.timeoutS, {"OMP_NUM_THREADS=" + std::to_string(settings_.threads)});
  m.allCost += p.seconds;
  readMeasureOutput(m, p.timedOut, p.ok(), p.describe(), p.out);
  m.timestamp = unixNow();
  if (settings_.cooldownS > 0) std::this_thread::sleep_for(std::chrono::duration<double>(settings_.cooldownS));
  return m;
}

} // namespace rqc::autotune
