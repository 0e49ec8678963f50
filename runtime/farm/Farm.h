// Farm mode: measuring jobs for many boards through a Redis broker (Redis Streams with a
// consumer group), not a home-made tracker (../shared/reference/autotvm.md 3.4: TVM's
// tracker is what its users find fragile). Boards pull; they open no port.
//
// On the broker, for device key K (docs/boards.md has the walkthrough):
//   rqc:K:jobs             stream of jobs; consumer group "agents" (one consumer per agent).
//                          Entry: id (the job's idempotent id: SHA-256 of the Job message),
//                          job (board.proto Job, serialized), reply (the results stream).
//   rqc:K:results:RUN      stream of one client run's results. Entry: id, agent, result
//                          (board.proto JobResult, serialized). Made by the client, deleted
//                          when it is done; agents never recreate it (XADD NOMKSTREAM).
//   rqc:K:agents           hash: agent name -> JSON {host, version, last_seen (unix s),
//                          state, jobs, failures}, written by each agent as it works.
//   rqc:K:failures         list of the last 50 failed jobs, JSON {time, agent, id, summary}.
//   rqc:pkg:SHA256         a package's bytes, by content, for a day (SET NX EX).
//
// Delivery: an agent reads a new job with XREADGROUP, measures it, adds its result, then
// acknowledges (XACK) and deletes it. An agent that dies between reading and acknowledging
// leaves the job pending; after `claimAfterS` idle seconds another agent takes it over
// (XAUTOCLAIM) and measures it again. A job can so be measured twice (its first agent died
// after reporting): the client keeps the first result per job id and drops the rest.
#pragma once

#include "board.pb.h"

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace rqc::farm {

class Redis;

// Keys of device key `key` (which must be 1-64 characters of [A-Za-z0-9_.-]; throws otherwise).
std::string jobsStream(const std::string &key);
std::string agentsHash(const std::string &key);
std::string failuresList(const std::string &key);
inline constexpr const char *kAgentsGroup = "agents";

// The tuner's side: submit jobs for one device key, collect their results.
class FarmClient {
public:
  // Throws rqc::Error when the broker cannot be reached or the key is malformed.
  FarmClient(const std::string &brokerUrl, const std::string &key);
  ~FarmClient(); // deletes this run's results stream and the jobs nobody answered

  // Agents of the key seen within the last `withinS` seconds.
  int liveAgents(double withinS = 60);

  // The package put on the broker (by SHA-256, unless it is there); returns its SHA-256.
  std::string putPackage(const std::string &path);

  // Adds `job` to the key's stream; returns its id, jobId(job).
  std::string submit(const rpc::Job &job);

  // A job's id: the SHA-256 of the serialized message (the same job, the same id).
  static std::string jobId(const rpc::Job &job);

  // Waits until every id in `ids` has a result, calling `onResult(id, result)` once per id
  // as results arrive (a duplicate from a re-delivered job is dropped). Throws rqc::Error
  // when no result arrives for `silenceS` seconds and no agent of the key is alive.
  void collect(const std::vector<std::string> &ids, double silenceS,
               const std::function<void(const std::string &id, const rpc::JobResult &result)> &onResult);

  const std::string &url() const;
  const std::string &key() const { return key_; }

private:
  std::unique_ptr<Redis> redis_;
  std::string key_, results_, lastResultId_ = "0-0";
  std::map<std::string, std::string> unanswered_; // job id -> its entry in the jobs stream
};

struct AgentOptions {
  std::string broker;                // redis://HOST[:PORT]
  std::string key;                   // the device key whose jobs it measures
  std::string name;                  // its consumer name (default: HOSTNAME-PID)
  std::string store;                 // package cache (default: $RQC_CACHE_DIR/agent-store, ...)
  double claimAfterS = 300;          // take over a job pending this long (its agent is presumed dead)
  double maxJobSeconds = 600;        // a job's timeout is cut to this
  std::string executable;            // what runs the jobs (default: this executable)
  std::vector<std::string> launcher; // as rqc rpc-server's --launcher
  int maxJobs = 0;                   // stop after this many jobs (0: never; for tests and drains)
};

// `rqc agent`: pulls and measures the key's jobs until SIGINT/SIGTERM (the job in hand is
// finished first) or `maxJobs`. Prints one line per job. Throws rqc::Error when the broker
// cannot be reached (at start or later).
void runAgent(const AgentOptions &options);

// `rqc farm status`: per device key (all keys on the broker when `key` is empty): agents
// with their state and when they were last seen, queue depth, jobs in flight, recent
// failures. As text, or one JSON document.
std::string farmStatus(const std::string &brokerUrl, const std::string &key, bool json);

} // namespace rqc::farm
