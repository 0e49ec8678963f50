// Declarations of rqc's graph passes (generated from Passes.td).
#pragma once

#include "ir/Graph/GraphDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

#include <string>
#include <utility>
#include <vector>

namespace rqc {
#define GEN_PASS_DECL
#include "compiler/passes/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "compiler/passes/Passes.h.inc"

// What rqc-partition-vta did: how many convolutions went to VTA, and each that stayed on
// the host with the reason ("3 input channels, not a multiple of 16").
struct PartitionReport {
  int onDevice = 0;
  std::vector<std::pair<std::string, std::string>> onHost; // (convolution, why)
};
// rqc-partition-vta, reporting into `report` (kept by the caller; may be null).
std::unique_ptr<mlir::Pass> createPartitionVta(const PartitionVtaOptions &options, PartitionReport *report);
} // namespace rqc
