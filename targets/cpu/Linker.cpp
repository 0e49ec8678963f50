#include "targets/cpu/Linker.h"

#include "rqc/runtime/Error.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/Program.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/Triple.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace rqc::cpu {

namespace {

std::string findLld() {
  for (const char *name : {"ld.lld-19", "ld.lld"})
    if (auto p = llvm::sys::findProgramByName(name)) return *p;
  if (llvm::sys::fs::exists("/usr/lib/llvm-19/bin/ld.lld")) return "/usr/lib/llvm-19/bin/ld.lld";
  throw Error("ld.lld (Debian package lld-19) is needed to link kernels and was not found");
}

// Directory holding the target's libomp.so: the host's LLVM tree, or for a cross target
// the one set-up unpacked (overridable through the environment).
std::string ompLibraryDir(const llvm::Triple &triple, const llvm::Triple &host) {
  if (triple.getArch() == host.getArch()) return "/usr/lib/llvm-19/lib";
  if (triple.isAArch64()) {
    if (const char *dir = std::getenv("RQC_AARCH64_OMP_DIR")) return dir;
    return RQC_AARCH64_OMP_DIR;
  }
  if (triple.isARM()) {
    if (const char *dir = std::getenv("RQC_ARMHF_OMP_DIR")) return dir;
    return RQC_ARMHF_OMP_DIR;
  }
  return "";
}

struct TempFile {
  llvm::SmallString<128> path;
  explicit TempFile(const char *suffix) {
    int fd;
    if (llvm::sys::fs::createTemporaryFile("rqc-kernels", suffix, fd, path))
      throw Error("cannot create a temporary file for linking");
    llvm::sys::Process::SafelyCloseFileDescriptor(fd);
  }
  ~TempFile() { llvm::sys::fs::remove(path); }
};

} // namespace

std::string linkSharedObject(const std::string &object, const CpuTarget &target, bool openmp) {
  TempFile obj(".o"), so(".so"), log(".log");
  {
    std::ofstream out(obj.path.c_str(), std::ios::binary);
    out.write(object.data(), static_cast<std::streamsize>(object.size()));
  }
  std::string lld = findLld();
  std::vector<std::string> args{lld, "-shared", "--no-undefined-version", "-o", so.path.str().str(), obj.path.str().str()};
  if (openmp) {
    llvm::Triple triple(target.triple), host(llvm::sys::getDefaultTargetTriple());
    std::string dir = ompLibraryDir(triple, host);
    if (dir.empty() || !llvm::sys::fs::exists(dir + "/libomp.so") && !llvm::sys::fs::exists(dir + "/libomp.so.5"))
      throw Error("libomp for " + target.triple + " is missing (looked in '" + dir +
                  "'; scripts/setup.sh unpacks it, RQC_AARCH64_OMP_DIR / RQC_ARMHF_OMP_DIR point elsewhere)");
    std::string lib = llvm::sys::fs::exists(dir + "/libomp.so") ? dir + "/libomp.so" : dir + "/libomp.so.5";
    args.push_back(lib);
    if (triple.getArch() == host.getArch()) args.push_back("-rpath=" + dir);
  }
  std::vector<llvm::StringRef> refs(args.begin(), args.end());
  std::optional<llvm::StringRef> redirects[] = {std::nullopt, log.path.str(), log.path.str()};
  std::string err;
  int rc = llvm::sys::ExecuteAndWait(lld, refs, std::nullopt, redirects, 0, 0, &err);
  if (rc != 0) {
    std::ifstream l(log.path.c_str());
    std::stringstream ss;
    ss << l.rdbuf();
    std::string msg = ss.str();
    if (auto nl = msg.find('\n'); nl != std::string::npos) msg.resize(nl);
    throw Error("linking kernels failed: " + (msg.empty() ? err : msg));
  }
  std::ifstream in(so.path.c_str(), std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

} // namespace rqc::cpu
