// Runs ONNX backend node tests (libonnx-testdata layout: <test>/model.onnx and
// <test>/test_data_set_*/{input,output}_*.pb) through the importer and the reference
// executor, comparing with ONNX's tolerances (rtol 1e-3, atol 1e-7; integers exact).
//
//   rqc-conformance [--compiled] DATA_DIR TEST [TEST...]
// With --compiled, each model is compiled for the host (rqc compile's pipeline) and run by
// librqc_runtime instead of the reference executor.
// Prints PASS/FAIL per test; exits 1 if any test fails.
#include "compiler/driver/Pipeline.h"
#include "compiler/driver/Registration.h"
#include "compiler/frontend/onnx/OnnxImporter.h"
#include "compiler/frontend/onnx/OnnxTensor.h"
#include "compiler/reference/ReferenceExecutor.h"

#include "rqc/runtime/Error.h"
#include "rqc/runtime/Executor.h"
#include "rqc/runtime/Module.h"
#include "rqc/runtime/PackageWriter.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"

#include <onnx/onnx_pb.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <set>
#include <filesystem>
#include <iostream>
#include <sstream>

namespace fs = std::filesystem;
using namespace rqc;

namespace {

constexpr double kRtol = 1e-3, kAtol = 1e-7;
bool gCompiled = false;

// Compiles the imported module for the host and runs it with the runtime.
std::vector<Tensor> runCompiled(mlir::ModuleOp module, const std::vector<Tensor> &inputs) {
  driver::CompileOptions options;
  auto package = Module::loadFromBytes(makeTar(driver::compileModule(module, options, nullptr)), "compiled test");
  Executor exec(package);
  for (size_t i = 0; i < inputs.size(); ++i) exec.setInput(i, inputs[i]);
  exec.run();
  std::vector<Tensor> outputs;
  for (size_t i = 0; i < exec.numOutputs(); ++i) outputs.push_back(exec.getOutput(i));
  return outputs;
}

std::vector<fs::path> numbered(const fs::path &dir, const std::string &prefix) {
  std::vector<fs::path> files;
  for (int i = 0;; ++i) {
    fs::path p = dir / (prefix + std::to_string(i) + ".pb");
    if (!fs::exists(p)) break;
    files.push_back(p);
  }
  return files;
}

double valueAt(const Tensor &t, int64_t i) {
  switch (t.dtype()) {
  case DType::F32: return t.data<float>()[i];
  case DType::I8: return t.data<int8_t>()[i];
  case DType::U8: return t.data<uint8_t>()[i];
  case DType::I32: return t.data<int32_t>()[i];
  case DType::I64: return static_cast<double>(t.data<int64_t>()[i]);
  }
  return 0;
}

// Empty string when equal within tolerance, else a description of the first mismatch.
std::string compare(const Tensor &got, const Tensor &want) {
  if (got.dtype() != want.dtype())
    return std::string("dtype ") + dtypeName(got.dtype()) + " != expected " + dtypeName(want.dtype());
  if (got.shape() != want.shape())
    return "shape " + shapeToString(got.shape()) + " != expected " + shapeToString(want.shape());
  bool isFloat = got.dtype() == DType::F32;
  for (int64_t i = 0; i < got.numel(); ++i) {
    double g = valueAt(got, i), w = valueAt(want, i);
    bool ok = isFloat ? (std::isnan(w) ? std::isnan(g) : std::fabs(g - w) <= kAtol + kRtol * std::fabs(w)) : g == w;
    if (!ok) {
      std::ostringstream os;
      os << "element " << i << ": got " << g << ", expected " << w;
      return os.str();
    }
  }
  return "";
}

// Names of the graph inputs the test data feeds (inputs that are not initializers).
std::vector<std::string> feedNames(const fs::path &model) {
  std::ifstream in(model, std::ios::binary);
  ::onnx::ModelProto proto;
  if (!proto.ParseFromIstream(&in)) throw Error(model.string() + ": cannot parse");
  std::set<std::string> inits;
  for (const auto &t : proto.graph().initializer()) inits.insert(t.name());
  std::vector<std::string> names;
  for (const auto &vi : proto.graph().input())
    if (!inits.count(vi.name())) names.push_back(vi.name());
  return names;
}

std::string runDataSet(const fs::path &model, const fs::path &set) {
  std::vector<std::string> names = feedNames(model);
  std::vector<Tensor> feeds;
  for (const auto &p : numbered(set, "input_")) feeds.push_back(onnx_import::readTensorProtoFile(p.string()));
  if (feeds.size() != names.size())
    return std::to_string(feeds.size()) + " input files for " + std::to_string(names.size()) + " graph inputs";

  // Where the importer needs a constant (scales, pads, shapes...) that this test feeds
  // as a graph input, bind exactly that input to its value and import again.
  mlir::DialectRegistry registry;
  registerRqcDialects(registry);
  mlir::MLIRContext ctx(registry);
  ctx.loadAllAvailableDialects();
  onnx_import::ImportOptions options;
  mlir::OwningOpRef<mlir::ModuleOp> module;
  while (!module) {
    try {
      module = onnx_import::importOnnxFile(model.string(), ctx, options);
    } catch (const onnx_import::RequiresConstantInput &e) {
      auto it = std::find(names.begin(), names.end(), e.inputName);
      if (it == names.end() || options.constantInputs.count(e.inputName)) throw;
      options.constantInputs[e.inputName] = feeds[it - names.begin()];
    }
  }
  std::vector<Tensor> inputs;
  for (size_t i = 0; i < names.size(); ++i)
    if (!options.constantInputs.count(names[i])) inputs.push_back(feeds[i]);
  auto expected = numbered(set, "output_");
  std::vector<Tensor> outputs = gCompiled ? runCompiled(*module, inputs) : reference::ReferenceExecutor(*module).run(inputs);
    if (outputs.size() != expected.size())
      return std::to_string(outputs.size()) + " outputs, expected " + std::to_string(expected.size());
  for (size_t i = 0; i < outputs.size(); ++i) {
    std::string diff = compare(outputs[i], onnx_import::readTensorProtoFile(expected[i].string()));
    if (!diff.empty()) return set.filename().string() + " output " + std::to_string(i) + ": " + diff;
  }
  return "";
}

std::string runTest(const fs::path &dir) {
  int sets = 0;
  for (const auto &entry : fs::directory_iterator(dir)) {
    if (!entry.is_directory() || entry.path().filename().string().rfind("test_data_set_", 0) != 0) continue;
    ++sets;
    std::string result = runDataSet(dir / "model.onnx", entry.path());
    if (!result.empty()) return result;
  }
  if (sets == 0) return "no test_data_set_* directories";
  return "";
}

} // namespace

int main(int argc, char **argv) {
  int first = 1;
  if (argc > 1 && std::string(argv[1]) == "--compiled") {
    gCompiled = true;
    first = 2;
  }
  if (argc < first + 2) {
    std::cerr << "usage: rqc-conformance [--compiled] DATA_DIR TEST [TEST...]\n";
    return 2;
  }
  fs::path data = argv[first];
  int failures = 0;
  for (int i = first + 1; i < argc; ++i) {
    std::string name = argv[i], result;
    try {
      result = runTest(data / name);
    } catch (const std::exception &e) {
      result = e.what();
    }
    if (result.empty()) {
      std::cout << "PASS " << name << "\n";
    } else {
      std::cout << "FAIL " << name << ": " << result << "\n";
      ++failures;
    }
  }
  return failures ? 1 : 0;
}
