// rqc::Executor: runs a loaded Module. It owns the memory of one run (the intermediates'
// arena, copies of the inputs, the outputs); several executors may share one Module.
//
//   auto module = rqc::Module::load("resnet18.rqc");
//   rqc::Executor exec(module, {/*numThreads=*/2});
//   exec.setInput("input", dlTensor);   // or an rqc::Tensor
//   exec.run();
//   exec.copyOutput(0, resultDlTensor); // or exec.getOutput(0)
//
// An Executor is used from one thread at a time; errors are rqc::Error.
#pragma once

#include "rqc/runtime/DLPack.h"
#include "rqc/runtime/MemoryPlan.h"
#include "rqc/runtime/Module.h"
#include "rqc/runtime/Tensor.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace rqc {

struct ExecutorOptions {
  // Threads of the kernels' parallel loops. 0 leaves the kernels' setting alone: at first
  // the OpenMP default (OMP_NUM_THREADS, else one per core).
  int numThreads = 0;
  // Time every kernel call (a steady_clock read around each); see kernelProfile().
  bool profile = false;
  // Profiled runs: before each kernel, evict its parameters (weights, biases) from every
  // cache level, outside the timed span: AutoTVM's enable_cpu_cache_flush. A kernel timed
  // alone, run after run, otherwise finds its weights in cache, which in a network the
  // kernels before it have evicted. Its input stays warm, as the producing kernel leaves it.
  // x86-64 (clflush) and AArch64 (dc civac); elsewhere (ARMv7 user mode has no such
  // instruction) nothing is flushed: see cacheFlushSupported().
  bool flushParams = false;
};

// Whether ExecutorOptions::flushParams flushes on this build's architecture.
constexpr bool cacheFlushSupported() {
#if defined(__x86_64__) || defined(__aarch64__)
  return true;
#else
  return false;
#endif
}

// Time spent in one kernel over the profiled runs.
struct KernelTime {
  size_t kernel = 0;     // index into ModuleInfo::kernels
  double totalMs = 0;    // summed over `runs`
  int64_t runs = 0;
  double meanMs() const { return runs ? totalMs / static_cast<double>(runs) : 0.0; }
};

// The bytes an executor holds, besides the module's shared params.
struct MemoryStats {
  uint64_t arenaBytes = 0;        // intermediates after reuse (the plan's peak)
  uint64_t naiveArenaBytes = 0;   // intermediates without reuse
  uint64_t inputBytes = 0;        // copies of the inputs
  uint64_t outputBytes = 0;       // the outputs
  uint64_t paramBytes = 0;        // the module's params (shared by its executors)
  uint64_t totalBytes() const { return arenaBytes + inputBytes + outputBytes + paramBytes; }
};

class Executor {
public:
  explicit Executor(std::shared_ptr<const Module> module, ExecutorOptions options = {});
  ~Executor();
  Executor(const Executor &) = delete;
  Executor &operator=(const Executor &) = delete;

  const Module &module() const { return *module_; }
  size_t numInputs() const { return module_->inputs().size(); }
  size_t numOutputs() const { return module_->outputs().size(); }
  // Position of the input/output called `name`; throws listing the names it has.
  size_t inputIndex(const std::string &name) const;
  size_t outputIndex(const std::string &name) const;

  // Copies a tensor into input `index`; checked for dtype, shape, device (CPU) and
  // contiguity. Every input must be set before the first run; it stays set afterwards.
  void setInput(size_t index, const DLTensor &tensor);
  void setInput(const std::string &name, const DLTensor &tensor);
  void setInput(size_t index, const Tensor &tensor);
  void setInput(const std::string &name, const Tensor &tensor);

  // Runs every kernel in order.
  void run();

  // Copies output `index` into `destination` (a CPU tensor of the output's dtype and shape).
  void copyOutput(size_t index, DLTensor &destination) const;
  // A view of output `index` in the executor's memory, valid until the next run() or the
  // executor's destruction.
  DLTensor outputView(size_t index) const;
  // A copy of output `index`.
  Tensor getOutput(size_t index) const;
  Tensor getOutput(const std::string &name) const;

  // Applies from the next run() (see ExecutorOptions::numThreads).
  void setNumThreads(int numThreads);
  int numThreads() const { return options_.numThreads; }

  // Per-kernel times of the runs since profiling was enabled or last reset, in kernel
  // order; empty unless ExecutorOptions::profile is set.
  const std::vector<KernelTime> &kernelProfile() const { return profile_; }
  void setProfiling(bool on);
  void resetProfile();

  const MemoryPlan &memoryPlan() const { return plan_; }
  MemoryStats memoryStats() const;

private:
  void *addressOf(int64_t bufferId) const;
  void requireRun(const char *action) const;

  std::shared_ptr<const Module> module_;
  ExecutorOptions options_;
  MemoryPlan plan_;
  Tensor arena_;
  std::vector<Tensor> rootStorage_;  // by buffer index: inputs and outputs (roots only)
  std::vector<std::vector<void *>> kernelArgs_; // per kernel: the pointers it is called with
  std::vector<std::vector<std::pair<const void *, uint64_t>>> kernelParams_; // per kernel: its params (flushParams)
  std::vector<bool> inputSet_;
  std::vector<KernelTime> profile_;
  bool hasRun_ = false;
};

} // namespace rqc
