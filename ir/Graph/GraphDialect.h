// The rqc graph dialect (see GraphBase.td / GraphOps.td).
#pragma once

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "ir/Graph/GraphOpsDialect.h.inc"

#define GET_OP_CLASSES
#include "ir/Graph/GraphOps.h.inc"
