// Declarations of the kernel-level passes (generated from Passes.td).
#pragma once

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace rqc {
struct ScheduleSelection;

namespace codegen {
#define GEN_PASS_DECL
#include "compiler/codegen/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "compiler/codegen/Passes.h.inc"

// rqc-select-kernel-schedules with the caller's target (and its task report).
std::unique_ptr<mlir::Pass> createSelectKernelSchedules(ScheduleSelection &selection);
} // namespace codegen
} // namespace rqc
