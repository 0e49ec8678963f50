#include "compiler/experiment/Results.h"

#include "rqc/runtime/Error.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <sstream>

namespace rqc::experiment {

namespace fs = std::filesystem;
using nlohmann::json;

std::vector<json> readRecords(const std::string &dir) {
  fs::path points = fs::path(dir) / "points";
  if (!fs::is_directory(points)) throw Error(dir + ": not an experiment's results (no points/ folder in it)");
  std::vector<json> records;
  for (const auto &entry : fs::directory_iterator(points)) {
    const std::string name = entry.path().filename().string();
    if (entry.path().extension() != ".json" || name[0] == '.') continue;
    std::ifstream in(entry.path());
    json r;
    try {
      r = json::parse(in);
    } catch (const json::exception &e) {
      throw Error(entry.path().string() + ": not a valid record: " + e.what() + " (delete it and rerun the sweep)");
    }
    // The fields the CSV and the report read, with their types: a hand-edited or foreign
    // record fails here, naming its file, rather than half-way through a report.
    auto bad = [&](const std::string &why) {
      throw Error(entry.path().string() + ": not a valid record: " + why + " (delete it and rerun the sweep)");
    };
    if (!r.is_object()) bad("not a JSON object");
    for (const char *key : {"id", "model", "target", "dtype"})
      if (!r.contains(key) || !r[key].is_string()) bad(std::string("\"") + key + "\" must be a string");
    if (!r.contains("threads") || !r["threads"].is_number_integer()) bad("\"threads\" must be an integer");
    for (const char *key : {"top1", "top5", "images_per_second", "compile_seconds"})
      if (r.contains(key) && !r[key].is_number()) bad(std::string("\"") + key + "\" must be a number");
    if (!r.contains("top1")) bad("no \"top1\"");
    if (!r.contains("latency_ms") || !r["latency_ms"].is_object()) bad("\"latency_ms\" must be an object");
    for (const char *key : {"mean", "p50", "p90"})
      if (r["latency_ms"].contains(key) && !r["latency_ms"][key].is_number())
        bad(std::string("\"latency_ms.") + key + "\" must be a number");
    for (const char *key : {"images", "model_bytes"})
      if (r.contains(key) && !r[key].is_number_integer()) bad(std::string("\"") + key + "\" must be an integer");
    if (r.contains("variant") && !r["variant"].is_object()) bad("\"variant\" must be an object");
    if (r.contains("device") && !r["device"].is_object()) bad("\"device\" must be an object");
    records.push_back(std::move(r));
  }
  std::sort(records.begin(), records.end(),
            [](const json &a, const json &b) { return a["id"].get<std::string>() < b["id"].get<std::string>(); });
  return records;
}

namespace {
std::string csvField(const std::string &s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}
std::string variantText(const json &v) {
  std::string s;
  for (auto it = v.begin(); it != v.end(); ++it)
    s += (s.empty() ? "" : ";") + it.key() + "=" + (it.value().is_string() ? it.value().get<std::string>() : it.value().dump());
  return s;
}
} // namespace

std::string recordsCsv(const std::vector<json> &records) {
  std::ostringstream os;
  os << "id,model,variant,target,dtype,threads,top1,top5,images,latency_mean_ms,latency_p50_ms,latency_p90_ms,"
        "images_per_second,model_bytes,compile_seconds,cpu,rqc_version\n";
  for (const json &r : records) {
    const json &l = r["latency_ms"];
    os << csvField(r["id"].get<std::string>()) << ',' << csvField(r["model"].get<std::string>()) << ','
       << csvField(variantText(r.value("variant", json::object()))) << ',' << csvField(r["target"].get<std::string>())
       << ',' << r["dtype"].get<std::string>() << ',' << r["threads"].get<int>() << ','
       << fmt::format("{:.6f},{:.6f},{},{:.6f},{:.6f},{:.6f},{:.2f},{},{:.3f},", r["top1"].get<double>(),
                      r.value("top5", 0.0), r.value("images", 0), l.value("mean", 0.0), l.value("p50", 0.0),
                      l.value("p90", 0.0), r.value("images_per_second", 0.0), r.value("model_bytes", 0),
                      r.value("compile_seconds", 0.0))
       << csvField(r.contains("device") ? r["device"].value("cpu", "") : "") << ','
       << csvField(r.value("rqc_version", "")) << "\n";
  }
  return os.str();
}

std::vector<bool> paretoFrontier(const std::vector<double> &latency, const std::vector<double> &accuracy) {
  const size_t n = latency.size();
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  // Fastest first; among equally fast, most accurate first.
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return latency[a] != latency[b] ? latency[a] < latency[b] : accuracy[a] > accuracy[b];
  });
  std::vector<bool> efficient(n, false);
  double best = -std::numeric_limits<double>::infinity();
  for (size_t i = 0; i < n;) {
    // A group of equally fast points: those with the group's best accuracy are efficient
    // when it beats every faster point's.
    size_t j = i;
    while (j < n && latency[order[j]] == latency[order[i]]) ++j;
    double groupBest = accuracy[order[i]];
    if (groupBest > best)
      for (size_t k = i; k < j && accuracy[order[k]] == groupBest; ++k) efficient[order[k]] = true;
    best = std::max(best, groupBest);
    i = j;
  }
  return efficient;
}

} // namespace rqc::experiment
