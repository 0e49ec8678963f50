// The command-line side of boards over the network, shared by the full rqc and the
// runtime-only rqc: `rqc rpc-server`, and `rqc run|bench MODEL.rqc --remote HOST:PORT --key K`
// (the package is uploaded unless the board has it, then run there in a child process of
// the server; the report is the board's, the outputs come back).
#pragma once

#include "runtime/tools/PackageCommands.h"

namespace CLI {
class App;
}

namespace rqc::rpc {

// `rqc run --remote`: prints the board's report (top-5, latency) and where it ran; writes
// the outputs (atomically) when asked. Throws rqc::Error when the board cannot be reached,
// refuses the package or the key, or the run fails there (its error line quoted).
void runPackageRemotely(const tools::RunPackageOptions &options);

// `rqc bench --remote`: the board's bench report (text or --json), as it printed it.
void benchPackageRemotely(const tools::BenchPackageOptions &options);

// Throws unless --key goes with --remote (a key alone is a mistake worth a line).
void checkRemoteOptions(const std::string &remote, const std::string &key);

// Registers `rpc-server` (runtime/rpc/BoardServer.h) on `app`.
void registerRpcServerCommand(CLI::App &app);

} // namespace rqc::rpc
