// Kernels with OpenMP parallel loops (libomp, as generated kernels use): the thread count
// reaches them on whichever thread runs, and such libraries load, unload and reload.
#include "TestPackage.h"
#include "TestUtil.h"

#include "rqc/runtime/Executor.h"

#include <thread>

using namespace rqc;
using namespace rqc::test;

namespace {

PackageBuilder openMpPackage() {
  std::string path = RQC_TEST_KERNELS_OMP;
  PackageBuilder b;
  b.kernels = path.empty() ? std::string() : readFile(path);
  int64_t x = b.buffer("x", "input", {1, 4096});
  int64_t y = b.buffer("y", "output", {1, 4096});
  int64_t threads = b.buffer("threads", "output", {16}, "int32");
  b.kernel("rqc_test_parallel_relu", {x, y});
  b.kernel("rqc_test_omp_threads", {threads});
  b.inputs({x});
  b.outputs({y, threads});
  return b;
}

// scripts/setup.sh installs libomp; without it these checks must fail, not pass as skipped.
#define REQUIRE_LIBOMP()                                                        \
  if (std::string(RQC_TEST_KERNELS_OMP).empty()) FAIL() << "no libomp to link test kernels with"

Tensor ramp() {
  Tensor x(DType::F32, {1, 4096});
  for (int i = 0; i < 4096; ++i) x.data<float>()[i] = static_cast<float>(i % 9) - 4.f;
  return x;
}

} // namespace

TEST(OpenMpKernels, ThreadCountAppliesOnTheRunningThread) {
  REQUIRE_LIBOMP();
  Executor exec(openMpPackage().load(), {2});
  exec.setInput("x", ramp());
  // Run on another thread than the one that made the executor: OpenMP's setting is
  // per thread, so the executor sets it where it runs.
  std::thread([&] { exec.run(); }).join();
  Tensor threads = exec.getOutput("threads");
  EXPECT_EQ(threads.data<int32_t>()[0], 2);
  EXPECT_EQ(threads.data<int32_t>()[1], 2);
  exec.setNumThreads(1);
  exec.run();
  EXPECT_EQ(exec.getOutput("threads").data<int32_t>()[1], 1);
  Tensor y = exec.getOutput("y");
  for (int i = 0; i < 4096; ++i) ASSERT_EQ(y.data<float>()[i], std::max(0.f, static_cast<float>(i % 9) - 4.f));
}

TEST(OpenMpKernels, LoadRunUnloadRepeatedly) {
  REQUIRE_LIBOMP();
  PackageBuilder b = openMpPackage();
  std::string tar = b.tar();
  for (int i = 0; i < 10; ++i) {
    Executor exec(Module::loadFromBytes(tar, "omp.rqc"), {2});
    exec.setInput("x", ramp());
    exec.run();
    ASSERT_EQ(exec.getOutput("y").data<float>()[8], 4.f);
  } // the module, its kernels.so and (but for the pin) libomp are released here
}
