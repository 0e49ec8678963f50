#pragma once

#include "mlir/IR/BuiltinOps.h"

namespace rqc::cpu {
// Rewrites every kernel func (tensor arguments, one tensor result) into the memref ABI:
// func @k(%in: memref..., %out: memref) with the result materialized into %out.
void applyKernelAbi(mlir::ModuleOp module);
} // namespace rqc::cpu
