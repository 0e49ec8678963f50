// rqc experiment's SPEC: which models, targets, data types and thread counts to sweep, in
// the spirit of the ReQuEST workflows this project grew from (../shared/seeds/000_*,
// 001_*): every point compiled, scored on labelled images and benchmarked. JSON, or the
// same keys in YAML when the file ends in .yaml or .yml (read by yaml-cpp):
//
//   {
//     "name": "fashion-resnet8",                  optional; default: the file's stem
//     "dataset": "fashion-mnist",                 a `rqc validate` dataset (required)
//     "images": 1000,                             images scored per point; 0 (default): all
//     "models": [                                 required, at least one
//       {"name": "resnet8", "path": "../../models/fashion_resnet8.onnx"},
//       {"name": "mobilenet_v1", "path": "m/mobilenet_v1_w{width}_r{resolution}.onnx",
//        "grid": {"width": [0.25, 0.5], "resolution": [16, 28]}}   one model per combination
//     ],
//     "targets": ["llvm"],                        default ["llvm"]: targets of this machine
//     "dtypes": ["float32", "int8"],              default ["float32"]
//     "threads": [1, 2],                          default [1]
//     "quantize": {"calibration": "fashion-mnist-train", "limit": 500, "method": "minmax"},
//                                                 how a float model becomes int8 (rqc quantize)
//     "tuning_records": ["x86.log"],              optional, passed to rqc compile
//     "int8_kernels": "auto",                     int8 points: rqc compile --int8-kernels (auto, on, off)
//     "repeat": 100                               rqc bench repetitions per point
//   }
//
// Relative paths (models, dataset and calibration folders or files, logs) are relative to
// the SPEC file. Unknown keys are errors (a typo must not silently drop a setting). In YAML,
// plain scalars are typed by YAML 1.2's core schema (0.25 a number, true a boolean) and
// quoted ones are strings; a key given twice is an error.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace rqc::experiment {

struct ModelVariant {
  std::string name;       // "mobilenet_v1"
  std::string path;       // resolved
  nlohmann::json variant; // {"width": 0.25, "resolution": 16}, or {} for a single model
  std::string key;        // "mobilenet_v1-width0.25-resolution16": names files and points
};

struct ExperimentSpec {
  std::string file, name;
  std::string dataset;
  int64_t images = 0;
  std::vector<ModelVariant> models;
  std::vector<std::string> targets, dtypes;
  std::vector<int> threads;
  std::string calibration, calibrateMethod = "minmax";
  int64_t calibrationLimit = 0;
  std::vector<std::string> tuningRecords;
  std::string int8Kernels = "auto"; // rqc compile --int8-kernels for the int8 points
  int repeat = 100;
};

struct Point {
  std::string id; // "<model key>-<target>-<dtype>-t<threads>", file-name safe
  const ModelVariant *model = nullptr;
  std::string target, dtype;
  int threads = 1;
};

// Reads and validates SPEC: JSON or YAML syntax, keys and types, that every model file (every grid
// combination), tuning log, dataset and calibration source exists, that every target runs
// on this machine and every dtype is float32 or int8, and that int8 has a "quantize" section.
// Throws rqc::Error with one line naming SPEC and the field, before anything runs.
ExperimentSpec readSpec(const std::string &path);

// Is `path` a YAML SPEC (it ends in .yaml or .yml, any case)? Otherwise it is read as JSON.
bool isYamlSpec(const std::string &path);

// Every combination of model x target x dtype x threads, in that nesting order.
std::vector<Point> enumeratePoints(const ExperimentSpec &spec);

// A file-name-safe form of `s`: letters, digits, '.', '_' and '-' kept, the rest '_'.
std::string safeName(const std::string &s);

} // namespace rqc::experiment
