// One job of board.proto (run, bench or measure a stored package) in a child process of
// this executable, with a deadline: shared by `rqc rpc-server` (runtime/rpc/BoardServer.h)
// and the farm's `rqc agent` (runtime/farm/Agent.h). A kernel that crashes or hangs ends
// the child; the result says how it ended.
#pragma once

#include "board.pb.h"

#include <functional>
#include <string>
#include <vector>

namespace rqc::rpc {

struct JobRunnerOptions {
  std::string executable;            // the rqc that runs jobs (run/bench/measure subcommands)
  std::vector<std::string> launcher; // words put before its command (resolveLauncher'd)
  double maxJobSeconds = 600;        // a job's timeout is cut to this (seconds)
  std::string workDir;               // a job's files go in a fresh directory under it, removed after
};

// Why `job` must not run (its package is not a SHA-256, its device or kernel could be read
// as an option, negative threads, no work), or "" when it may.
std::string invalidJob(const Job &job);

// Runs `job` on the package at `packagePath` (checked already) and waits for it. Throws
// rqc::Error only when the child cannot be started or its files written.
// `cancelled`, when given, is asked every fraction of a second: true kills the child (the
// result then says "cancelled").
JobResult runJob(const Job &job, const std::string &packagePath, const JobRunnerOptions &options,
                 const std::function<bool()> &cancelled = {});

// "run", "bench" or "measure".
std::string jobKind(const Job &job);

// `words` with the first one looked up in PATH when it has no '/' (posix_spawn takes a
// path). Throws rqc::Error naming it when it is not there.
std::vector<std::string> resolveLauncher(std::vector<std::string> words);

} // namespace rqc::rpc
