// rqc validate MODEL.onnx|MODEL.rqc --dataset fashion-mnist|DIR|FILE.npz [--limit N] [--json]:
// scores a classifier on labelled images with the ReQuEST metrics (../shared/seeds: top-1
// and top-5 accuracy next to latency, throughput and model size). A package runs with
// librqc_runtime; an .onnx is compiled in memory first, exactly as `rqc compile` would, or
// runs on the reference executor with --reference. Datasets: compiler/driver/Dataset.h.
#include "compiler/driver/Commands.h"
#include "compiler/driver/Dataset.h"
#include "compiler/driver/ModelLoading.h"
#include "compiler/driver/Pipeline.h"
#include "compiler/driver/ProgressLine.h"
#include "compiler/driver/SplitCompile.h"
#include "compiler/reference/ReferenceExecutor.h"

#include "rqc/runtime/Error.h"
#include "rqc/runtime/Executor.h"
#include "rqc/runtime/Module.h"
#include "rqc/runtime/PackageWriter.h"
#include "runtime/tools/PackageCommands.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <functional>
#include <iostream>
#include <numeric>
#include <optional>

namespace rqc::driver {

namespace {

struct ValidateOptions {
  std::string model, dataset;
  int64_t limit = 0;
  bool json = false, reference = false;
  int threads = 0;
  CompileOptions compile;
  int split = 0; // --split=N: score the model compiled as N parts and a head, next to it whole
};

// One single-input classifier, however it runs: its input's shape (batch first) and a
// function from a batch of images to the first output's batch of scores.
struct Classifier {
  std::string how; // "compiled for llvm, 2 threads", "reference executor"
  std::string inputName;
  Shape inputShape;
  int64_t classes = 0;
  std::function<Tensor(const Tensor &batch)> run;
};

std::string count(size_t n, const char *what) { return std::to_string(n) + " " + what + (n == 1 ? "" : "s"); }

// A classifier: one float32 input (the images, batch first) and one float32 output of
// scores, [batch, classes] or [batch, classes, 1, 1]. Returns the number of classes.
int64_t checkClassifier(const std::vector<TensorSpec> &inputs, const std::vector<TensorSpec> &outputs,
                        const std::string &what) {
  if (inputs.size() != 1 || outputs.size() != 1)
    throw Error(what + ": rqc validate scores classifiers (one input, one output of scores); this model has " +
                count(inputs.size(), "input") + " and " + count(outputs.size(), "output"));
  const TensorSpec &in = inputs[0], &out = outputs[0];
  if (in.dtype != DType::F32)
    throw Error(what + ": input '" + in.name + "' is " + dtypeName(in.dtype) + "; rqc validate feeds float32 images");
  const Shape &s = out.shape;
  bool scores = out.dtype == DType::F32 && s.size() >= 2 && !in.shape.empty() && s[0] == in.shape[0] && s[1] >= 2 &&
                std::all_of(s.begin() + 2, s.end(), [](int64_t d) { return d == 1; });
  if (!scores)
    throw Error(what + ": output '" + out.name + "' is " + dtypeName(out.dtype) + " " + shapeToString(s) +
                ", not float32 class scores [batch, classes] (rqc validate scores classifiers)");
  return s[1];
}

Classifier compiledClassifier(std::shared_ptr<const Module> module, int threads, const std::string &what) {
  const int64_t classes = checkClassifier(module->inputs(), module->outputs(), what);
  const TensorSpec &in = module->inputs()[0];
  auto exec = std::make_shared<Executor>(module, ExecutorOptions{threads, false});
  Classifier c;
  c.how = fmt::format("compiled for {}, {}", module->info().target.kind,
                      threads == 1 ? std::string("1 thread")
                                   : threads > 1 ? std::to_string(threads) + " threads" : std::string("all cores"));
  c.inputName = in.name;
  c.inputShape = in.shape;
  c.classes = classes;
  c.run = [exec](const Tensor &batch) {
    exec->setInput(size_t(0), batch);
    exec->run();
    return exec->getOutput(0);
  };
  return c;
}

Classifier referenceClassifier(std::shared_ptr<mlir::MLIRContext> ctx,
                               std::shared_ptr<mlir::OwningOpRef<mlir::ModuleOp>> module, const std::string &what) {
  auto exec = std::make_shared<reference::ReferenceExecutor>(**module);
  std::vector<TensorSpec> inputs, outputs;
  for (const auto &i : exec->inputs()) inputs.push_back({i.name, i.dtype, i.shape});
  for (const auto &o : exec->outputs()) outputs.push_back({o.name, o.dtype, o.shape});
  Classifier c;
  c.classes = checkClassifier(inputs, outputs, what);
  c.how = "reference executor";
  c.inputName = inputs[0].name;
  c.inputShape = inputs[0].shape;
  // The context and module outlive the executor that points into them.
  c.run = [ctx, module, exec](const Tensor &batch) { return exec->run(std::vector<Tensor>{batch}).at(0); };
  return c;
}

// A split package's parts run here one after another, then its head.
Classifier splitClassifier(const tools::SplitPackage &split, int threads, const std::string &what) {
  auto exec = std::make_shared<tools::SplitExecutor>(split, threads, what);
  Classifier c;
  c.classes = checkClassifier(exec->inputs(), exec->outputs(), what);
  c.how = fmt::format("split into {} parts and a head, compiled for {}, run here one after another",
                      split.parts.size(), split.target);
  c.inputName = exec->inputs()[0].name;
  c.inputShape = exec->inputs()[0].shape;
  c.run = [exec](const Tensor &batch) {
    exec->setInput(exec->inputs()[0].name, batch);
    exec->run();
    return exec->getOutput(0);
  };
  return c;
}

Classifier loadClassifier(const ValidateOptions &o) {
  if (isPackagePath(o.model)) {
    if (o.reference) throw Error("--reference runs an .onnx model; " + o.model + " is a compiled package");
    if (tools::isSplitPackage(o.model)) return splitClassifier(tools::readSplitPackage(o.model), o.threads, o.model);
    return compiledClassifier(Module::load(o.model), o.threads, o.model);
  }
  if (o.split) return splitClassifier(compileSplitNetwork(o.model, o.split, o.compile), o.threads, o.model);
  auto ctx = std::make_shared<mlir::MLIRContext>();
  auto module = std::make_shared<mlir::OwningOpRef<mlir::ModuleOp>>(loadModel(o.model, *ctx, o.compile.inputShapes));
  if (o.reference) return referenceClassifier(ctx, module, o.model);
  PackageMembers members = compileModule(**module, o.compile, nullptr);
  return compiledClassifier(Module::loadFromBytes(makeTar(members), o.model), o.threads, o.model);
}

struct Scores {
  int64_t images = 0, top1 = 0, top5 = 0, classes = 0, batch = 0;
  std::vector<double> batchMs;
};

// Scores `set` batch by batch; the last batch is padded with zero images whose scores are
// ignored. Throws when the model's input does not take the dataset's images.
Scores score(Classifier &c, const LabelledImages &set, const std::string &what) {
  const Shape &in = c.inputShape;
  Shape image(set.images.shape().begin() + 1, set.images.shape().end());
  if (in.size() < 2 || Shape(in.begin() + 1, in.end()) != image)
    throw Error(what + ": input '" + c.inputName + "' is " + shapeToString(in) + ", the images of " + set.source + " are " +
                shapeToString(image) + " (batch first)");
  for (size_t i = 0; i < set.labels.size(); ++i) // before the first image runs
    if (set.labels[i] >= c.classes)
      throw Error(set.source + ": label " + std::to_string(set.labels[i]) + " of image " + std::to_string(i) +
                  " is not one of the model's " + std::to_string(c.classes) + " classes");
  Scores s;
  s.batch = in[0];
  s.images = int64_t(set.labels.size());
  const int64_t perImage = numElements(image);
  Tensor batch(DType::F32, in);
  ProgressLine progress(5.0);
  for (int64_t first = 0; first < s.images; first += s.batch) {
    const int64_t n = std::min(s.batch, s.images - first);
    std::memset(batch.raw(), 0, batch.nbytes());
    std::memcpy(batch.data<float>(), set.images.data<float>() + first * perImage, size_t(n * perImage) * sizeof(float));
    auto start = std::chrono::steady_clock::now();
    Tensor out = c.run(batch);
    s.batchMs.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
    if (out.dtype() != DType::F32 || out.rank() < 1 || out.dim(0) != s.batch || out.numel() % s.batch != 0)
      throw Error(what + ": the first output is " + dtypeName(out.dtype()) + " " + shapeToString(out.shape()) +
                  ", not float32 scores with the batch first");
    s.classes = out.numel() / s.batch;
    const float *scores = out.data<float>();
    std::vector<int64_t> order(size_t(s.classes));
    for (int64_t i = 0; i < n; ++i) {
      const float *row = scores + i * s.classes;
      std::iota(order.begin(), order.end(), 0);
      const int64_t k = std::min<int64_t>(5, s.classes);
      // Ties go to the lower class index, as numpy's argsort of the negated scores.
      std::partial_sort(order.begin(), order.begin() + k, order.end(),
                        [&](int64_t a, int64_t b) { return row[a] > row[b] || (row[a] == row[b] && a < b); });
      const int64_t label = set.labels[size_t(first + i)];
      s.top1 += order[0] == label;
      s.top5 += std::find(order.begin(), order.begin() + k, label) != order.begin() + k;
    }
    const int64_t done = first + n;
    double elapsed = progress.elapsed();
    progress.show(fmt::format("validating [{}/{}] top-1 {:.2f}% elapsed {} eta {}", done, s.images,
                              100.0 * double(s.top1) / double(done), formatDuration(elapsed),
                              formatDuration(elapsed / double(done) * double(s.images - done))),
                  done == s.images);
  }
  return s;
}

int64_t fileBytes(const std::string &path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 ? int64_t(st.st_size) : -1;
}

void runValidate(const ValidateOptions &o) {
  if (o.limit < 0) throw Error("--limit must be at least 1 (or 0 for every image), not " + std::to_string(o.limit));
  // Options that would otherwise be silently ignored.
  if (isPackagePath(o.model) && !o.compile.tuningRecords.empty())
    throw Error("--tuning-records applies when compiling an .onnx; " + o.model + " is already compiled");
  if ((isPackagePath(o.model) || o.reference) && o.compile.int8Kernels != "auto")
    throw Error("--int8-kernels applies when compiling an .onnx (not to a package or the reference executor)");
  if (o.reference && o.threads > 0)
    throw Error("--threads applies to compiled code, not to the reference executor (--reference)");
  if (o.split && (isPackagePath(o.model) || o.reference))
    throw Error("--split compiles an .onnx model as a split network (not a package, not --reference)");
  LabelledImages set = loadLabelledImages(o.dataset, o.limit); // the cheap check first
  Classifier c = loadClassifier(o);
  Scores s = score(c, set, o.model);
  // Next to a split network, the model it was divided from, compiled whole.
  std::optional<Scores> whole;
  if (o.split) {
    ValidateOptions unsplit = o;
    unsplit.split = 0;
    Classifier w = loadClassifier(unsplit);
    whole = score(w, set, o.model);
  }
  tools::LatencySummary latency = tools::summarizeLatencies(s.batchMs);
  const double totalMs = std::accumulate(s.batchMs.begin(), s.batchMs.end(), 0.0);
  const double imagesPerSecond = totalMs > 0 ? double(s.images) / (totalMs / 1e3) : 0.0;
  const double top1 = double(s.top1) / double(s.images), top5 = double(s.top5) / double(s.images);
  const int64_t bytes = fileBytes(o.model);

  if (o.json) {
    nlohmann::json j = {{"model", o.model},
                        {"dataset", set.source},
                        {"images", s.images},
                        {"classes", s.classes},
                        {"executor", c.how},
                        {"batch", s.batch},
                        {"top1", top1},
                        {"top5", top5},
                        {"latency_ms", {{"mean", latency.mean}, {"p50", latency.p50}, {"p90", latency.p90}}},
                        {"images_per_second", imagesPerSecond},
                        {"model_bytes", bytes}};
    if (whole)
      j["unsplit"] = {{"top1", double(whole->top1) / double(whole->images)},
                      {"top5", double(whole->top5) / double(whole->images)}};
    std::cout << j.dump(2) << "\n";
    return;
  }
  std::cout << fmt::format("{} on {} ({} images, {} classes), {}\n", o.model, set.source, s.images, s.classes, c.how);
  std::cout << fmt::format("top-1       {:.2f}% ({}/{})\n", 100.0 * top1, s.top1, s.images);
  std::cout << fmt::format("top-5       {:.2f}% ({}/{})\n", 100.0 * top5, s.top5, s.images);
  if (whole)
    std::cout << fmt::format("unsplit     top-1 {:.2f}%, top-5 {:.2f}% (the same model compiled whole; a split network "
                             "drops the weights between channel groups and matches only when trained split)\n",
                             100.0 * double(whole->top1) / double(whole->images),
                             100.0 * double(whole->top5) / double(whole->images));
  std::cout << fmt::format("latency     mean {:.3f} ms, p50 {:.3f} ms, p90 {:.3f} ms per batch of {}\n", latency.mean,
                           latency.p50, latency.p90, s.batch);
  std::cout << fmt::format("throughput  {:.1f} images/s\n", imagesPerSecond);
  std::cout << fmt::format("model size  {:.3f} MB ({} bytes)\n", double(bytes) / 1e6, bytes);
}

} // namespace

void registerValidateCommand(CLI::App &app) {
  auto opts = std::make_shared<ValidateOptions>();
  CLI::App *cmd = app.add_subcommand(
      "validate", "Score a classifier on labelled images: top-1/top-5 accuracy, latency, images/s, model size");
  cmd->add_option("model", opts->model, "Compiled package (.rqc) or ONNX model (compiled in memory, or --reference)")
      ->required();
  cmd->add_option("--dataset", opts->dataset,
                  "fashion-mnist (Debian's dataset-fashion-mnist test split), a folder with the IDX test split "
                  "(t10k-images-idx3-ubyte[.gz], t10k-labels-idx1-ubyte[.gz]), or an .npz with 'images' and 'labels'")
      ->required();
  cmd->add_option("--limit", opts->limit, "Score only the first N images (0: all)")->default_val(0);
  cmd->add_flag("--json", opts->json, "Print the scores as one JSON document");
  cmd->add_flag("--reference", opts->reference, "Run an .onnx model on the reference executor");
  cmd->add_option("--threads", opts->threads, "Threads of compiled code (default: all cores)");
  cmd->add_option("--tuning-records", opts->compile.tuningRecords, "Tuning logs for compiling an .onnx (repeatable)");
  cmd->add_option("--input-shape", opts->compile.inputShapes, "Static shape of an input, NAME=1x1x28x28 (repeatable)");
  cmd->add_option("--int8-kernels", opts->compile.int8Kernels,
                  "Compiling an .onnx: QDQ convolutions as integer kernels: auto (where the CPU has VNNI or SDOT; on "
                  "AVX2 those whose weights suit vpmaddubsw), on, off")
      ->check(CLI::IsMember({"auto", "on", "off"}))
      ->default_val("auto");
  cmd->add_option("--split", opts->split,
                  "Compile the .onnx as a split network of N parts and a head (rqc compile --split) and score it, "
                  "next to the model compiled whole")
      ->check(CLI::Range(2, 64));
  cmd->callback([opts] { runValidate(*opts); });
}

} // namespace rqc::driver
