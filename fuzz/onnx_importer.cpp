// libFuzzer target: ONNX model bytes -> the importer, as `rqc compile/run/inspect` call it
// (importOnnxFile on a .onnx path). Expected outcomes: a module that verifies, or one
// rqc::Error. A crash, a sanitizer report, another exception or a module the verifier
// rejects (the importer let a bad model through) is a finding.
#include "FuzzSupport.h"

#include "compiler/frontend/onnx/OnnxImporter.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdio>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string path = rqc::fuzz::writeInputFile(data, size, "model.onnx");
  return rqc::fuzz::runExpectingRqcErrors([&] {
    // A fresh context per input: attributes and types interned by one model must not
    // pile up over millions of inputs. No threads: one model at a time is all we need.
    mlir::MLIRContext context(mlir::MLIRContext::Threading::DISABLED);
    mlir::OwningOpRef<mlir::ModuleOp> module = rqc::onnx_import::importOnnxFile(path, context);
    std::string diagnostic;
    mlir::ScopedDiagnosticHandler handler(&context, [&](mlir::Diagnostic &d) {
      if (diagnostic.empty()) diagnostic = d.str();
      return mlir::success();
    });
    if (!module || mlir::failed(mlir::verify(*module))) {
      std::fprintf(stderr, "rqc fuzz: FINDING: the importer returned a module that does not verify: %s\n",
                   diagnostic.c_str());
      std::abort();
    }
  });
}
