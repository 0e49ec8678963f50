#include "autotune/RemoteMeasure.h"

#include "runtime/rpc/BoardClient.h"
#include "runtime/tools/Files.h"

#include "rqc/runtime/Error.h"

#include <chrono>
#include <thread>

namespace rqc::autotune {

RpcRunner::RpcRunner(RunSettings settings, const std::string &inputs, const std::string &expected, std::string kernel,
                     const std::string &address, const std::string &key)
    : settings_(std::move(settings)), inputs_(tools::readFileBytes(inputs, "the task's inputs")),
      expected_(tools::readFileBytes(expected, "the task's reference outputs")), kernel_(std::move(kernel)),
      board_(std::make_unique<rpc::BoardClient>(address, key)) {
  if (!settings_.cpus.empty()) throw Error("--cpus pins local measurements; with an rpc:// runner the board measures");
}

RpcRunner::~RpcRunner() = default;

MeasureResult RpcRunner::run(const BuildResult &candidate) {
  if (candidate.error != MeasureError::NoError) return buildFailure(candidate);
  MeasureResult m;
  m.allCost = candidate.seconds;
  const auto start = std::chrono::steady_clock::now();
  rpc::JobResult r =
      board_->runJob(measureJob(settings_, board_->upload(candidate.package), inputs_, expected_, kernel_));
  m.allCost += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  readMeasureOutput(m, r.timed_out(), !r.timed_out() && r.signal() == 0 && r.exit_code() == 0, r.summary(),
                    r.stdout_text());
  m.timestamp = unixNow();
  if (settings_.cooldownS > 0) std::this_thread::sleep_for(std::chrono::duration<double>(settings_.cooldownS));
  return m;
}

} // namespace rqc::autotune
