#include "runtime/rpc/RemoteCommands.h"

#include "runtime/rpc/BoardClient.h"
#include "runtime/rpc/BoardServer.h"
#include "runtime/tools/Files.h"
#include "runtime/tools/SplitPackage.h"

#include "rqc/runtime/Executor.h"
#include "rqc/runtime/Module.h"
#include "rqc/runtime/Npy.h"

#include "rqc/runtime/AtomicFile.h"
#include "rqc/runtime/Error.h"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <fstream>
#include <functional>
#include <thread>
#include <unistd.h>
#include <iostream>
#include <memory>
#include <sstream>

namespace rqc::rpc {

namespace {

std::string readInputs(const std::string &path) {
  return path.empty() ? "" : tools::readFileBytes(path, "the inputs");
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

namespace {

std::vector<std::string> addressList(const std::string &remote) {
  std::vector<std::string> out;
  std::istringstream in(remote);
  for (std::string a; std::getline(in, a, ',');) out.push_back(a);
  return out;
}

// One server per part of `split`, from --remote H1:P1,H2:P2.
std::vector<std::string> partAddresses(const std::string &remote, const tools::SplitPackage &split,
                                       const std::string &package) {
  std::vector<std::string> addresses = addressList(remote);
  if (addresses.size() != split.parts.size())
    throw Error("--remote names " + std::to_string(addresses.size()) + " server(s) and " + package + " has " +
                std::to_string(split.parts.size()) + " parts: give one HOST:PORT per part, comma-separated");
  return addresses;
}

// "latency: 1.23 ms ..." of a board's run report, or -1.
double reportedLatencyMs(const std::string &report) {
  auto at = report.find("latency: ");
  return at == std::string::npos ? -1 : std::atof(report.c_str() + at + 9);
}

// Runs `work(i)` for i < n on n threads; the first exception is rethrown.
void inParallel(size_t n, const std::function<void(size_t)> &work) {
  std::vector<std::exception_ptr> errors(n);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < n; ++i)
    threads.emplace_back([&, i] {
      try {
        work(i);
      } catch (...) {
        errors[i] = std::current_exception();
      }
    });
  for (auto &t : threads) t.join();
  for (auto &e : errors)
    if (e) std::rethrow_exception(e);
}

// A split package (runtime/tools/SplitPackage.h): part i on board i, all at once, then
// the head here.
void runSplitRemotely(const tools::RunPackageOptions &o) {
  tools::SplitPackage split = tools::readSplitPackage(o.package);
  std::vector<std::string> addresses = partAddresses(o.remote, split, o.package);
  const size_t n = split.parts.size();
  // The head runs here: refused here before anything is uploaded.
  auto head = Module::loadFromBytes(split.head, o.package + ": head");
  Executor headExec(head, ExecutorOptions{o.threads});
  const std::string inputs = readInputs(o.inputs);
  std::vector<std::unique_ptr<BoardClient>> boards;
  for (const std::string &a : addresses) boards.push_back(std::make_unique<BoardClient>(a, o.key));
  std::vector<std::string> shas(n);
  inParallel(n, [&](size_t i) { shas[i] = boards[i]->uploadBytes(split.parts[i], o.package + " (" + split.partOutputs[i] + ")"); });

  std::vector<JobResult> results(n);
  auto start = std::chrono::steady_clock::now();
  inParallel(n, [&](size_t i) {
    Job job;
    job.set_package_sha256(shas[i]);
    job.set_timeout_s(kDefaultRemoteJobSeconds);
    job.set_threads(o.threads);
    RunJob *run = job.mutable_run();
    run->set_inputs_npz(inputs);
    run->set_seed(o.seed);
    run->set_want_outputs(true);
    results[i] = boards[i]->runJob(job);
    const JobResult &r = results[i];
    if (r.timed_out() || r.signal() != 0 || r.exit_code() != 0)
      throw Error(split.partOutputs[i] + " of " + o.package + " on rpc server " + addresses[i] + " failed: " + r.summary());
  });
  const double partsMs = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  for (size_t i = 0; i < n; ++i) {
    char tmpl[] = "/tmp/rqc-part-XXXXXX";
    int fd = mkstemp(tmpl);
    if (fd < 0) throw Error("cannot create a temporary file for a part's outputs");
    ::close(fd);
    writeFileAtomically(tmpl, results[i].outputs_npz());
    NamedTensors outs = loadNpz(tmpl);
    std::remove(tmpl);
    auto it = std::find_if(outs.begin(), outs.end(), [&](const auto &t) { return t.first == split.partOutputs[i]; });
    if (it == outs.end()) throw Error(addresses[i] + " returned no '" + split.partOutputs[i] + "'");
    headExec.setInput(split.partOutputs[i], it->second);
  }
  auto headStart = std::chrono::steady_clock::now();
  headExec.run();
  const double headMs = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - headStart).count();
  const double totalMs = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();

  NamedTensors outputs;
  for (size_t i = 0; i < headExec.numOutputs(); ++i) outputs.emplace_back(head->outputs()[i].name, headExec.getOutput(i));
  for (const auto &[name, t] : outputs) tools::printTop5(std::cout, name, t);
  char line[256];
  std::cout << "split network: " << n << " parts on " << n << " rpc servers in parallel, the head here\n";
  for (size_t i = 0; i < n; ++i) {
    std::snprintf(line, sizeof line, "  %s on %s: %.2f ms run (the board's job: %.1f ms with loading the part)\n",
                  split.partOutputs[i].c_str(), addresses[i].c_str(), reportedLatencyMs(results[i].stdout_text()),
                  results[i].seconds() * 1e3);
    std::cout << line;
  }
  std::snprintf(line, sizeof line, "  head here: %.2f ms\nlatency: %.1f ms end to end (parts in parallel %.1f ms, "
                "including the network and each board loading its part; head %.2f ms)\n", headMs, totalMs, partsMs, headMs);
  std::cout << line;
  if (!o.outputs.empty()) {
    saveNpz(o.outputs, outputs);
    std::cout << "outputs written to " << o.outputs << "\n";
  }
}

// rqc bench --remote on a split package: each board benchmarks its part (in parallel),
// the head is benchmarked here; the end-to-end figure is the slowest part's p50 plus the
// head's, without the network (a steady-state pipeline estimate, printed as such).
void benchSplitRemotely(const tools::BenchPackageOptions &o) {
  if (o.profile) throw Error("--profile times the kernels of one package; profile a split package's parts one by one");
  tools::SplitPackage split = tools::readSplitPackage(o.package);
  std::vector<std::string> addresses = partAddresses(o.remote, split, o.package);
  const size_t n = split.parts.size();
  const std::string inputs = readInputs(o.inputs);
  std::vector<nlohmann::json> reports(n);
  inParallel(n, [&](size_t i) {
    BoardClient board(addresses[i], o.key);
    Job job;
    job.set_package_sha256(board.uploadBytes(split.parts[i], o.package + " (" + split.partOutputs[i] + ")"));
    job.set_timeout_s(kDefaultRemoteJobSeconds);
    job.set_threads(o.threads);
    BenchJob *bench = job.mutable_bench();
    bench->set_inputs_npz(inputs);
    bench->set_seed(o.seed);
    bench->set_repeat(o.repeat);
    bench->set_warmup(o.warmup);
    bench->set_json(true);
    JobResult r = board.runJob(job);
    if (r.timed_out() || r.signal() != 0 || r.exit_code() != 0)
      throw Error(split.partOutputs[i] + " of " + o.package + " on rpc server " + addresses[i] + " failed: " + r.summary());
    reports[i] = nlohmann::json::parse(r.stdout_text(), nullptr, false);
    if (!reports[i].is_object()) throw Error(addresses[i] + ": the board's benchmark report is unreadable");
  });
  auto head = Module::loadFromBytes(split.head, o.package + ": head");
  Executor exec(head, ExecutorOptions{o.threads});
  for (const TensorSpec &in : head->inputs()) {
    Tensor zeros(in.dtype, in.shape);
    std::memset(const_cast<void *>(zeros.raw()), 0, zeros.nbytes());
    exec.setInput(in.name, zeros);
  }
  for (int i = 0; i < o.warmup; ++i) exec.run();
  std::vector<double> headMs;
  for (int i = 0; i < o.repeat; ++i) {
    auto start = std::chrono::steady_clock::now();
    exec.run();
    headMs.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
  }
  const double headP50 = tools::summarizeLatencies(headMs).p50;
  double slowest = 0;
  nlohmann::json parts = nlohmann::json::array();
  for (size_t i = 0; i < n; ++i) {
    const double p50 = reports[i]["latency_ms"].value("p50", 0.0);
    slowest = std::max(slowest, p50);
    parts.push_back({{"part", split.partOutputs[i]}, {"server", addresses[i]}, {"p50_ms", p50}});
  }
  if (o.json) {
    std::cout << nlohmann::json{{"package", o.package}, {"parts", parts}, {"head_p50_ms", headP50},
                                {"pipeline_estimate_ms", slowest + headP50}}.dump(2) << "\n";
    return;
  }
  char line[256];
  std::cout << "package:    " << o.package << " (split network: " << n << " parts on " << n << " rpc servers, the head here)\n";
  for (const auto &p : parts) {
    std::snprintf(line, sizeof line, "  %s on %s: p50 %.3f ms over %d runs\n", p["part"].get<std::string>().c_str(),
                  p["server"].get<std::string>().c_str(), p["p50_ms"].get<double>(), o.repeat);
    std::cout << line;
  }
  std::snprintf(line, sizeof line, "  head here: p50 %.3f ms\nlatency:    %.3f ms estimated end to end (slowest part + head; "
                "the network not included: rqc run --remote measures one run with it)\n", headP50, slowest + headP50);
  std::cout << line;
}

} // namespace

void runPackageRemotely(const tools::RunPackageOptions &o) {
  checkRemoteOptions(o.remote, o.key);
  if (tools::isSplitPackage(o.package)) return runSplitRemotely(o);
  if (o.remote.find(',') != std::string::npos)
    throw Error("--remote names several servers; that runs a split package (rqc compile --split=N), and " + o.package +
                " is not one");
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
  if (tools::isSplitPackage(o.package)) return benchSplitRemotely(o);
  if (o.remote.find(',') != std::string::npos)
    throw Error("--remote names several servers; that runs a split package, and rqc bench takes one");
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
