// Small pieces shared by the board server and its client (runtime/rpc).
#pragma once

#include <string>

namespace rqc::rpc {

// 64 lowercase hex digits: the only way a client names a stored package.
bool isSha256Hex(const std::string &s);

// Constant-time comparison of the key a call carries with the server's.
bool keysMatch(const std::string &given, const std::string &expected);

// "HOST:PORT", with an IPv6 host in brackets ("[::1]:9091").
std::string hostPort(const std::string &host, int port);

// gRPC's own logging off: every failure reaches the user as one rqc error line instead.
void silenceGrpcLogging();

} // namespace rqc::rpc
