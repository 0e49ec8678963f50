// rqc tune MODEL.onnx -o LOG: AutoTVM's tuning loop for every tunable task of a model.
//
// Per task: the task as a program of its own (compiler/tune/TaskModule.h) with seeded
// inputs and the reference executor's outputs; then batches of configs from the tuner
// (autotune/Tuner.h), built in parallel child processes (`rqc compile TASK.mlir
// --tuning-records CANDIDATE.log`), measured one at a time in a child process (`rqc
// measure`: outputs checked first, then the task's kernel timed), each measurement
// appended to LOG and synced before the next one starts. A crashing, hanging or wrong
// candidate is a record with AutoTVM's error number and the tuner goes on. Rerunning on
// the same LOG (or --resume) continues: configs in LOG are not measured again, and they
// count towards --trials.
#include "autotune/CostModel.h"
#include "autotune/LogTools.h"
#include "autotune/Measure.h"
#include "autotune/Records.h"
#include "autotune/Report.h"
#include "runtime/farm/Farm.h"
#include "runtime/rpc/BoardClient.h"
#include "runtime/tools/Subprocess.h"
#include "autotune/Tuner.h"
#include "compiler/driver/Commands.h"
#include "compiler/driver/ProgressLine.h"
#include "compiler/driver/ModelLoading.h"
#include "compiler/driver/Pipeline.h"
#include "compiler/tune/LocalBuilder.h"
#include "compiler/tune/TaskModule.h"
#include "rqc/runtime/Error.h"
#include "rqc/runtime/Module.h"
#include "targets/opencl/OpenCLTarget.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <iostream>
#include <limits>
#include <map>
#include <set>
#include <sys/file.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace rqc::driver {

namespace {

struct TuneOptions {
  std::string model, log;
  CompileOptions compile;            // target, mcpu, mattr, input shapes
  std::string tuner = "xgb";
  int trials = 1000;                 // per task, counting records already in the log
  int earlyStopping = 0;             // stop a task after this many trials without a better config (0: never)
  int batch = 0;                     // configs per round (0: twice the build jobs, at least 8)
  std::string tasks;                 // "0,3,5" or "i/n"; not given: all
  bool tasksGiven = false;
  uint64_t seed = 0;
  bool resume = false;               // required when the log has records (so a typo cannot mix logs)
  autotune::RunSettings run;
  tune::BuildSettings build;
  std::string workDir;               // default: LOG.work
  bool keepWork = false;
  bool json = false;
  std::vector<std::string> transferLogs; // --transfer-from: other logs for the xgb tuner's warm start
  std::string device;                // --device opencl:N: the OpenCL device that measures (--target=mali)
  std::string runner = "local";      // "local" or "rpc://HOST:PORT?key=K"
};

// --runner: where candidates are measured.
struct RunnerSpec {
  bool rpc = false, broker = false;
  std::string address, key; // "HOST:PORT" and the server's key (rpc) or the boards' device key (broker)
  bool remote() const { return rpc || broker; }
};

RunnerSpec parseRunner(const std::string &text) {
  RunnerSpec spec;
  if (text == "local") return spec;
  const bool rpc = text.rfind("rpc://", 0) == 0, broker = text.rfind("broker://", 0) == 0;
  if (!rpc && !broker)
    throw Error("--runner '" + text + "': rqc tune measures with 'local', 'rpc://HOST:PORT?key=K' (an rqc "
                "rpc-server) or 'broker://HOST:PORT?key=K' (a farm's Redis broker)");
  const std::string scheme = rpc ? "rpc://" : "broker://";
  std::string rest = text.substr(scheme.size());
  auto q = rest.find('?');
  spec.rpc = rpc;
  spec.broker = broker;
  spec.address = rest.substr(0, q);
  if (q != std::string::npos) {
    std::string query = rest.substr(q + 1);
    if (query.rfind("key=", 0) != 0 || query.find('&') != std::string::npos)
      throw Error("--runner '" + text + "': the only parameter is key=K (" + scheme + "HOST:PORT?key=K)");
    spec.key = query.substr(4);
  }
  if (spec.key.empty())
    throw Error("--runner '" + text + "' needs " + (rpc ? "the server's key" : "the boards' device key") + ": " +
                scheme + "HOST:PORT?key=K");
  return spec;
}

struct TaskEntry {
  size_t index; // in the model's task list
  ScheduleSelection::Task task;
};

// "0,3,5" or "i/n" (every n-th task from i: shards of one model over n machines).
std::vector<size_t> pickTasks(const std::string &spec, bool given, size_t count) {
  std::vector<size_t> out;
  if (given && spec.empty()) throw Error("--tasks is empty: give task numbers (0,3,5) or a shard i/n");
  if (spec.empty()) {
    for (size_t i = 0; i < count; ++i) out.push_back(i);
    return out;
  }
  auto number = [&](const std::string &s) {
    size_t used = 0;
    long long v = -1;
    try {
      v = std::stoll(s, &used);
    } catch (const std::exception &) {
    }
    if (used != s.size() || v < 0) throw Error("--tasks: '" + spec + "' is not a list of task numbers or a shard i/n");
    return static_cast<size_t>(v);
  };
  if (auto slash = spec.find('/'); slash != std::string::npos) {
    size_t i = number(spec.substr(0, slash)), n = number(spec.substr(slash + 1));
    if (n == 0 || i >= n) throw Error("--tasks " + spec + ": a shard i/n needs 0 <= i < n");
    for (size_t t = i; t < count; t += n) out.push_back(t);
    return out;
  }
  std::set<size_t> seen;
  size_t start = 0;
  while (start <= spec.size()) {
    size_t comma = spec.find(',', start);
    std::string item = spec.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    size_t t = number(item);
    if (t >= count) throw Error("--tasks: task " + item + " does not exist (the model has " + std::to_string(count) + " tunable tasks, 0 to " + std::to_string(count - 1) + ")");
    if (seen.insert(t).second) out.push_back(t);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

// Holds an exclusive flock on the log itself for the run (created if missing): two tuners
// never append to one log. flock belongs to this descriptor, so appendRecord's own
// open/close does not release it; close-on-exec, so the children do not hold it.
class LogLock {
public:
  explicit LogLock(const std::string &log) {
    fd_ = open(log.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) throw Error("cannot write " + log + ": " + std::strerror(errno));
    if (flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      close(fd_);
      throw Error(log + " is being written by another rqc tune (it is locked); give each run its own -o LOG");
    }
  }
  ~LogLock() { close(fd_); }

private:
  int fd_ = -1;
};

double now() { return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count(); }

// One task's progress line: redrawn in place on a terminal, printed per batch otherwise.
class Progress {
public:
  Progress(std::string label, int64_t macs, int total) : label_(std::move(label)), macs_(macs), total_(total) {}
  void show(int done, int errors, double best, double current, bool last) {
    double elapsed = line_.elapsed();
    double eta = done > doneAtStart_ ? elapsed / (done - doneAtStart_) * (total_ - done) : NAN;
    line_.show(fmt::format("{} [{}/{}] best {} current {} errors {} elapsed {} eta {}", label_, done, total_,
                           rate(best), rate(current), errors, formatDuration(elapsed),
                           last ? "0s" : formatDuration(eta)),
               last);
  }
  void startedAt(int done) { doneAtStart_ = done; }

private:
  // GFLOP/s for convolutions and dense, time for pooling.
  std::string rate(double seconds) const {
    if (!std::isfinite(seconds)) return "-";
    if (macs_ > 0) return fmt::format("{:.1f} GFLOP/s", 2.0 * static_cast<double>(macs_) / seconds / 1e9);
    return fmt::format("{:.4f} ms", seconds * 1e3);
  }
  std::string label_;
  int64_t macs_;
  int total_, doneAtStart_ = 0;
  ProgressLine line_;
};

// The config of a record in this space, or nullopt (another version of the space).
std::optional<schedule::Config> configOf(const schedule::ConfigSpace &space, const autotune::TuningRecord &r) {
  std::string why;
  std::optional<schedule::Config> c = space.fromEntity(r.entity, &why);
  if (c && static_cast<int64_t>(c->index()) != r.index) return std::nullopt;
  return c;
}

autotune::MeasureResult asResult(const autotune::TuningRecord &r) {
  autotune::MeasureResult m;
  m.costs = r.costs;
  m.error = static_cast<autotune::MeasureError>(r.errorNo);
  m.allCost = r.allCost;
  m.timestamp = r.timestamp;
  return m;
}

// `previous`: this log's records (the task's own are resumed); `transfer`: records of
// other logs (--transfer-from), used like the log's records of other workloads.
nlohmann::json tuneTask(const TuneOptions &o, const TaskEntry &entry, size_t position, size_t count,
                        const ScheduleSelection &sel, const std::vector<autotune::TuningRecord> &previous,
                        const std::vector<autotune::TuningRecord> &transfer, mlir::MLIRContext &ctx) {
  const ScheduleSelection::Task &t = entry.task;
  const schedule::Template *tmpl = schedule::findTemplate(t.templateName);
  if (!tmpl) throw Error("no template " + t.templateName);
  const schedule::ConfigSpace space = tmpl->space(t.workload);
  const std::string argsKey = t.args.dump();
  // A VTA task (conv2d_packed.vta) is scheduled for the device, compiled for VTA with this
  // machine as its host, and measured on the simulator's cycle model (rqc measure reports
  // a simulated kernel's device time): records say so in their device.
  const bool onDevice = schedule::isVtaPacked(t.workload.layout) && !sel.deviceTarget.key.empty();
  const schedule::TargetDesc &targetDesc = onDevice ? sel.deviceTarget : sel.target;
  tune::BuildSettings build = o.build;
  if (onDevice) build.targetHost = "llvm";
  const std::string device = onDevice ? "rqc-vta-simulator/" + targetDesc.model : sel.device;
  const std::string label = fmt::format("[task {}/{}] {} {}", position + 1, count, t.templateName,
                                        autotune::describeArgs(t.args));

  // Resume: this task's records; transfer: other workloads of the template (xgb).
  std::unique_ptr<autotune::Tuner> tuner = autotune::makeTuner(o.tuner, space, o.seed + entry.index);
  // Configs the template refuses (a tile that does not divide the output, a register tile
  // past the register file) are never proposed: asking costs microseconds, a trial more.
  tuner->setFilter([&](const schedule::Config &c) {
    try {
      tmpl->schedule(t.workload, c, targetDesc);
      return true;
    } catch (const schedule::InvalidConfig &) {
      return false;
    }
  });
  std::vector<schedule::Config> doneConfigs;
  std::vector<autotune::MeasureResult> doneResults;
  std::map<std::string, std::vector<const autotune::TuningRecord *>> others;
  for (const autotune::TuningRecord &r : previous) {
    if (r.task != t.templateName) continue;
    if (r.args.dump() == argsKey && r.target == targetDesc.str) {
      if (std::optional<schedule::Config> c = configOf(space, r); c && !tuner->visited(c->index())) {
        tuner->markVisited(c->index());
        doneConfigs.push_back(*c);
        doneResults.push_back(asResult(r));
      }
    } else if (r.errorNo == 0) {
      others[r.args.dump()].push_back(&r);
    }
  }
  for (const autotune::TuningRecord &r : transfer)
    if (r.task == t.templateName && r.errorNo == 0 && !(r.args.dump() == argsKey && r.target == targetDesc.str))
      others[r.args.dump()].push_back(&r);
  { // scores per workload: throughput relative to that workload's best
    std::vector<std::vector<float>> features;
    std::vector<float> scores;
    for (auto &[key, recs] : others) {
      double best = 0;
      for (const auto *r : recs) best = std::max(best, 1.0 / r->meanCost());
      for (const auto *r : recs) {
        features.push_back(autotune::knobFeatures(r->entity));
        scores.push_back(best > 0 ? static_cast<float>(1.0 / r->meanCost() / best) : 0.f);
      }
    }
    if (!features.empty()) tuner->transfer(features, scores);
  }
  if (!doneConfigs.empty()) tuner->update(doneConfigs, doneResults);

  const int total = static_cast<int>(std::min<uint64_t>(static_cast<uint64_t>(o.trials), space.size()));
  int done = static_cast<int>(doneConfigs.size()), errors = 0, sinceBest = 0;
  double best = std::numeric_limits<double>::infinity();
  uint64_t bestIndex = 0;
  for (size_t k = 0; k < doneResults.size(); ++k) {
    errors += doneResults[k].error != autotune::MeasureError::NoError;
    if (doneResults[k].meanCost() < best) best = doneResults[k].meanCost(), bestIndex = doneConfigs[k].index(), sinceBest = 0;
    else ++sinceBest; // --early-stopping counts across a resume
  }
  Progress progress(label, t.macs, total);
  progress.startedAt(done);
  nlohmann::json summary = {{"task", entry.index}, {"template", t.templateName}, {"args", t.args},
                            {"space_size", space.size()}, {"ops", t.ops}, {"resumed_trials", done}};
  if (done >= total) {
    progress.show(done, errors, best, NAN, true);
  } else {
    const std::string dir = (o.workDir.empty() ? o.log + ".work" : o.workDir) + "/task" + std::to_string(entry.index);
    tune::TaskFiles files = tune::prepareTask(ctx, t.workload, dir, o.seed);
    tune::LocalBuilder builder(files, *tmpl, t.workload, targetDesc, targetDesc.str, build);
    const RunnerSpec runnerSpec = parseRunner(o.runner);
    std::unique_ptr<autotune::Runner> runnerOwner;
    if (runnerSpec.broker)
      runnerOwner = std::make_unique<autotune::BrokerRunner>(o.run, files.inputs, files.expected, tune::kTaskKernelName,
                                                             "redis://" + runnerSpec.address, runnerSpec.key);
    else if (runnerSpec.rpc)
      runnerOwner = std::make_unique<autotune::RpcRunner>(o.run, files.inputs, files.expected, tune::kTaskKernelName,
                                                          runnerSpec.address, runnerSpec.key);
    else
      runnerOwner = std::make_unique<autotune::LocalRunner>(o.run, files.inputs, files.expected, tune::kTaskKernelName,
                                                            o.build.executable);
    autotune::Runner &runner = *runnerOwner;
    const int batchSize = o.batch > 0 ? o.batch : std::max(8, 2 * o.build.jobs);
    // The template's fallback config is measured first, so that the log's best is never
    // slower than what rqc compile uses without the log (AutoTVM does not do this).
    std::optional<schedule::Config> fallback = tmpl->fallback(t.workload, space, targetDesc);
    if (tuner->visited(fallback->index())) fallback.reset();
    else tuner->markVisited(fallback->index());
    const double started = now();
    while (done < total && (o.earlyStopping <= 0 || sinceBest < o.earlyStopping)) {
      std::vector<schedule::Config> batch;
      if (fallback) batch.push_back(*fallback), fallback.reset();
      const int wanted = std::min(batchSize, total - done) - static_cast<int>(batch.size());
      if (wanted > 0)
        for (schedule::Config &c : tuner->next(wanted)) batch.push_back(std::move(c));
      if (batch.empty()) break;
      std::vector<autotune::BuildResult> built = builder.build(batch);
      std::vector<autotune::MeasureResult> results(batch.size());
      runner.runBatch(built, [&](size_t k, autotune::MeasureResult m) {
        autotune::TuningRecord rec;
        rec.target = targetDesc.str;
        rec.task = t.templateName;
        rec.args = t.args;
        rec.index = static_cast<int64_t>(batch[k].index());
        rec.entity = batch[k].entity();
        rec.costs = m.costs;
        rec.errorNo = static_cast<int>(m.error);
        rec.allCost = m.allCost;
        rec.timestamp = m.timestamp;
        rec.rqcVersion = RQC_VERSION;
        rec.spaceHash = space.hash();
        rec.device = device;
        rec.errorMsg = m.message.substr(0, 300);
        rec.tuner = o.tuner;
        autotune::appendRecord(o.log, rec); // durable before the next measurement
        ++done;
        if (m.error != autotune::MeasureError::NoError) ++errors;
        double cost = m.meanCost();
        if (cost < best) best = cost, bestIndex = batch[k].index(), sinceBest = 0;
        else ++sinceBest;
        progress.show(done, errors, best, cost, false);
        results[k] = std::move(m);
      });
      tuner->update(batch, results);
    }
    progress.show(done, errors, best, NAN, true);
    summary["seconds"] = now() - started;
    if (!o.keepWork) {
      std::error_code ec;
      fs::remove_all(dir, ec);
    }
  }
  summary["trials"] = done;
  summary["errors"] = errors;
  if (std::isfinite(best)) {
    summary["best_ms"] = best * 1e3;
    if (t.macs > 0) summary["best_gflops"] = 2.0 * static_cast<double>(t.macs) / best / 1e9;
    summary["best_config"] = space.get(bestIndex).str();
  }
  return summary;
}

void runTune(const TuneOptions &o) {
  if (o.trials < 1) throw Error("--trials must be at least 1, got " + std::to_string(o.trials));
  if (o.earlyStopping < 0 || o.batch < 0 || o.build.jobs < 1)
    throw Error("--early-stopping and --batch must not be negative, --build-jobs at least 1");
  if (o.run.number < 1 || o.run.repeat < 1 || o.run.threads < 1)
    throw Error("--number, --repeat and --threads must be at least 1");
  // Caught here, not as an error record per candidate (which --resume would never retry).
  auto positive = [](double v) { return std::isfinite(v) && v > 0; };
  if (!positive(o.run.timeoutS) || !positive(o.build.timeoutS))
    throw Error("--timeout and --build-timeout must be positive numbers of seconds");
  if (o.run.warmup < 0 || !std::isfinite(o.run.minRepeatMs) || o.run.minRepeatMs < 0 ||
      !std::isfinite(o.run.cooldownS) || o.run.cooldownS < 0)
    throw Error("--warmup, --min-repeat-ms and --cooldown must not be negative");
  const long cpus = sysconf(_SC_NPROCESSORS_CONF);
  for (int c : o.run.cpus)
    if (c < 0 || c >= cpus)
      throw Error("--cpus: CPU " + std::to_string(c) + " does not exist (this machine has 0 to " + std::to_string(cpus - 1) + ")");
  if (fs::is_directory(o.log)) throw Error("cannot write " + o.log + ": it is a directory");
  const RunnerSpec runnerSpec = parseRunner(o.runner);
  if (runnerSpec.remote() && !o.run.cpus.empty())
    throw Error("--cpus pins local measurements; with --runner " + o.runner + " the board measures");
  if (runnerSpec.remote() && !o.device.empty())
    throw Error("--device chooses a device of this machine; with --runner " + o.runner + " the board measures");
  // An OpenCL target is measured on an OpenCL device of this machine: without one every
  // candidate would fail, so say so once, before anything is compiled. The measuring
  // processes inherit the chosen device through RQC_OPENCL_DEVICE.
  if (opencl::isOpenCLTarget(o.compile.target) && !runnerSpec.remote()) {
    std::vector<std::string> devices = listOpenCLDevices();
    if (!o.device.empty()) {
      LoadOptions chosen = parseDeviceOption(o.device);
      if (chosen.openclDevice >= static_cast<int>(devices.size()))
        throw Error("--device " + o.device + " names no device (there are " + std::to_string(devices.size()) +
                    ", numbered from 0)");
      if (chosen.openclDevice >= 0) ::setenv("RQC_OPENCL_DEVICE", std::to_string(chosen.openclDevice).c_str(), 1);
    }
  } else if (!o.device.empty()) {
    throw Error("--device chooses the OpenCL device that measures --target=mali; '" + o.compile.target +
                "' is measured on this CPU");
  }
  if (!o.transferLogs.empty() && o.tuner != "xgb")
    std::cerr << "rqc: warning: --transfer-from is used by the xgb tuner only; " << o.tuner << " ignores it\n";
  if (std::none_of(autotune::tuners().begin(), autotune::tuners().end(), [&](const auto &t) { return t.name == o.tuner; }))
    autotune::makeTuner(o.tuner, schedule::ConfigSpace(), 0); // throws, naming the tuners
  mlir::MLIRContext ctx;
  auto module = loadModel(o.model, ctx, o.compile.inputShapes);
  std::unique_ptr<Target> target = targetOf(o.compile);
  ScheduleSelection sel;
  sel.target = scheduleTargetFor(*target, o.compile);
  sel.deviceTarget = target->deviceScheduleTarget();
  sel.device = target->deviceFingerprint();
  if (runnerSpec.rpc) {
    // The board measures: reach it (and check the key) before anything is compiled, and
    // name it in the records.
    rpc::InfoReply board = rpc::BoardClient(runnerSpec.address, runnerSpec.key).info();
    sel.device = "rpc/" + board.key() + "/" + board.host();
  }
  if (runnerSpec.broker) {
    // The same for a farm: some agent of the key must be alive.
    farm::FarmClient farm("redis://" + runnerSpec.address, runnerSpec.key);
    if (farm.liveAgents() == 0)
      throw Error("no agent of key '" + runnerSpec.key + "' is alive on broker redis://" + runnerSpec.address +
                  " (start one on each board: rqc agent --broker redis://" + runnerSpec.address + " --key " +
                  runnerSpec.key + ")");
    sel.device = "farm/" + runnerSpec.key;
  }
  runGraphPasses(*module, sel, target.get());

  // With an accelerator (--target=vta), its tasks: they are measured on its simulator here;
  // the host's kernels are tuned with rqc tune --target=<the host>, on the host.
  const bool deviceTasks = !sel.deviceTarget.key.empty();
  const std::string tunedFor = deviceTasks ? sel.deviceTarget.str : sel.target.str;
  std::vector<ScheduleSelection::Task> tunable;
  for (const auto &t : sel.tasks)
    if (tune::isTunable(t.workload) && t.spaceSize > 1) tunable.push_back(t);
  auto onDevice = [](const ScheduleSelection::Task &t) { return schedule::isVtaPacked(t.workload.layout); };
  if (std::none_of(tunable.begin(), tunable.end(), [&](const auto &t) { return onDevice(t) == deviceTasks; }))
    throw Error(o.model + " has no tunable task for " + tunedFor +
                (deviceTasks ? " (VTA takes int8 models with power-of-two scales: rqc quantize --power-of-two; "
                               "rqc compile --target=vta says why each convolution stays on the host)"
                             : ""));
  // Numbered as rqc inspect --tasks numbers them; with an accelerator, its tasks by default.
  std::vector<TaskEntry> picked;
  for (size_t i : pickTasks(o.tasks, o.tasksGiven, tunable.size())) {
    if (onDevice(tunable[i]) != deviceTasks) {
      if (!o.tasksGiven) continue;
      throw Error("--tasks: task " + std::to_string(i) + " (" + tunable[i].templateName +
                  ") runs on the host CPU; tune it with rqc tune --target=<the host>");
    }
    picked.push_back({i, tunable[i]});
  }
  if (picked.empty()) { // a shard i/n with i past the task count: nothing to do, nothing written
    std::cerr << fmt::format("rqc: shard {} of {} has no task ({} tunable tasks); nothing to tune\n", o.tasks, o.model,
                             tunable.size());
    return;
  }

  // The log: locked for this run, read for resuming (a truncated last line from a killed
  // run is reported and dropped; the next record starts on a fresh line).
  fs::path logPath(o.log);
  if (logPath.has_parent_path() && !fs::is_directory(logPath.parent_path()))
    throw Error("cannot write " + o.log + ": directory " + logPath.parent_path().string() + " does not exist");
  // Other logs first: a bad --transfer-from must not leave a new empty log behind.
  std::vector<autotune::TuningRecord> transfer;
  for (const std::string &path : o.transferLogs) {
    autotune::RecordLog log = autotune::readRecords(path);
    if (log.records.empty() && !log.skipped.empty())
      throw Error("--transfer-from " + path + " is not a tuning log (no line of it is a record)");
    for (const auto &s : log.skipped) std::cerr << "rqc: warning: " << s.origin << ": " << s.reason << "; skipped\n";
    transfer.insert(transfer.end(), log.records.begin(), log.records.end());
  }
  const bool existed = fs::exists(o.log);
  std::vector<autotune::TuningRecord> previous;
  if (existed) {
    autotune::RecordLog log = autotune::readRecords(o.log);
    // A mistyped -o (the model, a text file) must never be appended to.
    if (log.records.empty() && !log.skipped.empty())
      throw Error(o.log + " is not a tuning log (no line of it is a record); choose another -o");
    if (!log.records.empty() && !o.resume)
      throw Error(o.log + " already holds " + std::to_string(log.records.size()) +
                  " records; add --resume to continue tuning into it, or choose another -o");
    for (const auto &s : log.skipped) std::cerr << "rqc: warning: " << s.origin << ": " << s.reason << "; skipped\n";
    previous = std::move(log.records);
  }
  LogLock lock(o.log); // creates it
  if (existed && autotune::readRecords(o.log).records.size() != previous.size())
    throw Error(o.log + " changed while it was read (another rqc tune?); try again");

  std::cerr << fmt::format("tuning {} task(s) of {} for {} with {} ({} trials each, log {})\n", picked.size(),
                           o.model, tunedFor, o.tuner, o.trials, o.log);
  nlohmann::json tasks = nlohmann::json::array();
  for (size_t k = 0; k < picked.size(); ++k) tasks.push_back(tuneTask(o, picked[k], k, picked.size(), sel, previous, transfer, ctx));
  if (!o.keepWork) {
    std::error_code ec;
    fs::remove(o.workDir.empty() ? o.log + ".work" : o.workDir, ec);
  }
  if (o.json) {
    std::cout << nlohmann::json{{"model", o.model}, {"target", tunedFor}, {"tuner", o.tuner}, {"log", o.log},
                                {"tasks", tasks}}
                     .dump(2)
              << "\n";
    return;
  }
  std::cout << fmt::format("{:>4}  {:<30} {:>7} {:>6} {:>12}  {}\n", "task", "template", "trials", "errors", "best",
                           "config");
  for (const auto &t : tasks) {
    std::string best = t.contains("best_gflops") ? fmt::format("{:.1f} GFLOP/s", t["best_gflops"].get<double>())
                       : t.contains("best_ms")   ? fmt::format("{:.4f} ms", t["best_ms"].get<double>())
                                                 : "-";
    std::cout << fmt::format("{:>4}  {:<30} {:>7} {:>6} {:>12}  {}\n", t["task"].get<size_t>(),
                             t["template"].get<std::string>(), t["trials"].get<int>(), t["errors"].get<int>(), best,
                             t.value("best_config", std::string("-")));
  }
  // The compile that meets these records: same target and the same integer-kernel choice.
  std::string same;
  if (o.compile.target != "llvm") same += " --target '" + o.compile.target + "'";
  if (!o.compile.mcpu.empty()) same += " --mcpu " + o.compile.mcpu;
  if (!o.compile.mattr.empty()) same += " --mattr " + o.compile.mattr;
  if (o.compile.int8Kernels != "auto") same += " --int8-kernels " + o.compile.int8Kernels;
  std::cout << "records in " << o.log << "; use them with: rqc compile " << o.model << same << " --tuning-records "
            << o.log << "\n";
}

// rqc tune report LOG... -o DIR
void registerTuneReport(CLI::App &tune) {
  struct ReportOptions {
    std::vector<std::string> logs;
    std::string dir;
  };
  auto o = std::make_shared<ReportOptions>();
  CLI::App *cmd = tune.add_subcommand(
      "report", "Tuning curves (best GFLOP/s against trials, per task and tuner) as SVG plots and an HTML table");
  cmd->add_option("logs", o->logs, "Tuning logs (one per tuner, or logs whose records name their tuner)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("-o,--output", o->dir, "Directory for index.html and the task<N>.svg plots")->required();
  cmd->callback([o] {
    std::vector<std::string> warnings;
    std::vector<autotune::TuningCurve> curves = autotune::writeTuningReport(o->logs, o->dir, &warnings);
    for (const std::string &w : warnings) std::cerr << "rqc: warning: " << w << "\n";
    std::cout << fmt::format("{} curves written to {}/index.html\n", curves.size(), o->dir);
  });
}

} // namespace

void registerTuneCommand(CLI::App &app) {
  auto o = std::make_shared<TuneOptions>();
  CLI::App *cmd = app.add_subcommand("tune", "Tune the model's kernels (AutoTVM-style) into a tuning log");
  // Not ->required(): `rqc tune report` has neither (checked in the callback instead).
  cmd->add_option("model", o->model, "Model file (.onnx, or a graph-dialect .mlir module)");
  cmd->add_option("-o,--output", o->log, "Tuning log to append the records to (AutoTVM format)");
  cmd->add_option("--target", o->compile.target, "Target, as for rqc compile")->default_val("llvm");
  cmd->add_option("--target-host", o->compile.targetHost,
                  "The host CPU of --target=vta, as for rqc compile (its tasks are numbered with the host's; VTA tasks "
                  "are measured on the simulator here whatever the host)");
  cmd->add_option("--mcpu", o->compile.mcpu, "LLVM CPU name, as for rqc compile");
  cmd->add_option("--mattr", o->compile.mattr, "LLVM target features, as for rqc compile");
  cmd->add_option("--input-shape", o->compile.inputShapes, "Static shape of an input, NAME=1x3x224x224 (repeatable)");
  cmd->add_option("--int8-kernels", o->compile.int8Kernels,
                  "QDQ convolutions as integer kernels, as for rqc compile (the tasks follow): auto, on, off")
      ->check(CLI::IsMember({"auto", "on", "off"}))
      ->default_val("auto");
  std::string tunerNames;
  for (const auto &t : autotune::tuners()) tunerNames += (tunerNames.empty() ? "" : ", ") + t.name;
  cmd->add_option("--tuner", o->tuner, "Tuner: " + tunerNames)->default_val(o->tuner);
  cmd->add_option("--trials", o->trials, "Measured configs per task, counting those already in the log")
      ->default_val(o->trials);
  cmd->add_option("--early-stopping", o->earlyStopping, "Stop a task after this many trials without a faster config (0: never)")
      ->default_val(0);
  CLI::Option *tasksOption = cmd->add_option("--tasks", o->tasks, "Tasks to tune: a list like 0,3,5 or a shard i/n (rqc inspect --tasks numbers them among the tunable ones)");
  cmd->add_option("--seed", o->seed, "Seed of the tuner and of the task's inputs")->default_val(0);
  cmd->add_flag("--resume", o->resume, "Continue into a log that already has records (configs in it are not measured again)");
  cmd->add_option("--batch", o->batch, "Configs built and measured per round (0: max(8, 2 x build jobs))")->default_val(0);
  cmd->add_option("--build-jobs", o->build.jobs, "Candidates compiled at a time")->default_val(2);
  cmd->add_option("--build-timeout", o->build.timeoutS, "Seconds allowed to compile one candidate")->default_val(60);
  cmd->add_option("--number", o->run.number, "Runs per measurement (AutoTVM's number)")->default_val(1);
  cmd->add_option("--repeat", o->run.repeat, "Measurements per candidate (AutoTVM's repeat)")->default_val(3);
  cmd->add_option("--min-repeat-ms", o->run.minRepeatMs, "Shortest measurement in ms (raises --number)")->default_val(50);
  cmd->add_option("--warmup", o->run.warmup, "Untimed runs before measuring")->default_val(1);
  cmd->add_option("--timeout", o->run.timeoutS, "Seconds allowed to check and measure one candidate")->default_val(20);
  cmd->add_option("--cooldown", o->run.cooldownS, "Seconds to pause after each measurement")->default_val(0);
  cmd->add_flag("--flush-cache,!--no-flush-cache", o->run.flushCache,
                "Evict each candidate's weights from the caches before every timed call, as a network's earlier "
                "kernels do (AutoTVM's enable_cpu_cache_flush; default on)");
  cmd->add_option("--threads", o->run.threads, "Threads of the measured kernels")->default_val(1);
  cmd->add_option("--cpus", o->run.cpus, "Pin measurements to these CPUs (taskset), e.g. --cpus 1")->delimiter(',');
  cmd->add_option("--work-dir", o->workDir, "Directory for candidates (default: LOG.work, removed at the end)");
  cmd->add_flag("--keep-work", o->keepWork, "Keep the candidates' directory");
  cmd->add_option("--transfer-from", o->transferLogs, "Other logs whose records warm-start the xgb tuner (repeatable)")
      ->check(CLI::ExistingFile);
  cmd->add_flag("--json", o->json, "Print the summary as one JSON document");
  cmd->add_option("--runner", o->runner, "Where candidates are measured: local, rpc://HOST:PORT?key=K (an rqc rpc-server), or "
                  "broker://HOST:PORT?key=K (every rqc agent of device key K on that Redis broker)")
      ->default_val(o->runner);
  cmd->add_option("--device", o->device, "With --target=mali: the OpenCL device that measures, opencl:N (the N-th in "
                                         "clinfo -l's order; default: RQC_OPENCL_DEVICE, else the first GPU, else the first device)");
  registerTuneReport(*cmd);
  cmd->callback([o, cmd, tasksOption] {
    if (cmd->got_subcommand("report")) {
      if (!o->model.empty() || !o->log.empty())
        throw Error("rqc tune report takes logs and -o DIR after 'report' (rqc tune report LOG... -o DIR)");
      return;
    }
    o->tasksGiven = tasksOption->count() > 0;
    if (o->model.empty()) throw Error("rqc tune needs a model (see rqc tune --help)");
    if (o->log.empty()) throw Error("rqc tune needs -o LOG, the tuning log to write (see rqc tune --help)");
    o->build.target = o->compile.target;
    o->build.mcpu = o->compile.mcpu;
    o->build.mattr = o->compile.mattr;
    o->build.executable = tools::selfExecutable();
    runTune(*o);
  });
}

} // namespace rqc::driver
