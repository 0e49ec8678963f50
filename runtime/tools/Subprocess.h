// Running a child process with a deadline: how rqc tune builds and measures candidates
// without trusting them (a candidate that crashes or hangs ends its child, never the
// tuner), and how rqc rpc-server runs jobs (a crashing kernel ends that job, never the
// server). POSIX only (posix_spawn, poll, waitpid). No MLIR here.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace rqc::tools {

struct ProcessResult {
  int exitCode = -1;     // when it exited
  int signal = 0;        // when a signal ended it (SIGSEGV, SIGABRT, ... or SIGKILL at the deadline)
  bool timedOut = false; // killed at the deadline
  bool cancelled = false; // killed because `cancelled` said so
  std::string out, err;  // what it wrote (stderr cut to its last 4 KiB)
  double seconds = 0;    // wall time
  bool ok() const { return !timedOut && !cancelled && signal == 0 && exitCode == 0; }
  // "exit status 1: <last stderr line>", "killed by signal 11 (Segmentation fault)",
  // "timed out after 10.0 s".
  std::string describe() const;
};

// Runs argv[0] (a path) with `argv` and `env` entries added to (or replacing in) this
// process's environment; kills it (SIGKILL, its whole process group) after `timeoutS`
// seconds. Throws rqc::Error only when it cannot be started.
// `cancelled`, when given, is asked every 200 ms; true kills the child like the deadline.
ProcessResult runProcess(const std::vector<std::string> &argv, double timeoutS,
                         const std::vector<std::string> &env = {}, const std::function<bool()> &cancelled = {});

// Called first in rqc's main(): a child started by runProcess dies with the process that
// started it (PR_SET_PDEATHSIG), so a killed or interrupted rqc tune leaves no builder or
// measuring child behind (they run in their own process group, outside the terminal's
// Ctrl-C). Does nothing in a process runProcess did not start.
void exitWithParent();

// This executable's path (/proc/self/exe): rqc tune runs its own `rqc compile` and
// `rqc measure`.
std::string selfExecutable();

} // namespace rqc::tools
