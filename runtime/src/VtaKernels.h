// The VTA kernels of a loaded module (KernelInfo::device == "vta", docs/package-format.md):
// each kernel's DRAM image lives in VTA device memory for the module's lifetime, with its
// code copied in and relocated to where the image landed, and its params copied in once.
// A call copies the kernel's other inputs into the image, runs the stream, waits for
// FINISH and copies the outputs back. The device is rqc's simulator (SimulatorDevice);
// a board's device would plug in at makeDevice().
#pragma once

#include "rqc/runtime/Module.h"
#include "rqc/runtime/ModuleDescription.h"

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace rqc::vta {
class VtaDevice;
class SimulatorDevice;
struct DeviceBuffer;
} // namespace rqc::vta

namespace rqc {

class VtaKernels {
public:
  // `paramData(id)` gives the bytes of a param buffer. Throws rqc::Error (prefixed by `what`)
  // when the VTA configuration is unknown, device memory runs out, or a stream does not
  // decode (a corrupt vta.bin).
  VtaKernels(const ModuleInfo &info, const std::string &vtaCode,
             const std::function<const void *(int64_t)> &paramData, const std::string &what);
  ~VtaKernels();

  // Runs kernel `kernelIndex` (an index into info.kernels, device "vta") with the arg
  // pointers the executor passes every kernel. Throws rqc::Error when the stream fails the
  // simulator's checks or does not finish within the timeout.
  void run(size_t kernelIndex, void **args);
  // Kernel `kernelIndex`'s last run on the device's cycle model (the simulator's estimate
  // of a board, at the configuration's clock; the same every run, as VTA's timing does not
  // depend on the data); nullopt before its first run.
  std::optional<Module::SimulatedTime> simulatedTime(size_t kernelIndex) const;

private:
  struct Prepared;
  const ModuleInfo &info_;
  std::string what_;
  std::unique_ptr<vta::VtaDevice> device_;
  vta::SimulatorDevice *simulator_ = nullptr; // device_, for its reports
  std::vector<std::unique_ptr<Prepared>> kernels_; // by kernel index; null for CPU kernels
};

} // namespace rqc
