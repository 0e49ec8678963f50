// Writes a module package: an uncompressed POSIX (ustar) tar of named members.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace rqc {

using PackageMembers = std::vector<std::pair<std::string, std::string>>; // (name, bytes)

// Serializes `members` as a ustar archive.
std::string makeTar(const PackageMembers &members);

// Writes the archive through writeFileAtomically (AtomicFile.h): a failure or a kill
// never leaves a partial package. Throws rqc::Error.
void writePackage(const std::string &path, const PackageMembers &members);

} // namespace rqc
