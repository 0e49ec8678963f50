// rqc: the command line. Subcommands live in *Command.cpp; this file wires them up and
// turns user errors into one line on stderr and a non-zero exit.
#include "compiler/driver/Commands.h"

#include "runtime/farm/FarmCommands.h"
#include "runtime/rpc/RemoteCommands.h"
#include "runtime/tools/Subprocess.h"
#include "runtime/tools/CliMain.h"

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

#ifdef RQC_HAVE_VTA_CLI
#include "targets/vta/cli/VtaCli.h"
#endif

int main(int argc, char **argv) {
  rqc::tools::exitWithParent(); // when rqc tune started this one
  // Named, so usage lines read "Usage: rqc compile ..." (args are parsed from a vector).
  CLI::App app{"rqc: a tensor compiler and schedule autotuner for edge deep learning", "rqc"};
  app.set_version_flag("--version", std::string("rqc ") + RQC_VERSION);
  app.require_subcommand(1);
  rqc::driver::registerCompileCommand(app);
  rqc::driver::registerInspectCommand(app);
  rqc::driver::registerRunCommand(app);
  rqc::driver::registerBenchCommand(app);
  rqc::driver::registerMeasureCommand(app);
  rqc::driver::registerTuneCommand(app);
  rqc::driver::registerTophubCommand(app);
  rqc::driver::registerValidateCommand(app);
  rqc::driver::registerQuantizeCommand(app);
  rqc::driver::registerExperimentCommand(app);
#ifdef RQC_HAVE_VTA_CLI
  rqc::vta::registerCommands(app);
  rqc::vta::registerConv2dCommand(*app.get_subcommand("vta"));
#endif
  rqc::rpc::registerRpcServerCommand(app);
  rqc::farm::registerAgentCommand(app);
  rqc::farm::registerFarmCommand(app);
  // TVM spells CPU refinements -mcpu=... / -mattr=...; CLI11 wants --mcpu / --mattr.
  std::vector<std::string> args(argv + 1, argv + argc);
  for (std::string &a : args)
    if (a.rfind("-mcpu=", 0) == 0 || a.rfind("-mattr=", 0) == 0) a = "-" + a;
  return rqc::cli::parseAndRun(app, args);
}
