#include "targets/Target.h"

#include "rqc/runtime/Error.h"
#include "targets/cpu/CpuCodegen.h"
#include "targets/opencl/OpenCLTarget.h"
#include "targets/vta/compiler/VtaTarget.h"

namespace rqc {

nlohmann::json Target::deviceKernel(mlir::Operation *op) {
  throw Error("'" + op->getName().getStringRef().str() + "' runs on an accelerator, and target '" +
              describe().value("kind", std::string("?")) + "' has none");
}

std::unique_ptr<Target> createTarget(const std::string &target, const std::string &mcpu, const std::string &mattr,
                                     const std::string &targetHost) {
  if (vta::isVtaTarget(target)) return vta::createVtaTarget(target, targetHost, mcpu, mattr);
  if (opencl::isOpenCLTarget(target)) {
    if (!mcpu.empty() || !mattr.empty())
      throw Error("--mcpu and --mattr refine a CPU target; '" + target + "' is an OpenCL device");
    if (!targetHost.empty()) throw Error("--target-host applies to --target=vta; '" + target + "' runs every kernel on the OpenCL device");
    return opencl::createOpenCLTarget(target);
  }
  if (!targetHost.empty())
    throw Error("--target-host applies to a target with an accelerator (--target=vta); '" + target + "' runs on the CPU");
  return cpu::createCpuTarget(target, mcpu, mattr);
}

} // namespace rqc
