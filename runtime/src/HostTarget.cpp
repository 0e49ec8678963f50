#include "HostTarget.h"

#include "rqc/runtime/Error.h"

#include <cstdint>
#include <cstring>
#include <sstream>
#include <vector>

#if defined(__aarch64__) && defined(__linux__)
#include <sys/auxv.h>
#include <asm/hwcap.h>
#endif

namespace rqc {

namespace {

enum class Arch { X86_64, X86, AArch64, Arm, Unknown };

const char *archName(Arch a) {
  switch (a) {
  case Arch::X86_64: return "x86_64";
  case Arch::X86: return "i686";
  case Arch::AArch64: return "aarch64";
  case Arch::Arm: return "armv7";
  case Arch::Unknown: return "unknown";
  }
  return "unknown";
}

constexpr Arch hostArch() {
#if defined(__x86_64__)
  return Arch::X86_64;
#elif defined(__i386__)
  return Arch::X86;
#elif defined(__aarch64__)
  return Arch::AArch64;
#elif defined(__arm__)
  return Arch::Arm;
#else
  return Arch::Unknown;
#endif
}

constexpr bool hostIsHardFloat() {
#if defined(__arm__) && !defined(__ARM_PCS_VFP)
  return false;
#else
  return true;
#endif
}

// The architecture component of an LLVM triple ("armv7a-linux-gnueabihf" -> Arm).
Arch archOfTriple(const std::string &triple) {
  std::string a = triple.substr(0, triple.find('-'));
  if (a == "x86_64" || a == "amd64" || a == "x86_64h") return Arch::X86_64;
  if (a == "i386" || a == "i486" || a == "i586" || a == "i686") return Arch::X86;
  if (a == "aarch64" || a == "arm64") return Arch::AArch64;
  if ((a.rfind("arm", 0) == 0 || a.rfind("thumb", 0) == 0) && a.find("eb") == std::string::npos) return Arch::Arm;
  return Arch::Unknown;
}

std::vector<std::string> components(const std::string &triple) {
  std::vector<std::string> parts;
  std::stringstream ss(triple);
  for (std::string p; std::getline(ss, p, '-');) parts.push_back(p);
  return parts;
}

// True/false when the runtime can tell whether this CPU has an LLVM feature; `known` is
// false for features it cannot query (those are trusted). Only features that generated
// vector code depends on are listed; names are LLVM's (which GCC's and Linux's follow).
bool hostHasFeature(const std::string &feature, bool &known) {
  known = true;
#if defined(__x86_64__) || defined(__i386__)
#define RQC_X86_FEATURE(name) \
  if (feature == name) return __builtin_cpu_supports(name);
  RQC_X86_FEATURE("sse4.1")
  RQC_X86_FEATURE("sse4.2")
  RQC_X86_FEATURE("popcnt")
  RQC_X86_FEATURE("avx")
  RQC_X86_FEATURE("avx2")
  RQC_X86_FEATURE("fma")
#if !defined(__clang__) || __clang_major__ >= 16 // older clang (the fuzz build's 14) cannot query these
  RQC_X86_FEATURE("f16c")
#endif
  RQC_X86_FEATURE("bmi")
  RQC_X86_FEATURE("bmi2")
  RQC_X86_FEATURE("avx512f")
  RQC_X86_FEATURE("avx512bw")
  RQC_X86_FEATURE("avx512dq")
  RQC_X86_FEATURE("avx512vl")
  RQC_X86_FEATURE("avx512cd")
  RQC_X86_FEATURE("avx512vnni")
  RQC_X86_FEATURE("avx512bf16")
#if !defined(__clang__) || __clang_major__ >= 16
  RQC_X86_FEATURE("avx512fp16")
  RQC_X86_FEATURE("avxvnni")
#endif
#undef RQC_X86_FEATURE
#elif defined(__aarch64__) && defined(__linux__)
  unsigned long hwcap = getauxval(AT_HWCAP);
#ifdef HWCAP_ASIMDDP
  if (feature == "dotprod") return hwcap & HWCAP_ASIMDDP;
#endif
#ifdef HWCAP_ASIMDHP
  if (feature == "fullfp16") return hwcap & HWCAP_ASIMDHP;
#endif
#ifdef HWCAP_SVE
  if (feature == "sve") return hwcap & HWCAP_SVE;
#endif
#if defined(AT_HWCAP2) && defined(HWCAP2_I8MM)
  if (feature == "i8mm") return getauxval(AT_HWCAP2) & HWCAP2_I8MM;
#endif
  (void)hwcap;
#endif
  known = false;
  return true;
}

unsigned elfMachineOf(Arch a) {
  switch (a) {
  case Arch::X86_64: return 62;   // EM_X86_64
  case Arch::X86: return 3;       // EM_386
  case Arch::AArch64: return 183; // EM_AARCH64
  case Arch::Arm: return 40;      // EM_ARM
  case Arch::Unknown: return 0;
  }
  return 0;
}

std::string elfMachineName(unsigned machine) {
  for (Arch a : {Arch::X86_64, Arch::X86, Arch::AArch64, Arch::Arm})
    if (elfMachineOf(a) == machine) return archName(a);
  return "machine " + std::to_string(machine);
}

} // namespace

std::string hostDescription() {
  std::string d = archName(hostArch());
#if defined(__linux__)
  d += "-linux";
#endif
#if defined(__arm__)
  d += hostIsHardFloat() ? "-gnueabihf" : "-gnueabi";
#endif
  return d;
}

void checkTargetRunsHere(const TargetInfo &target, const std::string &what) {
  if (target.kind == "opencl") { // every kernel on an OpenCL device: no CPU code to check
#ifdef RQC_RUNTIME_OPENCL
    return;
#else
    throw Error(what + ": the package is for an OpenCL device (" + target.openclDevice +
                ") and this runtime was built without OpenCL (Khronos headers CL/cl.h missing at build time)");
#endif
  }
#ifdef RQC_RUNTIME_VTA
  const bool vta = target.kind == "vta"; // VTA kernels on the VTA device, the rest on this CPU
#else
  const bool vta = false;
#endif
  if (target.kind != "llvm" && target.kind != "arm_cpu" && !vta)
    throw Error(what + ": target '" + target.kind + "' needs a device back end this runtime does not have " +
                "(it runs CPU packages: llvm, arm_cpu" +
#ifdef RQC_RUNTIME_VTA
                ", and vta" +
#endif
                ")");
  Arch arch = archOfTriple(target.triple);
  std::vector<std::string> parts = components(target.triple);
  bool onLinux = target.triple.find("-linux") != std::string::npos;
  bool hardFloat = parts.empty() || parts.back().find("hf") != std::string::npos;
  bool archMatches = arch == hostArch() && arch != Arch::Unknown;
  bool abiMatches = arch != Arch::Arm || hardFloat == hostIsHardFloat();
  if (!archMatches || !onLinux || !abiMatches) {
    std::string hint;
    if (arch == Arch::AArch64) hint = " (run it on an aarch64 board, or under qemu-aarch64)";
    else if (arch == Arch::Arm) hint = " (run it on an armv7 board, or under qemu-arm)";
    // The target string rqc compile needs for this machine.
    const std::string here = hostArch() == Arch::AArch64 ? "arm_cpu"
                             : hostArch() == Arch::Arm   ? "\"arm_cpu -mtriple=armv7a-linux-gnueabihf\""
                                                         : "llvm";
    throw Error(what + ": package target " + target.triple + " (" + target.kind + ") cannot run on this " +
                hostDescription() + " machine" + hint + "; compile the model for this machine with " +
                (target.kind == "vta" ? "--target=vta --target-host=" + here : "--target=" + here));
  }

  std::vector<std::string> missing;
  std::stringstream features(target.features);
  for (std::string f; std::getline(features, f, ',');) {
    if (f.size() < 2 || f[0] != '+') continue;
    bool known;
    if (!hostHasFeature(f.substr(1), known) && known) missing.push_back(f);
  }
  if (!missing.empty()) {
    std::string list;
    for (const std::string &f : missing) list += (list.empty() ? "" : ",") + f;
    throw Error(what + ": package was compiled for CPU '" + target.cpu + "' with features this CPU lacks (" + list +
                "); compile the model on this machine with --target=llvm, or choose --mcpu/--mattr it has");
  }
}

void checkKernelsElf(const std::string &so, const std::string &what) {
  if (so.size() < 20 || std::memcmp(so.data(), "\x7f" "ELF", 4) != 0)
    throw Error(what + ": kernels.so is not an ELF shared object");
  auto u16 = [&](size_t at) { return unsigned(uint8_t(so[at])) | unsigned(uint8_t(so[at + 1])) << 8; };
  unsigned elfClass = uint8_t(so[4]), encoding = uint8_t(so[5]);
  unsigned hostClass = sizeof(void *) == 8 ? 2 : 1;
  if (encoding != 1) throw Error(what + ": kernels.so is a big-endian ELF file; this runtime is little-endian");
  unsigned machine = u16(18), type = u16(16);
  if (machine != elfMachineOf(hostArch()) || elfClass != hostClass)
    throw Error(what + ": kernels.so is " + (elfClass == 2 ? "64" : "32") + "-bit code for " +
                elfMachineName(machine) + ", not for this " + hostDescription() + " machine");
  if (type != 3) throw Error(what + ": kernels.so is an ELF file but not a shared object");
}

} // namespace rqc
