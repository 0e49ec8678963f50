// An experiment's results: one JSON record per point in RESULTS_DIR/points/<id>.json (what
// `rqc experiment` writes as each point finishes, atomically, so that a killed sweep resumes
// from the records on disk), the CSV of all of them, and the Pareto frontier of latency
// against top-1.
//
// A record (every key always present):
//   id, experiment, model, variant (object), model_path, model_bytes (the .onnx compiled:
//   rqc quantize's output for int8), target, dtype, threads,
//   device {cpu (/proc/cpuinfo model name), cores, features (the ISA flags that matter:
//   avx2, fma, avx512f, avx512_vnni, avx_vnni, ...), llvm_cpu (LLVM's name rqc compiled for)},
//   dataset, images, top1, top5 (fractions, rqc validate),
//   latency_ms {mean, p50, p90}, images_per_second, batch (rqc bench, one batch per run),
//   compile_seconds, rqc_version, commands (the exact rqc command lines), settings (what
//   decides the result besides rqc: model_sha256, target, dtype, threads, dataset, images,
//   repeat, tuning_records digests, quantize; a rerun measures a point again when they
//   differ), finished (UTC).
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace rqc::experiment {

// The records in DIR/points, sorted by id. Throws rqc::Error naming the file for an
// unreadable or malformed record, or when DIR has no points folder.
std::vector<nlohmann::json> readRecords(const std::string &dir);

// The CSV of `records` (a header line, then one line per record; RFC 4180 quoting).
std::string recordsCsv(const std::vector<nlohmann::json> &records);

// Which of the points (latency, accuracy) are Pareto-efficient: no other point is at least
// as fast and at least as accurate and strictly better in one of the two. Equal points
// are all efficient. O(n log n).
std::vector<bool> paretoFrontier(const std::vector<double> &latency, const std::vector<double> &accuracy);

} // namespace rqc::experiment
