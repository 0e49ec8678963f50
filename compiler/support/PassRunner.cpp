#include "compiler/support/PassRunner.h"

#include "rqc/runtime/Error.h"

#include "mlir/IR/Diagnostics.h"
#include "llvm/Support/raw_ostream.h"

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
  if (mlir::failed(pm.run(module))) throw Error(failure + (diag.empty() ? "" : ": " + diag));
}

std::string printOp(mlir::Operation *op) {
  std::string s;
  llvm::raw_string_ostream os(s);
  op->print(os);
  return s;
}

} // namespace rqc
