#include "compiler/driver/Registration.h"

#include "ir/Graph/GraphDialect.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/DialectRegistry.h"

void rqc::registerRqcDialects(mlir::DialectRegistry &registry) {
  registry.insert<rqc::graph::GraphDialect, mlir::func::FuncDialect>();
}
