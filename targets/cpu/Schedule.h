// Applying schedules to kernels (see Schedule.cpp).
#pragma once

#include "targets/cpu/CpuTarget.h"

#include "mlir/IR/BuiltinOps.h"

namespace rqc::cpu {
// Applies each kernel's schedule (the default for its kind unless tuning records give
// another) to the linalg ops of the kernels, in place.
void scheduleKernels(mlir::ModuleOp kernels, const CpuTarget &target);
} // namespace rqc::cpu
