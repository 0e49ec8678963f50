#include "compiler/support/PassRunner.h"

#include "rqc/runtime/Error.h"

#include "mlir/IR/Diagnostics.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdlib>

namespace rqc {

void runPassesOrThrow(mlir::PassManager &pm, mlir::ModuleOp module, const std::string &failure) {
  std::string diag;
  mlir::ScopedDiagnosticHandler handler(module.getContext(), [&](mlir::Diagnostic &d) {
    if (diag.empty() && d.getSeverity() == mlir::DiagnosticSeverity::Error) {
      llvm::raw_string_ostream os(diag);
      os << d.getLocation() << ": " << d.str();
    }
    return mlir::success();
  });
  // RQC_TIMING=1: MLIR's per-pass timing report on stderr (a developer's tool).
  if (std::getenv("RQC_TIMING")) pm.enableTiming();
  if (mlir::failed(pm.run(module))) throw Error(failure + (diag.empty() ? "" : ": " + diag));
}

std::string printOp(mlir::Operation *op) {
  std::string s;
  llvm::raw_string_ostream os(s);
  op->print(os);
  return s;
}

} // namespace rqc
