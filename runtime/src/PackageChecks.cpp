#include "PackageChecks.h"

#include "HostTarget.h"
#include "rqc/runtime/Checksum.h"
#include "rqc/runtime/Error.h"

namespace rqc {

namespace {

constexpr uint64_t kMaxDescriptionBytes = 64ull << 20;
constexpr uint64_t kMaxKernelLibraryBytes = 2ull << 30;

// Every member but module.json has a checksum, and every checksum a member: a package
// changed after rqc wrote it (a member added, renamed or dropped) is refused.
void checkMembersListed(const PackageReader &reader, const ModuleInfo &info) {
  for (const PackageMemberInfo &member : reader.members())
    if (member.name != "module.json" && !info.checksums.count(member.name))
      throw Error(reader.what() + ": member '" + member.name +
                  "' has no checksum in module.json (the package was changed after rqc wrote it); recompile the model");
  for (const auto &[name, sum] : info.checksums)
    if (!reader.find(name))
      throw Error(reader.what() + ": module.json has a checksum for '" + name +
                  "', which the package does not have (the package is incomplete); recompile the model");
}

} // namespace

void checkMemberChecksum(const ModuleInfo &info, const std::string &name, const void *data, size_t size,
                         const std::string &what) {
  const std::string expected = info.checksums.at(name), actual = sha256Checksum(data, size);
  if (actual != expected)
    throw Error(what + ": member '" + name + "' fails its checksum (module.json: " + expected + ", member: " + actual +
                "); the package is corrupt or was changed after rqc wrote it; recompile the model");
}

CheckedPackage checkPackageBeforeLoading(PackageReader &reader) {
  const std::string &what = reader.what();
  CheckedPackage c;
  if (!reader.find("module.json")) throw Error(what + ": not an rqc package (it has no module.json)");
  c.params = reader.find("params.bin");
  c.info = parseModuleDescription(reader.read("module.json", kMaxDescriptionBytes), c.params ? c.params->size : 0,
                                  what);
  checkTargetRunsHere(c.info.target, what);
  checkMembersListed(reader, c.info);
  // kernels.so holds the CPU kernels; a package whose every kernel runs on VTA may have none.
  if (reader.find("kernels.so") || c.info.hasCpuKernels()) {
    if (!reader.find("kernels.so"))
      throw Error(what + ": the package has no kernels.so (a " + c.info.target.kind + " package needs one)");
    c.kernels = reader.read("kernels.so", kMaxKernelLibraryBytes);
    checkMemberChecksum(c.info, "kernels.so", c.kernels.data(), c.kernels.size(), what); // before any of it is loaded
    checkKernelsElf(c.kernels, what);
  }
  if (c.info.hasVtaKernels()) {
    const PackageMemberInfo *vta = reader.find("vta.bin");
    if (!vta) throw Error(what + ": the package has VTA kernels but no vta.bin");
    c.vtaCode = reader.read("vta.bin", kMaxKernelLibraryBytes);
    checkMemberChecksum(c.info, "vta.bin", c.vtaCode.data(), c.vtaCode.size(), what);
    for (const KernelInfo &k : c.info.kernels)
      if (k.device == "vta" && (k.vta.codeOffset > c.vtaCode.size() || k.vta.codeBytes() > c.vtaCode.size() - k.vta.codeOffset))
        throw Error(what + ": kernel '" + k.name + "': its code lies beyond vta.bin (" +
                    std::to_string(c.vtaCode.size()) + " bytes)");
  }
  if (c.info.hasOpenCLKernels()) {
    if (!reader.find("kernels.cl")) throw Error(what + ": the package has OpenCL kernels but no kernels.cl");
    c.openclSource = reader.read("kernels.cl", kMaxKernelLibraryBytes);
    checkMemberChecksum(c.info, "kernels.cl", c.openclSource.data(), c.openclSource.size(), what);
  }
  return c;
}

} // namespace rqc
