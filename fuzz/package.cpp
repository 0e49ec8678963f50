// libFuzzer target: module package bytes -> PackageReader and what Module::loadFrom does
// with them before kernels.so is loaded (runtime/src/Module.cpp, in the same order): the
// member index, module.json parsed and checked against params.bin, the target check, the
// kernels.so ELF check; then the memory plan the executor makes from the description, and
// every member read as `rqc package` commands read them (readPackage). Loading kernels.so
// itself is left out on purpose: a package is code, and dlopen runs it.
#include "FuzzSupport.h"

#include "HostTarget.h" // runtime/src: checkTargetRunsHere, checkKernelsElf
#include "rqc/runtime/MemoryPlan.h"
#include "rqc/runtime/ModuleDescription.h"
#include "rqc/runtime/PackageReader.h"

namespace {

// Module.cpp's limits for the members it reads whole.
constexpr uint64_t kMaxDescriptionBytes = 64ull << 20;
constexpr uint64_t kMaxKernelLibraryBytes = 2ull << 30;

void loadPackage(std::string bytes) {
  rqc::PackageReader reader = rqc::PackageReader::fromBytes(std::move(bytes), "fuzz.rqc");
  for (const rqc::PackageMemberInfo &m : reader.members()) (void)reader.read(m.name);

  const std::string &what = reader.what();
  if (!reader.find("module.json")) throw rqc::Error(what + ": not an rqc package (it has no module.json)");
  const rqc::PackageMemberInfo *params = reader.find("params.bin");
  uint64_t paramsBytes = params ? params->size : 0;
  rqc::ModuleInfo info =
      rqc::parseModuleDescription(reader.read("module.json", kMaxDescriptionBytes), paramsBytes, what);
  rqc::MemoryPlan plan = rqc::planMemory(info);
  (void)plan;
  rqc::checkTargetRunsHere(info.target, what);
  if (!reader.find("kernels.so")) throw rqc::Error(what + ": the package has no kernels.so");
  rqc::checkKernelsElf(reader.read("kernels.so", kMaxKernelLibraryBytes), what);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  return rqc::fuzz::runExpectingRqcErrors(
      [&] { loadPackage(std::string(reinterpret_cast<const char *>(data), size)); });
}
