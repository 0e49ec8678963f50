#include "runtime/rpc/RemoteCommands.h"

#include "runtime/rpc/BoardClient.h"
#include "runtime/rpc/BoardServer.h"

#include "rqc/runtime/AtomicFile.h"
#include "rqc/runtime/Error.h"

#include <CLI/CLI.hpp>

#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

namespace rqc::rpc {

namespace {

std::string readInputs(const std::string &path) {
  if (path.empty()) return "";
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path + ": cannot read the inputs");
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// The board's report as if it had run here: its store path of the package replaced by the
// package's name, and without the line that names its private job directory.
std::string boardReport(const std::string &text, const std::string &sha, const std::string &package) {
  std::istringstream in(text);
  std::string line, out;
  while (std::getline(in, line)) {
    if (line.rfind("outputs written to ", 0) == 0) continue;
    if (auto at = line.find(sha + ".rqc"); at != std::string::npos) {
      size_t start = line.find_last_of(" \"", at);
      start = start == std::string::npos ? 0 : start + 1;
      line.replace(start, at + sha.size() + 4 - start, package);
    }
    out += line + "\n";
  }
  return out;
}

JobResult runOnBoard(BoardClient &board, const std::string &package, Job &job, const std::string &what) {
  job.set_package_sha256(board.upload(package));
  job.set_timeout_s(kDefaultRemoteJobSeconds);
  JobResult r = board.runJob(job);
  if (r.timed_out() || r.signal() != 0 || r.exit_code() != 0)
    throw Error(what + " of " + package + " on rpc server " + board.address() + " failed: " + r.summary());
  return r;
}

} // namespace

void checkRemoteOptions(const std::string &remote, const std::string &key) {
  if (remote.empty() && !key.empty()) throw Error("--key goes with --remote HOST:PORT");
  if (!remote.empty() && key.empty()) throw Error("--remote " + remote + " needs the server's key: --key K");
}

void runPackageRemotely(const tools::RunPackageOptions &o) {
  checkRemoteOptions(o.remote, o.key);
  BoardClient board(o.remote, o.key);
  Job job;
  RunJob *run = job.mutable_run();
  run->set_inputs_npz(readInputs(o.inputs));
  run->set_seed(o.seed);
  run->set_want_outputs(!o.outputs.empty());
  job.set_threads(o.threads);
  job.set_device(o.device);
  JobResult r = runOnBoard(board, o.package, job, "the run");
  std::cout << boardReport(r.stdout_text(), job.package_sha256(), o.package) << "ran on rpc server " << board.address() << "\n";
  if (!o.outputs.empty()) {
    writeFileAtomically(o.outputs, r.outputs_npz());
    std::cout << "outputs written to " << o.outputs << "\n";
  }
}

void benchPackageRemotely(const tools::BenchPackageOptions &o) {
  checkRemoteOptions(o.remote, o.key);
  BoardClient board(o.remote, o.key);
  Job job;
  BenchJob *bench = job.mutable_bench();
  bench->set_inputs_npz(readInputs(o.inputs));
  bench->set_seed(o.seed);
  bench->set_repeat(o.repeat);
  bench->set_warmup(o.warmup);
  bench->set_json(o.json);
  bench->set_profile(o.profile);
  job.set_threads(o.threads);
  job.set_device(o.device);
  JobResult r = runOnBoard(board, o.package, job, "the benchmark");
  std::cout << boardReport(r.stdout_text(), job.package_sha256(), o.package);
  if (!o.json) std::cout << "measured on rpc server " << board.address() << "\n";
}

void registerRpcServerCommand(CLI::App &app) {
  auto o = std::make_shared<BoardServerOptions>();
  auto maxUploadMb = std::make_shared<double>(static_cast<double>(o->maxUploadBytes >> 20));
  CLI::App *cmd = app.add_subcommand(
      "rpc-server", "Serve this board to rqc run|bench --remote and rqc tune --runner=rpc:// (gRPC; jobs in child processes)");
  cmd->add_option("--host", o->host, "Address to listen on (loopback by default; the key travels in clear)")
      ->default_val(o->host);
  cmd->add_option("--port", o->port, "TCP port (0: any free port, printed)")->default_val(o->port);
  cmd->add_option("--key", o->key, "Device key, also the shared secret every call must carry")->required();
  cmd->add_option("--store", o->store, "Package store (default: $RQC_CACHE_DIR/rpc-store or ~/.cache/rqc/rpc-store)");
  cmd->add_option("--max-upload-mb", *maxUploadMb, "Largest package accepted, MiB")->default_val(*maxUploadMb);
  cmd->add_option("--max-job-seconds", o->maxJobSeconds, "Longest a job may run before its child is killed")
      ->default_val(o->maxJobSeconds);
  auto launcher = std::make_shared<std::string>();
  cmd->add_option("--launcher", *launcher,
                  "Command put before each job, e.g. 'taskset -c 4' (a big core), or 'qemu-aarch64 -L "
                  "/usr/aarch64-linux-gnu' for an emulated board");
  cmd->callback([o, maxUploadMb, launcher] {
    if (!(*maxUploadMb > 0)) throw Error("--max-upload-mb must be positive");
    std::istringstream words(*launcher);
    for (std::string w; words >> w;) o->launcher.push_back(w);
    o->maxUploadBytes = static_cast<uint64_t>(*maxUploadMb * (1 << 20));
    serveBoard(*o);
  });
}

} // namespace rqc::rpc
