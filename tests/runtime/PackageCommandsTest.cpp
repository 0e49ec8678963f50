// The pieces of `rqc run` / `rqc bench` for packages.
#include "TestPackage.h"
#include "TestUtil.h"

#include "runtime/tools/PackageCommands.h"

#include <nlohmann/json.hpp>

#include <iostream>
#include <sstream>

using namespace rqc;
using namespace rqc::test;
using namespace rqc::tools;

namespace {

// Captures std::cout while alive.
class CaptureStdout {
public:
  CaptureStdout() : old_(std::cout.rdbuf(buffer_.rdbuf())) {}
  ~CaptureStdout() { std::cout.rdbuf(old_); }
  std::string text() const { return buffer_.str(); }

private:
  std::stringstream buffer_;
  std::streambuf *old_;
};

} // namespace

TEST(PackageCommands, NearestRankPercentiles) {
  std::vector<double> ms;
  for (int i = 100; i >= 1; --i) ms.push_back(i); // unsorted on purpose
  LatencySummary s = summarizeLatencies(ms);
  EXPECT_EQ(s.min, 1);
  EXPECT_EQ(s.p50, 50);
  EXPECT_EQ(s.p90, 90);
  EXPECT_EQ(s.p99, 99);
  EXPECT_EQ(s.max, 100);
  EXPECT_DOUBLE_EQ(s.mean, 50.5);

  s = summarizeLatencies({4, 1, 3, 2, 5, 6, 7, 8, 9, 10});
  EXPECT_EQ(s.p50, 5);  // ceil(0.5 * 10) = 5th
  EXPECT_EQ(s.p90, 9);  // 9th
  EXPECT_EQ(s.p99, 10); // ceil(9.9) = 10th
  s = summarizeLatencies({7});
  EXPECT_EQ(s.p50, 7);
  EXPECT_EQ(s.p99, 7);
  EXPECT_RQC_ERROR(summarizeLatencies({}), "no latencies");
}

TEST(PackageCommands, PrintsTop5OfClassifierOutputs) {
  Tensor t(DType::F32, {1, 8, 1});
  float scores[8] = {0.1f, 4.56f, -2.f, 3.f, 0.5f, 7.25f, 0.5f, 1.f};
  std::copy(scores, scores + 8, t.data<float>());
  std::ostringstream out;
  printTop5(out, "prob", t);
  EXPECT_EQ(out.str(), "top-5 of 'prob':\n"
                       "  class     5  score 7.25\n"
                       "  class     1  score 4.56\n"
                       "  class     3  score 3\n"
                       "  class     7  score 1\n"
                       "  class     4  score 0.5\n");
  std::ostringstream none;
  printTop5(none, "map", Tensor(DType::F32, {1, 4, 4}));  // two non-unit dimensions
  printTop5(none, "ids", Tensor(DType::I32, {1, 10}));    // not float
  EXPECT_EQ(none.str(), "");
}

TEST(PackageCommands, InputsFromNpzOrSeededRandom) {
  auto module = chainPackage().load();
  NamedTensors a = packageInputs(*module, "", 42), b = packageInputs(*module, "", 42), c = packageInputs(*module, "", 43);
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].first, "x");
  EXPECT_EQ(a[0].second.shape(), (Shape{1, 16}));
  auto values = [](const NamedTensors &t) {
    return std::vector<float>(t[0].second.data<float>(), t[0].second.data<float>() + 16);
  };
  EXPECT_EQ(values(a), values(b));
  EXPECT_NE(values(a), values(c));

  TempDir dir;
  saveNpz(dir.file("in.npz"), a);
  EXPECT_EQ(values(packageInputs(*module, dir.file("in.npz"), 0)), values(a));
  saveNpz(dir.file("other.npz"), {{"image", a[0].second}});
  EXPECT_RQC_ERROR(packageInputs(*module, dir.file("other.npz"), 0),
                   "other.npz: array 'image' is not an input of the model (its inputs: 'x')");

  PackageBuilder two;
  int64_t p = two.buffer("p", "input", {1, 16}), q = two.buffer("q", "input", {1, 16});
  int64_t y = two.buffer("y", "output", {1, 16});
  two.kernel("rqc_test_add", {p, q, y});
  two.inputs({p, q});
  two.outputs({y});
  saveNpz(dir.file("p.npz"), {{"p", a[0].second}});
  EXPECT_RQC_ERROR(packageInputs(*two.load(), dir.file("p.npz"), 0), "p.npz: no array for input 'q' (the model's inputs: 'p', 'q')");
}

TEST(PackageCommands, RunPrintsTop5AndWritesOutputs) {
  TempDir dir;
  writePackage(dir.file("chain.rqc"), chainPackage().members());
  std::vector<float> x(16);
  for (int i = 0; i < 16; ++i) x[i] = static_cast<float>(i % 5);
  Tensor input(DType::F32, {1, 16});
  std::copy(x.begin(), x.end(), input.data<float>());
  saveNpz(dir.file("in.npz"), {{"x", input}});

  CaptureStdout capture;
  runPackage({dir.file("chain.rqc"), dir.file("in.npz"), dir.file("out.npz"), 0, 2});
  std::string text = capture.text();
  std::vector<float> y = chainReference(x);
  size_t best = std::max_element(y.begin(), y.end()) - y.begin();
  EXPECT_NE(text.find("top-5 of 'y':\n  class " + std::string(best < 10 ? "    " : "   ") + std::to_string(best) + "  score"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("latency: "), std::string::npos) << text;
  EXPECT_NE(text.find("threads: 2"), std::string::npos) << text;
  NamedTensors out = loadNpz(dir.file("out.npz"));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].first, "y");
  EXPECT_EQ(std::vector<float>(out[0].second.data<float>(), out[0].second.data<float>() + 16), y);
}

TEST(PackageCommands, BenchReportsPercentilesAndMemoryAsJson) {
  TempDir dir;
  writePackage(dir.file("chain.rqc"), chainPackage().members());
  BenchPackageOptions o;
  o.package = dir.file("chain.rqc");
  o.repeat = 20;
  o.warmup = 2;
  o.threads = 1;
  o.json = true;
  CaptureStdout capture;
  benchPackage(o);
  nlohmann::json j = nlohmann::json::parse(capture.text());
  EXPECT_EQ(j["repeat"], 20);
  EXPECT_EQ(j["batch"], 1);
  const auto &l = j["latency_ms"];
  EXPECT_LE(l["min"].get<double>(), l["p50"].get<double>());
  EXPECT_LE(l["p50"].get<double>(), l["p90"].get<double>());
  EXPECT_LE(l["p90"].get<double>(), l["p99"].get<double>());
  EXPECT_LE(l["p99"].get<double>(), l["max"].get<double>());
  EXPECT_GT(j["images_per_second"].get<double>(), 0);
  EXPECT_EQ(j["memory_bytes"]["arena"], 3 * 64);
  EXPECT_EQ(j["memory_bytes"]["arena_without_reuse"], 4 * 64);
  EXPECT_GT(j["memory_bytes"]["process_peak_rss"].get<uint64_t>(), 0u);
  EXPECT_FALSE(j.contains("kernel_profile"));

  {
    o.profile = true;
    CaptureStdout again;
    benchPackage(o);
    nlohmann::json p = nlohmann::json::parse(again.text());
    ASSERT_TRUE(p.contains("kernel_profile"));
    ASSERT_EQ(p["kernel_profile"].size(), p["kernels"].get<size_t>());
    double sumMs = 0;
    for (const auto &k : p["kernel_profile"]) {
      EXPECT_FALSE(k["kernel"].get<std::string>().empty());
      EXPECT_GE(k["mean_ms"].get<double>(), 0.0);
      sumMs += k["mean_ms"].get<double>();
    }
    EXPECT_GT(sumMs, 0.0); // the kernels were timed at all
    o.json = false;
    CaptureStdout text;
    benchPackage(o);
    EXPECT_NE(text.text().find("kernels:    mean over 20 profiled runs, slowest first"), std::string::npos) << text.text();
    o.json = true;
    o.profile = false;
  }

  o.repeat = 0;
  EXPECT_RQC_ERROR(benchPackage(o), "--repeat must be at least 1");
  o.repeat = 1;
  o.threads = -1;
  EXPECT_RQC_ERROR(benchPackage(o), "--threads must be positive");
}
