// `rqc measure PKG`: one tuning measurement of one kernel of a package, in the process that
// runs it (rqc tune runs it as a child, so that a crash or a hang of a candidate only ends
// that child; on a board it runs next to the RPC server). No compiler here.
//
// First the outputs of one run are checked against `expected` (a wrong candidate is an
// error, never a time), then AutoTVM's time_evaluator protocol (python/tvm/runtime/
// module.py): `warmup` untimed runs, then `repeat` measurements of `number` runs each,
// `number` raised until one measurement takes at least `min_repeat_ms`. Only the named
// kernel is timed (the executor's per-kernel clock), not the layout changes around it.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

namespace CLI {
class App;
}

namespace rqc::tools {

struct MeasureOptions {
  std::string package;       // .rqc
  std::string inputs;        // .npz keyed by input name (required)
  std::string expected;      // .npz keyed by output name: the reference outputs (required)
  std::string kernel = "task"; // kernel name(s) to time (module.json's kernels[].name)
  int number = 1;            // runs per measurement (raised to reach min_repeat_ms)
  int repeat = 3;            // measurements
  double minRepeatMs = 0;    // shortest measurement
  int warmup = 1;            // untimed runs after the check
  bool flushCache = false;   // evict the kernel's weights from the caches before each timed
                             // call (AutoTVM's enable_cpu_cache_flush; ExecutorOptions::flushParams)
  int threads = 0;           // 0: the OpenMP default
  double tolerance = 1e-4;   // float outputs: |got - expected| <= tolerance * max(1, range(expected))
};

void addMeasureOptions(CLI::App &cmd, MeasureOptions &options);

// The measurement as one JSON object:
//   {"error_no": 0, "costs": [seconds per run, one per measurement], "number": N,
//    "all_cost": wall seconds of the whole measurement, "max_abs_diff": D, "tolerance": T}
// or {"error_no": 4 (runtime error) | 5 (wrong answer), "error_msg": "..."}: AutoTVM's
// MeasureErrorNo values. Throws rqc::Error for unusable options or unreadable files.
nlohmann::json measurePackage(const MeasureOptions &options);

} // namespace rqc::tools
