// Running MLIR pass pipelines from rqc's drivers: failures become one rqc::Error line.
#pragma once

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/PassManager.h"

#include <string>

namespace rqc {

// Runs `pm` on `module`; on failure throws rqc::Error "<failure>: <loc>: <first error>".
void runPassesOrThrow(mlir::PassManager &pm, mlir::ModuleOp module, const std::string &failure);

// The textual IR of `op` (for --dump stages).
std::string printOp(mlir::Operation *op);

} // namespace rqc
