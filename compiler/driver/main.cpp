// rqc: the command line. Subcommands live in *Command.cpp; this file wires them up and
// turns user errors into one line on stderr and a non-zero exit.
#include "compiler/driver/Commands.h"

#include "autotune/Subprocess.h"
#include "rqc/runtime/Error.h"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <iostream>
#include <string>
#include <vector>

#ifdef RQC_HAVE_VTA_CLI
#include "targets/vta/cli/VtaCli.h"
#endif

int main(int argc, char **argv) {
  rqc::autotune::exitWithParent(); // when rqc tune started this one
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
#ifdef RQC_HAVE_VTA_CLI
  rqc::vta::registerCommands(app);
#endif
  // TVM spells CPU refinements -mcpu=... / -mattr=...; CLI11 wants --mcpu / --mattr.
  std::vector<std::string> args(argv + 1, argv + argc);
  for (std::string &a : args)
    if (a.rfind("-mcpu=", 0) == 0 || a.rfind("-mattr=", 0) == 0) a = "-" + a;
  std::reverse(args.begin(), args.end()); // CLI11 takes the arguments reversed
  try {
    app.parse(args);
  } catch (const CLI::RuntimeError &e) { // a command's own exit code (its message is already out)
    return e.get_exit_code();
  } catch (const CLI::ParseError &e) {
    if (e.get_exit_code() == 0) return app.exit(e);
    // One line: what was wrong, and where to look.
    std::cerr << "rqc: error: " << e.what() << " (see rqc --help)\n";
    return 2;
  } catch (const rqc::Error &e) {
    std::cerr << "rqc: error: " << e.what() << "\n";
    return 1;
  } catch (const std::exception &e) {
    std::cerr << "rqc: error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
