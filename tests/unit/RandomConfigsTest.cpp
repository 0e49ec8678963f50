// Every config of a template's space must compute the same numbers (on the CPU, and the
// Mali templates on the OpenCL device): seeded random points
// of each template's space, on small workloads chosen to reach the templates' corners
// (channel counts that are not whole vectors, odd sizes, strides, 1x1 and 7x7 windows,
// Winograd's tile sizes, depthwise, dense, pooling), are compiled through the public path (a tuning record read by
// rqc compile's pipeline) and run by the runtime, and compared with the reference executor.
// Points a template cannot instantiate (AutoTVM's InstantiationError) must be refused
// with a warning and fall back; they are counted, and every template must have points
// that do instantiate. Second, the graph as the fallback schedules' layouts leave it runs on
// the reference executor to the original's numbers.
#include "autotune/Records.h"
#include "compiler/driver/Pipeline.h"
#include "compiler/driver/Registration.h"
#include "compiler/passes/Passes.h"
#include "compiler/reference/ReferenceExecutor.h"
#include "ir/Graph/GraphDialect.h"
#include "ir/Graph/TensorAttr.h"

#include "rqc/runtime/Executor.h"
#include "rqc/runtime/Module.h"
#include "rqc/runtime/PackageWriter.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <map>
#include <random>
#include <regex>
#include <unistd.h>

using namespace rqc;
using namespace mlir;

namespace {

// Builds @main around one network fragment with seeded constant weights.
class ModelBuilder {
public:
  explicit ModelBuilder(MLIRContext &ctx) : ctx_(ctx), b_(&ctx), rng_(7) {
    module_ = ModuleOp::create(b_.getUnknownLoc());
    b_.setInsertionPointToEnd(module_->getBody());
  }
  Value constant(std::vector<int64_t> shape, float scale) {
    Tensor t(DType::F32, shape);
    std::normal_distribution<float> n(0.f, scale);
    for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = n(rng_);
    return b_.create<graph::ConstantOp>(loc(), graph::toAttr(t, &ctx_)).getResult();
  }
  Value conv(Value x, int64_t out, int64_t k, int64_t s, int64_t groups = 1) {
    auto t = llvm::cast<RankedTensorType>(x.getType());
    int64_t in = t.getDimSize(1), p = k / 2;
    Value w = constant({out, in / groups, k, k}, 0.3f), bias = constant({out}, 1.f);
    return b_.create<graph::Conv2DOp>(loc(), x, w, bias, b_.getDenseI64ArrayAttr({s, s}),
                                      b_.getDenseI64ArrayAttr({p, p, p, p}), b_.getDenseI64ArrayAttr({1, 1}),
                                      b_.getI64IntegerAttr(groups), b_.getStringAttr("NCHW"), b_.getStringAttr("OIHW"))
        .getResult();
  }
  Value relu(Value x) { return b_.create<graph::ReluOp>(loc(), x).getResult(); }
  Value maxPool(Value x) {
    return b_.create<graph::MaxPool2DOp>(loc(), x, b_.getDenseI64ArrayAttr({3, 3}), b_.getDenseI64ArrayAttr({2, 2}),
                                         b_.getDenseI64ArrayAttr({1, 1, 1, 1}), b_.getDenseI64ArrayAttr({1, 1}),
                                         b_.getBoolAttr(false), b_.getStringAttr("NCHW"))
        .getResult();
  }
  Value dense(Value x, int64_t out) {
    int64_t k = llvm::cast<RankedTensorType>(x.getType()).getDimSize(1);
    return b_.create<graph::DenseOp>(loc(), x, constant({out, k}, 0.2f), constant({out}, 1.f), b_.getStringAttr("MK"))
        .getResult();
  }
  // @main(input of `shape`) returning what `body` builds from it.
  OwningOpRef<ModuleOp> finish(std::vector<int64_t> shape, const std::function<Value(ModelBuilder &, Value)> &body) {
    auto in = RankedTensorType::get(shape, b_.getF32Type());
    auto fn = b_.create<func::FuncOp>(loc(), "main", b_.getFunctionType({in}, {}));
    b_.setInsertionPointToEnd(fn.addEntryBlock());
    Value out = body(*this, fn.getArgument(0));
    b_.create<func::ReturnOp>(loc(), out);
    fn.setFunctionType(b_.getFunctionType({in}, {out.getType()}));
    return std::move(module_);
  }

private:
  Location loc() { return b_.getUnknownLoc(); }
  MLIRContext &ctx_;
  OpBuilder b_;
  std::mt19937 rng_;
  OwningOpRef<ModuleOp> module_;
};

struct Case {
  std::string name;
  std::vector<int64_t> input;
  std::function<Value(ModelBuilder &, Value)> body;
};

void PrintTo(const Case &c, std::ostream *os) { *os << c.name; }

std::vector<Case> cases() {
  return {
      {"conv3x3_relu", {1, 16, 14, 14}, [](ModelBuilder &m, Value x) { return m.relu(m.conv(x, 32, 3, 1)); }},
      // Winograd F(2x2) and F(4x4) (28 = 7 x 4), channels that are not whole vectors.
      {"conv3x3_winograd", {1, 24, 28, 28}, [](ModelBuilder &m, Value x) { return m.relu(m.conv(x, 40, 3, 1)); }},
      {"conv3x3_s2_odd", {1, 8, 15, 15}, [](ModelBuilder &m, Value x) { return m.conv(x, 24, 3, 2); }},
      {"conv1x1", {1, 32, 7, 7}, [](ModelBuilder &m, Value x) { return m.conv(x, 32, 1, 1); }},
      {"conv7x7_s2", {1, 3, 32, 32}, [](ModelBuilder &m, Value x) { return m.conv(x, 16, 7, 2); }},
      {"depthwise", {1, 32, 14, 14}, [](ModelBuilder &m, Value x) { return m.conv(x, 32, 3, 1, 32); }},
      {"depthwise_s2", {1, 48, 15, 15}, [](ModelBuilder &m, Value x) { return m.conv(x, 48, 3, 2, 48); }},
      {"conv_maxpool", {1, 16, 16, 16}, [](ModelBuilder &m, Value x) { return m.maxPool(m.relu(m.conv(x, 16, 1, 1))); }},
      {"dense", {1, 64}, [](ModelBuilder &m, Value x) { return m.dense(x, 40); }},
  };
}

Tensor seededInput(const std::vector<int64_t> &shape) {
  Tensor t(DType::F32, shape);
  std::mt19937 rng(3);
  std::normal_distribution<float> n;
  for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = n(rng);
  return t;
}

Tensor runPackage(const driver::PackageMembers &members, const Tensor &input) {
  auto package = Module::loadFromBytes(makeTar(members), "random config");
  Executor exec(package);
  exec.setInput(0, input);
  exec.run();
  return exec.getOutput(0);
}

class RandomConfigs : public ::testing::TestWithParam<Case> {
protected:
  void SetUp() override {
    DialectRegistry registry;
    registerRqcDialects(registry);
    ctx_.appendDialectRegistry(registry);
    ctx_.loadAllAvailableDialects();
  }
  void matchTheReference(const std::string &target, const std::string &recordTarget);
  MLIRContext ctx_;
};

constexpr int kValidPerTask = 5;

} // namespace

// Seeded random configs of every task's templates on `target`, each applied through a
// record for `recordTarget` and run, against the reference.
void RandomConfigs::matchTheReference(const std::string &target, const std::string &recordTarget) {
  const Case &c = GetParam();
  auto build = [&] { return ModelBuilder(ctx_).finish(c.input, c.body); };
  Tensor input = seededInput(c.input);
  OwningOpRef<ModuleOp> original = build();
  Tensor expected = reference::ReferenceExecutor(*original).run({input})[0];
  float lo = expected.data<float>()[0], hi = lo;
  for (int64_t i = 0; i < expected.numel(); ++i) lo = std::min(lo, expected.data<float>()[i]), hi = std::max(hi, expected.data<float>()[i]);
  const double tol = 1e-4 * std::max(1.f, hi - lo);

  // The tasks (and their spaces) as rqc compile sees them, untuned.
  driver::CompileOptions options;
  options.tophub = false;
  options.target = target;
  ScheduleSelection tasks;
  OwningOpRef<ModuleOp> probe = build();
  driver::compileModule(*probe, options, nullptr, &tasks);
  ASSERT_FALSE(tasks.tasks.empty()) << c.name << " has no tunable task";

  char logPath[] = "/tmp/rqc-random-configs-XXXXXX";
  int fd = mkstemp(logPath);
  ASSERT_GE(fd, 0);
  close(fd);
  std::mt19937_64 rng(11);
  for (const ScheduleSelection::Task &task : tasks.tasks) {
    const schedule::Template *t = schedule::findTemplate(task.templateName);
    ASSERT_TRUE(t);
    schedule::ConfigSpace space = t->space(task.workload);
    // Seeded random points: kValidPerTask that the template instantiates and one it refuses
    // (if the space has one among the first draws).
    std::vector<schedule::Config> sample;
    int valid = 0, invalid = 0;
    for (int draw = 0; draw < 400 && valid < kValidPerTask; ++draw) {
      schedule::Config config = space.get(rng() % space.size());
      bool ok = true;
      try {
        t->schedule(task.workload, config, tasks.target);
      } catch (const schedule::InvalidConfig &) {
        ok = false;
      }
      if (ok ? valid++ < kValidPerTask : invalid++ < 1) sample.push_back(config);
    }
    int instantiated = 0;
    for (const schedule::Config &config : sample) {
      autotune::TuningRecord r;
      r.target = recordTarget;
      r.task = task.templateName;
      r.args = task.args;
      r.index = static_cast<int64_t>(config.index());
      r.entity = config.entity();
      r.costs = {1e-3};
      std::FILE *f = std::fopen(logPath, "w");
      std::fputs((autotune::formatRecord(r) + "\n").c_str(), f);
      std::fclose(f);

      driver::CompileOptions withRecord = options;
      withRecord.tuningRecords = {logPath};
      ScheduleSelection used;
      OwningOpRef<ModuleOp> module = build();
      driver::PackageMembers members = driver::compileModule(*module, withRecord, nullptr, &used);
      const ScheduleSelection::Task *applied = nullptr;
      for (const auto &u : used.tasks)
        if (u.templateName == task.templateName && u.args == task.args) applied = &u;
      ASSERT_TRUE(applied);
      if (applied->tuned) {
        ++instantiated;
      } else { // refused: an instantiation error, said as such
        ASSERT_EQ(used.warnings.size(), 1u) << config.str();
        EXPECT_NE(used.warnings[0].find("cannot use this config"), std::string::npos) << used.warnings[0];
      }
      Tensor got = runPackage(members, input);
      ASSERT_EQ(got.shape(), expected.shape());
      double worst = 0;
      for (int64_t k = 0; k < got.numel(); ++k)
        worst = std::max(worst, std::fabs(double(got.data<float>()[k]) - expected.data<float>()[k]));
      EXPECT_LE(worst, tol) << c.name << " " << task.templateName << " " << config.str();
    }
    EXPECT_EQ(instantiated, std::min<int>(valid, kValidPerTask)) << c.name << " " << task.templateName;
    EXPECT_GT(instantiated, 0) << c.name << " " << task.templateName << ": no sampled config instantiated";
  }
  std::remove(logPath);
}

TEST_P(RandomConfigs, MatchTheReference) { matchTheReference("llvm", "llvm"); }

// The Mali templates' configs, compiled to OpenCL C and run on this machine's OpenCL
// device (PoCL).
TEST_P(RandomConfigs, MatchTheReferenceOnMali) { matchTheReference("mali", "opencl -device=mali"); }

// The graph as rqc-alter-layout leaves it (blocked layouts, layout changes, Winograd's
// filter transform and convolution) runs on the reference executor to the same numbers:
// the reference kernels of the layouts the schedules choose are themselves checked.
TEST_P(RandomConfigs, AlteredGraphMatchesOnTheReference) {
  const Case &c = GetParam();
  auto build = [&] { return ModelBuilder(ctx_).finish(c.input, c.body); };
  Tensor input = seededInput(c.input);
  OwningOpRef<ModuleOp> original = build();
  Tensor expected = reference::ReferenceExecutor(*original).run({input})[0];

  OwningOpRef<ModuleOp> altered = build();
  ScheduleSelection selection;
  selection.target.key = "x86";
  selection.target.vectorBits = 256; // 8-float blocks: the cases' channel counts split into several
  PassManager pm(&ctx_);
  pm.addPass(createSelectSchedules(selection));
  pm.addNestedPass<func::FuncOp>(createAlterLayout());
  pm.addNestedPass<func::FuncOp>(createFoldConstants());
  pm.addPass(createCanonicalizerPass());
  ASSERT_TRUE(succeeded(pm.run(*altered)));
  std::string text;
  llvm::raw_string_ostream os(text);
  altered->print(os);
  ASSERT_TRUE(std::regex_search(text, std::regex(R"(layout = "[A-Za-z]*[0-9])"))) << c.name << ": no blocked layout\n" << text;
  Tensor got = reference::ReferenceExecutor(*altered).run({input})[0];
  ASSERT_EQ(got.shape(), expected.shape());
  for (int64_t k = 0; k < got.numel(); ++k)
    ASSERT_NEAR(got.data<float>()[k], expected.data<float>()[k], 1e-4 * (1 + std::fabs(expected.data<float>()[k]))) << c.name << " at " << k;
}

INSTANTIATE_TEST_SUITE_P(Templates, RandomConfigs, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<Case> &info) { return info.param.name; });
