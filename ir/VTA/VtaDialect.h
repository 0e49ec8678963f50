// The VTA dialect (VtaOps.td): a VTA instruction stream as ops, printed by
// `rqc compile --target=vta --dump=vta` and verified when a kernel is built.
#pragma once

#include "rqc/vta/Config.h"
#include "rqc/vta/Instruction.h"

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/SymbolTable.h"

#include <vector>

#include "ir/VTA/VtaOpsDialect.h.inc"

#define GET_OP_CLASSES
#include "ir/VTA/VtaOps.h.inc"

namespace rqc::vta::ir {

// A vta.kernel named `name` for `config` holding `uops` (as a vta.uops, when not empty)
// and `program`, one op per instruction, at the builder's insertion point. The caller
// verifies it (mlir::verify) to have the capacity and token checks.
KernelOp buildKernel(mlir::OpBuilder &b, mlir::Location loc, llvm::StringRef name, const VtaConfig &config,
                     const std::vector<Instruction> &program, const std::vector<Uop> &uops);

} // namespace rqc::vta::ir
