#include "runtime/tools/PackageCommands.h"
#include "runtime/tools/SplitPackage.h"

#include "rqc/runtime/Error.h"
#include "rqc/runtime/Executor.h"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdarg>
#include <cstdio>
#include <iostream>
#include <numeric>
#include <random>

namespace rqc::tools {

namespace {

std::string format(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
std::string format(const char *fmt, ...) {
  va_list args, again;
  va_start(args, fmt);
  va_copy(again, args);
  int n = std::vsnprintf(nullptr, 0, fmt, args);
  va_end(args);
  std::string out(n > 0 ? static_cast<size_t>(n) : 0, '\0');
  std::vsnprintf(out.data(), out.size() + 1, fmt, again);
  va_end(again);
  return out;
}

std::string mebibytes(uint64_t bytes) { return format("%.1f MiB", static_cast<double>(bytes) / (1 << 20)); }

std::string threadsText(int threads) { return threads > 0 ? std::to_string(threads) : "OpenMP default"; }

// Where the kernels ran: the CPU threads, or the device of an OpenCL package (which has no
// CPU kernels, so --threads does not apply to it).
std::string executionText(const Module &module, int threads) {
  std::string device = module.deviceDescription();
  if (device.empty()) return "threads: " + threadsText(threads);
  if (threads > 0)
    throw Error("--threads sets the CPU threads of a package's kernels; this package runs every kernel on its " + device);
  return device;
}

void checkThreads(int threads) {
  if (threads < 0) throw Error("--threads must be positive (or 0 for the OpenMP default), got " + std::to_string(threads));
}

// Seeded inputs; one distribution per tensor, as the reference run draws them, so that
// both runs see the same numbers for the same seed.
Tensor randomTensor(const TensorSpec &spec, std::mt19937_64 &rng) {
  Tensor t(spec.dtype, spec.shape);
  std::normal_distribution<float> normal(0.f, 1.f);
  std::uniform_int_distribution<int> bytes(-128, 127);
  for (int64_t i = 0; i < t.numel(); ++i) {
    switch (spec.dtype) {
    case DType::F32: t.data<float>()[i] = normal(rng); break;
    case DType::I8: t.data<int8_t>()[i] = static_cast<int8_t>(bytes(rng)); break;
    case DType::U8: t.data<uint8_t>()[i] = static_cast<uint8_t>(bytes(rng) + 128); break;
    case DType::I32: t.data<int32_t>()[i] = bytes(rng); break;
    case DType::I64: t.data<int64_t>()[i] = bytes(rng); break;
    }
  }
  return t;
}

// An executor with every input set.
std::unique_ptr<Executor> prepare(const std::shared_ptr<const Module> &module, const std::string &inputs,
                                  uint64_t seed, int threads) {
  checkThreads(threads);
  auto exec = std::make_unique<Executor>(module, ExecutorOptions{threads});
  for (auto &[name, tensor] : packageInputs(*module, inputs, seed)) {
    try {
      exec->setInput(name, tensor);
    } catch (const Error &e) {
      throw Error(inputs.empty() ? e.what() : inputs + ": " + e.what());
    }
  }
  return exec;
}

uint64_t peakResidentBytes() {
  struct rusage usage;
  if (getrusage(RUSAGE_SELF, &usage) != 0) return 0;
  return static_cast<uint64_t>(usage.ru_maxrss) * 1024; // Linux reports KiB
}

int64_t batchSize(const Module &module) {
  if (module.inputs().empty() || module.inputs()[0].shape.empty()) return 1;
  return std::max<int64_t>(1, module.inputs()[0].shape[0]);
}

} // namespace

NamedTensors seededInputs(const std::vector<TensorSpec> &specs, uint64_t seed) {
  NamedTensors inputs;
  std::mt19937_64 rng(seed);
  for (const TensorSpec &spec : specs) inputs.emplace_back(spec.name, randomTensor(spec, rng));
  return inputs;
}

NamedTensors packageInputs(const Module &module, const std::string &npzPath, uint64_t seed) {
  if (npzPath.empty()) return seededInputs(module.inputs(), seed);
  NamedTensors inputs;
  NamedTensors file = loadNpz(npzPath);
  std::string expected;
  for (const TensorSpec &spec : module.inputs()) expected += (expected.empty() ? "'" : ", '") + spec.name + "'";
  for (const auto &entry : file) {
    const std::string &name = entry.first;
    if (std::none_of(module.inputs().begin(), module.inputs().end(), [&](const TensorSpec &s) { return s.name == name; }))
      throw Error(npzPath + ": array '" + name + "' is not an input of the model (its inputs: " + expected + ")");
  }
  for (const TensorSpec &spec : module.inputs()) {
    auto it = std::find_if(file.begin(), file.end(), [&](const auto &kv) { return kv.first == spec.name; });
    if (it == file.end())
      throw Error(npzPath + ": no array for input '" + spec.name + "' (the model's inputs: " + expected + ")");
    inputs.push_back(*it);
  }
  return inputs;
}

void printTop5(std::ostream &out, const std::string &name, const Tensor &t) {
  if (t.dtype() != DType::F32) return;
  int64_t large = 0;
  for (int64_t d : t.shape()) large += d > 1;
  if (large != 1) return;
  std::vector<int64_t> index(static_cast<size_t>(t.numel()));
  std::iota(index.begin(), index.end(), 0);
  const float *score = t.data<float>();
  size_t k = std::min<size_t>(5, index.size());
  std::partial_sort(index.begin(), index.begin() + static_cast<std::ptrdiff_t>(k), index.end(),
                    [score](int64_t a, int64_t b) { return score[a] > score[b] || (score[a] == score[b] && a < b); });
  out << "top-" << k << " of '" << name << "':\n";
  for (size_t i = 0; i < k; ++i)
    out << format("  class %5lld  score %.6g\n", static_cast<long long>(index[i]), score[index[i]]);
}

LatencySummary summarizeLatencies(std::vector<double> ms) {
  if (ms.empty()) throw Error("no latencies to summarize");
  std::sort(ms.begin(), ms.end());
  size_t n = ms.size();
  auto percentile = [&](size_t p) {
    size_t rank = (p * n + 99) / 100; // ceil(p/100 * n), exact in integers
    return ms[std::min(n, std::max<size_t>(rank, 1)) - 1];
  };
  LatencySummary s;
  s.min = ms.front();
  s.max = ms.back();
  s.p50 = percentile(50);
  s.p90 = percentile(90);
  s.p99 = percentile(99);
  s.mean = std::accumulate(ms.begin(), ms.end(), 0.0) / static_cast<double>(n);
  return s;
}

void runPackage(const RunPackageOptions &o) {
  if (isSplitPackage(o.package)) return runSplitPackage(o);
  auto module = Module::load(o.package, parseDeviceOption(o.device));
  const std::string execution = executionText(*module, o.threads); // refuses --threads for a device package
  auto exec = prepare(module, o.inputs, o.seed, o.threads);

  auto start = std::chrono::steady_clock::now();
  exec->run();
  double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();

  NamedTensors outputs;
  for (size_t i = 0; i < exec->numOutputs(); ++i) outputs.emplace_back(module->outputs()[i].name, exec->getOutput(i));
  for (const auto &[name, t] : outputs) printTop5(std::cout, name, t);
  std::cout << format("latency: %.2f ms (one run, %s; rqc bench for steady-state numbers)\n", ms, execution.c_str());
  if (!o.outputs.empty()) {
    saveNpz(o.outputs, outputs);
    std::cout << "outputs written to " << o.outputs << "\n";
  }
}

namespace {

// Kernels by mean time, slowest first, with their share and arithmetic rate.
void printProfile(const Module &module, std::vector<KernelTime> profile, int runs) {
  const ModuleInfo &info = module.info();
  double total = 0;
  for (const KernelTime &t : profile) total += t.meanMs();
  std::sort(profile.begin(), profile.end(), [](const KernelTime &a, const KernelTime &b) { return a.meanMs() > b.meanMs(); });
  std::cout << format("kernels:    mean over %d profiled runs, slowest first (sum %.3f ms)\n", runs, total)
            << format("  %9s %6s %8s  %-32s %s\n", "ms", "share", "GMAC/s", "kernel", "ops");
  for (const KernelTime &t : profile) {
    const KernelInfo &k = info.kernels[t.kernel];
    double ms = t.meanMs();
    std::string rate = k.macs > 0 && ms > 0 ? format("%.2f", static_cast<double>(k.macs) / (ms * 1e6)) : "-";
    std::string ops = k.ops;
    if (std::optional<Module::SimulatedTime> sim = module.simulatedDeviceTime(t.kernel))
      ops += format(" [VTA simulated: %.3f ms, %llu cycles, GEMM %.1f%%, %.1f GOPS]", sim->ms,
                    static_cast<unsigned long long>(sim->cycles), 100.0 * sim->gemmUtilization, sim->gops);
    if (std::optional<double> device = module.openclDeviceMs(t.kernel))
      ops += format(" [OpenCL device: %.3f ms]", *device);
    std::cout << format("  %9.3f %5.1f%% %8s  %-32s %s\n", ms, total > 0 ? 100.0 * ms / total : 0.0, rate.c_str(),
                        k.name.c_str(), ops.c_str());
  }
}

} // namespace

void benchPackage(const BenchPackageOptions &o) {
  if (isSplitPackage(o.package)) return benchSplitPackage(o);
  if (o.repeat < 1) throw Error("--repeat must be at least 1, got " + std::to_string(o.repeat));
  if (o.warmup < 0) throw Error("--warmup must not be negative, got " + std::to_string(o.warmup));
  auto module = Module::load(o.package, parseDeviceOption(o.device));
  const std::string execution = executionText(*module, o.threads); // refuses --threads for a device package
  auto exec = prepare(module, o.inputs, o.seed, o.threads);

  for (int i = 0; i < o.warmup; ++i) exec->run();
  std::vector<double> ms;
  ms.reserve(static_cast<size_t>(o.repeat));
  for (int i = 0; i < o.repeat; ++i) {
    auto start = std::chrono::steady_clock::now();
    exec->run();
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
  }
  LatencySummary s = summarizeLatencies(ms);
  std::vector<KernelTime> profile;
  if (o.profile) {
    exec->setProfiling(true);
    for (int i = 0; i < o.repeat; ++i) exec->run();
    profile = exec->kernelProfile();
  }
  int64_t batch = batchSize(*module);
  double imagesPerSecond = static_cast<double>(batch) * 1000.0 / s.mean;
  MemoryStats mem = exec->memoryStats();
  uint64_t rss = peakResidentBytes();
  const ModuleInfo &info = module->info();
  // Kernels on a simulated accelerator: their time on its cycle model. The latency above
  // is this CPU running the simulator, nothing like the board's.
  size_t simulated = 0;
  double simulatedMs = 0, busyGemm = 0;
  uint64_t simulatedCycles = 0;
  for (size_t k = 0; k < info.kernels.size(); ++k)
    if (std::optional<Module::SimulatedTime> sim = module->simulatedDeviceTime(k)) {
      ++simulated, simulatedMs += sim->ms, simulatedCycles += sim->cycles;
      busyGemm += sim->gemmUtilization * static_cast<double>(sim->cycles);
    }
  const double gemmUtilization = simulatedCycles ? busyGemm / static_cast<double>(simulatedCycles) : 0.0;

  if (o.json) {
    nlohmann::json j = {
        {"package", o.package},
        {"target", {{"kind", info.target.kind}, {"triple", info.target.triple}, {"cpu", info.target.cpu}}},
        {"kernels", info.kernels.size()},
        {"threads", o.threads},
        {"warmup", o.warmup},
        {"repeat", o.repeat},
        {"batch", batch},
        {"latency_ms",
         {{"min", s.min}, {"p50", s.p50}, {"p90", s.p90}, {"p99", s.p99}, {"max", s.max}, {"mean", s.mean}}},
        {"images_per_second", imagesPerSecond},
        {"memory_bytes",
         {{"arena", mem.arenaBytes},
          {"arena_without_reuse", mem.naiveArenaBytes},
          {"params", mem.paramBytes},
          {"inputs", mem.inputBytes},
          {"outputs", mem.outputBytes},
          {"runtime_total", mem.totalBytes()},
          {"process_peak_rss", rss}}}};
    if (simulated)
      j["vta"] = {{"kernels", simulated},          {"simulated_ms", simulatedMs},
                  {"cycles", simulatedCycles},      {"gemm_utilization", gemmUtilization},
                  {"vta_model", info.target.vtaModel}};
    if (o.profile) {
      nlohmann::json kernels = nlohmann::json::array();
      for (const KernelTime &t : profile) {
        const KernelInfo &k = info.kernels[t.kernel];
        kernels.push_back({{"kernel", k.name}, {"ops", k.ops}, {"macs", k.macs}, {"mean_ms", t.meanMs()}});
        if (std::optional<Module::SimulatedTime> sim = module->simulatedDeviceTime(t.kernel))
          kernels.back()["vta_simulated"] = {{"ms", sim->ms}, {"cycles", sim->cycles},
                                             {"gemm_utilization", sim->gemmUtilization}, {"gops", sim->gops}};
      }
      j["kernel_profile"] = kernels;
    }
    std::cout << j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    return;
  }
  std::cout << format("package:    %s (%s, %s, %zu kernels)\n", o.package.c_str(), info.target.kind.c_str(),
                      info.target.kind == "opencl" ? ("-device=" + info.target.openclDevice).c_str()
                                                   : info.target.triple.c_str(),
                      info.kernels.size())
            << format("%-11s %s\n", (execution.rfind("threads:", 0) == 0 ? "threads:" : "device:"),
                      execution.rfind("threads: ", 0) == 0 ? execution.substr(9).c_str() : execution.c_str())
            << format("runs:       %d timed, after %d warm-up\n", o.repeat, o.warmup)
            << format("latency:    min %.3f  p50 %.3f  p90 %.3f  p99 %.3f  max %.3f  (mean %.3f) ms\n", s.min, s.p50,
                      s.p90, s.p99, s.max, s.mean)
            << format("throughput: %.1f images/s (batch %lld)\n", imagesPerSecond, static_cast<long long>(batch))
            << "memory:     arena " << mebibytes(mem.arenaBytes) << " (" << mebibytes(mem.naiveArenaBytes)
            << " without reuse), params " << mebibytes(mem.paramBytes) << ", inputs+outputs "
            << mebibytes(mem.inputBytes + mem.outputBytes) << "; runtime total " << mebibytes(mem.totalBytes())
            << ", process peak RSS " << mebibytes(rss) << "\n";
  if (simulated) {
    std::cout << format("vta:        %zu kernels, %.3f ms per run on the cycle model of %s, %llu cycles, GEMM "
                        "utilization %.1f%% (simulated; the latency above is this CPU running the simulator)\n",
                        simulated, simulatedMs, info.target.vtaModel.c_str(),
                        static_cast<unsigned long long>(simulatedCycles), 100.0 * gemmUtilization);
    if (o.profile) {
      double hostMs = 0;
      for (const KernelTime &t : profile)
        if (!module->simulatedDeviceMs(t.kernel)) hostMs += t.meanMs();
      std::cout << format("estimate:   %.3f ms = host kernels %.3f ms (measured on this CPU) + VTA %.3f ms (simulated)\n",
                          hostMs + simulatedMs, hostMs, simulatedMs);
    }
  }
  if (o.profile) printProfile(*module, profile, o.repeat);
}

void addBenchOptions(CLI::App &cmd, BenchPackageOptions &o) {
  cmd.add_option("package", o.package, "Compiled package (.rqc)")->required();
  cmd.add_option("--inputs", o.inputs, "Inputs as .npz, keyed by input name (default: seeded random)");
  cmd.add_option("--seed", o.seed, "Seed of the random inputs")->default_val(0);
  cmd.add_option("--repeat", o.repeat, "Timed runs")->default_val(o.repeat);
  cmd.add_option("--warmup", o.warmup, "Untimed runs before timing")->default_val(o.warmup);
  cmd.add_option("--threads", o.threads, "Threads for the kernels (0: OpenMP default)")->default_val(0);
  cmd.add_flag("--json", o.json, "Print one JSON document");
  cmd.add_flag("--profile", o.profile, "Then time each kernel over --repeat more runs");
  cmd.add_option("--device", o.device, "An OpenCL package's device: opencl:N, the N-th in clinfo -l's order "
                                       "(default: RQC_OPENCL_DEVICE, else the first GPU, else the first device)");
  cmd.add_option("--remote", o.remote, "Benchmark on this rqc rpc-server, HOST:PORT (the package is uploaded); a split package: one server per part, H1:P1,H2:P2");
  cmd.add_option("--key", o.key, "The rpc-server's key (with --remote)");
}

} // namespace rqc::tools
