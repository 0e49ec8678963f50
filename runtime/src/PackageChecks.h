// What Module::loadFrom checks before it runs anything of a package, in the order that
// gives the clearest refusal first: the archive's module.json, the description (format
// version before anything else), the target, the member list against the checksums, then
// kernels.so's checksum and ELF header (docs/package-format.md). Shared with the package
// fuzz target (fuzz/package.cpp), which runs exactly these steps and stops before dlopen.
#pragma once

#include "rqc/runtime/ModuleDescription.h"
#include "rqc/runtime/PackageReader.h"

#include <cstdint>
#include <string>

namespace rqc {

struct CheckedPackage {
  ModuleInfo info;
  const PackageMemberInfo *params = nullptr; // null when the package has no params.bin
  std::string kernels;                       // kernels.so's bytes, checksum and ELF header checked (empty: none)
  std::string vtaCode;                       // vta.bin's bytes, checksum and kernel ranges checked (empty: none)
  std::string openclSource;                  // kernels.cl, checksum checked (empty: none)
};

// Throws rqc::Error (prefixed by reader.what()) on the first check that fails. Reads
// module.json (at most 64 MiB) and kernels.so (at most 2 GiB); params.bin and other members
// are left to the caller, who checks them with checkMemberChecksum once read.
CheckedPackage checkPackageBeforeLoading(PackageReader &reader);

// Throws unless the SHA-256 of `size` bytes at `data` is the checksum module.json records
// for member `name` (which must be one checkPackageBeforeLoading accepted).
void checkMemberChecksum(const ModuleInfo &info, const std::string &name, const void *data, size_t size,
                         const std::string &what);

} // namespace rqc
