#include "runtime/farm/Redis.h"

#include "rqc/runtime/Error.h"

#include <hiredis/hiredis.h>

#include <sys/time.h>

namespace rqc::farm {

namespace {

RedisReply copy(const redisReply *r) {
  RedisReply out;
  switch (r->type) {
  case REDIS_REPLY_STRING:
    out.kind = RedisReply::Kind::String;
    out.str.assign(r->str, r->len);
    break;
  case REDIS_REPLY_STATUS:
    out.kind = RedisReply::Kind::Status;
    out.str.assign(r->str, r->len);
    break;
  case REDIS_REPLY_INTEGER:
    out.kind = RedisReply::Kind::Integer;
    out.integer = r->integer;
    break;
  case REDIS_REPLY_ARRAY:
    out.kind = RedisReply::Kind::Array;
    for (size_t i = 0; i < r->elements; ++i) out.elements.push_back(copy(r->element[i]));
    break;
  default:
    break;
  }
  return out;
}

timeval toTimeval(double seconds) {
  timeval tv;
  tv.tv_sec = static_cast<long>(seconds);
  tv.tv_usec = static_cast<long>((seconds - static_cast<double>(tv.tv_sec)) * 1e6);
  return tv;
}

} // namespace

Redis::Redis(const std::string &url, double timeoutS) : url_(url) {
  const std::string scheme = "redis://";
  if (url.rfind(scheme, 0) != 0) throw Error("broker '" + url + "' is not a redis://HOST[:PORT] URL");
  std::string rest = url.substr(scheme.size());
  if (auto slash = rest.find('/'); slash != std::string::npos) rest = rest.substr(0, slash);
  std::string host = rest;
  int port = 6379;
  if (auto colon = rest.rfind(':'); colon != std::string::npos) {
    host = rest.substr(0, colon);
    std::string p = rest.substr(colon + 1);
    if (p.empty() || p.size() > 5 || p.find_first_not_of("0123456789") != std::string::npos || std::stoi(p) > 65535)
      throw Error("broker '" + url + "': '" + p + "' is not a port");
    port = std::stoi(p);
  }
  if (host.empty()) throw Error("broker '" + url + "' names no host");
  ctx_ = redisConnectWithTimeout(host.c_str(), port, toTimeval(timeoutS));
  if (!ctx_) throw Error("broker " + url + ": cannot allocate a connection");
  if (ctx_->err) {
    std::string why = ctx_->errstr;
    redisFree(ctx_);
    ctx_ = nullptr;
    throw Error("broker " + url + " is not reachable: " + why);
  }
  redisSetTimeout(ctx_, toTimeval(timeoutS));
}

Redis::~Redis() {
  if (ctx_) redisFree(ctx_);
}

RedisReply Redis::command(const std::vector<std::string> &args) {
  std::vector<const char *> argv;
  std::vector<size_t> lens;
  for (const std::string &a : args) {
    argv.push_back(a.data());
    lens.push_back(a.size());
  }
  auto *r = static_cast<redisReply *>(redisCommandArgv(ctx_, static_cast<int>(args.size()), argv.data(), lens.data()));
  if (!r) throw Error("broker " + url_ + ": connection lost (" + std::string(ctx_->errstr) + ")");
  if (r->type == REDIS_REPLY_ERROR) {
    std::string msg(r->str, r->len);
    freeReplyObject(r);
    throw Error("broker " + url_ + ": " + args[0] + ": " + msg);
  }
  RedisReply out = copy(r);
  freeReplyObject(r);
  return out;
}

} // namespace rqc::farm
