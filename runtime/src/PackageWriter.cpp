#include "rqc/runtime/PackageWriter.h"
#include "rqc/runtime/AtomicFile.h"
#include "rqc/runtime/Error.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>

#include <unistd.h>

namespace rqc {

namespace {

void octal(char *field, size_t width, uint64_t value) {
  std::snprintf(field, width, "%0*llo", static_cast<int>(width - 1), static_cast<unsigned long long>(value));
}

} // namespace

std::string makeTar(const PackageMembers &members) {
  std::string out;
  for (const auto &[name, bytes] : members) {
    if (name.size() >= 100) throw Error("package member name '" + name + "' is too long");
    char header[512] = {};
    std::memcpy(header, name.data(), name.size());
    octal(header + 100, 8, 0644);          // mode
    octal(header + 108, 8, 0);             // uid
    octal(header + 116, 8, 0);             // gid
    octal(header + 124, 12, bytes.size()); // size
    octal(header + 136, 12, 0);            // mtime: fixed, so packages are reproducible
    header[156] = '0';                     // regular file
    std::memcpy(header + 257, "ustar", 6);
    std::memcpy(header + 263, "00", 2);
    std::memset(header + 148, ' ', 8);     // checksum is computed with spaces in its field
    unsigned sum = 0;
    for (unsigned char c : header) sum += c;
    std::snprintf(header + 148, 8, "%06o", sum);
    header[155] = ' ';
    out.append(header, 512);
    out.append(bytes);
    out.append((512 - bytes.size() % 512) % 512, '\0');
  }
  out.append(1024, '\0'); // two zero blocks end the archive
  return out;
}

void writePackage(const std::string &path, const PackageMembers &members) { writeFileAtomically(path, makeTar(members)); }

} // namespace rqc
