// rqc experiment SPEC -o RESULTS_DIR: a ReQuEST-style sweep (compiler/experiment/Spec.h).
// Every point runs rqc's own commands as child processes (rqc quantize for int8, rqc
// compile, rqc validate, rqc bench), so a point that crashes or hangs is reported and the
// sweep goes on, and each record lists the exact commands that reproduce it. Records are
// written atomically as points finish; a rerun skips the recorded ones (resume).
// rqc experiment report RESULTS_DIR -o DIR: compiler/experiment/Report.h.
#include "runtime/tools/Subprocess.h"
#include "compiler/driver/Commands.h"
#include "compiler/driver/ProgressLine.h"
#include "compiler/experiment/Report.h"
#include "compiler/experiment/Results.h"
#include "compiler/experiment/Spec.h"
#include "compiler/frontend/onnx/OnnxImporter.h"
#include "compiler/quantize/QdqQuantizer.h"

#include "rqc/runtime/AtomicFile.h"
#include "rqc/runtime/Checksum.h"
#include "rqc/runtime/Error.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <onnx/onnx_pb.h>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

namespace rqc::driver {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// Seconds a step may take before its child is killed and the point fails.
constexpr double kQuantizeTimeoutS = 3600, kCompileTimeoutS = 3600, kValidateTimeoutS = 7200, kBenchTimeoutS = 1800;

std::string quoted(const std::vector<std::string> &argv) {
  std::string s;
  for (const std::string &a : argv) {
    bool plain = !a.empty() && a.find_first_of(" \t'\"\\$;&|<>()*?") == std::string::npos;
    s += (s.empty() ? "" : " ") + (plain ? a : "'" + a + "'");
  }
  return s;
}

json deviceFingerprint() {
  json d{{"cpu", ""}, {"cores", std::thread::hardware_concurrency()}, {"features", json::array()}};
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  static const std::set<std::string> wanted = {"sse4_2", "avx", "avx2", "fma", "avx512f", "avx512bw", "avx512_vnni",
                                               "avx512vl", "avx512_fp16", "avx_vnni", "amx_bf16", "amx_int8",
                                               "neon", "asimd", "asimddp", "i8mm"};
  std::set<std::string> features;
  while (std::getline(in, line)) {
    auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string key = line.substr(0, line.find_last_not_of(" \t", colon - 1) + 1), value = line.substr(colon + 1);
    if (!value.empty() && value[0] == ' ') value.erase(0, 1);
    if ((key == "model name" || key == "Model") && d["cpu"] == "") d["cpu"] = value;
    if (key == "flags" || key == "Features") {
      std::istringstream words(value);
      for (std::string w; words >> w;)
        if (wanted.count(w)) features.insert(w);
    }
  }
  for (const auto &f : features) d["features"].push_back(f);
  return d;
}

std::string utcNow() {
  std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buf;
}

// A short digest of a file's bytes (models, tuning logs), memoised: a record and the work
// files are keyed by what was measured, not by names that may now point at other bytes.
std::string fileDigest(const std::string &path) {
  static std::map<std::string, std::string> memo;
  auto it = memo.find(path);
  if (it != memo.end()) return it->second;
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path + ": cannot read file");
  std::string bytes((std::istreambuf_iterator<char>(in)), {});
  return memo[path] = sha256Checksum(bytes).substr(7, 16);
}

// Everything besides rqc itself that decides a point's result. A record whose settings
// differ (the SPEC or a model file changed) is measured again on a rerun.
json pointSettings(const experiment::ExperimentSpec &spec, const experiment::Point &p, bool quantizes) {
  json s{{"model_sha256", fileDigest(p.model->path)}, {"target", p.target}, {"dtype", p.dtype},
         {"threads", p.threads}, {"dataset", spec.dataset}, {"images", spec.images}, {"repeat", spec.repeat},
         {"tuning_records", json::array()}};
  for (const std::string &log : spec.tuningRecords) s["tuning_records"].push_back(fileDigest(log));
  if (quantizes)
    s["quantize"] = {{"calibration", spec.calibration}, {"limit", spec.calibrationLimit}, {"method", spec.calibrateMethod}};
  // Only when set: records made before the key existed keep matching.
  if (p.dtype == "int8" && spec.int8Kernels != "auto") s["int8_kernels"] = spec.int8Kernels;
  return s;
}

// The part of the settings a work file (quantized model, package) depends on, as a short key.
std::string workKey(const json &settings, std::initializer_list<const char *> keys) {
  json part = json::object();
  for (const char *k : keys)
    if (settings.contains(k)) part[k] = settings[k];
  return sha256Checksum(part.dump()).substr(7, 12);
}

// One step of a point: the child's stdout, or an Error naming the step and how it failed.
std::string runStep(const std::vector<std::string> &argv, double timeoutS, const std::string &what,
                    json &commands) {
  commands.push_back(quoted(argv));
  tools::ProcessResult r = tools::runProcess(argv, timeoutS);
  if (!r.ok()) throw Error(what + ": " + r.describe());
  return r.out;
}

json parseJson(const std::string &text, const std::string &what) {
  try {
    return json::parse(text);
  } catch (const json::exception &e) {
    throw Error(what + " printed no JSON: " + e.what());
  }
}

// Runs one point; returns its record. `step` names what is running, for the progress line.
json runPoint(const experiment::ExperimentSpec &spec, const experiment::Point &p, const fs::path &dir,
              const json &settings, const std::function<void(const std::string &)> &step) {
  const std::string rqc = tools::selfExecutable();
  json commands = json::array();
  std::string model = p.model->path;
  if (settings.contains("quantize")) {
    // One quantized model per model, shared by the targets and thread counts; the sidecar
    // keeps its command for the records of the points that reuse it.
    const std::string qName = p.model->key + ".int8." + workKey(settings, {"model_sha256", "quantize"});
    fs::path q = dir / "work" / (qName + ".onnx"), quantizeInfo = dir / "work" / (qName + ".json");
    if (!fs::exists(q) || !fs::exists(quantizeInfo)) {
      step("quantizing");
      std::vector<std::string> argv{rqc, "quantize", model, "--calibration", spec.calibration, "--calibrate-method",
                                    spec.calibrateMethod, "-o", q.string()};
      if (spec.calibrationLimit > 0) argv.insert(argv.end(), {"--calibration-limit", std::to_string(spec.calibrationLimit)});
      runStep(argv, kQuantizeTimeoutS, "rqc quantize", commands);
      writeFileAtomically(quantizeInfo.string(), json{{"command", commands.back()}}.dump());
    } else {
      std::ifstream in(quantizeInfo);
      commands.push_back(parseJson(std::string(std::istreambuf_iterator<char>(in), {}), quantizeInfo.string())
                             .value("command", ""));
    }
    model = q.string();
  }
  // One package per model, target and dtype, shared by the thread counts.
  const std::string packageName =
      experiment::safeName(p.model->key + "-" + p.target + "-" + p.dtype) + "." +
      workKey(settings, {"model_sha256", "target", "dtype", "quantize", "tuning_records", "int8_kernels"});
  fs::path package = dir / "work" / (packageName + ".rqc"), compileInfo = dir / "work" / (packageName + ".compile.json");
  double compileSeconds = 0;
  if (!fs::exists(package) || !fs::exists(compileInfo)) {
    step("compiling");
    std::vector<std::string> argv{rqc, "compile", model, "--target", p.target, "-o", package.string()};
    for (const std::string &log : spec.tuningRecords) argv.insert(argv.end(), {"--tuning-records", log});
    if (settings.contains("int8_kernels")) argv.insert(argv.end(), {"--int8-kernels", settings["int8_kernels"].get<std::string>()});
    auto start = std::chrono::steady_clock::now();
    runStep(argv, kCompileTimeoutS, "rqc compile", commands);
    compileSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    writeFileAtomically(compileInfo.string(), json{{"seconds", compileSeconds}, {"command", commands.back()}}.dump());
  } else {
    std::ifstream in(compileInfo);
    json info = parseJson(std::string(std::istreambuf_iterator<char>(in), {}), compileInfo.string());
    compileSeconds = info.value("seconds", 0.0);
    commands.push_back(info.value("command", ""));
  }
  step("validating");
  std::vector<std::string> validate{rqc, "validate", package.string(), "--dataset", spec.dataset, "--threads",
                                    std::to_string(p.threads), "--json"};
  if (spec.images > 0) validate.insert(validate.end(), {"--limit", std::to_string(spec.images)});
  json scores = parseJson(runStep(validate, kValidateTimeoutS, "rqc validate", commands), "rqc validate");
  step("benchmarking");
  std::vector<std::string> bench{rqc, "bench", package.string(), "--threads", std::to_string(p.threads), "--repeat",
                                 std::to_string(spec.repeat), "--json"};
  json timing = parseJson(runStep(bench, kBenchTimeoutS, "rqc bench", commands), "rqc bench");

  json device = deviceFingerprint();
  device["llvm_cpu"] = timing.contains("target") ? timing["target"].value("cpu", "") : "";
  const json &l = timing["latency_ms"];
  const int64_t batch = timing.value("batch", 1);
  return json{{"id", p.id},
              {"experiment", spec.name},
              {"model", p.model->name},
              {"variant", p.model->variant},
              {"model_path", model},
              {"model_bytes", static_cast<int64_t>(fs::file_size(model))},
              {"target", p.target},
              {"dtype", p.dtype},
              {"threads", p.threads},
              {"device", device},
              {"dataset", spec.dataset},
              {"images", scores.value("images", 0)},
              {"top1", scores.value("top1", 0.0)},
              {"top5", scores.value("top5", 0.0)},
              {"latency_ms", {{"mean", l.value("mean", 0.0)}, {"p50", l.value("p50", 0.0)}, {"p90", l.value("p90", 0.0)}}},
              {"images_per_second", l.value("mean", 0.0) > 0 ? 1000.0 * double(batch) / l.value("mean", 0.0) : 0.0},
              {"batch", batch},
              {"compile_seconds", compileSeconds},
              {"rqc_version", RQC_VERSION},
              {"commands", commands},
              {"settings", settings},
              {"finished", utcNow()}};
}

// An exclusive lock on RESULTS_DIR/.lock for the sweep: two sweeps never write one folder.
class DirLock {
public:
  explicit DirLock(const fs::path &dir) {
    fd_ = ::open((dir / ".lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) throw Error(dir.string() + ": cannot create its .lock file");
    if (flock(fd_, LOCK_EX | LOCK_NB) != 0)
      throw Error(dir.string() + ": another rqc experiment is writing these results (its .lock is held)");
  }
  ~DirLock() { ::close(fd_); }
  DirLock(const DirLock &) = delete;
  DirLock &operator=(const DirLock &) = delete;

private:
  int fd_ = -1;
};

struct ExperimentOptions {
  std::string spec, dir;
  bool list = false;
};

void runExperiment(const ExperimentOptions &o) {
  const experiment::ExperimentSpec spec = experiment::readSpec(o.spec);
  const std::vector<experiment::Point> points = experiment::enumeratePoints(spec);
  // A float32 point of an int8 model would measure the int8 model under the wrong label.
  if (std::find(spec.dtypes.begin(), spec.dtypes.end(), "float32") != spec.dtypes.end())
    for (const auto &m : spec.models)
      if (quantize::isQuantized(onnx_import::readOnnxModelFile(m.path)))
        throw Error(o.spec + ": model \"" + m.name + "\" (" + m.path +
                    ") is already int8, so its float32 points would measure int8; give it a SPEC with \"dtypes\": "
                    "[\"int8\"]");
  if (o.list) {
    for (const auto &p : points)
      std::cout << fmt::format("{}  {} {} {} threads={}\n", p.id, p.model->path, p.target, p.dtype, p.threads);
    std::cout << fmt::format("{} point{}\n", points.size(), points.size() == 1 ? "" : "s");
    return;
  }
  const fs::path dir = fs::absolute(o.dir).lexically_normal();
  std::error_code ec;
  if (fs::exists(dir, ec) && !fs::is_directory(dir, ec)) throw Error(o.dir + ": is a file, not a results folder");
  fs::create_directories(dir / "points", ec);
  if (!ec) fs::create_directories(dir / "work", ec);
  if (ec) throw Error(o.dir + ": cannot create the results folder: " + ec.message());
  for (const char *sub : {"points", "work"})
    if (::access((dir / sub).c_str(), W_OK) != 0)
      throw Error((dir / sub).string() + ": cannot write there (" + std::strerror(errno) + ")");
  DirLock lock(dir);
  { // the SPEC as written (comments included), under its own kind's extension
    std::ifstream in(o.spec);
    writeFileAtomically((dir / (experiment::isYamlSpec(o.spec) ? "spec.yaml" : "spec.json")).string(),
                        std::string(std::istreambuf_iterator<char>(in), {}));
  }
  size_t earlier = 0, measured = 0;
  std::vector<std::string> failures;
  ProgressLine progress(10.0);
  for (size_t i = 0; i < points.size(); ++i) {
    const experiment::Point &p = points[i];
    fs::path record = dir / "points" / (p.id + ".json");
    json settings;
    try {
      const bool quantizes =
          p.dtype == "int8" && !quantize::isQuantized(onnx_import::readOnnxModelFile(p.model->path));
      settings = pointSettings(spec, p, quantizes);
    } catch (const Error &e) {
      failures.push_back(p.id + ": " + e.what());
      std::cerr << "rqc: warning: point " << p.id << " failed: " << e.what() << "\n";
      continue;
    }
    if (fs::exists(record)) {
      std::string why;
      try {
        std::ifstream in(record);
        json old = json::parse(in);
        if (old.value("settings", json()) == settings) {
          ++earlier;
          continue;
        }
        for (auto it = settings.begin(); it != settings.end(); ++it)
          if (!old.contains("settings") || old["settings"].value(it.key(), json()) != it.value())
            why += (why.empty() ? "" : ", ") + it.key();
        why = "its " + why + " changed since it was recorded";
      } catch (const json::exception &e) {
        why = "its record is unreadable (" + std::string(e.what()) + ")";
      }
      std::cerr << (isatty(STDERR_FILENO) ? "\n" : "") << "rqc: warning: point " << p.id << ": " << why
                << "; measuring it again\n";
    }
    auto show = [&](const std::string &what) {
      double elapsed = progress.elapsed();
      double eta = measured ? elapsed / double(measured) * double(points.size() - i) : -1;
      progress.show(fmt::format("experiment {}: point {}/{} {}: {}; {} measured, {} recorded earlier, {} failed; {} "
                                "elapsed, ETA {}",
                                spec.name, i + 1, points.size(), p.id, what, measured, earlier, failures.size(),
                                formatDuration(elapsed), formatDuration(eta)),
                    false);
    };
    try {
      json r = runPoint(spec, p, dir, settings, show);
      writeFileAtomically(record.string(), r.dump(2) + "\n");
      ++measured;
    } catch (const Error &e) {
      failures.push_back(p.id + ": " + e.what());
      std::cerr << (isatty(STDERR_FILENO) ? "\n" : "") << "rqc: warning: point " << p.id << " failed: " << e.what()
                << "\n";
    }
  }
  progress.show(fmt::format("experiment {}: {} points: {} measured now, {} recorded earlier, {} failed", spec.name,
                            points.size(), measured, earlier, failures.size()),
                true);
  std::vector<json> records = experiment::readRecords(o.dir);
  writeFileAtomically((dir / "results.csv").string(), experiment::recordsCsv(records));
  std::cout << fmt::format("{} records in {}/points, table in {}/results.csv; plots: rqc experiment report {} -o {}/report\n",
                           records.size(), o.dir, o.dir, o.dir, o.dir);
  if (!failures.empty())
    throw Error(fmt::format("{} of {} points failed (warnings above); rerun the same command to retry them",
                            failures.size(), points.size()));
}

void registerExperimentReport(CLI::App &experiment, const std::shared_ptr<ExperimentOptions> &parent) {
  struct Options {
    std::string dir, out, baseline;
    double latencyThreshold = 0.10, top1Threshold = 0.005;
    bool failOnRegression = false;
  };
  auto o = std::make_shared<Options>();
  CLI::App *cmd = experiment.add_subcommand(
      "report", "Plots of latency against top-1 with the Pareto frontier, and an HTML scoreboard, from a results folder");
  cmd->add_option("results", o->dir, "Results folder of rqc experiment")->required()->check(CLI::ExistingDirectory);
  cmd->add_option("-o,--output", o->out, "Folder for index.html, results.csv and the plots")->required();
  cmd->add_option("--baseline", o->baseline, "An earlier results folder to compare with (e.g. another rqc version)")
      ->check(CLI::ExistingDirectory);
  cmd->add_option("--latency-threshold", o->latencyThreshold, "A point is slower when its mean latency grew by more than this fraction")
      ->default_val(0.10)
      ->check(CLI::PositiveNumber);
  cmd->add_option("--top1-threshold", o->top1Threshold, "A point is less accurate when its top-1 fell by more than this fraction")
      ->default_val(0.005)
      ->check(CLI::NonNegativeNumber);
  cmd->add_flag("--fail-on-regression", o->failOnRegression, "Exit 1 when a point regressed against --baseline");
  cmd->callback([o, parent] {
    // CLI11 runs this before the parent's callback: refuse `rqc experiment SPEC report ...`
    // here, before anything is written.
    if (!parent->spec.empty() || !parent->dir.empty() || parent->list)
      throw Error("rqc experiment report takes a results folder and -o DIR after 'report' (rqc experiment report "
                  "RESULTS_DIR -o DIR)");
    if (o->failOnRegression && o->baseline.empty()) throw Error("--fail-on-regression needs --baseline RESULTS_DIR");
    experiment::ReportOptions options{o->baseline, o->latencyThreshold, o->top1Threshold};
    experiment::ReportSummary s = experiment::writeExperimentReport(o->dir, o->out, options);
    std::cout << fmt::format("{} points, {} on the Pareto frontier -> {}/index.html\n", s.points, s.frontier, o->out);
    for (const auto &c : s.comparisons)
      if (c.slower || c.lessAccurate)
        std::cout << fmt::format("regression: {}: mean latency {:.3f} -> {:.3f} ms ({:.2f}x), top-1 {:.2f}% -> {:.2f}%\n",
                                 c.id, c.baseMs, c.ms, c.baseMs > 0 ? c.ms / c.baseMs : 0.0, 100 * c.baseTop1,
                                 100 * c.top1);
    if (!o->baseline.empty())
      std::cout << fmt::format("{} of {} points in both runs regressed\n", s.regressions(), s.comparisons.size());
    if (o->failOnRegression && s.regressions() > 0)
      throw Error(fmt::format("{} points regressed against {}", s.regressions(), o->baseline));
  });
}

} // namespace

void registerExperimentCommand(CLI::App &app) {
  auto o = std::make_shared<ExperimentOptions>();
  CLI::App *cmd = app.add_subcommand(
      "experiment", "Sweep models x targets x dtypes x threads: compile, score and benchmark each (docs/experiments.md)");
  // Not ->required(): `rqc experiment report` has neither (checked in the callback instead).
  cmd->add_option("spec", o->spec, "Experiment SPEC (JSON, or YAML if it ends in .yaml/.yml; docs/experiments.md)");
  cmd->add_option("-o,--output", o->dir, "Results folder (points/<id>.json, results.csv); a rerun resumes it");
  cmd->add_flag("--list", o->list, "Check the SPEC and list its points without running them");
  registerExperimentReport(*cmd, o);
  cmd->callback([o, cmd] {
    if (cmd->got_subcommand("report")) return;
    if (o->spec.empty()) throw Error("rqc experiment needs a SPEC (see rqc experiment --help)");
    if (o->dir.empty() && !o->list) throw Error("rqc experiment needs -o RESULTS_DIR (see rqc experiment --help)");
    runExperiment(*o);
  });
}

} // namespace rqc::driver
