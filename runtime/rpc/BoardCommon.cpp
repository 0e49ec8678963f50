#include "runtime/rpc/BoardCommon.h"

#include <grpc/support/log.h>

namespace rqc::rpc {

bool isSha256Hex(const std::string &s) {
  if (s.size() != 64) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

bool keysMatch(const std::string &given, const std::string &expected) {
  unsigned diff = given.size() != expected.size();
  for (size_t i = 0; i < expected.size(); ++i)
    diff |= static_cast<unsigned char>(expected[i]) ^ static_cast<unsigned char>(i < given.size() ? given[i] : 0);
  return diff == 0;
}

std::string hostPort(const std::string &host, int port) {
  const bool v6 = host.find(':') != std::string::npos && host.front() != '[';
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

void silenceGrpcLogging() {
  gpr_set_log_function([](gpr_log_func_args *) {});
}

} // namespace rqc::rpc
