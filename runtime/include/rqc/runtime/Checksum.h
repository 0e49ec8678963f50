// Member checksums of a module package (docs/package-format.md, "checksums"): SHA-256
// (FIPS 180-4), computed by OpenSSL's libcrypto, written as "sha256:<64 lowercase hex>".
// They catch a corrupted or truncated member before its code is loaded; they do not
// authenticate who wrote the package (anyone can recompute them).
#pragma once

#include <cstddef>
#include <string>

namespace rqc {

// "sha256:" + hex digest of `size` bytes at `data`. Throws rqc::Error if libcrypto fails.
std::string sha256Checksum(const void *data, size_t size);
inline std::string sha256Checksum(const std::string &bytes) { return sha256Checksum(bytes.data(), bytes.size()); }

} // namespace rqc
