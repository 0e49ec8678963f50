#include "autotune/Records.h"

#include "rqc/runtime/Error.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>

namespace rqc::autotune {

using Json = nlohmann::json;

double TuningRecord::meanCost() const {
  if (errorNo != 0 || costs.empty()) return std::numeric_limits<double>::infinity();
  double sum = 0;
  for (double c : costs) sum += c;
  return sum / static_cast<double>(costs.size());
}

std::string TuningRecord::workloadKey() const { return Json::array({task, args}).dump(); }

namespace {

std::string stringField(const Json &obj, const char *key) {
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : "";
}

} // namespace

std::optional<TuningRecord> parseRecord(const std::string &line) {
  size_t first = line.find_first_not_of(" \t\r");
  if (first == std::string::npos || line[first] == '#') return std::nullopt;
  auto bad = [](const std::string &why) { return Error(why); };
  Json j;
  try {
    // nlohmann's dump() (workloadKey, formatRecord) recurses once per level: a deeply
    // nested line could overflow the stack. AutoTVM's records nest five levels deep.
    constexpr int kMaxDepth = 64;
    j = Json::parse(line, [&](int depth, Json::parse_event_t, Json &) {
      if (depth > kMaxDepth) throw bad("nests deeper than " + std::to_string(kMaxDepth) + " levels");
      return true;
    });
  } catch (const Json::exception &e) {
    throw bad(std::string("not JSON (") + e.what() + ")");
  }
  if (!j.is_object()) throw bad("a record must be a JSON object");
  if (j.contains("v") || j.contains("i") || j.contains("r"))
    throw bad("log format version 0.1 is not supported (AutoTVM dropped it too)");
  if (!j.contains("version") || !j["version"].is_number() || std::fabs(j["version"].get<double>() - 0.2) > 1e-9)
    throw bad("\"version\" must be 0.2");

  TuningRecord r;
  const Json &in = j.value("input", Json());
  if (!in.is_array() || in.size() != 4 || !in[0].is_string() || !in[1].is_string() || !in[2].is_array() ||
      !in[3].is_object())
    throw bad("\"input\" must be [target, task, args, kwargs]");
  r.target = in[0].get<std::string>();
  r.task = in[1].get<std::string>();
  r.args = in[2];
  r.kwargs = in[3];
  if (r.target.empty() || r.task.empty()) throw bad("empty target or task name");

  const Json &cfg = j.value("config", Json());
  if (!cfg.is_object() || !cfg.contains("index") || !cfg["index"].is_number_integer() || !cfg.contains("entity") ||
      !cfg["entity"].is_array())
    throw bad("\"config\" must have an integer \"index\" and an \"entity\" list");
  r.index = cfg["index"].get<int64_t>();
  if (r.index < 0) throw bad("negative config index");
  r.codeHash = cfg.value("code_hash", Json());
  r.entity = cfg["entity"];
  for (const Json &e : r.entity)
    if (!e.is_array() || e.size() != 3 || !e[0].is_string() || !e[1].is_string())
      throw bad("config entity items must be [knob, type, value]");

  const Json &res = j.value("result", Json());
  if (!res.is_array() || res.size() != 4 || !res[0].is_array() || !res[1].is_number_integer() || !res[2].is_number() ||
      !res[3].is_number())
    throw bad("\"result\" must be [costs, error_no, all_cost, timestamp]");
  for (const Json &c : res[0]) {
    if (!c.is_number()) throw bad("costs must be numbers");
    double v = c.get<double>();
    if (!(v >= 0) || !std::isfinite(v)) throw bad("a cost is negative or not finite");
    r.costs.push_back(v);
  }
  // Range-checked before narrowing: 4294967296 must not read as 0 (no error).
  if (!res[1].is_number_unsigned() || res[1].get<uint64_t>() > 8)
    throw bad("error_no " + res[1].dump() + " is not AutoTVM's (0-8)");
  r.errorNo = res[1].get<int>();
  if (r.errorNo == 0 && r.costs.empty()) throw bad("an error-free record without costs");
  r.allCost = res[2].get<double>();
  r.timestamp = res[3].get<double>();

  r.tvmVersion = stringField(j, "tvm_version");
  r.rqcVersion = stringField(j, "rqc_version");
  r.spaceHash = stringField(j, "space_hash");
  r.device = stringField(j, "device");
  r.errorMsg = stringField(j, "error_msg");
  r.tuner = stringField(j, "tuner");
  return r;
}

std::string formatRecord(const TuningRecord &r) {
  Json j = Json::object();
  // nlohmann keeps keys sorted; AutoTVM readers do not care about key order.
  j["input"] = Json::array({r.target, r.task, r.args, r.kwargs});
  j["config"] = {{"index", r.index}, {"code_hash", r.codeHash}, {"entity", r.entity}};
  std::vector<double> costs = r.errorNo ? std::vector<double>{1e9} : r.costs;
  j["result"] = Json::array({costs, r.errorNo, r.allCost, r.timestamp});
  j["version"] = 0.2;
  j["tvm_version"] = r.tvmVersion.empty() ? "0.8.dev0" : r.tvmVersion;
  if (!r.rqcVersion.empty()) j["rqc_version"] = r.rqcVersion;
  if (!r.spaceHash.empty()) j["space_hash"] = r.spaceHash;
  if (!r.device.empty()) j["device"] = r.device;
  if (!r.errorMsg.empty()) j["error_msg"] = r.errorMsg;
  if (!r.tuner.empty()) j["tuner"] = r.tuner;
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

RecordLog readRecords(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot read tuning records " + path + ": " + std::strerror(errno));
  RecordLog log;
  std::string line;
  size_t lineNo = 0;
  while (std::getline(in, line)) {
    ++lineNo;
    std::string origin = path + ":" + std::to_string(lineNo);
    bool complete = !in.eof(); // getline stopped at a newline
    try {
      std::optional<TuningRecord> r = parseRecord(line);
      if (!r) continue;
      r->origin = origin;
      log.records.push_back(std::move(*r));
    } catch (const Error &e) {
      log.skipped.push_back({origin, complete ? e.what() : std::string("truncated last line (") + e.what() + ")"});
    }
  }
  return log;
}

void appendRecord(const std::string &path, const TuningRecord &r) {
  std::string line = formatRecord(r) + "\n";
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) throw Error("cannot open tuning log " + path + " for appending: " + std::strerror(errno));
  // A line cut by a killed writer stays a (skipped) line of its own.
  off_t size = ::lseek(fd, 0, SEEK_END);
  char last = '\n';
  if (size > 0 && ::pread(fd, &last, 1, size - 1) == 1 && last != '\n') line.insert(line.begin(), '\n');
  const char *p = line.data();
  size_t left = line.size();
  while (left > 0) {
    ssize_t n = ::write(fd, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      throw Error("cannot write tuning log " + path + ": " + std::strerror(err));
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) {
    int err = errno;
    ::close(fd);
    throw Error("cannot sync tuning log " + path + ": " + std::strerror(err));
  }
  ::close(fd);
}

} // namespace rqc::autotune
