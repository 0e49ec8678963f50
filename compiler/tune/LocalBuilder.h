// The compiler side of rqc tune: a task's files (its standalone module, seeded inputs and
// the reference executor's outputs) and the local builder, which compiles candidates with
// `rqc compile TASK.mlir --tuning-records CANDIDATE.log` in child processes, several at a
// time (a candidate that crashes or hangs the compiler only ends its child).
#pragma once

#include "autotune/Measure.h"
#include "schedules/Template.h"

#include "mlir/IR/MLIRContext.h"

#include <string>

namespace rqc::tune {

struct TaskFiles {
  std::string dir;      // the task's work directory
  std::string module;   // task.mlir (compiler/tune/TaskModule.h)
  std::string inputs;   // in.npz: seeded standard-normal inputs, keyed by input name
  std::string expected; // ref.npz: the reference executor's outputs for them
};

// Writes the task's files into `dir` (created). Throws rqc::Error.
TaskFiles prepareTask(mlir::MLIRContext &ctx, const schedule::Workload &w, const std::string &dir, uint64_t seed);

struct BuildSettings {
  std::string target = "llvm", mcpu, mattr; // as rqc compile's flags
  std::string targetHost;                   // --target-host (VTA tasks: llvm, measured on this machine)
  int jobs = 1;                             // compilers at a time
  double timeoutS = 60;                     // per candidate
  std::string executable;                   // the rqc to run (this one)
};

class LocalBuilder : public autotune::Builder {
public:
  // `tmpl`, `w`: the task; `targetDesc`: what the template specializes for (to refuse a
  // config it cannot instantiate without compiling it, AutoTVM's InstantiationError).
  LocalBuilder(TaskFiles files, const schedule::Template &tmpl, schedule::Workload w, schedule::TargetDesc targetDesc,
               std::string targetString, BuildSettings settings);
  std::vector<autotune::BuildResult> build(const std::vector<schedule::Config> &configs) override;

private:
  autotune::BuildResult buildOne(const schedule::Config &config, size_t slot);
  TaskFiles files_;
  const schedule::Template &tmpl_;
  schedule::Workload w_;
  schedule::TargetDesc targetDesc_;
  std::string targetString_;
  BuildSettings settings_;
  uint64_t counter_ = 0;
};

} // namespace rqc::tune
