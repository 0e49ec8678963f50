// rqc-opt: like mlir-opt, for rqc's dialects and passes; drives the lit tests.
#include "compiler/codegen/Passes.h"
#include "compiler/driver/Registration.h"
#include "compiler/lowering/Passes.h"
#include "targets/cpu/Passes.h"
#include "compiler/passes/Passes.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "mlir/Transforms/Passes.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  rqc::registerRqcDialects(registry);
  rqc::registerRqcPasses();
  rqc::lowering::registerRqcLoweringPasses();
  rqc::codegen::registerRqcCodegenPasses();
  rqc::cpu::registerRqcCpuPasses();
  mlir::registerCanonicalizerPass();
  mlir::registerCSEPass();
  return mlir::asMainReturnCode(mlir::MlirOptMain(argc, argv, "rqc optimizer driver\n", registry));
}
