// The compile pipeline: ONNX -> graph passes -> kernels -> target code -> package members.
#pragma once

#include "compiler/passes/Passes.h"
#include "compiler/passes/ScheduleSelection.h"
#include "targets/Target.h"
#include "rqc/runtime/PackageWriter.h"

#include "mlir/IR/BuiltinOps.h"

#include <ostream>
#include <string>
#include <utility>
#include <vector>

namespace rqc::driver {

struct CompileOptions {
  std::string target = "llvm";
  std::string targetHost; // the host CPU of an accelerator target (--target=vta), TVM's target_host
  std::string mcpu, mattr;
  std::vector<std::string> inputShapes;
  std::string dumpStage; // "", graph, linalg, scheduled, llvm
  std::vector<std::string> tuningRecords; // AutoTVM-format logs, preferred to tophub
  bool tophub = true;                     // also consult the shipped tophub log
  bool graphTuner = true;                 // choose records' layouts over the whole graph
                                          // (autotune/GraphTuner.h); off: each op's best record
  std::string int8Kernels = "auto";       // QDQ convolutions as integer kernels: auto (where the
                                          // CPU has VNNI or SDOT; on AVX2 those whose weights
                                          // suit vpmaddubsw), on, off
};

// Named members of the package tar: module.json, params.bin, kernels.so.
using PackageMembers = rqc::PackageMembers;

// Reads the user's tuning logs (preferred) and the target's tophub log into `selection`;
// malformed lines become warnings. Throws rqc::Error for an unreadable file.
void loadTuningRecords(ScheduleSelection &selection, const CompileOptions &options);

// `target`'s schedule description with what `options` overrides (--int8-kernels): what
// rqc compile and rqc tune select schedules and tasks for.
schedule::TargetDesc scheduleTargetFor(const Target &target, const CompileOptions &options);

// Runs the graph passes on an imported module, in place: batch-norm and constant folding,
// schedule selection (records, tophub, fallback), the layouts the schedules ask for, and
// fusion into kernels. With `target`, its partition passes first hand ops to its
// accelerator (rqc-partition-vta).
void runGraphPasses(mlir::ModuleOp module, ScheduleSelection &selection, const Target *target = nullptr);

// The target of `options` (createTarget with --target, --target-host, --mcpu, --mattr).
std::unique_ptr<Target> targetOf(const CompileOptions &options);

// The selection's warnings ("rqc: warning: ...", at most 20 then a count) and its summary
// line ("12 of 20 tasks untuned: fallback configs used").
void printScheduleReport(std::ostream &os, const ScheduleSelection &selection);

// Compiles an imported module into the members of a package. With dumpStage set, the
// printed stage goes to `dumpOut` (and compilation still completes). `report`, if given,
// receives the tasks and their configs and the warnings about skipped records.
// `partition`, if given, receives what the target's partition passes handed to its
// accelerator (--target=vta) and why the rest stayed on the host.
PackageMembers compileModule(mlir::ModuleOp module, const CompileOptions &options, std::string *dumpOut,
                             ScheduleSelection *report = nullptr, PartitionReport *partition = nullptr);

} // namespace rqc::driver
