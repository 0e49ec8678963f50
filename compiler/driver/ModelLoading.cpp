#include "compiler/driver/ModelLoading.h"
#include "compiler/driver/Registration.h"

#include "rqc/runtime/Error.h"

#include "mlir/IR/DialectRegistry.h"

namespace rqc::driver {

onnx_import::ImportOptions importOptions(const std::vector<std::string> &inputShapes) {
  onnx_import::ImportOptions options;
  for (const std::string &spec : inputShapes) {
    auto [name, shape] = onnx_import::parseInputShapeSpec(spec);
    if (!options.inputShapes.emplace(name, shape).second)
      throw Error("--input-shape is given more than once for '" + name + "'");
  }
  return options;
}

mlir::OwningOpRef<mlir::ModuleOp> loadModel(const std::string &path, mlir::MLIRContext &ctx,
                                            const std::vector<std::string> &inputShapes) {
  mlir::DialectRegistry registry;
  registerRqcDialects(registry);
  ctx.appendDialectRegistry(registry);
  ctx.loadAllAvailableDialects();
  auto dot = path.rfind('.');
  std::string ext = dot == std::string::npos ? "" : path.substr(dot);
  if (ext != ".onnx")
    throw Error(path + ": unknown model format '" + ext + "' (rqc reads .onnx models)");
  return onnx_import::importOnnxFile(path, ctx, importOptions(inputShapes));
}

} // namespace rqc::driver
