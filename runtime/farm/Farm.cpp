#include "runtime/farm/Farm.h"

#include "runtime/farm/Redis.h"
#include "runtime/rpc/BoardCommon.h"
#include "runtime/rpc/JobRunner.h"
#include "runtime/src/HostTarget.h"
#include "runtime/src/PackageChecks.h"
#include "runtime/tools/Files.h"
#include "runtime/tools/Subprocess.h"

#include "rqc/runtime/AtomicFile.h"
#include "rqc/runtime/Checksum.h"
#include "rqc/runtime/Error.h"
#include "rqc/runtime/PackageReader.h"

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <unistd.h>

namespace fs = std::filesystem;

namespace rqc::farm {

namespace {

double now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string checkedKey(const std::string &key) {
  if (key.empty() || key.size() > 64) throw Error("device key '" + key + "' must have 1 to 64 characters");
  for (char c : key)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-'))
      throw Error("device key '" + key + "' may only have letters, digits, '_', '.' and '-'");
  return key;
}

std::string packageKey(const std::string &sha) { return "rqc:pkg:" + sha; }


// Stream entry [id, [field, value, ...]] -> id and its fields.
struct Entry {
  std::string id;
  std::map<std::string, std::string> fields;
};

Entry toEntry(const RedisReply &r) {
  Entry e;
  if (r.kind != RedisReply::Kind::Array || r.elements.size() != 2) return e;
  e.id = r.elements[0].str;
  const auto &kv = r.elements[1].elements;
  for (size_t i = 0; i + 1 < kv.size(); i += 2) e.fields[kv[i].str] = kv[i + 1].str;
  return e;
}

// The entries of a XREAD/XREADGROUP reply (one stream): [[stream, [entry...]]] or nil.
std::vector<Entry> streamEntries(const RedisReply &r) {
  std::vector<Entry> out;
  if (r.kind != RedisReply::Kind::Array) return out;
  for (const RedisReply &stream : r.elements)
    if (stream.elements.size() == 2)
      for (const RedisReply &e : stream.elements[1].elements) out.push_back(toEntry(e));
  return out;
}

void createGroup(Redis &redis, const std::string &stream) {
  try {
    redis.command({"XGROUP", "CREATE", stream, kAgentsGroup, "0", "MKSTREAM"});
  } catch (const Error &e) {
    if (std::string(e.what()).find("BUSYGROUP") == std::string::npos) throw;
  }
}

std::string randomHex(size_t n) {
  std::random_device rd;
  std::string s;
  const char *digits = "0123456789abcdef";
  for (size_t i = 0; i < n; ++i) s += digits[rd() % 16];
  return s;
}

} // namespace

std::string jobsStream(const std::string &key) { return "rqc:" + checkedKey(key) + ":jobs"; }
std::string agentsHash(const std::string &key) { return "rqc:" + checkedKey(key) + ":agents"; }
std::string failuresList(const std::string &key) { return "rqc:" + checkedKey(key) + ":failures"; }

// ---- the tuner's side ----

FarmClient::FarmClient(const std::string &brokerUrl, const std::string &key)
    : redis_(std::make_unique<Redis>(brokerUrl)), key_(checkedKey(key)),
      results_("rqc:" + key + ":results:" + randomHex(16)) {
  createGroup(*redis_, jobsStream(key_));
  // The results stream exists from the start (empty): agents add to it with NOMKSTREAM, so
  // a late duplicate for a run that has ended is dropped instead of recreating its stream.
  redis_->command({"XGROUP", "CREATE", results_, "client", "$", "MKSTREAM"});
}

FarmClient::~FarmClient() {
  try {
    // A run that ends early (no agent left, interrupted) takes its jobs with it: a later
    // agent must not measure for a run that no longer listens.
    for (const auto &[id, entry] : unanswered_) redis_->command({"XDEL", jobsStream(key_), entry});
    redis_->command({"DEL", results_});
  } catch (...) {
  }
}

const std::string &FarmClient::url() const { return redis_->url(); }

int FarmClient::liveAgents(double withinS) {
  RedisReply all = redis_->command({"HGETALL", agentsHash(key_)});
  int live = 0;
  for (size_t i = 0; i + 1 < all.elements.size(); i += 2) {
    nlohmann::json a = nlohmann::json::parse(all.elements[i + 1].str, nullptr, false);
    if (a.is_object() && a.value("state", "") != "stopped" && now() - a.value("last_seen", 0.0) <= withinS) ++live;
  }
  return live;
}

std::string FarmClient::putPackage(const std::string &path) {
  const std::string bytes = tools::readFileBytes(path, "the package");
  const std::string sha = sha256Checksum(bytes).substr(7);
  // NX: an existing copy is the same bytes; its expiry is renewed instead.
  RedisReply set = redis_->command({"SET", packageKey(sha), bytes, "NX", "EX", "86400"});
  if (set.isNil()) redis_->command({"EXPIRE", packageKey(sha), "86400"});
  return sha;
}

std::string FarmClient::jobId(const rpc::Job &job) {
  std::string bytes;
  job.SerializeToString(&bytes);
  return sha256Checksum(bytes).substr(7);
}

std::string FarmClient::submit(const rpc::Job &job) {
  std::string bytes;
  job.SerializeToString(&bytes);
  const std::string id = sha256Checksum(bytes).substr(7);
  unanswered_[id] = redis_->command({"XADD", jobsStream(key_), "*", "id", id, "job", bytes, "reply", results_}).str;
  return id;
}

void FarmClient::collect(const std::vector<std::string> &ids, double silenceS,
                         const std::function<void(const std::string &, const rpc::JobResult &)> &onResult) {
  std::set<std::string> waiting(ids.begin(), ids.end());
  double lastNews = now();
  while (!waiting.empty()) {
    RedisReply r = redis_->command({"XREAD", "COUNT", "64", "BLOCK", "1000", "STREAMS", results_, lastResultId_});
    std::vector<Entry> entries = streamEntries(r);
    for (const Entry &e : entries) {
      lastResultId_ = e.id;
      auto it = e.fields.find("id");
      if (it == e.fields.end() || !waiting.count(it->second)) continue; // a duplicate, or not ours
      rpc::JobResult result;
      if (!result.ParseFromString(e.fields.count("result") ? e.fields.at("result") : "")) {
        result.set_exit_code(-1);
        result.set_summary("the agent's result is unreadable");
      }
      waiting.erase(it->second);
      unanswered_.erase(it->second);
      onResult(it->second, result);
      lastNews = now();
    }
    if (entries.empty() && now() - lastNews > silenceS) {
      // An agent busy with a job does not report until it is done: alive is "seen within
      // the silence", not within a minute.
      if (liveAgents(silenceS + 60) == 0)
        throw Error("no agent of key '" + key_ + "' has been seen for " + std::to_string(static_cast<int>(silenceS + 60)) +
                    " s and " + std::to_string(waiting.size()) + " job(s) are unanswered (rqc farm status --broker " +
                    url() + ")");
      lastNews = now(); // agents are alive: a long job, or one being taken over
    }
  }
}

// ---- the board's side ----

namespace {

std::atomic<bool> stopRequested{false};

void requestStop(int) { stopRequested = true; }

std::string defaultAgentStore() {
  if (const char *d = std::getenv("RQC_CACHE_DIR"); d && *d) return std::string(d) + "/agent-store";
  if (const char *d = std::getenv("XDG_CACHE_HOME"); d && *d) return std::string(d) + "/rqc/agent-store";
  if (const char *h = std::getenv("HOME"); h && *h) return std::string(h) + "/.cache/rqc/agent-store";
  throw Error("agent: no store directory: pass --store DIR (neither RQC_CACHE_DIR, XDG_CACHE_HOME nor HOME is set)");
}

class Agent {
public:
  explicit Agent(AgentOptions o) : o_(std::move(o)), redis_(o_.broker, 30) {
    checkedKey(o_.key);
    if (o_.name.empty()) {
      char host[256] = {0};
      gethostname(host, sizeof host - 1);
      o_.name = std::string(host) + "-" + std::to_string(getpid());
    }
    if (o_.store.empty()) o_.store = defaultAgentStore();
    packages_ = fs::path(o_.store) / "packages";
    fs::create_directories(packages_);
    fs::create_directories(fs::path(o_.store) / "jobs");
    runner_.executable = o_.executable.empty() ? tools::selfExecutable() : o_.executable;
    runner_.launcher = rpc::resolveLauncher(o_.launcher);
    runner_.maxJobSeconds = o_.maxJobSeconds;
    runner_.workDir = (fs::path(o_.store) / "jobs").string();
    createGroup(redis_, jobsStream(o_.key));
  }

  void run() {
    std::cout << "rqc agent " << o_.name << ": measuring jobs of key '" << o_.key << "' from " << o_.broker << std::endl;
    const std::string claimMs = std::to_string(static_cast<long long>(o_.claimAfterS * 1000));
    while (!stopRequested && (o_.maxJobs <= 0 || jobs_ < o_.maxJobs)) {
      heartbeat("idle");
      // A job whose agent died first (pending and idle past --claim-after), then new ones.
      RedisReply claimed = redis_.command(
          {"XAUTOCLAIM", jobsStream(o_.key), kAgentsGroup, o_.name, claimMs, "0-0", "COUNT", "1"});
      std::vector<Entry> entries;
      if (claimed.elements.size() >= 2)
        for (const RedisReply &e : claimed.elements[1].elements) entries.push_back(toEntry(e));
      bool takenOver = !entries.empty();
      if (entries.empty())
        entries = streamEntries(redis_.command({"XREADGROUP", "GROUP", kAgentsGroup, o_.name, "COUNT", "1", "BLOCK",
                                                "1000", "STREAMS", jobsStream(o_.key), ">"}));
      for (const Entry &e : entries)
        if (!e.id.empty()) handle(e, takenOver);
    }
    heartbeat("stopped");
    std::cout << "rqc agent " << o_.name << ": stopped after " << jobs_ << " job(s)" << std::endl;
  }

private:
  void heartbeat(const std::string &state) {
    nlohmann::json a = {{"host", hostDescription()}, {"version", RQC_VERSION}, {"last_seen", now()},
                        {"state", state},           {"jobs", jobs_},         {"failures", failures_}};
    redis_.command({"HSET", agentsHash(o_.key), o_.name, a.dump()});
  }

  // The job's package from the local store, else from the broker (checked before keeping it).
  std::string package(const std::string &sha) {
    const fs::path path = packages_ / (sha + ".rqc");
    if (fs::exists(path)) return path.string();
    RedisReply bytes = redis_.command({"GET", packageKey(sha)});
    if (bytes.isNil()) throw Error("package " + sha.substr(0, 12) + "... is not on the broker (expired?)");
    if (sha256Checksum(bytes.str).substr(7) != sha) throw Error("package " + sha.substr(0, 12) + "... is damaged on the broker");
    PackageReader reader = PackageReader::fromBytes(bytes.str, "package " + sha.substr(0, 12));
    checkPackageBeforeLoading(reader);
    writeFileAtomically(path.string(), bytes.str);
    return path.string();
  }

  void handle(const Entry &e, bool takenOver) {
    const std::string id = e.fields.count("id") ? e.fields.at("id") : "";
    const std::string reply = e.fields.count("reply") ? e.fields.at("reply") : "";
    rpc::JobResult result;
    rpc::Job job;
    std::string why;
    if (!rpc::isSha256Hex(id) || reply.rfind("rqc:" + o_.key + ":results:", 0) != 0)
      why = "a malformed job entry (no id or no results stream of this key)";
    else if (!job.ParseFromString(e.fields.count("job") ? e.fields.at("job") : ""))
      why = "the job is not a board.proto Job";
    else
      why = rpc::invalidJob(job);
    if (why.empty()) {
      heartbeat("measuring " + id.substr(0, 12));
      try {
        result = rpc::runJob(job, package(job.package_sha256()), runner_);
      } catch (const std::exception &ex) {
        why = ex.what();
      }
    }
    if (!why.empty()) {
      result.set_exit_code(-1);
      result.set_summary("refused by agent " + o_.name + ": " + why);
    }
    const bool failed = result.timed_out() || result.signal() != 0 || result.exit_code() != 0;
    ++jobs_;
    failures_ += failed;
    std::cout << "rqc agent " << o_.name << ": " << (takenOver ? "took over " : "") << rpc::jobKind(job) << " "
              << id.substr(0, 12) << ": " << result.summary() << std::endl;
    if (!rpc::isSha256Hex(id) || reply.rfind("rqc:" + o_.key + ":results:", 0) != 0) {
      redis_.command({"XACK", jobsStream(o_.key), kAgentsGroup, e.id});
      redis_.command({"XDEL", jobsStream(o_.key), e.id});
      return;
    }
    std::string bytes;
    result.SerializeToString(&bytes);
    redis_.command({"XADD", reply, "NOMKSTREAM", "MAXLEN", "~", "100000", "*", "id", id, "agent", o_.name, "result", bytes});
    // Testing hook: die after reporting, before acknowledging (the worst moment to be
    // killed): the job is taken over and measured again, and the client records it once.
    if (const char *t = std::getenv("RQC_TEST_AGENT_EXIT_BEFORE_ACK"); t && std::string(t) == "1") _exit(9);
    if (failed) {
      nlohmann::json f = {{"time", now()}, {"agent", o_.name}, {"id", id}, {"summary", result.summary()}};
      redis_.command({"LPUSH", failuresList(o_.key), f.dump()});
      redis_.command({"LTRIM", failuresList(o_.key), "0", "49"});
    }
    redis_.command({"XACK", jobsStream(o_.key), kAgentsGroup, e.id});
    redis_.command({"XDEL", jobsStream(o_.key), e.id});
  }

  AgentOptions o_;
  Redis redis_;
  fs::path packages_;
  rpc::JobRunnerOptions runner_;
  int jobs_ = 0, failures_ = 0;
};

} // namespace

void runAgent(const AgentOptions &options) {
  if (!(options.claimAfterS > 0) || !(options.maxJobSeconds > 0))
    throw Error("--claim-after and --max-job-seconds must be positive");
  struct sigaction sa {};
  sa.sa_handler = requestStop;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  Agent agent(options);
  agent.run();
}

// ---- status ----

std::string farmStatus(const std::string &brokerUrl, const std::string &onlyKey, bool json) {
  Redis redis(brokerUrl, 10);
  std::vector<std::string> keys;
  if (!onlyKey.empty()) {
    keys.push_back(checkedKey(onlyKey));
  } else {
    std::string cursor = "0";
    std::set<std::string> found;
    do {
      RedisReply r = redis.command({"SCAN", cursor, "MATCH", "rqc:*:jobs", "COUNT", "1000"});
      cursor = r.elements.at(0).str;
      for (const RedisReply &k : r.elements.at(1).elements) {
        const std::string &name = k.str; // rqc:KEY:jobs
        found.insert(name.substr(4, name.size() - 4 - 5));
      }
    } while (cursor != "0");
    keys.assign(found.begin(), found.end());
  }
  nlohmann::json out = nlohmann::json::array();
  for (const std::string &key : keys) {
    nlohmann::json k = {{"key", key}, {"agents", nlohmann::json::array()}};
    RedisReply all = redis.command({"HGETALL", agentsHash(key)});
    for (size_t i = 0; i + 1 < all.elements.size(); i += 2) {
      nlohmann::json a = nlohmann::json::parse(all.elements[i + 1].str, nullptr, false);
      if (!a.is_object()) continue;
      a["name"] = all.elements[i].str;
      a["seen_seconds_ago"] = now() - a.value("last_seen", 0.0);
      k["agents"].push_back(a);
    }
    k["queued"] = redis.command({"XLEN", jobsStream(key)}).integer;
    long long pending = 0;
    try {
      RedisReply p = redis.command({"XPENDING", jobsStream(key), kAgentsGroup});
      if (!p.elements.empty()) pending = p.elements[0].integer;
    } catch (const Error &) { // no group yet
    }
    k["in_flight"] = pending;
    k["recent_failures"] = nlohmann::json::array();
    for (const RedisReply &f : redis.command({"LRANGE", failuresList(key), "0", "4"}).elements) {
      nlohmann::json j = nlohmann::json::parse(f.str, nullptr, false);
      if (j.is_object()) k["recent_failures"].push_back(j);
    }
    out.push_back(k);
  }
  if (json) return nlohmann::json{{"broker", brokerUrl}, {"keys", out}}.dump(2) + "\n";
  std::ostringstream s;
  if (out.empty()) s << "no device keys on " << brokerUrl << " (start an agent: rqc agent --broker " << brokerUrl << " --key K)\n";
  for (const auto &k : out) {
    s << "key " << k["key"].get<std::string>() << ": " << k["agents"].size() << " agent(s), "
      << k["queued"].get<long long>() - k["in_flight"].get<long long>() << " job(s) waiting, "
      << k["in_flight"].get<long long>() << " in flight\n";
    for (const auto &a : k["agents"]) {
      char seen[32];
      std::snprintf(seen, sizeof seen, "%.0f", a["seen_seconds_ago"].get<double>());
      s << "  agent " << a.value("name", "?") << " (" << a.value("host", "?") << "): " << a.value("state", "?")
        << ", " << a.value("jobs", 0) << " job(s), " << a.value("failures", 0) << " failed, seen " << seen << " s ago\n";
    }
    for (const auto &f : k["recent_failures"])
      s << "  failed: " << f.value("id", "").substr(0, 12) << " on " << f.value("agent", "?") << ": "
        << f.value("summary", "") << "\n";
  }
  return s.str();
}

} // namespace rqc::farm
