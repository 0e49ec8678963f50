// Writes a module package: an uncompressed POSIX (ustar) tar of named members.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace rqc {

using PackageMembers = std::vector<std::pair<std::string, std::string>>; // (name, bytes)

// Serializes `members` as a ustar archive.
std::string makeTar(const PackageMembers &members);

// Writes the archive to a temporary file next to `path` and renames it into place, so a
// failure never leaves a partial package. Throws rqc::Error.
void writePackage(const std::string &path, const PackageMembers &members);

// Writes `bytes` to a per-process temporary file next to `path` and renames it into place:
// readers see the old file or the new one, never a part. Throws rqc::Error.
void writeFileAtomically(const std::string &path, const std::string &bytes);

} // namespace rqc
