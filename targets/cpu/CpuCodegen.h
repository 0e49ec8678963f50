// CPU code generation: kernel functions (graph dialect, from rqc-fuse-kernels) to a
// shared object following the kernel ABI of docs/package-format.md.
//
//   graph --rqc-lower-to-linalg--> linalg on tensors --kernel ABI--> memref arguments
//   --schedule--> tiled/vectorized/parallel --bufferize--> memref --> LLVM dialect
//   --> LLVM IR (+ packed wrappers) --O3--> object --ld.lld--> kernels.so
#pragma once

#include "targets/cpu/CpuTarget.h"

#include "mlir/IR/BuiltinOps.h"

#include <functional>
#include <string>
#include <vector>

namespace rqc::cpu {

// Called with the stage name ("linalg", "scheduled", "llvm") and its printed form.
using DumpHook = std::function<void(const std::string &stage, const std::string &text)>;

struct KernelSymbol {
  std::string function; // the kernel function in the module, e.g. "kernel_3_conv1"
  std::string symbol;   // the exported packed entry point, e.g. "rqc_kernel_3"
};

// Compiles every func.func in `kernels` (consumed: it is rewritten in place) and returns
// the bytes of the linked shared object. Throws rqc::Error on failure.
std::string compileKernels(mlir::ModuleOp kernels, const std::vector<KernelSymbol> &symbols,
                           const CpuTarget &target, const DumpHook &dump = {});

} // namespace rqc::cpu
