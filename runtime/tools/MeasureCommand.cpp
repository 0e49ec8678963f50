#include "runtime/tools/MeasureCommand.h"

#include "rqc/runtime/Error.h"
#include "rqc/runtime/Executor.h"
#include "rqc/runtime/Npy.h"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>

namespace rqc::tools {

namespace {

constexpr int kRuntimeError = 4, kWrongAnswer = 5; // AutoTVM's MeasureErrorNo

using Clock = std::chrono::steady_clock;

double valueAt(const Tensor &t, int64_t i) {
  switch (t.dtype()) {
  case DType::F32: return t.data<float>()[i];
  case DType::I8: return t.data<int8_t>()[i];
  case DType::U8: return t.data<uint8_t>()[i];
  case DType::I32: return t.data<int32_t>()[i];
  case DType::I64: return static_cast<double>(t.data<int64_t>()[i]);
  }
  return 0;
}

// "" when `got` matches `want` (floats within the tolerance, integers exactly), else why not.
std::string mismatch(const std::string &name, const Tensor &got, const Tensor &want, double tolerance, double &worst) {
  if (got.dtype() != want.dtype() || got.shape() != want.shape())
    return "output '" + name + "' is " + shapeToString(got.shape()) + ", expected " + shapeToString(want.shape());
  double lo = 0, hi = 0;
  for (int64_t i = 0; i < want.numel(); ++i) {
    double w = valueAt(want, i);
    lo = i ? std::min(lo, w) : w, hi = i ? std::max(hi, w) : w;
  }
  const double tol = want.dtype() == DType::F32 ? tolerance * std::max(1.0, hi - lo) : 0.0;
  for (int64_t i = 0; i < want.numel(); ++i) {
    double d = std::fabs(valueAt(got, i) - valueAt(want, i));
    if (std::isnan(valueAt(got, i))) d = INFINITY;
    worst = std::max(worst, d);
    if (d > tol)
      return "output '" + name + "' element " + std::to_string(i) + " is " + std::to_string(valueAt(got, i)) +
             ", expected " + std::to_string(valueAt(want, i)) + " (tolerance " + std::to_string(tol) + ")";
  }
  return "";
}

} // namespace

void addMeasureOptions(CLI::App &cmd, MeasureOptions &o) {
  cmd.add_option("package", o.package, "Compiled package (.rqc)")->required();
  cmd.add_option("--inputs", o.inputs, "Inputs as .npz, keyed by input name")->required();
  cmd.add_option("--expected", o.expected, "Reference outputs as .npz, keyed by output name")->required();
  cmd.add_option("--kernel", o.kernel, "Name of the kernel to time (module.json)")->default_val(o.kernel);
  cmd.add_option("--number", o.number, "Runs per measurement")->default_val(o.number);
  cmd.add_option("--repeat", o.repeat, "Measurements")->default_val(o.repeat);
  cmd.add_option("--min-repeat-ms", o.minRepeatMs, "Shortest measurement (ms); --number grows to reach it")
      ->default_val(o.minRepeatMs);
  cmd.add_option("--warmup", o.warmup, "Untimed runs before the measurements")->default_val(o.warmup);
  cmd.add_flag("--flush-cache", o.flushCache,
               "Evict the kernel's weights from every cache level before each timed call (AutoTVM's "
               "enable_cpu_cache_flush), as in a network where the kernels before it evict them");
  cmd.add_option("--threads", o.threads, "Threads for the kernels (0: OpenMP default)")->default_val(0);
  cmd.add_option("--tolerance", o.tolerance, "Float outputs: allowed |difference| per unit of the output's range")
      ->default_val(o.tolerance);
}

nlohmann::json measurePackage(const MeasureOptions &o) {
  if (o.number < 1 || o.repeat < 1 || o.warmup < 0 || o.threads < 0 || o.minRepeatMs < 0)
    throw Error("--number and --repeat must be at least 1, --warmup, --threads and --min-repeat-ms not negative");
  const auto start = Clock::now();
  auto module = Module::load(o.package);
  std::vector<size_t> timed;
  // The op's own kernels, not the layout changes rqc-alter-layout puts around it (they carry
  // the op's name): a tuned kernel reads and writes its packed layouts in a network, where
  // the graph tuner prices the changes between kernels (as AutoTVM measures conv2d_NCHWc on
  // packed data and its graph tuner the transforms).
  for (size_t i = 0; i < module->info().kernels.size(); ++i)
    if (module->info().kernels[i].name == o.kernel && module->info().kernels[i].ops != "layout_transform")
      timed.push_back(i);
  if (timed.empty()) throw Error(o.package + ": no kernel named '" + o.kernel + "'");
  NamedTensors inputs = loadNpz(o.inputs), expected = loadNpz(o.expected);

  Executor exec(module, ExecutorOptions{o.threads, /*profile=*/false, o.flushCache});
  double worst = 0;
  try {
    for (const auto &[name, t] : inputs) exec.setInput(name, t);
    exec.run();
    for (const auto &[name, want] : expected) {
      std::string why = mismatch(name, exec.getOutput(name), want, o.tolerance, worst);
      if (!why.empty()) return {{"error_no", kWrongAnswer}, {"error_msg", why}, {"max_abs_diff", worst}};
    }
  } catch (const Error &e) {
    return {{"error_no", kRuntimeError}, {"error_msg", e.what()}};
  }

  // Kernels on a simulated accelerator (VTA) are timed by its cycle model, the time a
  // board would take, not by this CPU running the simulator (the same every run).
  double simulatedMs = 0;
  bool simulated = true;
  for (size_t i : timed) {
    std::optional<double> ms = module->simulatedDeviceMs(i);
    simulated = simulated && ms.has_value();
    simulatedMs += ms.value_or(0);
  }
  nlohmann::json timedOps = nlohmann::json::array();
  for (size_t i : timed) timedOps.push_back(module->info().kernels[i].ops);
  if (simulated) {
    nlohmann::json costs = nlohmann::json::array();
    for (int r = 0; r < o.repeat; ++r) costs.push_back(simulatedMs / 1e3);
    return {{"error_no", 0},
            {"costs", costs},
            {"timed_kernels", timedOps},
            {"simulated", true}, // device time on the cycle model of module.json's vta_model
            {"number", 1},
            {"max_abs_diff", worst},
            {"tolerance", o.tolerance},
            {"all_cost", std::chrono::duration<double>(Clock::now() - start).count()}};
  }

  for (int i = 0; i < o.warmup; ++i) exec.run();
  exec.setProfiling(true);
  auto kernelSeconds = [&] {
    double ms = 0;
    for (const KernelTime &t : exec.kernelProfile())
      if (std::find(timed.begin(), timed.end(), t.kernel) != timed.end()) ms += t.totalMs;
    return ms / 1e3;
  };
  int number = o.number;
  nlohmann::json costs = nlohmann::json::array();
  for (int r = 0; r < o.repeat; ++r) {
    while (true) {
      exec.resetProfile();
      const auto t0 = Clock::now();
      for (int i = 0; i < number; ++i) exec.run();
      const double wallMs = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
      if (wallMs >= o.minRepeatMs || number >= (1 << 20)) break;
      // As time_evaluator: grow `number` towards min_repeat_ms (at least by 1.618x).
      number = std::max(number + 1, static_cast<int>(std::ceil(number * std::max(1.618, o.minRepeatMs / std::max(wallMs, 1e-3)))));
    }
    costs.push_back(kernelSeconds() / number);
  }
  return {{"error_no", 0},
          {"costs", costs},
          {"timed_kernels", timedOps}, // the ops of each timed kernel (module.json's kernels[].ops)
          {"cache_flushed", o.flushCache && cacheFlushSupported()},
          {"number", number},
          {"max_abs_diff", worst},
          {"tolerance", o.tolerance},
          {"all_cost", std::chrono::duration<double>(Clock::now() - start).count()}};
}

} // namespace rqc::tools
