// rqc run MODEL.rqc | MODEL.onnx --reference: runs a compiled package with librqc_runtime,
// or an ONNX model with the reference executor, on inputs from an .npz file or seeded
// random ones; prints the top-5 of a classifier and the latency; writes the outputs.
// rqc bench MODEL.rqc: latency statistics (the runtime's package commands).
#include "compiler/driver/Commands.h"
#include "compiler/driver/ModelLoading.h"
#include "compiler/driver/Pipeline.h"
#include "compiler/passes/Passes.h"
#include "compiler/reference/ReferenceExecutor.h"

#include "rqc/runtime/Error.h"
#include "rqc/runtime/Module.h"
#include "runtime/rpc/RemoteCommands.h"
#include "runtime/tools/MeasureCommand.h"
#include "runtime/tools/PackageCommands.h"
#include "rqc/runtime/Npy.h"

#include "mlir/Pass/PassManager.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <numeric>
#include <random>

namespace rqc::driver {

namespace {

struct RunOptions {
  std::string model;
  std::string inputs, outputs;
  std::vector<std::string> inputShapes;
  bool reference = false;
  bool asCompiled = false;
  std::string target; // --as-compiled: whose partition passes apply (vta)
  uint64_t seed = 0;
  int threads = 0;
  std::string device; // a package's OpenCL device, "opencl:N"
  std::string remote, key; // run on an rqc rpc-server (runtime/rpc/RemoteCommands.h)
};

void runModel(const RunOptions &o) {
  if (isPackagePath(o.model)) {
    if (o.reference) throw Error("--reference runs an .onnx model; " + o.model + " is a compiled package");
    if (o.asCompiled) throw Error("--as-compiled goes with --reference on an .onnx model; " + o.model + " is a compiled package");
    if (!o.target.empty()) throw Error("--target goes with --reference --as-compiled; " + o.model + " is compiled already");
    tools::RunPackageOptions r;
    r.package = o.model;
    r.inputs = o.inputs;
    r.outputs = o.outputs;
    r.seed = o.seed;
    r.threads = o.threads;
    r.device = o.device;
    r.remote = o.remote;
    r.key = o.key;
    rpc::checkRemoteOptions(r.remote, r.key);
    if (!r.remote.empty()) rpc::runPackageRemotely(r);
    else tools::runPackage(r);
    return;
  }
  if (!o.remote.empty() || !o.key.empty()) throw Error("--remote runs a compiled package on a board; " + o.model + " is not a package");
  if (!o.device.empty()) throw Error("--device chooses a compiled package's OpenCL device; " + o.model + " is not a package");
  if (o.asCompiled && !o.reference) throw Error("--as-compiled goes with --reference");
  if (!o.target.empty() && !o.asCompiled) throw Error("--target goes with --reference --as-compiled");
  if (!o.reference)
    throw Error("running an .onnx model needs --reference (compiled .rqc packages come with `rqc compile`)");
  mlir::MLIRContext ctx;
  auto module = loadModel(o.model, ctx, o.inputShapes);
  if (o.asCompiled) {
    // The graph rewrites of rqc compile that change results (QDQ convolutions computed in
    // integers): the bit-exact oracle of a compiled int8 model.
    mlir::PassManager pm(&ctx);
    // With an accelerator target, the ops it takes computed as it computes them (VTA's
    // shifts round half up).
    if (!o.target.empty()) targetOf(CompileOptions{o.target})->addPartitionPasses(pm);
    pm.addNestedPass<mlir::func::FuncOp>(createQdqToInteger());
    if (mlir::failed(pm.run(*module))) throw Error(o.model + ": the integer rewrite of its QDQ convolutions failed");
  }
  reference::ReferenceExecutor exec(*module);

  NamedTensors inputs;
  if (!o.inputs.empty()) {
    inputs = loadNpz(o.inputs);
  } else {
    // The same seeded inputs as `rqc run MODEL.rqc --seed S`.
    std::vector<TensorSpec> specs;
    for (const auto &info : exec.inputs()) specs.push_back({info.name, info.dtype, info.shape});
    inputs = tools::seededInputs(specs, o.seed);
  }
  auto start = std::chrono::steady_clock::now();
  NamedTensors outputs = exec.run(inputs);
  double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();

  for (const auto &[name, t] : outputs) tools::printTop5(std::cout, name, t);
  std::cout << fmt::format("latency: {:.1f} ms (reference executor)\n", ms);
  if (!o.outputs.empty()) {
    saveNpz(o.outputs, outputs);
    std::cout << "outputs written to " << o.outputs << "\n";
  }
}

} // namespace

void registerRunCommand(CLI::App &app) {
  auto opts = std::make_shared<RunOptions>();
  CLI::App *cmd = app.add_subcommand("run", "Run a model and print its top-5 classes and latency");
  cmd->add_option("model", opts->model, "Compiled package (.rqc), or an .onnx model with --reference")->required();
  cmd->add_flag("--reference", opts->reference, "Run with the reference executor (plain loops, the oracle)");
  cmd->add_flag("--as-compiled", opts->asCompiled,
                "With --reference: compute QDQ convolutions and dense layers in integers as rqc compile does with "
                "integer kernels (VNNI or SDOT CPUs, or --int8-kernels=on): exact for those, while parts left in float "
                "(grouped convolutions, dense layers with features not in fours) may still differ by a rounding; "
                "without it, ONNX's float QDQ semantics");
  cmd->add_option("--target", opts->target,
                  "With --as-compiled: also what this target's accelerator computes, as it computes it (vta: the "
                  "convolutions rqc compile --target=vta runs on VTA, with its round-half-up shifts)");
  cmd->add_option("--inputs", opts->inputs, "Inputs as .npz, keyed by input name (default: seeded random)");
  cmd->add_option("--outputs", opts->outputs, "Write the outputs to this .npz file");
  cmd->add_option("--input-shape", opts->inputShapes, "Static shape of an input, NAME=1x3x224x224 (repeatable)");
  cmd->add_option("--seed", opts->seed, "Seed of the random inputs")->default_val(0);
  cmd->add_option("--threads", opts->threads, "Threads for a compiled package (default: all cores)");
  cmd->add_option("--device", opts->device, "An OpenCL package's device: opencl:N, the N-th in clinfo -l's order "
                                            "(default: RQC_OPENCL_DEVICE, else the first GPU, else the first device)");
  cmd->add_option("--remote", opts->remote, "Run a compiled package on this rqc rpc-server, HOST:PORT (uploaded first); a split package: one server per part, H1:P1,H2:P2");
  cmd->add_option("--key", opts->key, "The rpc-server's key (with --remote)");
  cmd->callback([opts] { runModel(*opts); });
}

void registerBenchCommand(CLI::App &app) {
  auto opts = std::make_shared<tools::BenchPackageOptions>();
  CLI::App *cmd = app.add_subcommand("bench", "Benchmark a compiled package: min/p50/p90/p99/max latency, images/s");
  tools::addBenchOptions(*cmd, *opts);
  cmd->callback([opts] {
    if (!isPackagePath(opts->package)) throw Error("rqc bench takes a compiled package (.rqc); compile " + opts->package + " first");
    rpc::checkRemoteOptions(opts->remote, opts->key);
    if (!opts->remote.empty()) rpc::benchPackageRemotely(*opts);
    else tools::benchPackage(*opts);
  });
}

void registerMeasureCommand(CLI::App &app) {
  auto opts = std::make_shared<tools::MeasureOptions>();
  CLI::App *cmd =
      app.add_subcommand("measure", "Check a package's outputs, then time one kernel (a tuning measurement, JSON)");
  tools::addMeasureOptions(*cmd, *opts);
  cmd->callback([opts] { std::cout << tools::measurePackage(*opts).dump() << "\n"; });
}

} // namespace rqc::driver
