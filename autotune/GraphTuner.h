// Layout choice over a whole graph: the idea of AutoTVM's graph tuner
// (python/tvm/autotvm/graph_tuner, ../shared/reference/autotvm.md), rebuilt as an exact
// min-sum solve. No MLIR here.
//
// Why: a tuned record's knobs (conv2d_NCHWc's tile_ic/tile_oc) fix the channel blocking of
// its kernel's input and output. Taking each op's fastest record alone makes neighbouring
// kernels disagree, and every disagreement costs a layout_transform between them, which can
// cost more than the tuning won (docs/tuning.md measured ResNet-18 8-13% and MobileNet-v1
// 60-80% slower than the fallbacks). So each op offers its best record per layout pair and
// one layout is chosen per tensor group so that kernel time plus transform time is least.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace rqc::autotune {

struct LayoutProblem {
  // Tensors that must share one layout because the ops between them follow any channel
  // blocking (elementwise ops, pooling, requantize): a "group".
  struct Group {
    int64_t bytes = 0;          // of its largest tensor; what a layout_transform of it moves (each way)
    bool plainProducer = false; // some member is made in the plain layout (a graph input, an unscheduled op)
    bool plainConsumer = false; // some member is read in the plain layout (a graph output, reshape, concat, ...)
  };
  // One way to compute an op: the layouts it reads and writes (a layout string such as
  // "NCHW16c"; "NCHW" when it does not pack) and its measured time.
  struct Option {
    std::string input, output;
    double seconds = 0; // mean cost of its record; ops with a single option may give 0
  };
  struct Op {
    int input = -1, output = -1; // group indices
    std::vector<Option> options; // at least one
  };
  std::vector<Group> groups;
  std::vector<Op> ops;
  // Effective speed of a layout_transform (bytes read plus written per second): a strided
  // copy on one core. ResNet-18's and MobileNet-v1's transforms ran at 5-26 GB/s on the
  // project's AVX-512 VM (rqc bench --profile, docs/tuning.md); 8 GB/s errs towards agreeing.
  double transformBytesPerSecond = 8e9;
};

struct LayoutPlan {
  std::vector<int> option;         // per op: index into its options
  std::vector<std::string> layout; // per group
  double seconds = 0;              // kernels plus the layout transforms the plan pays for
  int transforms = 0;              // layout mismatches the plan accepts
  bool exact = true;               // false: the problem was too large to solve exactly, and the
                                   // plan is each op's fastest option alone
};

// The plan with the least total time: each group's layout is one of the layouts its ops
// offer, or "NCHW"; each op takes its fastest option given its groups' layouts, paying one
// transform of a group's bytes for each side whose layout differs from the group's (and for
// a group not in "NCHW" with a plain producer or consumer). Solved exactly by variable
// elimination (min-sum over the groups, eliminating the variable with the smallest product
// first); CNN graphs are chains with short residual cycles, so the factors stay small. A
// problem whose factors would exceed 2^22 entries gets the per-op plan (exact = false).
// Throws rqc::Error for an op without options or with a group index out of range.
LayoutPlan planLayouts(const LayoutProblem &problem);

} // namespace rqc::autotune
