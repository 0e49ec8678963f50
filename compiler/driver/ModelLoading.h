// Loading a model file into the graph dialect, shared by the subcommands.
#pragma once

#include "compiler/frontend/onnx/OnnxImporter.h"

#include "mlir/IR/MLIRContext.h"

#include <string>
#include <vector>

namespace rqc::driver {

// Whether `path` names a compiled package (.rqc) rather than a model to import.
inline bool isPackagePath(const std::string &path) {
  return path.size() > 4 && path.compare(path.size() - 4, 4, ".rqc") == 0;
}

// Builds the importer options from repeated `--input-shape NAME=1x3x224x224` flags.
onnx_import::ImportOptions importOptions(const std::vector<std::string> &inputShapes);

// Imports an .onnx file, or parses a graph-dialect .mlir module with @main (throws
// rqc::Error with one clear line).
mlir::OwningOpRef<mlir::ModuleOp> loadModel(const std::string &path, mlir::MLIRContext &ctx,
                                            const std::vector<std::string> &inputShapes);

// Imports an ONNX model already in memory (a quantized one); `name` is what errors call it,
// `baseDir` where its external data lives.
mlir::OwningOpRef<mlir::ModuleOp> loadOnnxModel(const ::onnx::ModelProto &model, const std::string &name,
                                                const std::string &baseDir, mlir::MLIRContext &ctx,
                                                const std::vector<std::string> &inputShapes);

} // namespace rqc::driver
