#include "compiler/driver/SplitCompile.h"

#include "compiler/driver/ModelLoading.h"
#include "compiler/quantize/QdqQuantizer.h"
#include "compiler/split/SplitNetwork.h"
#include "targets/vta/compiler/VtaTarget.h"

#include "rqc/runtime/Error.h"

#include <nlohmann/json.hpp>
#include <onnx/onnx_pb.h>

#include <filesystem>

namespace rqc::driver {

tools::SplitPackage compileSplitNetwork(const std::string &modelPath, int n, const CompileOptions &options) {
  const bool onnx = modelPath.size() > 5 && modelPath.compare(modelPath.size() - 5, 5, ".onnx") == 0;
  if (!onnx) throw Error("--split divides .onnx models; " + modelPath + " is not one");
  if (vta::isVtaTarget(options.target)) throw Error("--split runs on CPUs and GPUs; --target=vta is not supported");
  ::onnx::ModelProto model = onnx_import::readOnnxModelFile(modelPath);
  if (quantize::isQuantized(model)) throw Error(modelPath + ": --split takes float models; this one is quantized");
  split::SplitModel parts = split::splitNetwork(model, n, modelPath);
  const std::string baseDir = std::filesystem::path(modelPath).parent_path().string();
  mlir::MLIRContext ctx;
  auto compileOne = [&](const std::string &bytes, const std::string &name) {
    ::onnx::ModelProto m;
    m.ParseFromString(bytes);
    auto module = loadOnnxModel(m, name, baseDir, ctx, options.inputShapes);
    return compileModule(*module, options, nullptr);
  };
  tools::SplitPackage out;
  std::vector<int64_t> partShape;
  for (size_t i = 0; i < parts.parts.size(); ++i) {
    PackageMembers members = compileOne(parts.parts[i], modelPath + " [" + parts.partNames[i] + "]");
    if (i == 0) {
      // module.json: outputs are buffer ids (docs/package-format.md).
      nlohmann::json d = nlohmann::json::parse(members.front().second);
      const int64_t id = d.at("outputs").at(0).get<int64_t>();
      for (const auto &b : d.at("buffers"))
        if (b.at("id").get<int64_t>() == id) partShape = b.at("shape").get<std::vector<int64_t>>();
      if (partShape.empty()) throw Error(modelPath + ": --split: the first part's output has no shape");
    }
    out.parts.push_back(makeTar(members));
    out.partOutputs.push_back(parts.partNames[i]);
  }
  // The head runs where `rqc run` is called (the parts' outputs come back there): this machine.
  CompileOptions here = options;
  here.target = "llvm";
  here.targetHost.clear();
  here.mcpu.clear();
  here.mattr.clear();
  mlir::OwningOpRef<mlir::ModuleOp> headModule;
  {
    ::onnx::ModelProto m;
    m.ParseFromString(split::headWithInputShapes(parts, partShape));
    headModule = loadOnnxModel(m, modelPath + " [head]", baseDir, ctx, options.inputShapes);
  }
  out.head = makeTar(compileModule(*headModule, here, nullptr));
  out.source = std::filesystem::path(modelPath).filename().string();
  out.target = options.target;
  out.cut = parts.cut;
  out.channels = parts.channels;
  return out;
}

} // namespace rqc::driver
