#include "runtime/tools/Subprocess.h"

#include "rqc/runtime/Error.h"

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

namespace rqc::tools {

std::string ProcessResult::describe() const {
  if (cancelled) return "cancelled";
  if (timedOut) return "timed out after " + std::to_string(seconds).substr(0, std::to_string(seconds).find('.') + 2) + " s";
  if (signal) return "killed by signal " + std::to_string(signal) + " (" + strsignal(signal) + ")";
  std::string last = err;
  while (!last.empty() && (last.back() == '\n' || last.back() == ' ')) last.pop_back();
  if (auto nl = last.rfind('\n'); nl != std::string::npos) last = last.substr(nl + 1);
  if (last.empty() && exitCode == 127) last = "the command could not be run (exec failed)";
  return "exit status " + std::to_string(exitCode) + (last.empty() ? "" : ": " + last);
}

namespace {
constexpr const char *kParentVar = "RQC_SPAWNED_BY"; // the starting process's pid
} // namespace

void exitWithParent() {
  const char *parent = std::getenv(kParentVar);
  if (!parent) return;
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (std::to_string(getppid()) != parent) _exit(125); // the parent is already gone
}

std::string selfExecutable() {
  std::error_code ec;
  auto p = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) throw Error("cannot find this executable (/proc/self/exe): " + ec.message());
  return p.string();
}

ProcessResult runProcess(const std::vector<std::string> &argv, double timeoutS, const std::vector<std::string> &env,
                         const std::function<bool()> &cancelled) {
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  // Close-on-exec: a child started by another thread (parallel builds) must not inherit
  // this child's pipe ends, or each would wait for the other's end of file.
  int outPipe[2], errPipe[2];
  if (pipe2(outPipe, O_CLOEXEC) != 0) throw Error(std::string("pipe: ") + std::strerror(errno));
  if (pipe2(errPipe, O_CLOEXEC) != 0) {
    int err = errno;
    close(outPipe[0]);
    close(outPipe[1]);
    throw Error(std::string("pipe: ") + std::strerror(err));
  }

  std::map<std::string, std::string> vars;
  for (char **e = environ; *e; ++e) {
    std::string s(*e);
    auto eq = s.find('=');
    if (eq != std::string::npos) vars[s.substr(0, eq)] = s.substr(eq + 1);
  }
  vars[kParentVar] = std::to_string(getpid());
  for (const std::string &s : env) {
    auto eq = s.find('=');
    if (eq != std::string::npos) vars[s.substr(0, eq)] = s.substr(eq + 1);
  }
  std::vector<std::string> envStrings;
  for (auto &[k, v] : vars) envStrings.push_back(k + "=" + v);
  std::vector<char *> envp, args;
  for (auto &s : envStrings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> argCopy = argv;
  for (auto &s : argCopy) args.push_back(s.data());
  args.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, outPipe[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, errPipe[1], STDERR_FILENO);
  posix_spawn_file_actions_addclose(&actions, outPipe[0]);
  posix_spawn_file_actions_addclose(&actions, errPipe[0]);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  // Its own group (killed as one), with no signal blocked (rqc rpc-server blocks SIGINT
  // and SIGTERM in its threads to wait for them; a job must not inherit that).
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK);
  posix_spawnattr_setpgroup(&attr, 0);
  sigset_t noSignals;
  sigemptyset(&noSignals);
  posix_spawnattr_setsigmask(&attr, &noSignals);
  pid_t pid = 0;
  int rc = posix_spawn(&pid, args[0], &actions, &attr, args.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  close(outPipe[1]);
  close(errPipe[1]);
  if (rc != 0) {
    close(outPipe[0]);
    close(errPipe[0]);
    throw Error("cannot run " + argv[0] + ": " + std::strerror(rc));
  }

  ProcessResult r;
  const auto deadline = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(timeoutS));
  pollfd fds[2] = {{outPipe[0], POLLIN, 0}, {errPipe[0], POLLIN, 0}};
  int open = 2;
  char buf[4096];
  while (open > 0) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) {
      kill(-pid, SIGKILL);
      r.timedOut = true;
      break;
    }
    if (cancelled && cancelled()) {
      kill(-pid, SIGKILL);
      r.cancelled = true;
      break;
    }
    int n = poll(fds, 2, static_cast<int>(std::min<long long>(left, cancelled ? 200 : 1000)));
    if (n < 0 && errno != EINTR) break;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      ssize_t got = read(fds[i].fd, buf, sizeof buf);
      if (got > 0) {
        (i == 0 ? r.out : r.err).append(buf, static_cast<size_t>(got));
        if (r.err.size() > 8192) r.err.erase(0, r.err.size() - 4096);
      } else {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open;
      }
    }
  }
  for (auto &f : fds)
    if (f.fd >= 0) close(f.fd);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status)) r.exitCode = WEXITSTATUS(status);
  if (WIFSIGNALED(status) && !r.timedOut && !r.cancelled) r.signal = WTERMSIG(status);
  r.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return r;
}

} // namespace rqc::tools
