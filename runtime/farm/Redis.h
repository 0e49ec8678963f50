// A small synchronous Redis client over hiredis (Debian's libhiredis): what the farm
// (runtime/farm/Farm.h) needs of its broker, commands as argument vectors, replies
// copied out of hiredis. Binary-safe (packages and protobuf messages travel as values).
#pragma once

#include <string>
#include <vector>

struct redisContext;

namespace rqc::farm {

struct RedisReply {
  enum class Kind { Nil, Integer, String, Array, Status };
  Kind kind = Kind::Nil;
  long long integer = 0;
  std::string str;                 // String and Status
  std::vector<RedisReply> elements; // Array
  bool isNil() const { return kind == Kind::Nil; }
};

class Redis {
public:
  // `url`: "redis://HOST[:PORT]" (port 6379 by default). `timeoutS`: connecting and every
  // reply (a blocking command's BLOCK time must stay below it). Throws rqc::Error
  // "broker URL: ..." when the URL is malformed or the broker cannot be reached.
  explicit Redis(const std::string &url, double timeoutS = 30);
  ~Redis();
  Redis(const Redis &) = delete;
  Redis &operator=(const Redis &) = delete;

  // Runs one command. Throws rqc::Error "broker URL: ..." on a lost connection or an
  // error reply (the reply's text in the message).
  RedisReply command(const std::vector<std::string> &args);

  const std::string &url() const { return url_; }

private:
  std::string url_;
  redisContext *ctx_ = nullptr;
};

} // namespace rqc::farm
