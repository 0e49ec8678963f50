// The client side of `rqc rpc-server` (runtime/rpc/board.proto): what rqc run|bench
// --remote and rqc tune --runner=rpc:// use to reach a board.
//
// Every failure is one rqc::Error line naming the server: unreachable (refused, or gone
// mid-call), a wrong key, a call past its deadline, a package the board refused (too
// large, damaged, for another target), a package not stored.
#pragma once

#include "board.pb.h"

#include <memory>
#include <string>

namespace rqc::rpc {

class BoardClient {
public:
  // `address`: "HOST:PORT" (an IPv6 host in brackets). `key`: the server's key.
  // `callTimeoutS`: deadline of the calls that run no job (info, upload), in seconds.
  // Connects lazily: an unreachable server is reported by the first call.
  BoardClient(const std::string &address, const std::string &key, double callTimeoutS = 60);
  ~BoardClient();
  BoardClient(const BoardClient &) = delete;
  BoardClient &operator=(const BoardClient &) = delete;

  const std::string &address() const { return address_; }

  InfoReply info();

  // The package at `path`, uploaded unless the board stores it already (by SHA-256);
  // returns its SHA-256 (64 hex digits). Reads the file whole (packages are at most the
  // server's upload limit).
  std::string upload(const std::string &path);
  // The same for a package in memory; `name` is what errors call it.
  std::string uploadBytes(const std::string &bytes, const std::string &name);

  // Runs `job` and waits for it: the call's deadline is the job's timeout plus `callTimeoutS`.
  // A job whose child failed is a JobResult, not an error (exit_code/signal/timed_out say how).
  JobResult runJob(const Job &job);

private:
  std::string address_, key_;
  double callTimeoutS_;
  struct Channel;
  std::unique_ptr<Channel> channel_;
};

// The timeout (seconds) a remote run or bench allows the board's child.
inline constexpr double kDefaultRemoteJobSeconds = 600;

} // namespace rqc::rpc
