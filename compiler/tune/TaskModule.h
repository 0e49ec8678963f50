// A tuning task as a program of its own: the one graph op of a workload, with seeded
// weights, in a module rqc compile reads (`rqc compile task.mlir`). AutoTVM builds a
// task's template on placeholder tensors the same way; here the candidate config reaches
// the op as a tuning record, so a candidate is compiled by rqc compile's own pipeline.
#pragma once

#include "schedules/Workload.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"

#include <cstdint>

namespace rqc::tune {

// The op's location (and so its kernel's name in the package): "task".
constexpr const char *kTaskKernelName = "task";
// Its input and output names in the package.
constexpr const char *kTaskInputName = "data", *kTaskOutputName = "result";

// True if buildTaskModule can build the workload's op: conv2d, depthwise_conv2d,
// group_conv2d, dense, max_pool2d, avg_pool2d, and VTA's packed int8 conv2d
// (graph.vta_conv2d; its data is the packed tensor) ("kernel" workloads, the generic
// template's lists of linalg ops, cannot be rebuilt from their description and are not
// tuned).
bool isTunable(const schedule::Workload &w);

// @main(data) -> result computing `w` with weights and bias drawn from a normal
// distribution seeded with `seed` (scaled by 1/sqrt(fan-in), so results stay O(1)).
// Shapes and layouts as in the workload (pooling data may be channel-blocked, NCHW{x}c).
// Throws rqc::Error when !isTunable(w).
mlir::OwningOpRef<mlir::ModuleOp> buildTaskModule(mlir::MLIRContext &ctx, const schedule::Workload &w,
                                                   uint64_t seed = 0);

} // namespace rqc::tune
