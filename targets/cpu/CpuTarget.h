// CPU targets: TVM-style target strings resolved to an LLVM triple, CPU and features.
#pragma once

#include <string>

namespace rqc::cpu {

struct CpuTarget {
  std::string name;     // "llvm" or "arm_cpu"
  std::string triple;   // x86_64-unknown-linux-gnu, aarch64-linux-gnu, armv7a-linux-gnueabihf
  std::string cpu;      // e.g. "skylake-avx512", "cortex-a72", "generic"
  std::string features; // LLVM feature string ("+neon,+dotprod")
  int vectorBits = 128; // widest SIMD register used for vectorization
};

// Resolves `llvm` (the host), `arm_cpu` (aarch64), `llvm -mtriple=...`, with optional
// -mcpu / -mattr refinements (as flags or inside the target string). Throws rqc::Error for
// an unknown target, triple, CPU or CPU feature (a CPU of another architecture is unknown).
CpuTarget resolveCpuTarget(const std::string &target, const std::string &mcpu = "",
                           const std::string &mattr = "");

// True when code for `triple` runs in this process (same architecture and OS).
bool isHostCompatible(const std::string &triple);

} // namespace rqc::cpu
