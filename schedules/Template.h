// Schedule templates, AutoTVM's idea: for one kind of workload, a knob space (declared in
// the template's file next to the code that turns a config into steps) plus an untuned
// fallback config chosen by a heuristic from the target's vector width and register count.
// Templates are registered in one table (schedules/Registry.cpp) by their AutoTVM-style
// name "<algorithm>.<target key>". No MLIR here: a template produces a Schedule (data).
#pragma once

#include "schedules/ConfigSpace.h"
#include "schedules/Schedule.h"
#include "schedules/Workload.h"

#include <memory>
#include <string>
#include <vector>

namespace rqc::schedule {

// What templates need to know of a target. Filled from the resolved CPU target (its LLVM
// CPU features), never assumed.
struct TargetDesc {
  std::string key = "x86"; // template suffix: "x86", "arm_cpu", "mali" (OpenCL), "vta"
  std::string str;         // TVM-style target string written into records
  std::string model = "unknown"; // -model= (a board name), AutoTVM's model key
  int vectorBits = 128;    // widest float SIMD register: 128 (SSE, NEON), 256 (AVX2), 512 (AVX-512)
  int vectorRegisters = 16; // architectural SIMD registers: 16 (SSE/AVX2, ARMv7 q-regs), 32 (AVX-512, AArch64)
  // QDQ convolutions run as integer kernels (rqc-qdq-to-integer, conv2d_NCHWc_int8 and
  // depthwise_conv2d_NCHWc on 8-bit data): by default where the CPU has a four-way byte
  // dot product (x86 AVX512-VNNI or AVX-VNNI, AArch64 +dotprod); elsewhere the widened
  // multiplies (vpmaddwd) are no faster than float kernels between QDQ pairs (partial: no
  // ARMv7 NEON vmull kernel yet; AVX2's vpmaddubsw: int8PairKernels below).
  bool int8Kernels = false;
  // x86 with AVX2 but no VNNI: only the QDQ convolutions whose weights allow vpmaddubsw
  // (neighbouring pair sums within i16, e.g. 7-bit weights) run as integer kernels by
  // default; the others stay float between their QDQ pairs.
  bool int8PairKernels = false;
  int lanes() const { return vectorBits / 32; } // float32 lanes per register
};

// A config a template cannot turn into a schedule (AutoTVM's InstantiationError, error_no 1).
struct InvalidConfig : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class Template {
public:
  virtual ~Template() = default;
  // AutoTVM-style name, e.g. "conv2d_NCHWc.x86".
  virtual std::string name() const = 0;
  // Whether this template implements `w` (op kind, dtypes, groups, window).
  virtual bool matches(const Workload &w) const = 0;
  // AutoTVM's task args for `w` under this template (a record's key): w.args() unless the
  // TVM template of this name takes other args (the Mali templates: no layout strings).
  virtual nlohmann::json args(const Workload &w) const { return w.args(); }
  // The knob space for `w`, in definition order (the order fixes the index <-> entity map).
  virtual ConfigSpace space(const Workload &w) const = 0;
  // The untuned config: a heuristic over the target's vectors and registers. It lies inside
  // space(w).
  virtual Config fallback(const Workload &w, const ConfigSpace &space, const TargetDesc &t) const = 0;
  // The steps for one config: layouts (pack) and loop steps. Throws InvalidConfig for a
  // point of the space it cannot instantiate.
  virtual Schedule schedule(const Workload &w, const Config &c, const TargetDesc &t) const = 0;
  // A rough cost of `c` in multiply-adds at the machine's peak (arithmetic plus the extra
  // work of the algorithm), used only to choose between templates when none is tuned:
  // measured records always win. The default is the workload's multiply-adds.
  virtual double estimate(const Workload &w, const Config &, const TargetDesc &) const { return double(w.macs()); }
  // The knobs that fix the layouts the schedule reads and writes (conv2d_NCHWc's tile_ic and
  // tile_oc: the channel blocks). Records that differ in them are different choices for the
  // graph tuner, so merged logs keep the best record of each (autotune/LogTools.h).
  virtual std::vector<std::string> layoutKnobs() const { return {}; }
};

// All registered templates (schedules/Registry.cpp).
const std::vector<std::unique_ptr<Template>> &templates();
// The template named `name`, or nullptr.
const Template *findTemplate(const std::string &name);
// The templates for `w` on target key `key` ("x86", "arm_cpu"), in preference order (the
// first one is used untuned; tuned records choose among them by cost).
std::vector<const Template *> templatesFor(const Workload &w, const std::string &key);

// Helpers shared by templates.
// The largest divisor of n that is <= limit (1 if none).
int64_t largestDivisorAtMost(int64_t n, int64_t limit);

} // namespace rqc::schedule
