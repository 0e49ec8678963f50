// A small, defensive reader of uncompressed tar archives. rqc reads its own packages and
// archives repacked with GNU or POSIX tar (ustar headers, GNU long names, pax 'path' and
// 'size' records); it never extracts anything to disk. Every size and offset is checked
// against the archive size before it is used, so a truncated or corrupt package gives one
// rqc::Error and never reads out of bounds.
#include "rqc/runtime/PackageReader.h"
#include "rqc/runtime/Error.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>
#include <unordered_set>

namespace rqc {

class PackageReader::Source {
public:
  virtual ~Source() = default;
  virtual uint64_t size() const = 0;
  // Reads exactly n bytes at offset (the caller has checked the range); throws on I/O errors.
  virtual void read(uint64_t offset, void *destination, size_t n) const = 0;
};

namespace {

constexpr uint64_t kBlock = 512;
constexpr uint64_t kMaxLongName = 64 * 1024;      // GNU 'L' and pax records are small
constexpr uint64_t kMaxMemberSize = uint64_t(1) << 48;

class FileSource final : public PackageReader::Source {
public:
  FileSource(const std::string &path) : path_(path) {
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) throw Error(path + ": cannot open package: " + std::strerror(errno));
    struct stat st;
    if (::fstat(fd_, &st) != 0 || !S_ISREG(st.st_mode)) {
      ::close(fd_);
      throw Error(path + ": cannot open package: not a regular file");
    }
    size_ = static_cast<uint64_t>(st.st_size);
  }
  ~FileSource() override { ::close(fd_); }
  uint64_t size() const override { return size_; }
  void read(uint64_t offset, void *destination, size_t n) const override {
    char *out = static_cast<char *>(destination);
    while (n > 0) {
      ssize_t got = ::pread(fd_, out, n, static_cast<off_t>(offset));
      if (got < 0 && errno == EINTR) continue;
      if (got < 0) throw Error(path_ + ": cannot read package: " + std::strerror(errno));
      if (got == 0) throw Error(path_ + ": truncated package (the file shrank while it was read)");
      out += got;
      offset += static_cast<uint64_t>(got);
      n -= static_cast<size_t>(got);
    }
  }

private:
  std::string path_;
  int fd_ = -1;
  uint64_t size_ = 0;
};

class MemorySource final : public PackageReader::Source {
public:
  explicit MemorySource(std::string bytes) : bytes_(std::move(bytes)) {}
  uint64_t size() const override { return bytes_.size(); }
  void read(uint64_t offset, void *destination, size_t n) const override {
    std::memcpy(destination, bytes_.data() + offset, n);
  }

private:
  std::string bytes_;
};

// A NUL- or space-terminated octal field, or GNU base-256 (high bit of the first byte set).
std::optional<uint64_t> parseNumber(const char *field, size_t width) {
  const auto *u = reinterpret_cast<const unsigned char *>(field);
  if (u[0] & 0x80) {
    if (u[0] & 0x40) return std::nullopt; // negative
    uint64_t v = u[0] & 0x3f;
    for (size_t i = 1; i < width; ++i) {
      if (v >> 56) return std::nullopt;
      v = (v << 8) | u[i];
    }
    return v;
  }
  size_t i = 0;
  while (i < width && field[i] == ' ') ++i;
  uint64_t v = 0;
  bool any = false;
  for (; i < width && field[i] >= '0' && field[i] <= '7'; ++i) {
    if (v >> 60) return std::nullopt;
    v = v * 8 + static_cast<uint64_t>(field[i] - '0');
    any = true;
  }
  for (; i < width; ++i)
    if (field[i] != ' ' && field[i] != '\0') return std::nullopt;
  if (!any) return std::nullopt;
  return v;
}

std::string fieldString(const char *field, size_t width) {
  return std::string(field, strnlen(field, width));
}

bool headerChecksumMatches(const char *header) {
  std::optional<uint64_t> stored = parseNumber(header + 148, 8);
  if (!stored) return false;
  uint64_t unsignedSum = 0;
  int64_t signedSum = 0;
  for (size_t i = 0; i < kBlock; ++i) {
    bool inField = i >= 148 && i < 156;
    unsignedSum += inField ? ' ' : static_cast<unsigned char>(header[i]);
    signedSum += inField ? ' ' : static_cast<signed char>(header[i]);
  }
  // Some old tars summed signed chars; accept either.
  return *stored == unsignedSum || static_cast<int64_t>(*stored) == signedSum;
}

std::string normalizeName(std::string name) {
  while (name.rfind("./", 0) == 0) name.erase(0, 2);
  return name;
}

// pax extended header records: "<len> <key>=<value>\n".
void parsePax(const std::string &data, std::optional<std::string> &path, std::optional<uint64_t> &size,
              const std::string &what) {
  auto corrupt = [&] { return Error(what + ": corrupt package: malformed pax extended header"); };
  size_t pos = 0;
  while (pos < data.size()) {
    if (data[pos] == '\0') break; // padding
    size_t space = data.find(' ', pos);
    if (space == std::string::npos || space == pos || space - pos > 20) throw corrupt();
    uint64_t len = 0;
    for (size_t i = pos; i < space; ++i) {
      if (data[i] < '0' || data[i] > '9') throw corrupt();
      len = len * 10 + static_cast<uint64_t>(data[i] - '0');
      if (len > data.size()) throw corrupt(); // before it can wrap around and pass the range check below
    }
    if (len < space - pos + 3 || pos + len > data.size() || data[pos + len - 1] != '\n') throw corrupt();
    std::string record = data.substr(space + 1, pos + len - 1 - (space + 1));
    size_t eq = record.find('=');
    if (eq == std::string::npos) throw corrupt();
    std::string key = record.substr(0, eq), value = record.substr(eq + 1);
    if (key == "path") {
      path = value;
    } else if (key == "size") {
      if (value.empty() || value.size() > 19 || value.find_first_not_of("0123456789") != std::string::npos)
        throw corrupt();
      size = std::stoull(value);
    }
    pos += len;
  }
}

} // namespace

PackageReader::PackageReader(std::unique_ptr<Source> source, std::string what)
    : source_(std::move(source)), what_(std::move(what)) {
  const uint64_t archiveSize = source_->size();
  auto truncated = [&](const std::string &detail) { return Error(what_ + ": truncated package (" + detail + ")"); };
  auto corrupt = [&](const std::string &detail) { return Error(what_ + ": corrupt package: " + detail); };
  if (archiveSize == 0) throw Error(what_ + ": not an rqc package (the file is empty)");

  std::unordered_set<std::string> seen;
  std::optional<std::string> nextName; // from a GNU 'L' or pax header, for the next member
  std::optional<uint64_t> nextSize;    // from a pax header
  uint64_t pos = 0;
  for (;;) {
    if (pos + kBlock > archiveSize) {
      if (pos == 0) throw Error(what_ + ": not an rqc package (too short to be a tar archive)");
      throw truncated("the archive ends at byte " + std::to_string(archiveSize) + " without an end-of-archive marker");
    }
    char header[kBlock];
    source_->read(pos, header, kBlock);
    if (std::all_of(header, header + kBlock, [](char c) { return c == '\0'; })) break; // end of archive

    bool posix = std::memcmp(header + 257, "ustar\0", 6) == 0;
    bool gnu = std::memcmp(header + 257, "ustar  \0", 8) == 0;
    if (!headerChecksumMatches(header) || (!posix && !gnu)) {
      if (pos == 0) throw Error(what_ + ": not an rqc package (not a tar archive)");
      throw corrupt("bad tar header at byte " + std::to_string(pos));
    }
    std::string name = fieldString(header, 100);
    if (posix) {
      std::string prefix = fieldString(header + 345, 155);
      if (!prefix.empty()) name = prefix + "/" + name;
    }
    std::optional<uint64_t> headerSize = parseNumber(header + 124, 12);
    if (!headerSize || *headerSize > kMaxMemberSize)
      throw corrupt("bad size field in the tar header of '" + name + "'");
    char type = header[156];
    bool regular = type == '0' || type == '\0' || type == '7';
    uint64_t size = *headerSize;
    if (regular && nextSize) size = *nextSize;
    if (size > kMaxMemberSize) throw corrupt("member '" + name + "' is too large");
    uint64_t dataOffset = pos + kBlock;
    if (size > archiveSize - dataOffset)
      throw truncated("member '" + normalizeName(nextName.value_or(name)) + "' needs " + std::to_string(size) +
                      " bytes at byte " + std::to_string(dataOffset) + " but the archive ends at byte " +
                      std::to_string(archiveSize));

    auto readSmall = [&](const char *kind) {
      if (size > kMaxLongName) throw corrupt(std::string(kind) + " header is too large");
      std::string data(size, '\0');
      source_->read(dataOffset, data.data(), size);
      return data;
    };
    if (type == 'L') { // GNU long name of the next member
      std::string longName = readSmall("GNU long-name");
      nextName = longName.substr(0, strnlen(longName.data(), longName.size()));
    } else if (type == 'x') { // pax extended header of the next member
      parsePax(readSmall("pax"), nextName, nextSize, what_);
    } else if (regular) {
      name = normalizeName(nextName.value_or(name));
      nextName.reset();
      nextSize.reset();
      if (name.empty()) throw corrupt("a member at byte " + std::to_string(pos) + " has no name");
      if (!seen.insert(name).second) throw corrupt("member '" + name + "' appears twice");
      members_.push_back({name, dataOffset, size});
    } else {
      // Directories, links, pax global headers: not package members.
      nextName.reset();
      nextSize.reset();
    }
    uint64_t padded = (size + kBlock - 1) / kBlock * kBlock;
    pos = dataOffset + padded;
  }
}

PackageReader PackageReader::openFile(const std::string &path) {
  return PackageReader(std::make_unique<FileSource>(path), path);
}

PackageReader PackageReader::fromBytes(std::string bytes, const std::string &what) {
  return PackageReader(std::make_unique<MemorySource>(std::move(bytes)), what);
}

PackageReader::PackageReader(PackageReader &&) noexcept = default;
PackageReader &PackageReader::operator=(PackageReader &&) noexcept = default;
PackageReader::~PackageReader() = default;

uint64_t PackageReader::archiveSize() const { return source_->size(); }

const PackageMemberInfo *PackageReader::find(const std::string &name) const {
  for (const PackageMemberInfo &m : members_)
    if (m.name == name) return &m;
  return nullptr;
}

std::string PackageReader::read(const std::string &name, uint64_t maxBytes) const {
  const PackageMemberInfo *member = find(name);
  if (!member) throw Error(what_ + ": the package has no " + name);
  if (member->size > maxBytes)
    throw Error(what_ + ": " + name + " is implausibly large (" + std::to_string(member->size) + " bytes)");
  std::string bytes(member->size, '\0');
  readInto(*member, bytes.data());
  return bytes;
}

void PackageReader::readInto(const PackageMemberInfo &member, void *destination) const {
  if (member.size) source_->read(member.offset, destination, member.size);
}

PackageMembers readPackage(const std::string &path) {
  PackageReader reader = PackageReader::openFile(path);
  PackageMembers members;
  for (const PackageMemberInfo &m : reader.members()) members.emplace_back(m.name, reader.read(m.name));
  return members;
}

} // namespace rqc
