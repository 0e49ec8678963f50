// `rqc run MODEL.rqc` and `rqc bench MODEL.rqc`: the command-line pieces for compiled
// packages, shared by the full rqc (compiler/driver) and the runtime-only rqc
// (rqc_runtime_main.cpp). They print to stdout and throw rqc::Error for user errors.
#pragma once

#include "rqc/runtime/Module.h"
#include "rqc/runtime/Npy.h"

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace rqc::tools {

struct RunPackageOptions {
  std::string package; // MODEL.rqc
  std::string inputs;  // .npz keyed by input name; empty: seeded standard-normal inputs
  std::string outputs; // .npz to write (atomically); empty: none
  uint64_t seed = 0;
  int threads = 0;     // 0: the OpenMP default
  std::string device;  // "opencl:N": an OpenCL package's device (rqc/runtime/Module.h LoadOptions)
  std::string remote;  // "HOST:PORT": run on that rqc rpc-server instead (runtime/rpc/RemoteCommands.h)
  std::string key;     // the rpc-server's key
};

struct BenchPackageOptions {
  std::string package;
  std::string inputs; // as for run; the same inputs feed every run
  uint64_t seed = 0;
  int repeat = 50;    // timed runs
  int warmup = 5;     // untimed runs first
  int threads = 0;
  bool json = false;  // one JSON document instead of text
  bool profile = false; // then `repeat` more runs timing each kernel
  std::string device;   // as for run
  std::string remote;   // as for run
  std::string key;
};

// Loads the package, runs it once, prints the top-5 of every classifier output and the
// latency, and writes the outputs if asked.
void runPackage(const RunPackageOptions &options);

// The options of `rqc bench` (both rqc executables register the same ones).
void addBenchOptions(CLI::App &cmd, BenchPackageOptions &options);

// Warm-up runs, then timed runs: min, p50, p90, p99, max latency (ms), images/s and the
// runtime's memory, as text or JSON.
void benchPackage(const BenchPackageOptions &options);

// ---- pieces, public for the full rqc and for tests ----

// Seeded random tensors for `specs` (standard normal for float, uniform over the range
// for 8-bit integers), drawn in order from one stream: the inputs of every `--seed` run.
NamedTensors seededInputs(const std::vector<TensorSpec> &specs, uint64_t seed);

// The model's inputs: read from `npzPath` (keyed by input name), or seeded random ones
// (standard normal for float, uniform over the range for 8-bit integers) in the same
// order and stream as `rqc run MODEL.onnx --reference --seed S`.
NamedTensors packageInputs(const Module &module, const std::string &npzPath, uint64_t seed);

// Prints "top-5 of 'NAME':" and "  class   123  score 4.56" lines when `t` is a classifier
// output (float, exactly one dimension larger than 1); prints nothing otherwise.
void printTop5(std::ostream &out, const std::string &name, const Tensor &t);

struct LatencySummary {
  double min = 0, p50 = 0, p90 = 0, p99 = 0, max = 0, mean = 0; // milliseconds
};
// Nearest-rank percentiles (the p-th percentile is the ceil(p/100 * n)-th smallest
// sample), as onnxruntime_perf_test reports them. Throws for an empty list.
LatencySummary summarizeLatencies(std::vector<double> milliseconds);

} // namespace rqc::tools
