// rqc compile MODEL.onnx --target=T -o MODEL.rqc [--dump=STAGE]
#include "compiler/driver/Commands.h"
#include "compiler/driver/ModelLoading.h"
#include "compiler/driver/Pipeline.h"
#include "compiler/driver/Quantization.h"
#include "compiler/quantize/QdqQuantizer.h"
#include "compiler/driver/SplitCompile.h"
#include "targets/opencl/OpenCLTarget.h"
#include "targets/vta/compiler/VtaTarget.h"

#include "rqc/runtime/Error.h"
#include "rqc/runtime/PackageWriter.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <onnx/onnx_pb.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iostream>

namespace rqc::driver {

namespace {

struct CompileCommandOptions {
  std::string model, output;
  std::string dtype = "float32";
  bool dtypeGiven = false;
  QuantizeFlags quantize;
  CompileOptions compile;
  int split = 0; // --split=N: N channel-group parts and a head (compiler/split/SplitNetwork.h)
};

// The model to compile: as given, or quantized first with --dtype=int8 --calibration DATA.
mlir::OwningOpRef<mlir::ModuleOp> modelToCompile(const CompileCommandOptions &o, mlir::MLIRContext &ctx) {
  if (o.dtype != "int8") {
    if (anyQuantizeFlag(o.quantize))
      throw Error("--calibration and the other quantizer flags apply with --dtype=int8");
    return loadModel(o.model, ctx, o.compile.inputShapes);
  }
  const bool onnx = o.model.size() > 5 && o.model.compare(o.model.size() - 5, 5, ".onnx") == 0;
  if (!onnx) throw Error(o.model + ": --dtype=int8 quantizes .onnx models");
  if (o.quantize.calibration.empty()) {
    if (anyQuantizeFlag(o.quantize)) throw Error("the quantizer flags need --calibration DATA");
    if (!quantize::isQuantized(onnx_import::readOnnxModelFile(o.model)))
      throw Error(o.model + ": is a float model; --dtype=int8 needs --calibration DATA to quantize it "
                            "(or give an int8 QDQ model)");
    return loadModel(o.model, ctx, o.compile.inputShapes);
  }
  if (quantize::isQuantized(onnx_import::readOnnxModelFile(o.model)))
    throw Error(o.model + ": is already int8; compile it " +
                (vta::isVtaTarget(o.compile.target) ? std::string("") : "with --dtype=int8 ") + "without --calibration");
  ::onnx::ModelProto quantized = quantizeOnnxModel(o.model, o.quantize, o.compile.inputShapes);
  std::filesystem::path p(o.model);
  return loadOnnxModel(quantized, p.filename().string(),
                       p.parent_path().empty() ? "." : p.parent_path().string(), ctx, o.compile.inputShapes);
}

bool isOnnx(const std::string &path) { return path.size() > 5 && path.compare(path.size() - 5, 5, ".onnx") == 0; }

// VTA computes int8 with power-of-two scales only: a float model is quantized that way
// (--calibration), an int8 one taken as it is.
CompileCommandOptions forVta(CompileCommandOptions o) {
  if (o.dtypeGiven && o.dtype == "float32")
    throw Error("--target=vta computes int8; --dtype=float32 contradicts it (give an int8 model or --calibration)");
  if (o.dtype == "float32" && isOnnx(o.model) && o.quantize.calibration.empty() &&
      !quantize::isQuantized(onnx_import::readOnnxModelFile(o.model)))
    throw Error(o.model + ": is a float model, and VTA computes int8: give --calibration DATA to quantize it with "
                          "power-of-two scales, or a model from rqc quantize --power-of-two");
  if (!o.quantize.calibration.empty()) {
    if (!o.quantize.activationType.empty() && o.quantize.activationType != "int8")
      throw Error("--target=vta quantizes activations to int8 with power-of-two scales; --activation-type " +
                  o.quantize.activationType + " contradicts it");
    o.quantize.powerOfTwo = true;
  }
  if (isOnnx(o.model)) o.dtype = "int8";
  return o;
}

// What runs where: convolutions on VTA counted in the package (a module may hold
// graph.vta_conv2d already, as rqc tune's tasks do), the others grouped by the reason they
// stay on the host.
struct PartitionSummary {
  size_t vtaKernels = 0, hostKernels = 0;
  std::vector<std::pair<std::string, std::vector<std::string>>> byReason; // reason, convolutions
};

PartitionSummary summarize(const PartitionReport &p, const nlohmann::json &description) {
  PartitionSummary s;
  for (const auto &k : description["kernels"]) ++(k.value("device", "cpu") == "vta" ? s.vtaKernels : s.hostKernels);
  for (const auto &[conv, why] : p.onHost) {
    auto it = std::find_if(s.byReason.begin(), s.byReason.end(), [&](const auto &r) { return r.first == why; });
    if (it == s.byReason.end()) s.byReason.push_back({why, {conv}});
    else it->second.push_back(conv);
  }
  return s;
}

// Nothing on VTA is an error: the user asked for VTA. One line, with the main reasons.
void requireVtaKernels(const PartitionSummary &s, const std::string &model) {
  if (s.vtaKernels) return;
  std::string reasons;
  for (size_t i = 0; i < s.byReason.size() && i < 3; ++i)
    reasons += (i ? "; " : "") + std::to_string(s.byReason[i].second.size()) + " with " + s.byReason[i].first;
  throw Error("no convolution of " + model + " can run on VTA (" + (reasons.empty() ? "it has none" : reasons) +
              "); VTA takes int8 QDQ convolutions with power-of-two scales (rqc quantize --power-of-two), or "
              "compile it for the CPU");
}

// "8 of 9 convolutions on VTA, 13 kernels on the host CPU (triple)", then one line per
// reason a convolution stayed on the host, with the first convolutions it applies to.
void printPartition(std::ostream &os, const PartitionSummary &s, size_t onHost, const std::string &triple) {
  os << s.vtaKernels << " of " << s.vtaKernels + onHost << " convolutions on VTA, " << s.hostKernels
     << " kernels on the host CPU (" << triple << ")\n";
  for (const auto &[why, convs] : s.byReason) {
    std::string names;
    for (size_t i = 0; i < convs.size() && i < 3; ++i) names += (i ? ", " : "") + convs[i];
    if (convs.size() > 3) names += ", ...";
    os << "  on the host: " << convs.size() << " (" << names << "): " << why << "\n";
  }
}

// --split=N: one split package of N parts and a head (compiler/driver/SplitCompile.h).
void runSplitCompile(const CompileCommandOptions &o) {
  auto start = std::chrono::steady_clock::now();
  if (o.dtype != "float32" || anyQuantizeFlag(o.quantize)) throw Error("--split takes float models (no --dtype=int8)");
  if (!o.compile.dumpStage.empty()) throw Error("--dump shows one module; compile a split network without it");
  if (o.output.empty()) throw Error("rqc compile --split needs -o MODEL.rqc");
  tools::SplitPackage out = compileSplitNetwork(o.model, o.split, o.compile);
  writePackage(o.output, tools::splitPackageMembers(out));
  double sec = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cerr << fmt::format("compiled {} as a split network ({} parts of {} channels at '{}', and a head) for {} in {:.1f} s -> {}\n"
                           "note: a split network computes a different function from the model unless it was trained "
                           "split (docs/boards.md)\n",
                           o.model, o.split, out.channels / o.split, out.cut, o.compile.target, sec, o.output);
}

void runCompile(const CompileCommandOptions &given) {
  if (given.split) return runSplitCompile(given);
  auto start = std::chrono::steady_clock::now();
  const bool onVta = vta::isVtaTarget(given.compile.target);
  const CompileCommandOptions o = onVta ? forVta(given) : given;
  mlir::MLIRContext ctx;
  auto module = modelToCompile(o, ctx);
  std::string dump;
  ScheduleSelection selection;
  PartitionReport partition;
  PackageMembers members;
  try {
    members = compileModule(*module, o.compile, o.compile.dumpStage.empty() ? nullptr : &dump, &selection, &partition);
  } catch (...) {
    // The requested stage, when it was reached, shows what the failing later stage got.
    if (!dump.empty()) std::cout << dump << "\n";
    throw;
  }
  PartitionSummary placed;
  nlohmann::json description = nlohmann::json::parse(members.front().second);
  if (onVta) {
    placed = summarize(partition, description);
    requireVtaKernels(placed, o.model);
  }
  if (!o.compile.dumpStage.empty()) std::cout << dump << "\n";
  printScheduleReport(std::cerr, selection);
  if (onVta) printPartition(std::cerr, placed, partition.onHost.size(), description["target"].value("triple", ""));
  if (!o.output.empty()) {
    writePackage(o.output, members);
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::cerr << fmt::format("compiled {}{} for {} in {:.1f} s -> {}\n", o.model,
                             o.dtype == "int8" ? " (int8)" : "", o.compile.target, s, o.output);
  }
}

} // namespace

void registerCompileCommand(CLI::App &app) {
  auto opts = std::make_shared<CompileCommandOptions>();
  CLI::App *cmd = app.add_subcommand("compile", "Compile a model into a package (.rqc) for a target");
  cmd->add_option("model", opts->model, "Model file (.onnx, or a graph-dialect .mlir module)")->required();
  cmd->add_option("-o,--output", opts->output, "Output package (.rqc)");
  cmd->add_option("--target", opts->compile.target, "Target: llvm (host), arm_cpu (aarch64), 'arm_cpu -mtriple=armv7a-linux-gnueabihf' (ARMv7 hard-float), 'llvm -mtriple=...', "
                  "vta (the VTA accelerator, 'ext_dev -device=vta -model=pynq_1x16_i8w8a32_15_15_18_17', with --target-host), "
                  "mali (a Mali GPU through OpenCL C, 'opencl -device=mali [-model=BOARD]')")
      ->default_val("llvm");
  cmd->add_option("--target-host", opts->compile.targetHost,
                  "The host CPU of --target=vta (TVM's target_host): 'llvm -mtriple=armv7a-linux-gnueabihf' (the Pynq's ARM) "
                  "by default; llvm runs the host part on this machine");
  cmd->add_option("--mcpu", opts->compile.mcpu, "LLVM CPU name, e.g. cortex-a72");
  cmd->add_option("--mattr", opts->compile.mattr, "LLVM target features, e.g. +neon,+dotprod");
  cmd->add_option("--input-shape", opts->compile.inputShapes, "Static shape of an input, NAME=1x3x224x224 (repeatable)");
  cmd->add_option("--tuning-records", opts->compile.tuningRecords,
                  "Tuning log (AutoTVM format) whose best records are used before the shipped tophub log (repeatable)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--graph-tuner", opts->compile.graphTuner,
                  "on: choose the records' channel layouts over the whole graph, so that neighbouring kernels agree "
                  "(AutoTVM's graph tuner); off: each op's fastest record alone")
      ->transform(CLI::CheckedTransformer(std::map<std::string, bool>{{"on", true}, {"off", false}}))
      ->default_str("on");
  CLI::Option *dtypeOption = cmd->add_option("--dtype", opts->dtype,
                  "float32 (as the model is) or int8: an int8 QDQ model as is, a float one quantized with --calibration")
      ->check(CLI::IsMember({"float32", "int8"}));
  addQuantizeFlags(cmd, opts->quantize);
  cmd->add_option("--int8-kernels", opts->compile.int8Kernels,
                  "QDQ convolutions, Gemms and max pools as integer kernels: auto (where the CPU has VNNI or "
                  "AArch64's SDOT; on AVX2 without VNNI only the convolutions whose weights suit vpmaddubsw, e.g. "
                  "7-bit ones; elsewhere float kernels between the QDQ pairs are faster for now), on, off")
      ->check(CLI::IsMember({"auto", "on", "off"}))
      ->default_val("auto");
  cmd->add_option("--split", opts->split,
                  "Divide the network into N narrow parts (channel groups of every layer) and a head that "
                  "concatenates them and classifies: one split package; run the parts on N boards with rqc run "
                  "--remote H1:P1,H2:P2 (a different function unless trained split; docs/boards.md)")
      ->check(CLI::Range(2, 64));
  cmd->add_option("--dump", opts->compile.dumpStage,
                  "Print a stage: graph, linalg, scheduled, llvm; vta: the VTA kernels' instruction streams (VTA dialect); "
                  "loops, opencl: the OpenCL target's loop nests and its OpenCL C (--target=mali)")
      ->check(CLI::IsMember({"graph", "linalg", "scheduled", "llvm", "vta", "loops", "opencl"}));
  cmd->callback([opts, cmd, dtypeOption] {
    opts->dtypeGiven = dtypeOption->count() > 0;
    if (opts->output.empty() && opts->compile.dumpStage.empty())
      throw Error("rqc compile needs -o MODEL.rqc (or --dump=STAGE)");
    if (opts->compile.dumpStage == "vta" && !vta::isVtaTarget(opts->compile.target))
      throw Error("--dump=vta prints VTA kernels: it needs --target=vta");
    const bool openclStage = opts->compile.dumpStage == "opencl" || opts->compile.dumpStage == "loops";
    if (openclStage && !opencl::isOpenCLTarget(opts->compile.target))
      throw Error("--dump=" + opts->compile.dumpStage + " prints the OpenCL target's kernels: it needs --target=mali");
    if ((opts->compile.dumpStage == "scheduled" || opts->compile.dumpStage == "llvm") &&
        opencl::isOpenCLTarget(opts->compile.target))
      throw Error("--dump=" + opts->compile.dumpStage + " prints CPU kernels; --target=mali has --dump=loops and --dump=opencl");
    runCompile(*opts);
  });
}

} // namespace rqc::driver
