#include "TestPackage.h"

#include "rqc/runtime/Error.h"

#include <algorithm>
#include <fstream>
#include <sstream>

namespace rqc::test {

std::string readFile(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string testKernels(int abiVersion) {
  return readFile(abiVersion == 1 ? RQC_TEST_KERNELS_ABI1 : RQC_TEST_KERNELS_ABI2);
}

std::string hostTriple() {
#if defined(__x86_64__)
  return "x86_64-unknown-linux-gnu";
#elif defined(__aarch64__)
  return "aarch64-linux-gnu";
#elif defined(__arm__)
  return "armv7a-linux-gnueabihf";
#else
#error "unsupported host for the runtime tests"
#endif
}

std::string foreignTriple() {
#if defined(__aarch64__)
  return "x86_64-unknown-linux-gnu";
#else
  return "aarch64-linux-gnu";
#endif
}

PackageBuilder::PackageBuilder() {
  description = {{"format", "rqc-module"},
                 {"format_version", kPackageFormatVersion},
                 {"rqc_version", "0.1.0"},
                 {"target", {{"kind", "llvm"}, {"triple", hostTriple()}, {"cpu", "generic"}, {"features", ""}}},
                 {"buffers", nlohmann::json::array()},
                 {"kernels", nlohmann::json::array()},
                 {"inputs", nlohmann::json::array()},
                 {"outputs", nlohmann::json::array()}};
  kernels = testKernels();
}

int64_t PackageBuilder::buffer(const std::string &name, const std::string &kind, std::vector<int64_t> shape,
                               const std::string &dtype) {
  int64_t id = static_cast<int64_t>(description["buffers"].size());
  description["buffers"].push_back({{"id", id}, {"name", name}, {"dtype", dtype}, {"shape", shape}, {"kind", kind}});
  return id;
}

int64_t PackageBuilder::param(const std::string &name, std::vector<int64_t> shape, const std::vector<float> &values) {
  params.append((64 - params.size() % 64) % 64, '\0');
  int64_t id = buffer(name, "param", std::move(shape));
  description["buffers"][id]["offset"] = params.size();
  description["buffers"][id]["nbytes"] = values.size() * sizeof(float);
  params.append(reinterpret_cast<const char *>(values.data()), values.size() * sizeof(float));
  return id;
}

int64_t PackageBuilder::rawParam(const std::string &name, std::vector<int64_t> shape, const std::string &dtype,
                                 const std::string &bytes) {
  params.append((64 - params.size() % 64) % 64, '\0');
  int64_t id = buffer(name, "param", std::move(shape), dtype);
  description["buffers"][id]["offset"] = params.size();
  description["buffers"][id]["nbytes"] = bytes.size();
  params.append(bytes);
  return id;
}

int64_t PackageBuilder::alias(const std::string &name, int64_t of, std::vector<int64_t> shape) {
  int64_t id = buffer(name, "alias", std::move(shape));
  description["buffers"][id]["alias_of"] = of;
  return id;
}

void PackageBuilder::kernel(const std::string &symbol, std::vector<int64_t> args, int outputsCount) {
  nlohmann::json k = {{"name", symbol + "_" + std::to_string(description["kernels"].size())},
                      {"symbol", symbol},
                      {"args", args},
                      {"ops", "test"},
                      {"macs", 16}};
  if (outputsCount != 1) k["outputs_count"] = outputsCount;
  description["kernels"].push_back(k);
}

PackageMembers PackageBuilder::members() const {
  PackageMembers m;
  nlohmann::json d = description;
  if (withChecksums && d.is_object() && !d.contains("checksums")) { // as rqc compile seals a package
    d["checksums"] = nlohmann::json::object();
    if (withParams) d["checksums"]["params.bin"] = sha256Checksum(params);
    if (withKernels) d["checksums"]["kernels.so"] = sha256Checksum(kernels);
    for (const auto &[name, bytes] : extra) d["checksums"][name] = sha256Checksum(bytes);
  }
  if (withModuleJson) m.emplace_back("module.json", d.dump(2));
  if (withParams) m.emplace_back("params.bin", params);
  if (withKernels) m.emplace_back("kernels.so", kernels);
  m.insert(m.end(), extra.begin(), extra.end());
  return m;
}

std::vector<float> chainWeights() {
  std::vector<float> w(16);
  for (int i = 0; i < 16; ++i) w[i] = 0.5f * static_cast<float>(i) - 4.f;
  return w;
}

std::vector<float> chainReference(const std::vector<float> &x) {
  std::vector<float> y(16), w = chainWeights();
  for (int i = 0; i < 16; ++i) y[i] = 6.f * std::max(0.f, x[i] + w[i]);
  return y;
}

PackageBuilder chainPackage() {
  PackageBuilder b;
  int64_t x = b.buffer("x", "input", {1, 16});
  int64_t w = b.param("w", {1, 16}, chainWeights());
  int64_t t0 = b.buffer("t0", "intermediate", {1, 16});
  int64_t t1 = b.buffer("t1", "intermediate", {1, 16});
  int64_t t2 = b.buffer("t2", "intermediate", {1, 16});
  int64_t t3 = b.buffer("t3", "intermediate", {1, 16});
  int64_t y = b.buffer("y", "output", {1, 16});
  b.kernel("rqc_test_add", {x, w, t0});
  b.kernel("rqc_test_relu", {t0, t1});
  b.kernel("rqc_test_scale2", {t1, t2});
  b.kernel("rqc_test_add", {t2, t1, t3});
  b.kernel("rqc_test_scale2", {t3, y});
  b.inputs({x});
  b.outputs({y});
  return b;
}

PackageBuilder longChainPackage(int kernels) {
  PackageBuilder b;
  int64_t previous = b.buffer("x", "input", {1, 16});
  int64_t x = previous;
  for (int k = 0; k < kernels; ++k) {
    bool last = k == kernels - 1;
    int64_t next = b.buffer(last ? "y" : "t" + std::to_string(k), last ? "output" : "intermediate", {1, 16});
    b.kernel(k % 2 ? "rqc_test_scale2" : "rqc_test_relu", {previous, next});
    previous = next;
  }
  b.inputs({x});
  b.outputs({previous});
  return b;
}

} // namespace rqc::test
