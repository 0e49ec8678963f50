#include "autotune/Measure.h"

#include "runtime/rpc/BoardClient.h"

#include "rqc/runtime/Error.h"

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

namespace rqc::autotune {

namespace {

std::string readBytes(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path + ": cannot read");
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

} // namespace

RpcRunner::RpcRunner(RunSettings settings, const std::string &inputs, const std::string &expected, std::string kernel,
                     const std::string &address, const std::string &key)
    : settings_(std::move(settings)), inputs_(readBytes(inputs)), expected_(readBytes(expected)),
      kernel_(std::move(kernel)), board_(std::make_unique<rpc::BoardClient>(address, key)) {
  if (!settings_.cpus.empty()) throw Error("--cpus pins local measurements; with an rpc:// runner the board measures");
}

RpcRunner::~RpcRunner() = default;

MeasureResult RpcRunner::run(const BuildResult &candidate) {
  MeasureResult m;
  m.allCost = candidate.seconds;
  auto stamp = [&] {
    m.timestamp = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  };
  if (candidate.error != MeasureError::NoError) {
    m.error = candidate.error;
    m.message = candidate.message;
    stamp();
    return m;
  }
  const auto start = std::chrono::steady_clock::now();
  rpc::Job job;
  job.set_package_sha256(board_->upload(candidate.package));
  job.set_timeout_s(settings_.timeoutS);
  job.set_threads(settings_.threads);
  rpc::MeasureJob *measure = job.mutable_measure();
  measure->set_inputs_npz(inputs_);
  measure->set_expected_npz(expected_);
  measure->set_kernel(kernel_);
  measure->set_number(settings_.number);
  measure->set_repeat(settings_.repeat);
  measure->set_min_repeat_ms(settings_.minRepeatMs);
  measure->set_warmup(settings_.warmup);
  measure->set_flush_cache(settings_.flushCache);
  rpc::JobResult r = board_->runJob(job);
  m.allCost += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  readMeasureOutput(m, r.timed_out(), !r.timed_out() && r.signal() == 0 && r.exit_code() == 0, r.summary(),
                    r.stdout_text());
  stamp();
  if (settings_.cooldownS > 0) std::this_thread::sleep_for(std::chrono::duration<double>(settings_.cooldownS));
  return m;
}

} // namespace rqc::autotune
