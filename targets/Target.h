// The seam between the compile pipeline (compiler/driver/Pipeline.cpp) and a code
// generator: the driver runs the target-independent stages (graph passes, schedule
// selection, lowering to linalg) and hands the kernels to a Target, which applies their
// schedules with its own mechanism and emits the package members it needs. CPU
// (targets/cpu) is the first; OpenCL and VTA back ends plug in beside it.
#pragma once

#include "schedules/Template.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/PassManager.h"

#include <nlohmann/json.hpp>

#include <functional>
#include <memory>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace rqc {

struct PartitionReport; // compiler/passes/Passes.h

// Called with a stage name ("scheduled", "llvm", ...) and its printed form.
using DumpHook = std::function<void(const std::string &stage, const std::string &text)>;

struct KernelSymbol {
  std::string function; // the kernel function in the module, e.g. "kernel_3_conv1"
  std::string symbol;   // the exported entry point, e.g. "rqc_kernel_3"
};

// The words of a TVM-style target string ("opencl -device=mali -model=rk3399").
inline std::vector<std::string> targetWords(const std::string &target) {
  std::istringstream in(target);
  std::vector<std::string> out;
  for (std::string t; in >> t;) out.push_back(t);
  return out;
}

class Target {
public:
  virtual ~Target() = default;
  // module.json's "target" object.
  virtual nlohmann::json describe() const = 0;
  // What schedule templates specialize on (template key, vector width, registers) and the
  // TVM-style target string tuning records are matched against.
  virtual schedule::TargetDesc scheduleTarget() const = 0;
  // This device's fingerprint: records measured on it are preferred.
  virtual std::string deviceFingerprint() const = 0;
  // The accelerator's schedule description (key "vta"), for the ops the graph passes leave
  // to it; key empty when the target has none.
  virtual schedule::TargetDesc deviceScheduleTarget() const {
    schedule::TargetDesc none;
    none.key.clear();
    return none;
  }
  // The graph passes run before rqc-qdq-to-integer that hand ops to the accelerator
  // (rqc-partition-vta), added to `pm` (nested on functions); none for a CPU.
  virtual void addPartitionPasses(mlir::OpPassManager &) const {}
  // What those passes did (after the graph passes ran): null for a CPU.
  virtual const PartitionReport *partitionReport() const { return nullptr; }
  // A kernel the accelerator runs itself: an op of the kernel graph that is neither a
  // constant, a reshape nor a CPU kernel call (graph.vta_conv2d). Returns module.json's
  // kernel fields other than name, symbol, args and macs ({"device": "vta", "ops": ...,
  // "vta": {...}}) and keeps its code for compile()'s members. Throws rqc::Error when the
  // target does not run such an op.
  virtual nlohmann::json deviceKernel(mlir::Operation *op);
  // Compiles the kernels (linalg on tensors, each with its rqc.schedule; consumed) into
  // named package members, e.g. {"kernels.so", bytes}, plus the device kernels' code
  // ("vta.bin"). Throws rqc::Error.
  virtual std::vector<std::pair<std::string, std::string>> compile(mlir::ModuleOp kernels,
                                                                   const std::vector<KernelSymbol> &symbols,
                                                                   const DumpHook &dump) = 0;
  // After compile(): adds the target's own fields to module.json's kernel objects (each
  // with its "symbol"), e.g. {"device": "opencl", "opencl": {"launches": ...}}. Nothing for
  // a CPU, whose kernels are exported symbols of kernels.so.
  virtual void describeKernels(nlohmann::json &kernels) const { (void)kernels; }
};

// The target for a TVM-style target string (llvm, arm_cpu, 'llvm -mtriple=...'; mali, an
// alias of 'opencl -device=mali', targets/opencl) with
// optional -mcpu / -mattr refinements (which apply to the host CPU), or VTA: "vta", an
// alias of 'ext_dev -device=vta -model=pynq_1x16_i8w8a32_15_15_18_17', with its host CPU
// `targetHost` (TVM's target_host; 'llvm -mtriple=armv7a-linux-gnueabihf', the Pynq's
// ARM, when empty). Throws rqc::Error for an unknown target, or a target host given
// with a target that has none.
std::unique_ptr<Target> createTarget(const std::string &target, const std::string &mcpu = "",
                                     const std::string &mattr = "", const std::string &targetHost = "");

} // namespace rqc
