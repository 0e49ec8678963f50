// rqc-vta: the `rqc vta` subcommands on their own, for development and tests without
// the MLIR-based compiler. Same error conventions as rqc.
#include "targets/vta/cli/VtaCli.h"

#include "runtime/tools/CliMain.h"

int main(int argc, char **argv) {
  CLI::App app{"rqc-vta: rqc's VTA tools", "rqc-vta"};
  app.require_subcommand(1);
  rqc::vta::registerCommands(app);
  return rqc::cli::parseAndRun(app, std::vector<std::string>(argv + 1, argv + argc));
}
