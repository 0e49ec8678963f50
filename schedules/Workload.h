// A kernel's workload: what AutoTVM calls a task's arguments. It is extracted from the
// kernel's root graph op (compiler/passes/SelectSchedules.cpp) before any layout change, so
// shapes are ONNX's (data NCHW, weights OIHW, dense weights [N, K]), and printed the way
// AutoTVM prints task args, so that a record's key reads like TVM's:
//   ["conv2d_NCHWc.x86", [["TENSOR", [1, 64, 56, 56], "float32"],
//                         ["TENSOR", [64, 64, 3, 3], "float32"],
//                         [1, 1], [1, 1, 1, 1], [1, 1], "NCHW", "NCHW", "float32"]]
// No MLIR here.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace rqc::schedule {

struct TensorArg {
  std::vector<int64_t> shape;
  std::string dtype = "float32";
  nlohmann::json json() const { return nlohmann::json::array({"TENSOR", shape, dtype}); }
};

struct Workload {
  // conv2d | depthwise_conv2d | dense | max_pool2d | avg_pool2d | kernel (anything else)
  std::string op;
  TensorArg data;   // conv/pool: [N, C, H, W]; dense: [M, K]
  TensorArg weight; // conv: [O, I/groups, KH, KW]; dense: [N, K]
  bool bias = false;
  bool constantWeight = true; // the weight is known at compile time (can be transformed then)
  std::vector<int64_t> kernel{1, 1};       // pooling window [KH, KW] (conv: from the weight)
  std::vector<int64_t> strides{1, 1};      // [SH, SW]
  std::vector<int64_t> pads{0, 0, 0, 0};   // [top, left, bottom, right]
  std::vector<int64_t> dilations{1, 1};    // [DH, DW]
  int64_t groups = 1;
  bool countIncludePad = false;            // avg_pool2d
  std::vector<int64_t> output;             // result shape
  std::string layout = "NCHW";             // data layout (pooling after rqc-alter-layout: "NCHW{x}c";
                                           // VTA: "NCHW1n16c", dense "NC1n16c"; shapes stay NCHW/OIHW/[M,K])
  std::string outDtype = "float32";

  // For kernels without a root op ("kernel"): each linalg op of the kernel in program order
  // with its static loop ranges and which loops reduce. Templates choose tiles per op.
  struct LoopNest {
    std::string op; // linalg op name, e.g. "transpose", "generic", "fill"; "pad": a padding
                    // that is the kernel's output, its loops the source's
    std::vector<int64_t> ranges;
    std::vector<bool> reduction;
    bool writesOutput = false;  // the op whose result the kernel returns
    bool outputIsTileable = true; // its result is indexed by a projected permutation of its loops
  };
  std::vector<LoopNest> ops;

  // Convenience views of the NCHW shapes.
  int64_t inChannels() const { return data.shape.size() > 1 ? data.shape[1] : 0; }
  int64_t outChannels() const { return output.size() > 1 ? output[1] : 0; }
  int64_t outHeight() const { return output.size() > 2 ? output[2] : 1; }
  int64_t outWidth() const { return output.size() > 3 ? output[3] : 1; }
  int64_t kernelH() const { return op == "conv2d" || op == "depthwise_conv2d" ? weight.shape[2] : kernel[0]; }
  int64_t kernelW() const { return op == "conv2d" || op == "depthwise_conv2d" ? weight.shape[3] : kernel[1]; }

  // AutoTVM's task args for this op kind (see the file comment).
  nlohmann::json args() const;
  // Multiply-adds of the workload (convolutions, dense), for GFLOP/s = 2 * macs / seconds.
  int64_t macs() const;
};

// VTA's packed activation layouts "NCHW{b}n{c}c" (e.g. "NCHW1n16c"; dense data:
// "NC{b}n{c}c"): whether `layout` is one, and its (batch block, channel block); (0, 0) for
// any other layout.
bool isVtaPacked(const std::string &layout);
std::pair<int64_t, int64_t> vtaBlocks(const std::string &layout);

} // namespace rqc::schedule
