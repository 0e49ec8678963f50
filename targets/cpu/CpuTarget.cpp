#include "targets/cpu/CpuTarget.h"

#include "rqc/runtime/Error.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/Triple.h"

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
    throw Error("unknown target '" + target + "' (CPU targets: llvm, arm_cpu, 'llvm -mtriple=...')");
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
  if (std::string c = option(target, "mcpu"); !c.empty()) t.cpu = c;
  if (std::string a = option(target, "mattr"); !a.empty()) t.features = a;
  if (!mcpu.empty()) t.cpu = mcpu;
  if (!mattr.empty()) t.features = mattr;

  std::string err;
  const llvm::Target *llvmTarget = llvm::TargetRegistry::lookupTarget(t.triple, err);
  if (!llvmTarget)
    throw Error("target triple '" + (requested.empty() ? t.triple : requested) + "' is not supported: " + err);
  llvm::Triple triple(t.triple);
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
