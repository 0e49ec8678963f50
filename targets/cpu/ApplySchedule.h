// The CPU mechanism of scheduling: replays a kernel's schedule (schedules/Schedule.h, the
// rqc.schedule attribute a strategy pass attached) onto its linalg ops, in place, on
// tensors before bufferization. See ApplySchedule.cpp for the primitive -> transform map.
#pragma once

#include "schedules/Schedule.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"

namespace rqc::cpu {

// Applies `schedule` to the kernel `fn`. `vectorBits` is the target's widest float SIMD
// register (micro-kernels use vectors of vectorBits / 32 lanes). Throws rqc::Error naming
// the kernel and the step when a step does not fit the kernel (unknown role or primitive,
// sizes that do not match the op's loops, a micro-kernel whose structure does not match).
void applySchedule(mlir::func::FuncOp fn, const schedule::Schedule &schedule, int vectorBits);

// applySchedule on every kernel of `kernels` that carries an rqc.schedule attribute.
void applySchedules(mlir::ModuleOp kernels, int vectorBits);

} // namespace rqc::cpu
