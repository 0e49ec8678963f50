// CPU code generation: kernel functions (linalg on tensors, scheduled by their
// rqc.schedule) to a shared object following the kernel ABI of docs/package-format.md.
//
//   linalg on tensors --kernel ABI--> memref arguments --apply schedule--> tiled,
//   tensorized, vectorized, parallel --bufferize--> memref --> LLVM dialect
//   --> LLVM IR (+ packed wrappers) --O3--> object --ld.lld--> kernels.so
#pragma once

#include "targets/Target.h"
#include "targets/cpu/CpuTarget.h"

#include "mlir/IR/BuiltinOps.h"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace rqc::cpu {

// Compiles every func.func in `kernels` (linalg on tensors, each with its rqc.schedule;
// consumed: it is rewritten in place) and returns the bytes of the linked shared object.
// Dumps the stages "scheduled" and "llvm". Throws rqc::Error on failure.
std::string compileKernels(mlir::ModuleOp kernels, const std::vector<KernelSymbol> &symbols,
                           const CpuTarget &target, const DumpHook &dump = {});

// What the schedule templates see of a CPU target: template key (x86 / arm_cpu), vector
// width and SIMD register count from its triple and features, and its TVM target string.
schedule::TargetDesc scheduleTargetOf(const CpuTarget &target, const std::string &model = "unknown");

// The CPU Target for a TVM-style target string (resolveCpuTarget's forms).
std::unique_ptr<Target> createCpuTarget(const std::string &target, const std::string &mcpu = "",
                                        const std::string &mattr = "");

} // namespace rqc::cpu
