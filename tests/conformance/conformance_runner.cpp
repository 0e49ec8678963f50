// Runs ONNX backend node tests (libonnx-testdata layout: <test>/model.onnx and
// <test>/test_data_set_*/{input,output}_*.pb) through the importer and the reference
// executor, comparing with ONNX's tolerances (rtol 1e-3, atol 1e-7; integers exact).
//
//   rqc-conformance [--compiled] [--folded] DATA_DIR TEST [TEST...]
// --compiled: each model is compiled for the host (rqc compile's pipeline) and run by
//   librqc_runtime instead of the reference executor.
// --folded: the tests are expected to fold completely at import: every output is a
//   constant the importer computed (Slice, Gather and ConstantOfShape import only on
//   constant inputs, Shape reads the static shape), so the executor or the compiled code
//   only hands it back. Without the flag such a test fails, and with it a test that no
//   longer folds fails, so the count of tests that compute something at run time stays
//   honest (node_tests.txt lists the folded ones).
// --target mali: compiled to OpenCL C and run here on the OpenCL device (PoCL).
// --target T [--mcpu CPU] --exec CMD: compiled for target T instead (e.g. arm_cpu) and run
//   by another runtime: the package, in.npz and `CMD run PKG --inputs in.npz --outputs
//   out.npz --threads 2` (CMD: a qemu-user command line around a cross-built rqc), whose
//   out.npz is compared as above (tests/cross/CMakeLists.txt).
// Prints one line per test, "PASS name (...)" saying which inputs were bound at import and,
// compiled, how many kernels ran, or "FAIL name: why"; exits 1 if any test fails.
#include "compiler/driver/Pipeline.h"
#include "compiler/driver/Registration.h"
#include "compiler/frontend/onnx/OnnxImporter.h"
#include "compiler/frontend/onnx/OnnxTensor.h"
#include "compiler/reference/ReferenceExecutor.h"

#include "rqc/runtime/Error.h"
#include "rqc/runtime/Executor.h"
#include "rqc/runtime/Module.h"
#include "rqc/runtime/ModuleDescription.h"
#include "rqc/runtime/Npy.h"
#include "rqc/runtime/PackageWriter.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/MLIRContext.h"

#include <onnx/defs/schema.h>
#include <onnx/onnx_pb.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <set>
#include <filesystem>
#include <iostream>
#include <sstream>

#include <cstdlib>
#include <unistd.h>

namespace fs = std::filesystem;
using namespace rqc;

namespace {

constexpr double kRtol = 1e-3, kAtol = 1e-7;
bool gCompiled = false;
driver::CompileOptions gCompile;  // --target, --mcpu
std::string gExec;               // --exec: the runtime command for another target
fs::path gWorkDir;               // per-process scratch directory (package, npz files)

// The description of a package for another target (which this process cannot load).
ModuleInfo describe(const PackageMembers &members) {
  std::string json;
  uint64_t params = 0;
  for (const auto &[name, bytes] : members) {
    if (name == "module.json") json = bytes;
    if (name == "params.bin") params = bytes.size();
  }
  return parseModuleDescription(json, params, "compiled test");
}

// Runs a package for another target with gExec: inputs named as the package's inputs.
std::vector<Tensor> runElsewhere(const PackageMembers &members, const std::vector<Tensor> &inputs) {
  const ModuleInfo info = describe(members);
  fs::create_directories(gWorkDir);
  const std::string pkg = (gWorkDir / "model.rqc").string(), in = (gWorkDir / "in.npz").string(),
                    out = (gWorkDir / "out.npz").string(), log = (gWorkDir / "run.log").string();
  writePackage(pkg, members);
  NamedTensors named;
  for (size_t i = 0; i < inputs.size(); ++i) named.push_back({info.buffer(info.inputs.at(i)).name, inputs[i]});
  if (!named.empty()) saveNpz(in, named);
  std::error_code ec;
  fs::remove(out, ec);
  const std::string cmd = gExec + " run " + pkg + (named.empty() ? "" : " --inputs " + in) + " --outputs " + out +
                          " --threads 2 > " + log + " 2>&1";
  if (std::system(cmd.c_str()) != 0) {
    std::ifstream l(log);
    std::string text((std::istreambuf_iterator<char>(l)), std::istreambuf_iterator<char>());
    throw Error("`" + cmd + "` failed: " + text.substr(0, 400));
  }
  NamedTensors got = loadNpz(out);
  std::vector<Tensor> outputs;
  for (int64_t id : info.outputs) {
    const std::string &name = info.buffer(id).name;
    auto it = std::find_if(got.begin(), got.end(), [&](const auto &nt) { return nt.first == name; });
    if (it == got.end()) throw Error(out + " has no output '" + name + "'");
    outputs.push_back(it->second);
  }
  return outputs;
}

// Compiles the imported module for the host (or --target) and runs it with the runtime;
// `kernels` is how many kernels the package runs.
std::vector<Tensor> runCompiled(mlir::ModuleOp module, const std::vector<Tensor> &inputs, size_t &kernels) {
  PackageMembers members = driver::compileModule(module, gCompile, nullptr);
  if (!gExec.empty()) {
    kernels = describe(members).kernels.size();
    return runElsewhere(members, inputs);
  }
  auto package = Module::loadFromBytes(makeTar(members), "compiled test");
  kernels = package->info().kernels.size();
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

::onnx::ModelProto readModel(const fs::path &model) {
  std::ifstream in(model, std::ios::binary);
  ::onnx::ModelProto proto;
  if (!proto.ParseFromIstream(&in)) throw Error(model.string() + ": cannot parse");
  return proto;
}

// Names of the graph inputs the test data feeds (inputs that are not initializers).
std::vector<std::string> feedNames(const ::onnx::ModelProto &proto) {
  std::set<std::string> inits;
  for (const auto &t : proto.graph().initializer()) inits.insert(t.name());
  std::vector<std::string> names;
  for (const auto &vi : proto.graph().input())
    if (!inits.count(vi.name())) names.push_back(vi.name());
  return names;
}

// The node tests of GlobalMaxPool and GlobalAveragePool declare opset 1, below the opsets
// rqc reads (7 to 18, OnnxImporter.cpp), although neither op has changed since. When ONNX's
// own schema registry says every op of a model has the same schema at kRestampOpset as at
// the declared opset, the model is read as kRestampOpset from a temporary copy. Returns
// the model to import and sets `note` for the PASS line.
constexpr int64_t kMinRqcOpset = 7, kRestampOpset = 13;

fs::path restampIfUnchanged(const fs::path &model, const fs::path &tmpDir, std::string &note) {
  ::onnx::ModelProto proto = readModel(model);
  ::onnx::OperatorSetIdProto *imp = nullptr;
  for (auto &i : *proto.mutable_opset_import())
    if (i.domain().empty() || i.domain() == "ai.onnx") imp = &i;
  if (!imp || imp->version() >= kMinRqcOpset) return model;
  std::set<std::string> ops;
  for (const auto &node : proto.graph().node()) {
    const auto *schema = ::onnx::OpSchemaRegistry::Schema(node.op_type(), int(kRestampOpset), node.domain());
    if (!schema || schema->SinceVersion() > imp->version()) return model; // changed: let the importer refuse
    ops.insert(node.op_type());
  }
  note = "read as opset " + std::to_string(kRestampOpset) + ":";
  for (const std::string &op : ops) note += " " + op;
  note += " unchanged since opset " + std::to_string(imp->version());
  imp->set_version(kRestampOpset);
  fs::create_directories(tmpDir);
  fs::path copy = tmpDir / "model.onnx";
  std::ofstream out(copy, std::ios::binary);
  if (!proto.SerializeToOstream(&out)) throw Error(copy.string() + ": cannot write");
  return copy;
}

struct SetResult {
  std::string error;              // empty: outputs match
  std::vector<std::string> bound; // graph inputs bound to constants at import
  bool folded = false;            // every output is a constant computed at import
  size_t kernels = 0;             // --compiled: kernels in the package
};

SetResult runDataSet(const fs::path &model, const std::vector<std::string> &names, const fs::path &set) {
  SetResult r;
  auto inputFiles = numbered(set, "input_");
  if (inputFiles.size() != names.size()) {
    r.error = std::to_string(inputFiles.size()) + " input files for " + std::to_string(names.size()) + " graph inputs";
    return r;
  }
  auto feed = [&](size_t i) { return onnx_import::readTensorProtoFile(inputFiles[i].string()); };

  // Import first, so a model rqc refuses is refused by the importer (as `rqc` would)
  // rather than by reading test data it cannot represent. Where the importer needs a
  // constant (scales, pads, shapes...) that this test feeds as a graph input, bind
  // exactly that input to its value and import again.
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
      options.constantInputs[e.inputName] = feed(it - names.begin());
      r.bound.push_back(e.inputName);
    }
  }
  std::vector<Tensor> inputs;
  for (size_t i = 0; i < names.size(); ++i)
    if (!options.constantInputs.count(names[i])) inputs.push_back(feed(i));
  r.folded = true;
  module->walk([&](mlir::func::ReturnOp ret) {
    for (mlir::Value v : ret.getOperands()) r.folded &= mlir::matchPattern(v, mlir::m_Constant());
  });
  auto expected = numbered(set, "output_");
  std::vector<Tensor> outputs =
      gCompiled ? runCompiled(*module, inputs, r.kernels) : reference::ReferenceExecutor(*module).run(inputs);
  if (outputs.size() != expected.size()) {
    r.error = std::to_string(outputs.size()) + " outputs, expected " + std::to_string(expected.size());
    return r;
  }
  for (size_t i = 0; i < outputs.size(); ++i) {
    std::string diff = compare(outputs[i], onnx_import::readTensorProtoFile(expected[i].string()));
    if (!diff.empty()) {
      r.error = set.filename().string() + " output " + std::to_string(i) + ": " + diff;
      return r;
    }
  }
  return r;
}

std::string joined(const std::vector<std::string> &names) {
  std::string s;
  for (const std::string &n : names) s += (s.empty() ? "" : ", ") + n;
  return s;
}

// Runs every data set of one test. Returns "" and sets `details` when all pass, else why not.
std::string runTest(const fs::path &dir, bool expectFolded, std::string &details) {
  std::string note;
  fs::path tmpDir = fs::temp_directory_path() / ("rqc-conformance-" + std::to_string(getpid()));
  struct Cleanup {
    fs::path dir;
    ~Cleanup() { std::error_code ec; fs::remove_all(dir, ec); }
  } cleanup{tmpDir};
  fs::path model = restampIfUnchanged(dir / "model.onnx", tmpDir, note);
  std::vector<std::string> names = feedNames(readModel(model));

  std::vector<fs::path> sets;
  for (const auto &entry : fs::directory_iterator(dir))
    if (entry.is_directory() && entry.path().filename().string().rfind("test_data_set_", 0) == 0)
      sets.push_back(entry.path());
  if (sets.empty()) return "no test_data_set_* directories";
  std::sort(sets.begin(), sets.end());
  SetResult first;
  for (const fs::path &set : sets) {
    SetResult r = runDataSet(model, names, set);
    if (!r.error.empty()) return r.error;
    if (set == sets.front()) first = r;
  }

  if (first.folded && !expectFolded)
    return "the outputs were folded into constants at import, so no kernel computes them; list it as 'folded' "
           "in node_tests.txt";
  if (!first.folded && expectFolded)
    return "listed as folded, but its outputs are computed at run time now; list it as a test";
  std::vector<std::string> parts;
  if (first.folded) parts.push_back("outputs folded at import");
  if (!first.bound.empty()) parts.push_back("bound at import: " + joined(first.bound));
  if (gCompiled) parts.push_back(std::to_string(first.kernels) + (first.kernels == 1 ? " kernel" : " kernels"));
  if (!note.empty()) parts.push_back(note);
  for (const std::string &p : parts) details += (details.empty() ? " (" : "; ") + p;
  if (!details.empty()) details += ")";
  return "";
}

} // namespace

int main(int argc, char **argv) {
  bool expectFolded = false;
  int first = 1;
  for (; first < argc && std::string(argv[first]).rfind("--", 0) == 0; ++first) {
    std::string flag = argv[first];
    auto value = [&]() -> std::string { return first + 1 < argc ? argv[++first] : ""; };
    if (flag == "--compiled") gCompiled = true;
    else if (flag == "--folded") expectFolded = true;
    else if (flag == "--target") gCompile.target = value(), gCompiled = true;
    else if (flag == "--mcpu") gCompile.mcpu = value();
    else if (flag == "--exec") gExec = value();
    else break;
  }
  // Another CPU's package runs under --exec; an OpenCL package (--target mali) runs here, on
  // the OpenCL device.
  const bool runsHere = gCompile.target == "llvm" || gCompile.target == "mali";
  if (argc < first + 2 || std::string(argv[first]).rfind("--", 0) == 0 || runsHere != gExec.empty()) {
    std::cerr << "usage: rqc-conformance [--compiled] [--folded] [--target T [--mcpu CPU] --exec CMD] DATA_DIR TEST [TEST...]\n";
    return 2;
  }
  gWorkDir = fs::temp_directory_path() / ("rqc-conformance-run-" + std::to_string(getpid()));
  struct RemoveWorkDir {
    ~RemoveWorkDir() { std::error_code ec; fs::remove_all(gWorkDir, ec); }
  } removeWorkDir;
  fs::path data = argv[first];
  int failures = 0;
  for (int i = first + 1; i < argc; ++i) {
    std::string name = argv[i], result, details;
    try {
      result = runTest(data / name, expectFolded, details);
    } catch (const std::exception &e) {
      result = e.what();
    }
    if (result.empty()) {
      std::cout << "PASS " << name << details << "\n";
    } else {
      std::cout << "FAIL " << name << ": " << result << "\n";
      ++failures;
    }
  }
  return failures ? 1 : 0;
}
