#include "rqc/runtime/Checksum.h"

#include "rqc/runtime/Error.h"

#include <openssl/evp.h>

namespace rqc {

std::string sha256Checksum(const void *data, size_t size) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(data, size, digest, &length, EVP_sha256(), nullptr) != 1 || length != 32)
    throw Error("SHA-256 failed (libcrypto)");
  static const char hex[] = "0123456789abcdef";
  std::string out = "sha256:";
  for (unsigned int i = 0; i < length; ++i) {
    out += hex[digest[i] >> 4];
    out += hex[digest[i] & 15];
  }
  return out;
}

} // namespace rqc
