// Building and measuring candidates: the two interfaces the tuners see, so that a remote
// board (an RPC runner) or another compiler plugs in without touching them (AutoTVM's
// Builder/Runner split, python/tvm/autotvm/measure/measure.py). No MLIR here.
#pragma once

#include "autotune/Records.h"
#include "schedules/ConfigSpace.h"

#include <string>
#include <vector>

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

} // namespace rqc::autotune
