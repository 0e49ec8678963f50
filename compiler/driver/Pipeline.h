// The compile pipeline: ONNX -> graph passes -> kernels -> target code -> package members.
#pragma once

#include "targets/cpu/CpuCodegen.h"
#include "rqc/runtime/PackageWriter.h"

#include "mlir/IR/BuiltinOps.h"

#include <string>
#include <utility>
#include <vector>

namespace rqc::driver {

struct CompileOptions {
  std::string target = "llvm";
  std::string mcpu, mattr;
  std::vector<std::string> inputShapes;
  std::string dumpStage; // "", graph, linalg, scheduled, llvm
};

// Named members of the package tar: module.json, params.bin, kernels.so.
using PackageMembers = rqc::PackageMembers;

// Runs the graph passes (batch-norm folding, constant folding, fusion into kernels) on an
// imported module, in place.
void runGraphPasses(mlir::ModuleOp module);

// Compiles an imported module into the members of a package. With dumpStage set, the
// printed stage goes to `dumpOut` (and compilation still completes).
PackageMembers compileModule(mlir::ModuleOp module, const CompileOptions &options, std::string *dumpOut);

} // namespace rqc::driver
