// rqc::Module: a compiled model loaded from its package (MODEL.rqc): the checked
// description, the params, and the kernels resolved in kernels.so (and, for a VTA
// package, the VTA kernels prepared in the VTA device's memory). Immutable once loaded
// and shared by any number of Executors (each holds its own buffers).
#pragma once

#include "rqc/runtime/ModuleDescription.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <mutex>
#include <string>
#include <vector>

namespace rqc {

class KernelLibrary;
class PackageReader;
class VtaKernels;
class OpenCLKernels;

// Where a package's device kernels run.
struct LoadOptions {
  // An OpenCL package's device: the N-th device over all platforms (clinfo -l's order); -1:
  // RQC_OPENCL_DEVICE if set, else the first GPU, else the first device. Setting it for a
  // package without OpenCL kernels is an error (rqc::Error at load).
  int openclDevice = -1;
};

// "opencl:N" (or "opencl") as given to --device: the LoadOptions it means. Throws
// rqc::Error for anything else.
LoadOptions parseDeviceOption(const std::string &device);

// The OpenCL devices this process can run packages on, "<platform> / <device>", in the
// order LoadOptions::openclDevice counts them. Throws rqc::Error (one line) when the ICD
// loader or an OpenCL platform is missing, or the runtime was built without OpenCL.
std::vector<std::string> listOpenCLDevices();

// A model input or output as a caller sees it.
struct TensorSpec {
  std::string name;
  DType dtype = DType::F32;
  Shape shape;
  uint64_t nbytes() const { return static_cast<uint64_t>(numElements(shape)) * dtypeSize(dtype); }
};

class Module {
public:
  // A kernel: a function of kernels.so, or a VTA stream run on the VTA device.
  using KernelFunction = std::function<void(void **args)>;

  // Loads and validates the package at `path`: format and version, target (refused when
  // this process cannot run it), the buffer and kernel tables, params, and kernels.so with
  // every kernel symbol resolved up front. Throws rqc::Error with one line naming `path`.
  static std::shared_ptr<const Module> load(const std::string &path, const LoadOptions &options = {});
  // The same for a package held in memory; `what` names it in messages.
  static std::shared_ptr<const Module> loadFromBytes(std::string bytes, const std::string &what,
                                                     const LoadOptions &options = {});

  ~Module();
  Module(const Module &) = delete;
  Module &operator=(const Module &) = delete;

  const std::string &source() const { return source_; } // the path it was loaded from
  const ModuleInfo &info() const { return info_; }
  const std::vector<TensorSpec> &inputs() const { return inputs_; }
  const std::vector<TensorSpec> &outputs() const { return outputs_; }

  // The function of info().kernels[index].
  const KernelFunction &kernel(size_t index) const { return kernels_.at(index); }
  // For a kernel on a simulated accelerator (device "vta"): its last run on the device's
  // cycle model (an estimate of the board, not a measurement; the same every run). nullopt
  // for CPU kernels and before the kernel first ran.
  struct SimulatedTime {
    double ms = 0;                // at the configuration's clock (100 MHz on Pynq)
    uint64_t cycles = 0;
    double gemmUtilization = 0;   // busy GEMM cycles / total cycles (1.0 = the GEMM core's peak)
    double gops = 0;              // int8 ops per second achieved, in GOPS (2 per multiply-add)
  };
  std::optional<SimulatedTime> simulatedDeviceTime(size_t index) const;
  // For a kernel on an OpenCL device (device "opencl"): its mean time on the device per call
  // so far, in ms, from OpenCL's profiling events; nullopt for other kernels or before a call.
  std::optional<double> openclDeviceMs(size_t index) const;
  // Waits until every kernel call made so far has finished on its device (an OpenCL device
  // runs them asynchronously, in order); nothing to wait for on the CPU. Executor::run ends
  // with it, and calls it after each kernel when profiling. Throws rqc::Error.
  void synchronize() const;
  // "OpenCL device <platform> / <device>" for a package on an OpenCL device; "" otherwise.
  std::string deviceDescription() const;
  std::optional<double> simulatedDeviceMs(size_t index) const {
    std::optional<SimulatedTime> t = simulatedDeviceTime(index);
    return t ? std::optional<double>(t->ms) : std::nullopt;
  }
  // Read-only bytes of a param buffer (64-byte aligned).
  const void *paramData(int64_t paramBufferId) const;
  uint64_t paramsBytes() const { return paramsBytes_; }

  // Calls the package's rqc_set_num_threads. OpenMP keeps this setting per calling
  // thread, so call it from the thread that then runs the kernels (Executor::run does).
  void setNumThreads(int32_t n) const;
  // Held while calling kernels: the ABI lets one thread at a time call into kernels.so.
  std::mutex &kernelMutex() const { return kernelMutex_; }

private:
  Module() = default;
  static std::shared_ptr<const Module> loadFrom(PackageReader &reader, const LoadOptions &options);

  std::string source_;
  ModuleInfo info_;
  std::vector<TensorSpec> inputs_, outputs_;
  std::unique_ptr<KernelLibrary> library_; // null when no kernel runs on the CPU
  std::shared_ptr<VtaKernels> vta_;        // null when no kernel runs on VTA (shared_ptr: a
                                           // runtime built without VTA never defines it)
  std::shared_ptr<OpenCLKernels> opencl_;  // null when no kernel runs on an OpenCL device
  std::vector<KernelFunction> kernels_;
  std::unique_ptr<uint8_t, void (*)(void *)> params_{nullptr, nullptr};
  uint64_t paramsBytes_ = 0;
  mutable std::mutex kernelMutex_;
};

} // namespace rqc
