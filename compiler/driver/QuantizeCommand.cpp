// rqc quantize MODEL.onnx --calibration DATA -o MODEL.int8.onnx: post-training static
// quantization into a standard QDQ model (compiler/quantize/QdqQuantizer.h), calibrated
// by running the model compiled for this machine over DATA (CalibrationData.h).
#include "compiler/driver/CalibrationData.h"
#include "compiler/driver/Commands.h"
#include "compiler/driver/ModelLoading.h"
#include "compiler/driver/Pipeline.h"
#include "compiler/driver/ProgressLine.h"
#include "compiler/driver/Quantization.h"
#include "compiler/quantize/QdqQuantizer.h"
#include "ir/Graph/TensorAttr.h"

#include "rqc/runtime/AtomicFile.h"
#include "rqc/runtime/Error.h"
#include "rqc/runtime/Executor.h"
#include "rqc/runtime/Module.h"
#include "rqc/runtime/PackageWriter.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <onnx/onnx_pb.h>

#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <map>

namespace rqc::driver {

namespace {

namespace fs = std::filesystem;

quantize::QuantizeOptions quantizeOptions(const QuantizeFlags &f) {
  quantize::QuantizeOptions o;
  o.method = quantize::parseCalibrationMethod(f.method);
  if (f.percentile != 0) {
    if (o.method != quantize::CalibrationMethod::Percentile)
      throw Error("--percentile applies to --calibrate-method percentile");
    if (!(f.percentile > 0 && f.percentile <= 100))
      throw Error(fmt::format("--percentile {} is outside (0, 100]", f.percentile));
    o.percentile = f.percentile;
  }
  if (f.powerOfTwo && f.activationType == "uint8")
    throw Error("--power-of-two quantizes activations to int8 with zero point 0; --activation-type uint8 contradicts it");
  o.activations.type = f.activationType == "int8" || f.powerOfTwo ? quantize::QuantType::S8 : quantize::QuantType::U8;
  o.activations.symmetric = f.symmetric || f.powerOfTwo;
  o.activations.powerOfTwo = f.powerOfTwo;
  o.keepFirstConvFloat = f.keepFirstConvFloat;
  o.keepLastDenseFloat = f.keepLastDenseFloat;
  o.reduceRange = f.reduceRange;
  o.keepFloatNodes = f.keepFloat;
  return o;
}

// The inputs of an imported model's @main, as the compiled module will take them.
std::vector<TensorSpec> mainInputs(mlir::ModuleOp module) {
  auto main = module.lookupSymbol<mlir::func::FuncOp>("main");
  auto names = main->getAttrOfType<mlir::ArrayAttr>("rqc.input_names");
  std::vector<TensorSpec> specs;
  for (auto [i, type] : llvm::enumerate(main.getFunctionType().getInputs())) {
    auto ranked = llvm::cast<mlir::RankedTensorType>(type);
    TensorSpec s;
    s.name = names ? llvm::cast<mlir::StringAttr>(names[i]).str() : "input" + std::to_string(i);
    s.dtype = graph::dtypeFor(ranked.getElementType());
    s.shape.assign(ranked.getShape().begin(), ranked.getShape().end());
    specs.push_back(s);
  }
  return specs;
}

std::string baseName(const std::string &path) { return std::filesystem::path(path).filename().string(); }
std::string dirName(const std::string &path) {
  std::string d = std::filesystem::path(path).parent_path().string();
  return d.empty() ? "." : d;
}

std::string count(size_t n, const char *one, const char *many) {
  return fmt::format("{} {}", n, n == 1 ? one : many);
}

std::string schemeName(const quantize::QuantizeOptions &o) {
  const auto &a = o.activations;
  if (a.powerOfTwo) return "int8 symmetric, power-of-two scales";
  return fmt::format("{} {}", a.type == quantize::QuantType::U8 ? "uint8" : "int8",
                     a.symmetric ? "symmetric" : "asymmetric");
}

struct QuantizeCommandOptions {
  std::string model, output;
  std::vector<std::string> inputShapes;
  QuantizeFlags flags;
};

bool isOnnxPath(const std::string &p) { return p.size() > 5 && p.compare(p.size() - 5, 5, ".onnx") == 0; }

// The output is checked before calibrating: a mistake in -o should not cost a calibration run.
void checkOutput(const std::string &model, const std::string &output) {
  if (!isOnnxPath(output)) throw Error(output + ": the quantized model is an ONNX file; name it *.onnx");
  std::error_code ec;
  if (fs::exists(output, ec) && fs::equivalent(model, output, ec))
    throw Error(output + ": is the model being quantized; write the int8 model to another file");
  if (fs::is_directory(output, ec)) throw Error(output + ": is a directory");
  fs::path dir = fs::path(output).parent_path();
  if (dir.empty()) dir = ".";
  if (!fs::is_directory(dir, ec)) throw Error(output + ": cannot create file (no folder " + dir.string() + ")");
  if (::access(dir.c_str(), W_OK) != 0) throw Error(output + ": cannot create file (folder " + dir.string() + " is not writable)");
}

void runQuantize(const QuantizeCommandOptions &o) {
  if (!isOnnxPath(o.model)) throw Error(o.model + ": rqc quantize reads .onnx models");
  checkOutput(o.model, o.output);
  ::onnx::ModelProto model = quantizeOnnxModel(o.model, o.flags, o.inputShapes);
  std::string bytes;
  if (!model.SerializeToString(&bytes))
    throw Error(o.output + ": the quantized model does not serialize (over protobuf's 2 GB?)");
  writeFileAtomically(o.output, bytes);
  std::cerr << fmt::format("wrote {} ({:.1f} KB)\n", o.output, bytes.size() / 1024.0);
}

} // namespace

void addQuantizeFlags(CLI::App *cmd, QuantizeFlags &f) {
  cmd->add_option("--calibration", f.calibration,
                  "Calibration inputs: fashion-mnist-train, fashion-mnist, an .npz/.npy file, or a folder of them");
  cmd->add_option("--calibration-limit", f.limit, "Use at most N calibration samples (0: all)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--calibrate-method", f.method, "Range choice: minmax, percentile, entropy (KL)")
      ->check(CLI::IsMember({"minmax", "percentile", "entropy"}));
  cmd->add_option("--percentile", f.percentile,
                  "With --calibrate-method percentile: the percentile of each side's histogram kept (default 99.999)");
  cmd->add_option("--activation-type", f.activationType, "Activations: uint8 (default) or int8")
      ->check(CLI::IsMember({"uint8", "int8"}));
  cmd->add_flag("--symmetric-activations", f.symmetric, "Symmetric activation ranges (zero point 0, or 128 for uint8)");
  cmd->add_flag("--power-of-two", f.powerOfTwo,
                "Power-of-two scales, symmetric int8 activations (VTA: requantization by a shift)");
  cmd->add_flag("--keep-first-conv-float", f.keepFirstConvFloat, "Leave the first convolution in float");
  cmd->add_flag("--keep-last-dense-float", f.keepLastDenseFloat, "Leave the last Gemm/MatMul in float");
  cmd->add_flag("--reduce-range", f.reduceRange,
                "7-bit weights in [-63, 63] (like ONNX Runtime's reduce_range): on x86 without VNNI the integer "
                "kernels then take vpmaddubsw, whose i16 pair sums cannot saturate");
  cmd->add_option("--keep-float", f.keepFloat, "Leave the node with this name in float (repeatable)");
  cmd->add_option("--calibration-threads", f.threads, "Threads of the calibration runs (0: all cores)")
      ->check(CLI::NonNegativeNumber);
}

bool anyQuantizeFlag(const QuantizeFlags &f) {
  QuantizeFlags defaults;
  return !f.calibration.empty() || f.limit != defaults.limit || f.method != defaults.method ||
         f.percentile != defaults.percentile || !f.activationType.empty() || f.symmetric || f.powerOfTwo ||
         f.keepFirstConvFloat || f.keepLastDenseFloat || f.reduceRange || !f.keepFloat.empty() || f.threads != defaults.threads;
}

::onnx::ModelProto quantizeOnnxModel(const std::string &path, const QuantizeFlags &flags,
                                     const std::vector<std::string> &inputShapes) {
  const quantize::QuantizeOptions options = quantizeOptions(flags);
  if (flags.calibration.empty()) throw Error("quantizing needs --calibration DATA");
  const std::string name = baseName(path), dir = dirName(path);
  ::onnx::ModelProto model = onnx_import::readOnnxModelFile(path);
  try {
    quantize::inlineExternalData(model, dir);
  } catch (const Error &e) {
    throw Error(name + ": initializer: " + e.what());
  }
  const int folded = quantize::foldBatchNormIntoConv(model);
  quantize::QuantizationPlan plan = quantize::planQuantization(model, options, name);

  // The model with every tensor to calibrate as an extra output, compiled for this machine.
  ::onnx::ModelProto calibrationModel = model;
  quantize::addCalibrationOutputs(calibrationModel, plan.activations);
  mlir::MLIRContext ctx;
  auto imported = loadOnnxModel(calibrationModel, name, dir, ctx, inputShapes);
  const std::vector<TensorSpec> inputs = mainInputs(*imported);
  CalibrationSet set = loadCalibrationSet(flags.calibration, inputs, flags.limit);
  std::cerr << fmt::format("calibrating {} ({}) on {} of {}: compiling it with {} to observe as outputs\n", name,
                           quantize::calibrationMethodName(options.method), count(set.feeds.size(), "sample", "samples"),
                           set.source, count(plan.activations.size(), "tensor", "tensors"));
  CompileOptions compile;
  compile.inputShapes = inputShapes;
  auto module = Module::loadFromBytes(makeTar(compileModule(*imported, compile, nullptr)), name);
  Executor exec(module, ExecutorOptions{flags.threads, false});

  // Which output is which tensor; a tensor calibration finds not to be float stays float.
  std::map<std::string, size_t> outputIndex;
  for (size_t i = 0; i < module->outputs().size(); ++i)
    if (module->outputs()[i].dtype == DType::F32) outputIndex[module->outputs()[i].name] = i;
  std::map<std::string, quantize::TensorStatistics> stats;
  for (const auto &t : plan.activations)
    if (outputIndex.count(t)) stats[t];

  const bool histogram = options.method != quantize::CalibrationMethod::MinMax;
  const int passes = histogram ? 2 : 1;
  ProgressLine progress(5.0);
  const size_t total = set.feeds.size() * passes;
  size_t done = 0;
  for (int pass = 1; pass <= passes; ++pass) {
    for (const auto &feed : set.feeds) {
      for (size_t k = 0; k < feed.size(); ++k) exec.setInput(k, feed[k]);
      exec.run();
      for (auto &[t, s] : stats) {
        Tensor out = exec.getOutput(outputIndex.at(t));
        if (pass == 1) s.observeRange(out.data<float>(), size_t(out.numel()));
        else s.observeHistogram(out.data<float>(), size_t(out.numel()));
      }
      ++done;
      double elapsed = progress.elapsed();
      progress.show(fmt::format("calibrating: pass {}/{} ({}) {}/{} samples, {} elapsed, ETA {}", pass, passes,
                                pass == 1 ? "min/max" : "histograms", done - (pass - 1) * set.feeds.size(),
                                set.feeds.size(), formatDuration(elapsed),
                                formatDuration(elapsed / double(done) * double(total - done))),
                    done == total);
    }
  }

  std::map<std::string, quantize::QuantParams> params;
  for (const auto &[t, s] : stats) {
    // An asymmetric scheme (uint8 or int8) spends all 256 levels on a one-signed tensor; a
    // symmetric one keeps half of them for the sign it does not have.
    int levels = options.activations.symmetric ? 128 : 256;
    params[t] = quantize::activationParams(quantize::chooseRange(s, options.method, options.percentile, levels),
                                           options.activations);
  }
  std::string description =
      fmt::format("rqc quantize: --calibrate-method={}{}, {} samples of {}; activations {}; weights {} symmetric "
                  "per channel{}",
                  quantize::calibrationMethodName(options.method),
                  options.method == quantize::CalibrationMethod::Percentile
                      ? fmt::format(" --percentile={}", options.percentile)
                      : "",
                  set.feeds.size(), set.source, schemeName(options),
                  options.reduceRange ? "int8 in [-63, 63] (--reduce-range)" : "int8",
                  options.activations.powerOfTwo ? ", power-of-two scales" : "");
  for (const auto &k : plan.keptFloat) description += "; kept in float: " + k;
  quantize::QuantizeSummary summary = quantize::applyQuantization(model, plan, params, options, description);
  std::cerr << fmt::format("quantized {} ({}): {} {} per channel, {} int32, {} {}{}\n", name,
                           quantize::calibrationMethodName(options.method), count(summary.weights, "weight", "weights"),
                           options.reduceRange ? "7-bit int8" : "int8",
                           count(summary.biases, "bias", "biases"),
                           count(summary.activations, "activation", "activations"), schemeName(options),
                           folded ? fmt::format(" ({} folded into {} first)",
                                                count(folded, "batch norm", "batch norms"),
                                                folded == 1 ? "its convolution" : "their convolutions")
                                  : "");
  for (const auto &k : plan.keptFloat) std::cerr << "  kept in float: " << k << "\n";
  return model;
}

void registerQuantizeCommand(CLI::App &app) {
  auto opts = std::make_shared<QuantizeCommandOptions>();
  CLI::App *cmd = app.add_subcommand(
      "quantize", "Quantize a float ONNX model to int8 (QDQ) from calibration data (post-training, static)");
  cmd->add_option("model", opts->model, "Float model (.onnx, opset 13 or later)")->required();
  cmd->add_option("-o,--output", opts->output, "Quantized model to write (.onnx, QDQ form)")->required();
  cmd->add_option("--input-shape", opts->inputShapes, "Static shape of an input, NAME=1x3x224x224 (repeatable)");
  addQuantizeFlags(cmd, opts->flags);
  cmd->get_option("--calibration")->required();
  cmd->callback([opts] { runQuantize(*opts); });
}

} // namespace rqc::driver
