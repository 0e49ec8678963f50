// Building and measuring candidates: the two interfaces the tuners see, so that a remote
// board (an RPC runner) or another compiler plugs in without touching them (AutoTVM's
// Builder/Runner split, python/tvm/autotvm/measure/measure.py). No MLIR here.
#pragma once

#include "autotune/Records.h"
#include "schedules/ConfigSpace.h"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace rqc::rpc {
class BoardClient;
}
namespace rqc::farm {
class FarmClient;
}

namespace rqc::autotune {

struct BuildResult {
  std::string package; // the built candidate (.rqc), empty on error
  MeasureError error = MeasureError::NoError;
  std::string message;
  double seconds = 0; // wall time of the build
};

struct MeasureResult {
  std::vector<double> costs; // seconds per run of the task's kernel, one per measurement
  MeasureError error = MeasureError::NoError;
  std::string message;
  double allCost = 0;   // seconds: build + measurement
  double timestamp = 0; // unix seconds when it finished
  double meanCost() const;
};

// Builds the candidates of one task (all configs of a batch, in parallel where it can).
class Builder {
public:
  virtual ~Builder() = default;
  virtual std::vector<BuildResult> build(const std::vector<schedule::Config> &configs) = 0;
};

// AutoTVM's runner settings.
struct RunSettings {
  int number = 1;           // runs per measurement (raised to reach minRepeatMs)
  int repeat = 3;           // measurements
  double minRepeatMs = 0;   // shortest measurement
  int warmup = 1;           // untimed runs first
  int threads = 1;          // threads of the candidate's kernels
  double timeoutS = 10;     // per candidate (load + check + runs)
  double cooldownS = 0;     // pause after each measurement
  std::vector<int> cpus;    // pin the measuring process to these CPUs (taskset); empty: no pinning
  bool flushCache = true;   // rqc measure --flush-cache: weights evicted before each timed call
};

// Measures built candidates one at a time: outputs checked against the task's reference
// first (a wrong candidate is WrongAnswer, never a time).
class Runner {
public:
  virtual ~Runner() = default;
  virtual MeasureResult run(const BuildResult &candidate) = 0;
  // Measures `candidates`, calling `onResult(k, result)` for each as it completes (in any
  // order; the tuner appends each record then). By default one by one with run(); a farm
  // measures them on several boards at once.
  virtual void runBatch(const std::vector<BuildResult> &candidates,
                        const std::function<void(size_t, MeasureResult)> &onResult);
};

// The local runner: `rqc measure` (runtime/tools/MeasureCommand.h) in a child process with
// a deadline. A crash is RuntimeDevice with the signal named, a hang RunTimeout.
class LocalRunner : public Runner {
public:
  // `inputs` / `expected`: .npz files of the task's seeded inputs and reference outputs;
  // `kernel`: the kernel to time.
  LocalRunner(RunSettings settings, std::string inputs, std::string expected, std::string kernel,
              std::string executable);
  MeasureResult run(const BuildResult &candidate) override;

private:
  RunSettings settings_;
  std::string inputs_, expected_, kernel_, executable_;
};

// The RPC runner (rqc tune --runner=rpc://HOST:PORT?key=K): `rqc measure` on an rqc
// rpc-server (runtime/rpc/BoardServer.h) with the same settings and checks as the local
// runner, the candidate uploaded first. A candidate that fails on the board is a record
// like a local one; a board that cannot be reached or refuses the key throws rqc::Error
// (the tuner stops with the records so far kept) instead of filling the log with errors.
class RpcRunner : public Runner {
public:
  // `address` "HOST:PORT", `key` the server's key; the other arguments as LocalRunner's.
  // Throws rqc::Error when the .npz files cannot be read or RunSettings::cpus is set
  // (pinning is the board's business).
  RpcRunner(RunSettings settings, const std::string &inputs, const std::string &expected, std::string kernel,
            const std::string &address, const std::string &key);
  ~RpcRunner() override;
  MeasureResult run(const BuildResult &candidate) override;

private:
  RunSettings settings_;
  std::string inputs_, expected_, kernel_; // .npz bytes, kernel name
  std::unique_ptr<rpc::BoardClient> board_;
};

// The broker runner (rqc tune --runner=broker://HOST:PORT?key=K): each batch's candidates
// become jobs on a Redis broker (runtime/farm/Farm.h) that every `rqc agent` of the key
// pulls from, so a batch is measured on all the key's boards at once. Same settings and
// checks as the local runner; a job measured twice (its agent died after reporting) is
// recorded once. Throws rqc::Error when the broker cannot be reached, or no agent of the
// key is alive while jobs wait.
class BrokerRunner : public Runner {
public:
  // `broker` "redis://HOST:PORT", `key` the device key; the rest as LocalRunner's.
  BrokerRunner(RunSettings settings, const std::string &inputs, const std::string &expected, std::string kernel,
               const std::string &broker, const std::string &key);
  ~BrokerRunner() override;
  MeasureResult run(const BuildResult &candidate) override;
  void runBatch(const std::vector<BuildResult> &candidates,
                const std::function<void(size_t, MeasureResult)> &onResult) override;

private:
  RunSettings settings_;
  std::string inputs_, expected_, kernel_;
  std::unique_ptr<farm::FarmClient> farm_;
};

// A candidate that failed to build, as its measurement: the build's error, no time.
MeasureResult buildFailure(const BuildResult &candidate);

// Unix seconds now (MeasureResult::timestamp).
double unixNow();

// A measurement from the output of `rqc measure` (its last line, MeasureCommand.h's JSON)
// and how its process ended: shared by the local and the RPC runner.
void readMeasureOutput(MeasureResult &m, bool timedOut, bool exitedCleanly, const std::string &howItEnded,
                       const std::string &out);

} // namespace rqc::autotune
