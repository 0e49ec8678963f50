// The runtime-only rqc: `run` and `bench` of compiled .rqc packages, without the compiler
// (no LLVM/MLIR), for boards and cross builds. User errors print one line
// "rqc: error: ..." on stderr and exit non-zero, as the full rqc does.
#include "runtime/farm/FarmCommands.h"
#include "runtime/rpc/RemoteCommands.h"
#include "runtime/tools/CliMain.h"
#include "runtime/tools/MeasureCommand.h"
#include "runtime/tools/PackageCommands.h"
#include "runtime/tools/Subprocess.h"

#include "rqc/runtime/Error.h"

#include <CLI/CLI.hpp>

#include <iostream>
#include <memory>
#include <string>

namespace {

// An .onnx model needs the compiler; say so instead of "not a tar archive".
void requirePackage(const std::string &path) {
  auto endsWith = [&](const char *suffix) {
    std::string s(suffix);
    return path.size() >= s.size() && path.compare(path.size() - s.size(), s.size(), s) == 0;
  };
  if (endsWith(".onnx"))
    throw rqc::Error(path + ": this rqc build has no compiler (runtime only) and runs compiled .rqc packages; "
                            "compile the model with a full rqc build: rqc compile MODEL.onnx -o MODEL.rqc");
}

void registerRun(CLI::App &app) {
  auto o = std::make_shared<rqc::tools::RunPackageOptions>();
  CLI::App *cmd = app.add_subcommand("run", "Run a compiled package once: top-5 of a classifier and latency");
  cmd->add_option("package", o->package, "Compiled model (.rqc)")->required();
  cmd->add_option("--inputs", o->inputs, "Inputs as .npz, keyed by input name (default: seeded random)");
  cmd->add_option("--outputs", o->outputs, "Write the outputs to this .npz file");
  cmd->add_option("--seed", o->seed, "Seed of the random inputs")->default_val(0);
  cmd->add_option("--threads", o->threads, "Threads for the kernels (0: OpenMP default)")->default_val(0);
  cmd->add_option("--device", o->device, "An OpenCL package's device: opencl:N, the N-th in clinfo -l's order");
  cmd->add_option("--remote", o->remote, "Run on this rqc rpc-server, HOST:PORT (the package is uploaded); a split package: one server per part, H1:P1,H2:P2");
  cmd->add_option("--key", o->key, "The rpc-server's key (with --remote)");
  cmd->callback([o] {
    requirePackage(o->package);
    rqc::rpc::checkRemoteOptions(o->remote, o->key);
    if (!o->remote.empty()) rqc::rpc::runPackageRemotely(*o);
    else rqc::tools::runPackage(*o);
  });
}

void registerBench(CLI::App &app) {
  auto o = std::make_shared<rqc::tools::BenchPackageOptions>();
  CLI::App *cmd = app.add_subcommand("bench", "Benchmark a compiled package: latency percentiles, images/s, memory");
  rqc::tools::addBenchOptions(*cmd, *o);
  cmd->callback([o] {
    requirePackage(o->package);
    rqc::rpc::checkRemoteOptions(o->remote, o->key);
    if (!o->remote.empty()) rqc::rpc::benchPackageRemotely(*o);
    else rqc::tools::benchPackage(*o);
  });
}

void registerMeasure(CLI::App &app) {
  auto o = std::make_shared<rqc::tools::MeasureOptions>();
  CLI::App *cmd = app.add_subcommand("measure", "Check a package's outputs, then time one kernel (a tuning measurement, JSON)");
  rqc::tools::addMeasureOptions(*cmd, *o);
  cmd->callback([o] { std::cout << rqc::tools::measurePackage(*o).dump() << "\n"; });
}

// Subcommands of the full rqc that need the compiler: hidden, with a clear message.
void registerCompilerOnly(CLI::App &app) {
  for (const char *name : {"compile", "tune", "inspect"}) {
    CLI::App *cmd = app.add_subcommand(name, "")->group("")->allow_extras()->prefix_command();
    cmd->callback([name] {
      throw rqc::Error(std::string("'rqc ") + name + "' needs the compiler, and this rqc build is runtime only " +
                       "(it has run, bench, measure, rpc-server, agent and farm for .rqc packages)");
    });
  }
}

} // namespace

int main(int argc, char **argv) {
  rqc::tools::exitWithParent(); // a job of rqc rpc-server dies with the server
  CLI::App app{"rqc (runtime only): run and benchmark compiled .rqc packages", "rqc"};
  app.set_version_flag("--version", std::string("rqc ") + RQC_VERSION + " (runtime only)");
  app.require_subcommand(1);
  registerRun(app);
  registerBench(app);
  registerMeasure(app);
  rqc::rpc::registerRpcServerCommand(app);
  rqc::farm::registerAgentCommand(app);
  rqc::farm::registerFarmCommand(app);
  registerCompilerOnly(app);
  return rqc::cli::parseAndRun(app, std::vector<std::string>(argv + 1, argv + argc));
}
