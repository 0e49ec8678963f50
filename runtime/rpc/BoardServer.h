// `rqc rpc-server`: a board's measuring service (runtime/rpc/board.proto), on gRPC.
// Runtime only: it links librqc_runtime and never LLVM or MLIR, and cross-builds with the
// runtime-only rqc for aarch64 and armv7 boards.
//
// What it guards against, from TVM's RPC server (python/tvm/rpc/server.py) and its users'
// complaints (../shared/reference/autotvm.md 3.4):
//   - every call must carry the shared key (metadata "rqc-key"): UNAUTHENTICATED otherwise;
//   - an upload is size-limited (RESOURCE_EXHAUSTED past the limit), checked as a package
//     before it is kept (FAILED_PRECONDITION for a damaged one or one for another target),
//     and stored under its SHA-256 in the server's store: the client never names a path;
//   - each job runs in a child process (this executable's run/bench/measure) with a
//     deadline, one job at a time (concurrent jobs would disturb each other's timings): a
//     crashing or hanging kernel ends that child, and the server reports how it ended;
//   - it listens on loopback unless told otherwise (the key travels in clear: no TLS).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace rqc::rpc {

// The metadata entry that carries the shared key on every call.
inline constexpr const char *kKeyHeader = "rqc-key";

struct BoardServerOptions {
  std::string host = "127.0.0.1";
  int port = 9091;                         // 0: any free port (the listening line names it)
  std::string key;                         // device key and shared secret (required)
  std::string store;                       // package store (default: $RQC_CACHE_DIR/rpc-store,
                                           // else $XDG_CACHE_HOME/rqc/rpc-store, else ~/.cache/rqc/rpc-store)
  uint64_t maxUploadBytes = 512ull << 20;  // bytes
  double maxJobSeconds = 600;              // a job's timeout is cut to this (seconds)
  std::string executable;                  // what runs the jobs (default: this executable)
  std::vector<std::string> launcher;       // words put before each job's command: "taskset -c 4"
                                           // (a big core of a big.LITTLE board), "qemu-aarch64 -L
                                           // /usr/aarch64-linux-gnu" (an emulated board: qemu-user
                                           // does not follow exec into a foreign binary)
};

// Serves until SIGINT or SIGTERM, then finishes the calls in flight and returns. Prints
// "rqc rpc-server: listening on HOST:PORT (key 'K', store DIR)" on stdout once it accepts
// calls (with the real port when `port` is 0), then one line per upload and job. Throws
// rqc::Error when it cannot listen (address in use, bad host) or the options are unusable.
void serveBoard(const BoardServerOptions &options);

} // namespace rqc::rpc
