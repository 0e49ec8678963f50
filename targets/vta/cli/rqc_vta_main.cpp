// rqc-vta: the `rqc vta` subcommands on their own, for development and tests without
// the MLIR-based compiler. Same error conventions as rqc.
#include "targets/vta/cli/VtaCli.h"

#include "rqc/runtime/Error.h"

#include <CLI/CLI.hpp>

#include <iostream>

int main(int argc, char **argv) {
  CLI::App app{"rqc-vta: rqc's VTA tools"};
  app.require_subcommand(1);
  rqc::vta::registerCommands(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError &e) {
    if (e.get_exit_code() == 0)
      return app.exit(e);
    std::cerr << "rqc: error: " << e.what() << " (see --help)\n";
    return 2;
  } catch (const std::exception &e) {
    std::cerr << "rqc: error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
