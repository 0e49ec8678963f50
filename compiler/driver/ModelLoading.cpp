#include "compiler/driver/ModelLoading.h"
#include "compiler/driver/Registration.h"

#include "rqc/runtime/Error.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Parser/Parser.h"

#include <filesystem>

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

namespace {

// A graph-dialect module as rqc-opt prints it (a tuning task, a hand-written test): @main
// with static shapes. MLIR's diagnostics become the one error line.
mlir::OwningOpRef<mlir::ModuleOp> loadGraphModule(const std::string &path, mlir::MLIRContext &ctx,
                                                  const std::vector<std::string> &inputShapes) {
  if (!inputShapes.empty()) throw Error(path + ": --input-shape applies to .onnx models only");
  if (!std::filesystem::is_regular_file(path)) throw Error(path + ": no such file");
  std::string first;
  mlir::ScopedDiagnosticHandler handler(&ctx, [&](mlir::Diagnostic &d) {
    if (first.empty()) {
      llvm::raw_string_ostream os(first);
      os << d.getLocation() << ": " << d.str();
    }
    return mlir::success();
  });
  mlir::OwningOpRef<mlir::ModuleOp> module = mlir::parseSourceFile<mlir::ModuleOp>(path, &ctx);
  if (!module) throw Error(path + ": not a valid graph-dialect module: " + first);
  auto main = module->lookupSymbol<mlir::func::FuncOp>("main");
  if (!main) throw Error(path + ": the module has no func.func @main");
  for (mlir::Type t : main.getFunctionType().getInputs())
    if (auto r = llvm::dyn_cast<mlir::RankedTensorType>(t); !r || !r.hasStaticShape())
      throw Error(path + ": @main's inputs must be tensors of static shape");
  return module;
}

} // namespace

namespace {
void loadDialects(mlir::MLIRContext &ctx) {
  mlir::DialectRegistry registry;
  registerRqcDialects(registry);
  ctx.appendDialectRegistry(registry);
  ctx.loadAllAvailableDialects();
}
} // namespace

mlir::OwningOpRef<mlir::ModuleOp> loadOnnxModel(const ::onnx::ModelProto &model, const std::string &name,
                                                const std::string &baseDir, mlir::MLIRContext &ctx,
                                                const std::vector<std::string> &inputShapes) {
  loadDialects(ctx);
  return onnx_import::importOnnxModel(model, name, baseDir, ctx, importOptions(inputShapes));
}

mlir::OwningOpRef<mlir::ModuleOp> loadModel(const std::string &path, mlir::MLIRContext &ctx,
                                            const std::vector<std::string> &inputShapes) {
  loadDialects(ctx);
  auto dot = path.rfind('.');
  std::string ext = dot == std::string::npos ? "" : path.substr(dot);
  if (ext == ".mlir") return loadGraphModule(path, ctx, inputShapes);
  if (ext != ".onnx")
    throw Error(path + ": unknown model format '" + ext + "' (rqc reads .onnx models and graph-dialect .mlir modules)");
  return onnx_import::importOnnxFile(path, ctx, importOptions(inputShapes));
}

} // namespace rqc::driver
