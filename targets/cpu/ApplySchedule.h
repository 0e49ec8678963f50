// The CPU mechanism of scheduling: replays a kernel's schedule (schedules/Schedule.h, the
// rqc.schedule attribute a strategy pass attached) onto its linalg ops, in place, on
// tensors before bufferization. See ApplySchedule.cpp for the primitive -> transform map.
#pragma once

#include "schedules/Schedule.h"
#include "targets/cpu/MicroKernels.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"

namespace rqc::cpu {

// Applies `schedule` to the kernel `fn`. `isa` is what micro-kernels may use of the target
// (vectors of isa.lanes 32-bit lanes, dot-product instructions). Throws rqc::Error naming
// the kernel and the step when a step does not fit the kernel (unknown role or primitive,
// sizes that do not match the op's loops, a micro-kernel whose structure does not match).
void applySchedule(mlir::func::FuncOp fn, const schedule::Schedule &schedule, const MicroKernelIsa &isa);

// applySchedule on every kernel of `kernels` that carries an rqc.schedule attribute.
void applySchedules(mlir::ModuleOp kernels, const MicroKernelIsa &isa);

} // namespace rqc::cpu
