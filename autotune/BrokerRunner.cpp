#include "autotune/RemoteMeasure.h"

#include "runtime/farm/Farm.h"
#include "runtime/tools/Files.h"

#include "rqc/runtime/Error.h"

#include <chrono>
#include <map>

namespace rqc::autotune {

BrokerRunner::BrokerRunner(RunSettings settings, const std::string &inputs, const std::string &expected,
                           std::string kernel, const std::string &broker, const std::string &key)
    : settings_(std::move(settings)), inputs_(tools::readFileBytes(inputs, "the task's inputs")),
      expected_(tools::readFileBytes(expected, "the task's reference outputs")),
      kernel_(std::move(kernel)), farm_(std::make_unique<farm::FarmClient>(broker, key)) {
  if (!settings_.cpus.empty()) throw Error("--cpus pins local measurements; with a broker:// runner the boards measure");
}

BrokerRunner::~BrokerRunner() = default;

MeasureResult BrokerRunner::run(const BuildResult &candidate) {
  MeasureResult out;
  runBatch({candidate}, [&](size_t, MeasureResult m) { out = std::move(m); });
  return out;
}

void BrokerRunner::runBatch(const std::vector<BuildResult> &candidates,
                            const std::function<void(size_t, MeasureResult)> &onResult) {
  std::map<std::string, std::vector<size_t>> byId; // identical candidates share one job
  std::vector<std::string> ids;
  for (size_t k = 0; k < candidates.size(); ++k) {
    const BuildResult &c = candidates[k];
    if (c.error != MeasureError::NoError) {
      onResult(k, buildFailure(c));
      continue;
    }
    rpc::Job job = measureJob(settings_, farm_->putPackage(c.package), inputs_, expected_, kernel_);
    const std::string id = farm::FarmClient::jobId(job);
    if (!byId.count(id)) {
      farm_->submit(job);
      ids.push_back(id);
    }
    byId[id].push_back(k);
  }
  if (ids.empty()) return;
  const auto start = std::chrono::steady_clock::now();
  // Silence longer than a job's timeout plus a takeover: the agents may be gone.
  farm_->collect(ids, settings_.timeoutS + 60, [&](const std::string &id, const rpc::JobResult &r) {
    for (size_t k : byId.at(id)) {
      MeasureResult m;
      m.allCost = candidates[k].seconds + std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      readMeasureOutput(m, r.timed_out(), !r.timed_out() && r.signal() == 0 && r.exit_code() == 0, r.summary(),
                        r.stdout_text());
      m.timestamp = unixNow();
      onResult(k, std::move(m));
    }
  });
}

} // namespace rqc::autotune
