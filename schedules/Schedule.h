// Schedules are data: a short list of named primitives with integer arguments, like
// Halide's schedule records or TVM's trace. Strategies (default heuristics, the tuner,
// tuning records) produce them; one applier per target replays them onto the IR.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace rqc::schedule {

struct Step {
  // "tile_parallel": tile the kernel's output loops by `args` (0 = whole dimension) into a
  //                  parallel loop nest (OpenMP on CPU) and fuse every producer into it.
  // "vectorize":     vectorize the ops inside the tiles (sizes chosen from the tile shapes).
  std::string primitive;
  std::vector<int64_t> args;
};

struct Schedule {
  std::string name; // the template that produced it, e.g. "conv2d_nchw.default.cpu"
  std::vector<Step> steps;
};

// JSON form: {"name": ..., "steps": [["tile_parallel", [1, 16, 8, 0]], ["vectorize", []]]}
std::string toJson(const Schedule &s);

// What a strategy sees of a kernel: its root op and output shape.
struct KernelInfo {
  std::string rootOp;             // e.g. "conv_2d_nhwc_hwcf", "matmul_transpose_b", "generic"
  std::vector<int64_t> outputShape;
  int vectorBits = 128;
  int threads = 2;
};

// The untuned default schedule for a CPU kernel (schedules/cpu/DefaultSchedule.cpp).
Schedule defaultCpuSchedule(const KernelInfo &kernel);

} // namespace rqc::schedule
