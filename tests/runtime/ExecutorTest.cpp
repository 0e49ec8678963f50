// Running packages: results through the arena's reuse, aliases, several outputs, the
// thread setting, DLPack in and out, and refusal of bad tensors and misuse.
#include "TestPackage.h"
#include "TestUtil.h"

#include "rqc/runtime/Executor.h"

#include <chrono>
#include <random>
#include <thread>

using namespace rqc;
using namespace rqc::test;

namespace {

std::vector<float> randomVector(unsigned seed, size_t n = 16) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.f, 3.f);
  std::vector<float> v(n);
  for (float &f : v) f = normal(rng);
  return v;
}

Tensor tensorOf(const std::vector<float> &values, Shape shape) {
  Tensor t(DType::F32, std::move(shape));
  std::copy(values.begin(), values.end(), t.data<float>());
  return t;
}

std::vector<float> valuesOf(const Tensor &t) { return {t.data<float>(), t.data<float>() + t.numel()}; }

DLTensor dlOf(std::vector<float> &values, std::vector<int64_t> &shape) {
  DLTensor t{};
  t.data = values.data();
  t.device = {kDLCPU, 0};
  t.ndim = static_cast<int>(shape.size());
  t.dtype = {kDLFloat, 32, 1};
  t.shape = shape.data();
  return t;
}

// x (1x16) -> threads kernel writing int32 out[0] = the last rqc_set_num_threads value.
PackageBuilder threadsPackage() {
  PackageBuilder b;
  int64_t out = b.buffer("threads", "output", {16}, "int32");
  b.kernel("rqc_test_threads", {out});
  b.outputs({out});
  return b;
}

// out (int64 x 16) <- the allocator probe kernel.
PackageBuilder allocPackage() {
  PackageBuilder b;
  int64_t out = b.buffer("block", "output", {16}, "int64");
  b.kernel("rqc_test_alloc", {out});
  b.outputs({out});
  return b;
}

} // namespace

TEST(Executor, RunsTheChain) {
  Executor exec(chainPackage().load());
  std::vector<float> x = randomVector(1);
  exec.setInput("x", tensorOf(x, {1, 16}));
  exec.run();
  Tensor y = exec.getOutput("y");
  EXPECT_EQ(y.shape(), (Shape{1, 16}));
  EXPECT_EQ(valuesOf(y), chainReference(x));
  // Rerun with new inputs: nothing stale survives in the reused arena.
  std::vector<float> x2 = randomVector(2);
  exec.setInput(0, tensorOf(x2, {1, 16}));
  exec.run();
  EXPECT_EQ(valuesOf(exec.getOutput(0)), chainReference(x2));
}

TEST(Executor, ReusedArenaGivesCorrectResultsOnALongChain) {
  Executor exec(longChainPackage(20).load()); // relu, then 2x, alternating: 1024 relu(x)
  EXPECT_EQ(exec.memoryPlan().arenaBytes, 2u * 64);
  EXPECT_EQ(exec.memoryPlan().naiveBytes, 19u * 64);
  std::vector<float> x = randomVector(3);
  exec.setInput("x", tensorOf(x, {1, 16}));
  exec.run();
  std::vector<float> y = valuesOf(exec.getOutput("y"));
  for (int i = 0; i < 16; ++i) EXPECT_EQ(y[i], 1024.f * std::max(0.f, x[i]));
}

TEST(Executor, ExchangesDLPackTensors) {
  Executor exec(chainPackage().load());
  std::vector<float> x = randomVector(4);
  std::vector<int64_t> shape{1, 16};
  DLTensor in = dlOf(x, shape);
  exec.setInput("x", in);
  exec.run();

  std::vector<float> y(16, -1.f);
  DLTensor out = dlOf(y, shape);
  exec.copyOutput(0, out);
  EXPECT_EQ(y, chainReference(x));

  DLTensor view = exec.outputView(0);
  EXPECT_EQ(view.device.device_type, kDLCPU);
  EXPECT_EQ(view.ndim, 2);
  EXPECT_EQ(view.shape[1], 16);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(view.data) % 64, 0u);
  EXPECT_EQ(std::vector<float>(static_cast<float *>(view.data), static_cast<float *>(view.data) + 16), y);

  // byte_offset is honoured, and strides that are compact (or free, on unit dims) are fine.
  std::vector<float> padded(20, 0.f);
  std::copy(x.begin(), x.end(), padded.begin() + 4);
  DLTensor offset = dlOf(padded, shape);
  offset.byte_offset = 4 * sizeof(float);
  std::vector<int64_t> strides{999, 1};
  offset.strides = strides.data();
  exec.setInput(0, offset);
  exec.run();
  EXPECT_EQ(valuesOf(exec.getOutput(0)), chainReference(x));
}

TEST(Executor, RefusesBadTensors) {
  Executor exec(chainPackage().load());
  std::vector<float> x = randomVector(5);
  std::vector<int64_t> shape{1, 16};

  DLTensor t = dlOf(x, shape);
  t.dtype = {kDLFloat, 64, 1};
  EXPECT_RQC_ERROR(exec.setInput("x", t), "input 'x': dtype float64 does not match the model's float32");
  t.dtype = {kDLFloat, 32, 4};
  EXPECT_RQC_ERROR(exec.setInput("x", t), "dtype float32x4 does not match");
  t.dtype = {kDLInt, 32, 1};
  EXPECT_RQC_ERROR(exec.setInput("x", t), "dtype int32 does not match");

  std::vector<int64_t> wrong{1, 15};
  t = dlOf(x, wrong);
  EXPECT_RQC_ERROR(exec.setInput("x", t), "input 'x': shape 1x15 does not match the model's 1x16");
  std::vector<int64_t> flat{16};
  t = dlOf(x, flat);
  EXPECT_RQC_ERROR(exec.setInput("x", t), "shape 16 does not match the model's 1x16");
  t = dlOf(x, shape);
  t.ndim = -1;
  EXPECT_RQC_ERROR(exec.setInput("x", t), "negative ndim");
  t = dlOf(x, shape);
  t.shape = nullptr;
  EXPECT_RQC_ERROR(exec.setInput("x", t), "has ndim 2 but no shape");

  t = dlOf(x, shape);
  t.device = {kDLCUDA, 0};
  EXPECT_RQC_ERROR(exec.setInput("x", t), "input 'x': tensor is on a CUDA device (DLPack device type 2); this runtime takes CPU tensors");

  std::vector<int64_t> transposed{4, 4}, strides{1, 4};
  t = dlOf(x, transposed);
  EXPECT_RQC_ERROR(exec.setInput("x", t), "shape 4x4 does not match");
  std::vector<int64_t> gapped{1, 2};
  t = dlOf(x, shape);
  t.strides = gapped.data(); // every other element
  EXPECT_RQC_ERROR(exec.setInput("x", t), "not densely packed in row-major order (strides [1,2] for shape 1x16)");

  t = dlOf(x, shape);
  t.data = nullptr;
  EXPECT_RQC_ERROR(exec.setInput("x", t), "input 'x': tensor has no data");

  EXPECT_RQC_ERROR(exec.setInput("image", dlOf(x, shape)), "the model has no input named 'image' (its inputs: 'x')");
  EXPECT_RQC_ERROR(exec.setInput(1, dlOf(x, shape)), "input index 1 is out of range (the model has 1 input)");
  EXPECT_RQC_ERROR(exec.setInput(0, Tensor(DType::I8, {1, 16})), "dtype int8 does not match the model's float32");
}

TEST(Executor, RefusesMisuse) {
  Executor exec(chainPackage().load());
  EXPECT_RQC_ERROR(exec.run(), "input 'x' is not set; call setInput before run");
  EXPECT_RQC_ERROR(exec.getOutput(0), "cannot read an output before the first run()");
  EXPECT_RQC_ERROR(exec.outputView(0), "before the first run()");
  exec.setInput("x", Tensor(DType::F32, {1, 16}));
  exec.run();
  EXPECT_RQC_ERROR(exec.getOutput(3), "output index 3 is out of range");
  EXPECT_RQC_ERROR(exec.getOutput("logits"), "the model has no output named 'logits' (its outputs: 'y')");
  std::vector<float> small(8);
  std::vector<int64_t> shape{1, 8};
  DLTensor dst = dlOf(small, shape);
  EXPECT_RQC_ERROR(exec.copyOutput(0, dst), "output 'y' destination: shape 1x8 does not match the model's 1x16");
  EXPECT_RQC_ERROR(exec.setNumThreads(-2), "must be positive");
  EXPECT_RQC_ERROR(Executor(nullptr), "needs a loaded Module");
}

TEST(Executor, AliasesAndOutputsThatAliasIntermediates) {
  PackageBuilder b;
  int64_t x = b.buffer("x", "input", {1, 16});
  int64_t t0 = b.buffer("t0", "intermediate", {1, 16});
  int64_t a0 = b.alias("a0", t0, {4, 4});
  int64_t a1 = b.alias("a1", a0, {16});
  int64_t t1 = b.buffer("t1", "intermediate", {4, 4});
  int64_t y = b.alias("y", t1, {16});
  int64_t z = b.buffer("z", "output", {2, 8});
  b.kernel("rqc_test_relu", {x, t0});
  b.kernel("rqc_test_scale2", {a1, t1});
  b.kernel("rqc_test_add", {a0, t1, z});
  b.kernel("rqc_test_relu", {z, z}); // in place: reads and writes z
  int64_t xr = b.alias("xr", x, {4, 4});  // outputs may also view an input or a param
  int64_t w = b.param("w", {16}, chainWeights());
  int64_t wr = b.alias("wr", w, {2, 8});
  b.inputs({x});
  b.outputs({y, z, xr, wr});
  Executor exec(b.load());
  std::vector<float> x0 = randomVector(6);
  exec.setInput("x", tensorOf(x0, {1, 16}));
  exec.run();
  Tensor ty = exec.getOutput("y"), tz = exec.getOutput("z");
  EXPECT_EQ(ty.shape(), (Shape{16}));
  EXPECT_EQ(tz.shape(), (Shape{2, 8}));
  for (int i = 0; i < 16; ++i) {
    EXPECT_EQ(ty.data<float>()[i], 2.f * std::max(0.f, x0[i]));
    EXPECT_EQ(tz.data<float>()[i], 3.f * std::max(0.f, x0[i]));
    EXPECT_EQ(exec.getOutput("xr").data<float>()[i], x0[i]);
    EXPECT_EQ(exec.getOutput("wr").data<float>()[i], chainWeights()[i]);
  }
}

TEST(Executor, KernelsWithSeveralOutputs) {
  PackageBuilder b;
  int64_t x = b.buffer("x", "input", {1, 16});
  int64_t pos = b.buffer("pos", "output", {1, 16});
  int64_t neg = b.buffer("neg", "output", {1, 16});
  b.kernel("rqc_test_split_sign", {x, pos, neg}, 2);
  b.inputs({x});
  b.outputs({pos, neg});
  Executor exec(b.load());
  std::vector<float> x0 = randomVector(7);
  exec.setInput("x", tensorOf(x0, {1, 16}));
  exec.run();
  for (int i = 0; i < 16; ++i) {
    EXPECT_EQ(exec.getOutput("pos").data<float>()[i], std::max(0.f, x0[i]));
    EXPECT_EQ(exec.getOutput("neg").data<float>()[i], std::min(0.f, x0[i]));
  }
}

TEST(Executor, PassesTheThreadCountToTheKernels) {
  Executor exec(threadsPackage().load(), {3});
  EXPECT_EQ(exec.numInputs(), 0u);
  exec.run();
  EXPECT_EQ(exec.getOutput(0).data<int32_t>()[0], 3);
  exec.setNumThreads(5);
  EXPECT_EQ(exec.numThreads(), 5);
  exec.run();
  EXPECT_EQ(exec.getOutput(0).data<int32_t>()[0], 5);
}

// The runtime installs its caching allocator into kernels.so: the second run gets the
// block the first one released back.
TEST(Executor, InstallsTheKernelAllocator) {
  Executor exec(allocPackage().load());
  exec.run();
  int64_t first = exec.getOutput(0).data<int64_t>()[0];
  EXPECT_NE(first, 0) << "rqc_set_allocator was not called";
  EXPECT_EQ(exec.getOutput(0).data<int64_t>()[1], 1);
  exec.run();
  EXPECT_EQ(exec.getOutput(0).data<int64_t>()[0], first);
}

TEST(Executor, ModulesLoadedTwiceAreIndependent) {
  // Each load gets its own copy of kernels.so (and its globals).
  PackageBuilder b = threadsPackage();
  Executor first(b.load(), {3}), second(b.load(), {7});
  first.run();
  second.run();
  EXPECT_EQ(second.getOutput(0).data<int32_t>()[0], 7);
  first.setNumThreads(0); // 0: leave the setting alone; one shared library would now say 7
  first.run();
  EXPECT_EQ(first.getOutput(0).data<int32_t>()[0], 3);
}

TEST(Executor, SharesAModuleAcrossExecutorsAndThreads) {
  std::shared_ptr<const Module> module = chainPackage().load();
  std::weak_ptr<const Module> watch = module;
  auto worker = [&module](unsigned seed, int *failures) {
    Executor exec(module);
    for (int i = 0; i < 200; ++i) {
      std::vector<float> x = randomVector(seed + i);
      exec.setInput("x", tensorOf(x, {1, 16}));
      exec.run();
      if (valuesOf(exec.getOutput(0)) != chainReference(x)) ++*failures;
    }
  };
  int failuresA = 0, failuresB = 0;
  std::thread a(worker, 100, &failuresA), b(worker, 900, &failuresB);
  a.join();
  b.join();
  EXPECT_EQ(failuresA, 0);
  EXPECT_EQ(failuresB, 0);

  // An executor keeps its module alive.
  auto exec = std::make_unique<Executor>(module);
  module.reset();
  EXPECT_FALSE(watch.expired());
  exec->setInput("x", Tensor(DType::F32, {1, 16}));
  exec->run();
  exec.reset();
  EXPECT_TRUE(watch.expired());
}

TEST(Executor, ReportsMemory) {
  Executor exec(chainPackage().load());
  MemoryStats s = exec.memoryStats();
  EXPECT_EQ(s.arenaBytes, 3u * 64);
  EXPECT_EQ(s.naiveArenaBytes, 4u * 64);
  EXPECT_EQ(s.inputBytes, 64u);
  EXPECT_EQ(s.outputBytes, 64u);
  EXPECT_EQ(s.paramBytes, 64u);
  EXPECT_EQ(s.totalBytes(), 6u * 64);
}

TEST(DLPack, ConvertsTensors) {
  Tensor t(DType::I32, {2, 3});
  for (int i = 0; i < 6; ++i) t.data<int32_t>()[i] = i * 10;
  DLTensor d = toDLTensor(t);
  EXPECT_EQ(d.dtype.code, kDLInt);
  EXPECT_EQ(d.dtype.bits, 32);
  EXPECT_EQ(dlTensorBytes(d), 24u);
  Tensor back = tensorFromDLTensor(d, "t");
  EXPECT_EQ(back.shape(), (Shape{2, 3}));
  EXPECT_EQ(back.data<int32_t>()[5], 50);
  d.dtype = {kDLBfloat, 16, 1};
  EXPECT_RQC_ERROR(tensorFromDLTensor(d, "t"), "t: dtype bfloat16 is not supported");
  EXPECT_EQ(describeDLDataType({kDLUInt, 8, 1}), "uint8");
}

TEST(Executor, ProfilesEveryKernelOnlyWhenAsked) {
  auto module = chainPackage().load();
  Executor plain(module);
  plain.setInput("x", tensorOf(randomVector(3), {1, 16}));
  plain.run();
  EXPECT_TRUE(plain.kernelProfile().empty());

  ExecutorOptions options;
  options.profile = true;
  Executor exec(module, options);
  std::vector<float> x = randomVector(4);
  exec.setInput("x", tensorOf(x, {1, 16}));
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 3; ++i) exec.run();
  double wallMs = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  const std::vector<KernelTime> &profile = exec.kernelProfile();
  ASSERT_EQ(profile.size(), module->info().kernels.size());
  double kernelMs = 0;
  for (size_t k = 0; k < profile.size(); ++k) {
    EXPECT_EQ(profile[k].kernel, k);
    EXPECT_EQ(profile[k].runs, 3);
    kernelMs += profile[k].totalMs;
  }
  // The kernels take some time, and no more than the runs that call them.
  EXPECT_GT(kernelMs, 0.0);
  EXPECT_LE(kernelMs, wallMs);
  EXPECT_EQ(valuesOf(exec.getOutput("y")), chainReference(x)); // timing does not change results
  exec.resetProfile();
  EXPECT_EQ(exec.kernelProfile()[0].runs, 0);
  exec.setProfiling(false);
  EXPECT_TRUE(exec.kernelProfile().empty());
}
