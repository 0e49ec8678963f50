#include "compiler/tune/LocalBuilder.h"
#include "compiler/tune/TaskModule.h"

#include "runtime/tools/Subprocess.h"
#include "compiler/reference/ReferenceExecutor.h"
#include "rqc/runtime/Error.h"
#include "rqc/runtime/Npy.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinTypes.h"

#include <llvm/Support/raw_ostream.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <atomic>
#include <thread>

namespace fs = std::filesystem;

namespace rqc::tune {

namespace {

// The task's input: normal floats, or uniform bytes for an integer convolution's 8-bit data.
Tensor seeded(const schedule::TensorArg &arg, const Shape &shape, std::mt19937_64 &rng) {
  if (arg.dtype == "uint8" || arg.dtype == "int8") {
    Tensor t(arg.dtype == "uint8" ? DType::U8 : DType::I8, shape);
    std::uniform_int_distribution<int> byte(0, 255);
    auto *bytes = static_cast<uint8_t *>(t.raw()); // uint8 or int8: the same bits
    for (int64_t i = 0; i < t.numel(); ++i) bytes[i] = static_cast<uint8_t>(byte(rng));
    return t;
  }
  Tensor t(DType::F32, shape);
  std::normal_distribution<float> n(0.f, 1.f);
  for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = n(rng);
  return t;
}

void writeText(const std::string &path, const std::string &text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) throw Error("cannot write " + path);
}

} // namespace

TaskFiles prepareTask(mlir::MLIRContext &ctx, const schedule::Workload &w, const std::string &dir, uint64_t seed) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw Error("cannot create " + dir + ": " + ec.message());
  TaskFiles f{dir, dir + "/task.mlir", dir + "/in.npz", dir + "/ref.npz"};
  mlir::OwningOpRef<mlir::ModuleOp> module = buildTaskModule(ctx, w, seed);
  std::string text;
  llvm::raw_string_ostream os(text);
  module->print(os, mlir::OpPrintingFlags().enableDebugInfo()); // keeps loc("task"), the kernel's name
  writeText(f.module, text);
  std::mt19937_64 rng(seed + 1);
  // The module's input shape: the workload's, or its packed form (VTA's NCHW{b}n{c}c).
  auto main = module->lookupSymbol<mlir::func::FuncOp>("main");
  auto inputType = llvm::cast<mlir::RankedTensorType>(main.getArgument(0).getType());
  Tensor input = seeded(w.data, Shape(inputType.getShape().begin(), inputType.getShape().end()), rng);
  std::vector<Tensor> outputs = reference::ReferenceExecutor(*module).run({input});
  saveNpz(f.inputs, {{kTaskInputName, input}});
  saveNpz(f.expected, {{kTaskOutputName, outputs.at(0)}});
  return f;
}

LocalBuilder::LocalBuilder(TaskFiles files, const schedule::Template &tmpl, schedule::Workload w,
                           schedule::TargetDesc targetDesc, std::string targetString, BuildSettings settings)
    : files_(std::move(files)), tmpl_(tmpl), w_(std::move(w)), targetDesc_(std::move(targetDesc)),
      targetString_(std::move(targetString)), settings_(std::move(settings)) {}

autotune::BuildResult LocalBuilder::buildOne(const schedule::Config &config, size_t slot) {
  autotune::BuildResult r;
  try {
    tmpl_.schedule(w_, config, targetDesc_);
  } catch (const schedule::InvalidConfig &e) {
    r.error = autotune::MeasureError::InstantiationError;
    r.message = e.what();
    return r;
  }
  const std::string stem = files_.dir + "/candidate" + std::to_string(slot);
  autotune::TuningRecord rec;
  rec.target = targetString_;
  rec.task = tmpl_.name();
  rec.args = tmpl_.args(w_);
  rec.index = static_cast<int64_t>(config.index());
  rec.entity = config.entity();
  rec.costs = {0};
  writeText(stem + ".log", autotune::formatRecord(rec) + "\n");
  std::vector<std::string> argv = {settings_.executable, "compile", files_.module, "--target", settings_.target,
                                   "--tuning-records", stem + ".log", "-o", stem + ".rqc"};
  if (!settings_.targetHost.empty()) argv.insert(argv.end(), {"--target-host", settings_.targetHost});
  if (!settings_.mcpu.empty()) argv.insert(argv.end(), {"--mcpu", settings_.mcpu});
  if (!settings_.mattr.empty()) argv.insert(argv.end(), {"--mattr", settings_.mattr});
  tools::ProcessResult p = tools::runProcess(argv, settings_.timeoutS, {"RQC_TOPHUB_LOCATION=NONE"});
  r.seconds = p.seconds;
  if (p.timedOut) {
    r.error = autotune::MeasureError::BuildTimeout;
    r.message = p.describe();
  } else if (!p.ok()) {
    r.error = autotune::MeasureError::CompileHost;
    r.message = p.describe();
  } else if (p.err.find("rqc: warning:") != std::string::npos) { // the record was not applied
    r.error = autotune::MeasureError::InstantiationError;
    r.message = p.err.substr(p.err.find("rqc: warning:"));
    r.message = r.message.substr(0, r.message.find('\n'));
  } else {
    r.package = stem + ".rqc";
  }
  return r;
}

std::vector<autotune::BuildResult> LocalBuilder::build(const std::vector<schedule::Config> &configs) {
  std::vector<autotune::BuildResult> results(configs.size());
  const size_t base = counter_;
  counter_ += configs.size();
  std::atomic<size_t> nextIndex{0};
  auto worker = [&] {
    for (size_t k; (k = nextIndex++) < configs.size();) {
      try {
        results[k] = buildOne(configs[k], base + k);
      } catch (const std::exception &e) {
        results[k].error = autotune::MeasureError::Unknown;
        results[k].message = e.what();
      }
    }
  };
  std::vector<std::thread> pool;
  for (int j = 0; j < std::max(1, settings_.jobs); ++j) pool.emplace_back(worker);
  for (auto &t : pool) t.join();
  return results;
}

} // namespace rqc::tune
