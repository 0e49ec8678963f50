// The OpenCL kernels of a loaded module (KernelInfo::device == "opencl",
// docs/package-format.md): kernels.cl built once for one OpenCL device, found through the
// ICD loader (libOpenCL.so.1, opened at run time so that the runtime needs no OpenCL
// library to load CPU packages), one in-order queue.
//
// Device: RQC_OPENCL_DEVICE=N picks the N-th device over all platforms (in the order
// `clinfo -l` lists them); by default the first GPU, else the first device.
// Program cache: the built binary is kept under $RQC_CACHE_DIR (default
// $XDG_CACHE_HOME/rqc or ~/.cache/rqc) in opencl/<sha256 of source, device and driver>.bin.
//
// Memory (partial, issue 12): params are uploaded once; every other arg is copied to its
// device buffer before a call and the outputs read back after it (correct on any device,
// and zero-cost enough on PoCL; a Mali would keep activations on the device).
#pragma once

#include "rqc/runtime/ModuleDescription.h"

#include <functional>
#include <memory>
#include <string>

namespace rqc {

class OpenCLKernels {
public:
  // Opens the device and builds `source` (kernels.cl). Throws rqc::Error (prefixed by
  // `what`) when libOpenCL.so.1 or an OpenCL platform/device is missing, the build fails
  // (with the first lines of the build log), or a launch names a __kernel the program lacks.
  OpenCLKernels(const ModuleInfo &info, const std::string &source,
                const std::function<const void *(int64_t)> &paramData, const std::string &what);
  ~OpenCLKernels();

  // Runs kernel `kernelIndex` (device "opencl") on the arg pointers the executor passes every
  // kernel; returns when its outputs are back in host memory. Throws rqc::Error on an
  // OpenCL error.
  void run(size_t kernelIndex, void **args);

  // "Portable Computing Language / pthread-skylake-avx512-..." for reports.
  std::string deviceName() const;

private:
  struct State;
  std::unique_ptr<State> s_;
};

} // namespace rqc
