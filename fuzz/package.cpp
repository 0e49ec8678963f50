// libFuzzer target: module package bytes -> PackageReader and everything Module::loadFrom
// checks before it runs anything of a package (checkPackageBeforeLoading, shared with
// runtime/src/Module.cpp), then params.bin and the other members against their checksums
// and the memory plan the executor makes from the description. Loading kernels.so itself is
// left out on purpose: a package is code, and dlopen runs it.
//
// A mutated kernels.so almost never keeps its SHA-256, so the checksum would stop the
// fuzzer before the ELF check; the ELF check is therefore also run on kernels.so directly.
#include "FuzzSupport.h"

#include "HostTarget.h"    // runtime/src: checkKernelsElf
#include "PackageChecks.h" // runtime/src
#include "rqc/runtime/MemoryPlan.h"
#include "rqc/runtime/PackageReader.h"

namespace {

void loadPackage(std::string bytes) {
  rqc::PackageReader reader = rqc::PackageReader::fromBytes(std::move(bytes), "fuzz.rqc");
  for (const rqc::PackageMemberInfo &m : reader.members()) (void)reader.read(m.name);
  if (reader.find("kernels.so")) rqc::fuzz::runExpectingRqcErrors([&] {
      rqc::checkKernelsElf(reader.read("kernels.so"), reader.what());
    });

  rqc::CheckedPackage checked = rqc::checkPackageBeforeLoading(reader);
  for (const rqc::PackageMemberInfo &m : reader.members())
    if (m.name != "module.json" && m.name != "kernels.so") {
      std::string member = reader.read(m.name);
      rqc::checkMemberChecksum(checked.info, m.name, member.data(), member.size(), reader.what());
    }
  (void)rqc::planMemory(checked.info);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  return rqc::fuzz::runExpectingRqcErrors(
      [&] { loadPackage(std::string(reinterpret_cast<const char *>(data), size)); });
}
