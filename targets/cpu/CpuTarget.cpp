#include "targets/cpu/CpuTarget.h"

#include "rqc/runtime/Error.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/Triple.h"

#include <memory>
#include <regex>
#include <sstream>

namespace rqc::cpu {

namespace {

void initTargets() {
  static bool done = [] {
    llvm::InitializeAllTargetInfos();
    llvm::InitializeAllTargets();
    llvm::InitializeAllTargetMCs();
    llvm::InitializeAllAsmPrinters();
    return true;
  }();
  (void)done;
}

std::string option(const std::string &target, const std::string &key) {
  std::smatch m;
  if (std::regex_search(target, m, std::regex("-" + key + "=(\\S+)"))) return m[1];
  return "";
}

// LLVM only warns about an unknown CPU or feature, on several lines, and then ignores it,
// so a typo (or a CPU of another architecture) would silently give a generic build:
// refuse them. The subtarget tables come from a generic subtarget, which prints nothing.
void checkCpuAndFeatures(const llvm::Target &target, const std::string &triple, const std::string &cpu,
                         const std::string &features) {
  std::unique_ptr<llvm::MCSubtargetInfo> sti(target.createMCSubtargetInfo(triple, "", ""));
  if (!cpu.empty() && !sti->isCPUStringValid(cpu))
    throw Error("unknown CPU '" + cpu + "' for target triple " + triple + " (`llc -mtriple=" + triple +
                " -mcpu=help` lists the known ones; for another architecture give -mtriple too)");
  std::istringstream list(features);
  for (std::string f; std::getline(list, f, ',');) {
    std::string name = f.empty() || (f[0] != '+' && f[0] != '-') ? f : f.substr(1);
    bool known = llvm::any_of(sti->getAllProcessorFeatures(),
                              [&](const llvm::SubtargetFeatureKV &kv) { return name == kv.Key; });
    if (!known)
      throw Error("unknown CPU feature '" + name + "' for target triple " + triple + " (`llc -mtriple=" + triple +
                  " -mattr=help` lists the known ones)");
  }
}

// The features LLVM gives CPU `cpu` ("+avx2,+fma,..."): what -mcpu=haswell means, rather
// than this host's features under another CPU's name.
std::string featuresOf(const llvm::Target &target, const std::string &triple, const std::string &cpu) {
  std::unique_ptr<llvm::MCSubtargetInfo> sti(target.createMCSubtargetInfo(triple, cpu, ""));
  std::string f;
  for (const llvm::SubtargetFeatureKV &kv : sti->getAllProcessorFeatures())
    if (sti->checkFeatures(std::string("+") + kv.Key)) f += (f.empty() ? "+" : ",+") + std::string(kv.Key);
  return f;
}

} // namespace

CpuTarget resolveCpuTarget(const std::string &target, const std::string &mcpu, const std::string &mattr) {
  initTargets();
  std::istringstream words(target);
  std::string kind;
  words >> kind;
  CpuTarget t;
  std::string device = option(target, "device");
  if (kind == "arm_cpu" || (kind == "llvm" && device == "arm_cpu")) {
    t.name = "arm_cpu";
    t.triple = "aarch64-unknown-linux-gnu";
    t.cpu = "generic";
    t.features = "+neon";
  } else if (kind == "llvm") {
    t.name = "llvm";
    t.triple = llvm::sys::getDefaultTargetTriple();
    t.cpu = llvm::sys::getHostCPUName().str();
    std::string f;
    for (auto &kv : llvm::sys::getHostCPUFeatures())
      if (kv.second) f += (f.empty() ? "+" : ",+") + kv.first().str();
    t.features = f;
  } else {
    throw Error("unknown target '" + target + "' (targets: llvm, arm_cpu, 'llvm -mtriple=...', mali, vta)");
  }
  std::string requested = option(target, "mtriple");
  if (std::string triple = requested; !triple.empty()) {
    // Normalized ("armv7a-linux-gnueabihf" -> "armv7a-unknown-linux-gnueabihf"): LLVM reads
    // the environment, and with it the hard-float ABI, from the fourth component only.
    t.triple = llvm::Triple::normalize(triple);
    if (t.name == "llvm" && !isHostCompatible(t.triple)) {
      t.cpu = "generic";
      t.features = "";
    }
  }
  std::string userCpu = !mcpu.empty() ? mcpu : option(target, "mcpu");
  std::string userAttr = !mattr.empty() ? mattr : option(target, "mattr");
  if (!userCpu.empty()) t.cpu = userCpu;
  if (!userAttr.empty()) t.features = userAttr;

  std::string err;
  const llvm::Target *llvmTarget = llvm::TargetRegistry::lookupTarget(t.triple, err);
  if (!llvmTarget)
    throw Error("target triple '" + (requested.empty() ? t.triple : requested) + "' is not supported: " + err);
  checkCpuAndFeatures(*llvmTarget, t.triple, userCpu, userAttr);
  llvm::Triple triple(t.triple);
  // A CPU named without -mattr: that CPU's features, not the host's (a package for
  // -mcpu=haswell must not use this machine's AVX-512) nor the generic "+neon" (a
  // Cortex-A76 has SDOT).
  if ((triple.isX86() || triple.isAArch64()) && !userCpu.empty() && userAttr.empty())
    t.features = featuresOf(*llvmTarget, t.triple, t.cpu);
  if (triple.isX86()) t.vectorBits = t.features.find("+avx512f") != std::string::npos ? 512
                                     : t.features.find("+avx2") != std::string::npos ? 256 : 128;
  else t.vectorBits = 128; // NEON
  return t;
}

bool isHostCompatible(const std::string &triple) {
  llvm::Triple a(llvm::Triple::normalize(triple)), host(llvm::sys::getDefaultTargetTriple());
  return a.getArch() == host.getArch() && a.getOS() == host.getOS();
}

} // namespace rqc::cpu
