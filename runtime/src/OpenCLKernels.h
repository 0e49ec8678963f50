// The OpenCL kernels of a loaded module (KernelInfo::device == "opencl",
// docs/package-format.md): kernels.cl built once for one OpenCL device, found through the
// ICD loader (libOpenCL.so.1, opened at run time so that the runtime needs no OpenCL
// library to load CPU packages), one in-order queue.
//
// Device: --device opencl:N (LoadOptions) or RQC_OPENCL_DEVICE=N picks the N-th device over
// all platforms (in the order `clinfo -l` lists them); by default the first GPU, else the
// first device.
// Program cache: the built binary is kept under $RQC_CACHE_DIR (default
// $XDG_CACHE_HOME/rqc or ~/.cache/rqc) in opencl/<sha256 of source, device and driver>.bin.
//
// Memory: params are uploaded once; every other buffer lives on the device (one buffer per
// root buffer, not shared as the host's memory plan shares the arena), model inputs are
// copied up before the kernels that read them and model outputs read back after the
// kernels that write them. Every kernel of an OpenCL package runs on the device, so no
// other host copy is ever read.
#pragma once

#include "rqc/runtime/ModuleDescription.h"

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace rqc {

// The OpenCL devices of every platform, "<platform> / <device>", in the order --device
// opencl:N counts them. Throws rqc::Error (prefixed by `what`) when the ICD loader or a
// platform is missing.
std::vector<std::string> openclDevices(const std::string &what);

class OpenCLKernels {
public:
  // Opens the device and builds `source` (kernels.cl). Throws rqc::Error (prefixed by
  // `what`) when libOpenCL.so.1 or an OpenCL platform/device is missing, the build fails
  // (with the first lines of the build log), or a launch names a __kernel the program lacks.
  // `device`: the N-th device over all platforms, or -1 (RQC_OPENCL_DEVICE, else the first
  // GPU, else the first device).
  OpenCLKernels(const ModuleInfo &info, const std::string &source,
                const std::function<const void *(int64_t)> &paramData, const std::string &what, int device = -1);
  ~OpenCLKernels();

  // Enqueues kernel `kernelIndex` (device "opencl") on the arg pointers the executor passes
  // every kernel. It returns once its model outputs, if any, are back in host memory; its
  // other work may still be running (finish() waits). Throws rqc::Error on an OpenCL error
  // (an error of an earlier launch may surface here).
  void run(size_t kernelIndex, void **args);
  // Waits until every enqueued kernel has finished. Throws rqc::Error on an OpenCL error.
  void finish();

  // Kernel `kernelIndex`'s mean time on the device per call (its launches' profiling events,
  // end - start, in ms; without the host's enqueue and copy time), nullopt before a call.
  std::optional<double> meanDeviceMs(size_t kernelIndex) const;
  // "Portable Computing Language / pthread-skylake-avx512-..." for reports.
  std::string deviceName() const;

private:
  struct State;
  std::unique_ptr<State> s_;
};

} // namespace rqc
