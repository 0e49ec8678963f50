#pragma once
// The two upstream conversions to the LLVM dialect that ignore the index width
// (convert-vector-to-llvm and convert-openmp-to-llvm always use 64-bit indices in MLIR 19),
// redone with a type converter for the target's width, so 32-bit ARMv7 code has one
// index type throughout.

#include <memory>

namespace mlir {
class Pass;
}

namespace rqc::cpu {

std::unique_ptr<mlir::Pass> createVectorToLLVMPass(unsigned indexBits);
std::unique_ptr<mlir::Pass> createOpenMPToLLVMPass(unsigned indexBits);

} // namespace rqc::cpu
