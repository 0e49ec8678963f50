// Reads a module package: an uncompressed tar archive of named members (ustar as written
// by PackageWriter, or by GNU/POSIX tar). Only the member index is read up front; member
// bytes are read on demand, so a package with large params is never held twice in memory.
#pragma once

#include "rqc/runtime/PackageWriter.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace rqc {

// A regular file in the archive: where its bytes lie.
struct PackageMemberInfo {
  std::string name;    // "module.json" (a leading "./" is dropped)
  uint64_t offset = 0; // of the first data byte, from the start of the archive
  uint64_t size = 0;
};

class PackageReader {
public:
  // Reads the member index of the tar file at `path`. Throws rqc::Error (prefixed with the
  // path) when the file is missing, not a tar archive, truncated or corrupt.
  static PackageReader openFile(const std::string &path);
  // The same for an archive held in memory; `what` names it in messages.
  static PackageReader fromBytes(std::string bytes, const std::string &what);

  PackageReader(PackageReader &&) noexcept;
  PackageReader &operator=(PackageReader &&) noexcept;
  ~PackageReader();

  const std::string &what() const { return what_; }
  uint64_t archiveSize() const;
  const std::vector<PackageMemberInfo> &members() const { return members_; }
  // nullptr when the archive has no member of that name.
  const PackageMemberInfo *find(const std::string &name) const;

  // A member's bytes; throws when it is missing or larger than `maxBytes`.
  std::string read(const std::string &name, uint64_t maxBytes = UINT64_MAX) const;
  // Copies a member's bytes to `destination` (member.size bytes).
  void readInto(const PackageMemberInfo &member, void *destination) const;

  class Source; // the archive bytes: a file read with pread, or a string

private:
  PackageReader(std::unique_ptr<Source> source, std::string what);

  std::unique_ptr<Source> source_;
  std::string what_;
  std::vector<PackageMemberInfo> members_;
};

// Convenience: every member of the package at `path`, in archive order (the inverse of
// writePackage).
PackageMembers readPackage(const std::string &path);

} // namespace rqc
