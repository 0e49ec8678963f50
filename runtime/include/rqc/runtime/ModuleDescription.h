// module.json of a package (docs/package-format.md), parsed and checked: the buffers
// (tensors) of a compiled model, the kernels that run in order over them, its inputs and
// outputs, and the target it was compiled for.
#pragma once

#include "rqc/runtime/Tensor.h"

#include <cstdint>
#include <string>
#include <map>
#include <unordered_map>
#include <vector>

namespace rqc {

// The package format this runtime reads, and the kernel ABI it calls.
inline constexpr const char *kPackageFormat = "rqc-module";
inline constexpr int kPackageFormatVersion = 2; // 2: members carry checksums
inline constexpr int32_t kKernelAbiVersion = 1;

enum class BufferKind { Input, Output, Param, Intermediate, Alias };
const char *bufferKindName(BufferKind kind); // "input", ...

struct BufferInfo {
  int64_t id = 0;
  std::string name;
  DType dtype = DType::F32;
  Shape shape;
  BufferKind kind = BufferKind::Intermediate;
  uint64_t paramOffset = 0; // kind == Param: where its bytes start in params.bin
  int64_t aliasOf = -1;     // kind == Alias: the id of the buffer whose bytes it shares

  uint64_t nbytes() const { return static_cast<uint64_t>(numElements(shape)) * dtypeSize(dtype); }
};

// A kernel that runs on the VTA accelerator (device "vta"): its DRAM image, laid out at
// compile time with every address relative to the image's start (the runtime places the
// image at a page-aligned physical address and relocates the LOAD/STORE addresses). The
// code (micro-ops, then 128-bit instructions, as they sit in DRAM) is in vta.bin.
struct VtaKernelInfo {
  uint64_t imageBytes = 0;            // the whole image
  std::vector<uint64_t> argOffsets;   // byte offset of each arg's bytes in the image, per KernelInfo::args
  uint64_t uopImageOffset = 0;        // where the micro-ops go in the image (4-byte aligned)
  uint64_t insnImageOffset = 0;       // where the instructions go (16-byte aligned)
  uint64_t codeOffset = 0;            // where this kernel's code starts in vta.bin
  uint64_t uopCount = 0, insnCount = 0;
  uint64_t codeBytes() const { return uopCount * 4 + insnCount * 16; }
};

// A kernel that runs on an OpenCL device (device "opencl"): __kernel functions of kernels.cl
// enqueued in order, each over an NDRange, on buffers holding the kernel's args and its
// temporaries (scratch), which live as long as the module.
struct OpenCLLaunchInfo {
  std::string entry;            // the __kernel's name in kernels.cl
  std::vector<int64_t> global;  // global work size, 1 to 3 dims, each positive
  std::vector<int64_t> local;   // work-group size (as many dims, each dividing global's), or
                                // empty: the driver chooses
  std::vector<int64_t> args;    // its parameters: these of KernelInfo::args (positions)...
  std::vector<int64_t> scratch; // ...then these scratch buffers (positions in scratchBytes)
};
struct OpenCLKernelInfo {
  std::vector<OpenCLLaunchInfo> launches;
  std::vector<uint64_t> scratchBytes; // each temporary's size in bytes
};

struct KernelInfo {
  std::string name;
  std::string device = "cpu";  // "cpu": a function in kernels.so; "vta": a VTA stream (vta below);
                               // "opencl": OpenCL C kernels in kernels.cl (opencl below)
  VtaKernelInfo vta;           // device == "vta"
  OpenCLKernelInfo opencl;     // device == "opencl"
  std::string symbol;        // device "cpu": exported by kernels.so as void symbol(void **args)
  std::vector<int64_t> args; // buffer ids: the read buffers, then the written ones
  int outputsCount = 1;      // how many trailing args the kernel writes
  std::string ops;           // informative: "conv2d+relu"
  int64_t macs = 0;          // informative

  size_t firstOutputArg() const { return args.size() - static_cast<size_t>(outputsCount); }
};

struct TargetInfo {
  std::string kind;   // "llvm", "arm_cpu", "vta" (VTA kernels plus host kernels for `triple`),
                      // "opencl" (every kernel in kernels.cl; no triple)
  std::string openclDevice; // kind "opencl": TVM's -device ("mali")
  std::string model;        // kind "opencl": TVM's -model (a board name, or "unknown")
  std::string vtaModel; // kind "vta": the VTA configuration, e.g. "pynq_1x16_i8w8a32_15_15_18_17"
  std::string triple; // the CPU kernels': "x86_64-unknown-linux-gnu", "aarch64-linux-gnu"
  std::string cpu;
  std::string features; // LLVM feature string "+avx2,+fma"
};

namespace detail {
struct ModuleInfoAccess; // lets the parser fill the indexes below
}

struct ModuleInfo {
  int formatVersion = 0;
  std::string rqcVersion;
  TargetInfo target;
  std::vector<BufferInfo> buffers; // in module.json order
  std::vector<KernelInfo> kernels; // in execution order
  // SHA-256 of every package member but module.json (Checksum.h): name -> "sha256:<hex>".
  std::map<std::string, std::string> checksums;
  std::vector<int64_t> inputs;     // buffer ids, in the order the model declares them
  std::vector<int64_t> outputs;

  // Whether a kernel runs on the CPU (then kernels.so is needed) / on VTA (vta.bin).
  bool hasCpuKernels() const;
  bool hasVtaKernels() const;
  bool hasOpenCLKernels() const;

  bool hasBuffer(int64_t id) const { return indexById_.count(id) != 0; }
  size_t bufferIndex(int64_t id) const; // position in `buffers`; throws for an unknown id
  const BufferInfo &buffer(int64_t id) const { return buffers[bufferIndex(id)]; }
  // The buffer that owns the bytes of `id`: follows alias_of to a non-alias buffer.
  int64_t rootOf(int64_t id) const;

private:
  friend struct detail::ModuleInfoAccess;
  std::unordered_map<int64_t, size_t> indexById_;
  std::unordered_map<int64_t, int64_t> rootById_;
};

// Parses module.json and checks it is self-consistent: the format and its version, the
// member checksums (well-formed; whether the members match is Module's check), ids,
// dtypes, shapes, params inside a params.bin of `paramsBytes` bytes at 64-byte aligned
// offsets, acyclic alias chains no larger than their root, kernel arguments that exist,
// kernels that never write inputs or params nor read a buffer before it is written, and
// inputs/outputs that match the buffers' kinds. Throws rqc::Error, prefixed by `what`.
// The target is only parsed here; whether this process can run it is Module's check.
ModuleInfo parseModuleDescription(const std::string &json, uint64_t paramsBytes, const std::string &what);

} // namespace rqc
