#include "runtime/tools/SplitPackage.h"

#include "rqc/runtime/Checksum.h"
#include "rqc/runtime/Error.h"
#include "rqc/runtime/Executor.h"
#include "rqc/runtime/Module.h"
#include "rqc/runtime/Npy.h"
#include "rqc/runtime/PackageReader.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>

namespace rqc::tools {

namespace {

constexpr const char *kManifest = "split.json";

double msSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

std::string fmt(const char *f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

} // namespace

bool isSplitPackage(const std::string &path) {
  try {
    PackageReader reader = PackageReader::openFile(path);
    return reader.find(kManifest) != nullptr;
  } catch (const std::exception &) {
    return false;
  }
}

SplitPackage readSplitPackage(const std::string &path) {
  PackageReader reader = PackageReader::openFile(path);
  nlohmann::json j = nlohmann::json::parse(reader.read(kManifest, 1 << 20), nullptr, false);
  const std::string what = path + ": split.json";
  if (!j.is_object() || j.value("format", "") != "rqc-split") throw Error(what + " is not a split package manifest");
  if (j.value("format_version", 0) != 1)
    throw Error(what + ": format_version " + j.value("format_version", nlohmann::json(nullptr)).dump() +
                " is not 1 (this rqc reads version 1)");
  SplitPackage s;
  auto member = [&](const nlohmann::json &m) {
    if (!m.is_object() || !m.contains("package") || !m.contains("sha256") || !m["package"].is_string())
      throw Error(what + ": a member without package and sha256");
    std::string bytes = reader.read(m["package"].get<std::string>());
    if (sha256Checksum(bytes) != m["sha256"].get<std::string>())
      throw Error(path + ": member " + m["package"].get<std::string>() + " does not match its checksum (damaged)");
    return bytes;
  };
  if (!j.contains("parts") || !j["parts"].is_array() || j["parts"].size() < 2)
    throw Error(what + ": a split package has at least 2 parts");
  for (const auto &p : j["parts"]) {
    s.parts.push_back(member(p));
    s.partOutputs.push_back(p.value("output", ""));
  }
  s.head = member(j.value("head", nlohmann::json::object()));
  s.source = j.value("source", "");
  s.target = j.value("target", "");
  s.cut = j.value("cut", "");
  s.channels = j.value("channels", 0);
  return s;
}

struct SplitExecutor::Loaded {
  std::vector<std::shared_ptr<const Module>> partModules;
  std::vector<std::unique_ptr<Executor>> parts;
  std::shared_ptr<const Module> headModule;
  std::unique_ptr<Executor> head;
  std::vector<std::string> partOutputs;
};

SplitExecutor::SplitExecutor(const SplitPackage &s, int threads, const std::string &what)
    : loaded_(std::make_unique<Loaded>()) {
  Loaded &l = *loaded_;
  l.partOutputs = s.partOutputs;
  for (size_t i = 0; i < s.parts.size(); ++i) {
    l.partModules.push_back(Module::loadFromBytes(s.parts[i], what + ": " + s.partOutputs[i]));
    l.parts.push_back(std::make_unique<Executor>(l.partModules.back(), ExecutorOptions{threads}));
  }
  l.headModule = Module::loadFromBytes(s.head, what + ": head");
  l.head = std::make_unique<Executor>(l.headModule, ExecutorOptions{threads});
}

SplitExecutor::~SplitExecutor() = default;

const std::vector<TensorSpec> &SplitExecutor::inputs() const { return loaded_->partModules.at(0)->inputs(); }
const std::vector<TensorSpec> &SplitExecutor::outputs() const { return loaded_->headModule->outputs(); }

void SplitExecutor::setInput(const std::string &name, const Tensor &t) {
  for (auto &p : loaded_->parts) p->setInput(name, t);
}

std::vector<double> SplitExecutor::run() {
  Loaded &l = *loaded_;
  std::vector<double> ms;
  for (size_t i = 0; i < l.parts.size(); ++i) {
    auto start = std::chrono::steady_clock::now();
    l.parts[i]->run();
    ms.push_back(msSince(start));
    l.head->setInput(l.partOutputs[i], l.parts[i]->getOutput(0));
  }
  auto start = std::chrono::steady_clock::now();
  l.head->run();
  ms.push_back(msSince(start));
  return ms;
}

Tensor SplitExecutor::getOutput(size_t index) const { return loaded_->head->getOutput(index); }

namespace {

// A split package loaded here, fed the model's inputs (from .npz or seeded).
std::unique_ptr<SplitExecutor> prepareSplit(const SplitPackage &s, const std::string &package,
                                            const std::string &inputs, uint64_t seed, int threads) {
  auto exec = std::make_unique<SplitExecutor>(s, threads, package);
  auto first = Module::loadFromBytes(s.parts.at(0), package + ": " + s.partOutputs.at(0));
  for (auto &[name, t] : packageInputs(*first, inputs, seed)) exec->setInput(name, t);
  return exec;
}

} // namespace

PackageMembers splitPackageMembers(const SplitPackage &s) {
  nlohmann::json j = {{"format", "rqc-split"}, {"format_version", 1}, {"source", s.source}, {"target", s.target},
                      {"cut", s.cut}, {"channels", s.channels}};
  PackageMembers members;
  nlohmann::json parts = nlohmann::json::array();
  for (size_t i = 0; i < s.parts.size(); ++i) {
    const std::string name = "part" + std::to_string(i) + ".rqc";
    parts.push_back({{"package", name}, {"output", s.partOutputs[i]}, {"sha256", sha256Checksum(s.parts[i])}});
    members.emplace_back(name, s.parts[i]);
  }
  j["parts"] = parts;
  j["head"] = {{"package", "head.rqc"}, {"sha256", sha256Checksum(s.head)}};
  members.emplace_back("head.rqc", s.head);
  members.insert(members.begin(), {kManifest, j.dump(2)});
  return members;
}

void runSplitPackage(const RunPackageOptions &o) {
  SplitPackage s = readSplitPackage(o.package);
  auto exec = prepareSplit(s, o.package, o.inputs, o.seed, o.threads);
  auto start = std::chrono::steady_clock::now();
  std::vector<double> ms = exec->run();
  const double total = msSince(start);
  NamedTensors outputs;
  for (size_t i = 0; i < exec->outputs().size(); ++i) outputs.emplace_back(exec->outputs()[i].name, exec->getOutput(i));
  for (const auto &[name, t] : outputs) printTop5(std::cout, name, t);
  std::cout << "split network: " << s.parts.size() << " parts of " << s.channels / static_cast<int>(s.parts.size())
            << " channels (of " << s.channels << ") and a head, run here one after another\n";
  for (size_t i = 0; i < s.parts.size(); ++i) std::cout << "  " << s.partOutputs[i] << ": " << fmt("%.2f ms", ms[i]) << "\n";
  std::cout << "  head: " << fmt("%.2f ms", ms.back()) << "\n";
  std::cout << "latency: " << fmt("%.2f ms", total) << " (one run, end to end; with --remote the parts run in parallel)\n";
  if (!o.outputs.empty()) {
    saveNpz(o.outputs, outputs);
    std::cout << "outputs written to " << o.outputs << "\n";
  }
}

void benchSplitPackage(const BenchPackageOptions &o) {
  if (o.profile) throw Error("--profile times the kernels of one package; profile a split package's parts one by one");
  if (o.repeat < 1 || o.warmup < 0) throw Error("--repeat must be at least 1 and --warmup not negative");
  SplitPackage s = readSplitPackage(o.package);
  auto exec = prepareSplit(s, o.package, o.inputs, o.seed, o.threads);
  for (int i = 0; i < o.warmup; ++i) exec->run();
  std::vector<double> totals;
  std::vector<double> sums(s.parts.size() + 1, 0.0);
  for (int r = 0; r < o.repeat; ++r) {
    auto start = std::chrono::steady_clock::now();
    std::vector<double> ms = exec->run();
    totals.push_back(msSince(start));
    for (size_t k = 0; k < ms.size(); ++k) sums[k] += ms[k];
  }
  LatencySummary sum = summarizeLatencies(totals);
  if (o.json) {
    nlohmann::json j = {{"package", o.package}, {"split", s.parts.size()}, {"repeat", o.repeat},
                        {"latency_ms", {{"min", sum.min}, {"p50", sum.p50}, {"p90", sum.p90}, {"max", sum.max}, {"mean", sum.mean}}}};
    for (size_t k = 0; k < s.parts.size(); ++k) j["parts_mean_ms"].push_back(sums[k] / o.repeat);
    j["head_mean_ms"] = sums.back() / o.repeat;
    std::cout << j.dump(2) << "\n";
    return;
  }
  std::cout << "package:    " << o.package << " (split network: " << s.parts.size() << " parts and a head, run here one after another)\n"
            << "runs:       " << o.repeat << " timed, after " << o.warmup << " warm-up\n"
            << "latency:    min " << fmt("%.3f", sum.min) << "  p50 " << fmt("%.3f", sum.p50) << "  p90 " << fmt("%.3f", sum.p90)
            << "  max " << fmt("%.3f", sum.max) << " ms\n";
  for (size_t k = 0; k < s.parts.size(); ++k)
    std::cout << "  " << s.partOutputs[k] << ": mean " << fmt("%.3f ms", sums[k] / o.repeat) << "\n";
  std::cout << "  head: mean " << fmt("%.3f ms", sums.back() / o.repeat) << "\n";
}

} // namespace rqc::tools
