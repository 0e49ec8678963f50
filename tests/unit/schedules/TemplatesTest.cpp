// Every template's fallback lies inside its own space, instantiates, and its schedule
// round-trips through JSON, on each kind of target; every point of a small space either
// instantiates or is refused as AutoTVM's InstantiationError, never anything else.
#include "schedules/Template.h"
#include "schedules/cpu/CpuTemplates.h"

#include <gtest/gtest.h>

#include <fstream>

using namespace rqc::schedule;

namespace {

TargetDesc target(const std::string &key, int bits, int regs) {
  TargetDesc t;
  t.key = key;
  t.vectorBits = bits;
  t.vectorRegisters = regs;
  return t;
}

const std::vector<TargetDesc> &targets() {
  static const std::vector<TargetDesc> t = {target("x86", 512, 32), target("x86", 256, 16), target("arm_cpu", 128, 32),
                                            target("arm_cpu", 128, 16)};
  return t;
}

Workload conv(int64_t c, int64_t hw, int64_t o, int64_t k, int64_t s, int64_t groups = 1) {
  Workload w;
  w.op = groups == 1 ? "conv2d" : "depthwise_conv2d";
  w.data = {{1, c, hw, hw}, "float32"};
  w.weight = {{o, c / groups, k, k}, "float32"};
  int64_t p = k / 2;
  w.strides = {s, s};
  w.pads = {p, p, p, p};
  w.groups = groups;
  int64_t out = (hw + 2 * p - k) / s + 1;
  w.output = {1, o, out, out};
  return w;
}

std::vector<Workload> workloads() {
  std::vector<Workload> ws = {conv(3, 224, 64, 7, 2),  conv(64, 56, 64, 3, 1),       conv(64, 56, 128, 1, 2),
                              conv(512, 7, 512, 3, 1), conv(24, 14, 144, 1, 1),      conv(32, 112, 32, 3, 1, 32),
                              conv(144, 56, 144, 3, 2, 144)};
  Workload dense;
  dense.op = "dense";
  dense.data = {{1, 512}, "float32"};
  dense.weight = {{1000, 512}, "float32"};
  dense.output = {1, 1000};
  ws.push_back(dense);
  Workload pool;
  pool.op = "max_pool2d";
  pool.data = {{1, 2, 112, 112, 32}, "float32"};
  pool.kernel = {3, 3};
  pool.strides = {2, 2};
  pool.pads = {1, 1, 1, 1};
  pool.layout = "NCHW32c";
  pool.output = {1, 2, 56, 56, 32};
  ws.push_back(pool);
  Workload kernel;
  kernel.op = "kernel";
  kernel.output = {1, 2, 56, 56, 32};
  kernel.ops = {{"transpose", {1, 2, 56, 56, 32}, {false, false, false, false, false}, true, true}};
  ws.push_back(kernel);
  return ws;
}

} // namespace

TEST(Templates, FallbacksLieInTheirSpacesAndInstantiate) {
  int checked = 0;
  for (const TargetDesc &t : targets())
    for (const Workload &w : workloads()) {
      std::vector<const Template *> ts = templatesFor(w, t.key);
      ASSERT_FALSE(ts.empty()) << w.op << " has no template on " << t.key;
      for (const Template *tmpl : ts) {
        ConfigSpace space = tmpl->space(w);
        Config c = tmpl->fallback(w, space, t);
        std::string why;
        std::optional<Config> again = space.fromEntity(c.entity(), &why);
        ASSERT_TRUE(again) << tmpl->name() << ": " << why;
        EXPECT_EQ(again->index(), c.index());
        Schedule s = tmpl->schedule(w, c, t);
        EXPECT_EQ(s.templateName, tmpl->name());
        Schedule back = scheduleFromJson(nlohmann::json::parse(toJson(s).dump()));
        EXPECT_EQ(back.steps, s.steps) << tmpl->name();
        ++checked;
      }
    }
  EXPECT_EQ(checked, 44); // 40 + conv2d_NCHWc_winograd on the 3x3 stride-1 convolution, per target
}

TEST(Templates, FallbackBlocksAgreeBetweenProducerAndConsumer) {
  // The block a convolution writes (its tile_oc) is the block the next one reads (tile_ic).
  TargetDesc avx512 = target("x86", 512, 32);
  for (auto [a, b] : std::vector<std::pair<Workload, Workload>>{{conv(24, 14, 144, 1, 1), conv(144, 14, 24, 1, 1)},
                                                                 {conv(3, 224, 64, 7, 2), conv(64, 56, 64, 3, 1)}}) {
    const Template *t = findTemplate("conv2d_NCHWc.x86");
    Config ca = t->fallback(a, t->space(a), avx512), cb = t->fallback(b, t->space(b), avx512);
    EXPECT_EQ(ca.inner("tile_oc"), cb.inner("tile_ic"));
  }
  EXPECT_EQ(cpu::channelBlock(64, avx512), 32);
  EXPECT_EQ(cpu::channelBlock(144, avx512), 16);
  EXPECT_EQ(cpu::channelBlock(24, avx512), 24);
  EXPECT_EQ(cpu::channelBlock(3, avx512), 3);
  EXPECT_EQ(cpu::channelBlock(64, target("arm_cpu", 128, 32)), 8);
}

TEST(Templates, EveryPointOfASmallSpaceInstantiatesOrIsAnInstantiationError) {
  Workload w = conv(32, 14, 32, 3, 1, 32); // depthwise: tile_ic must equal tile_oc
  const Template *t = findTemplate("depthwise_conv2d_NCHWc.x86");
  ConfigSpace space = t->space(w);
  int valid = 0, invalid = 0;
  for (uint64_t i = 0; i < space.size(); ++i) {
    try {
      t->schedule(w, space.get(i), target("x86", 512, 32));
      ++valid;
    } catch (const InvalidConfig &) {
      ++invalid;
    }
  }
  EXPECT_EQ(valid + invalid, static_cast<int>(space.size()));
  EXPECT_EQ(valid, 6 * 4 * 2); // tile_ic == tile_oc: 6 channel blocks, 4 tile_ow (<= 64 of 14), 2 unroll_kw
}

TEST(Templates, TaskArgsReadLikeTvms) {
  EXPECT_EQ(conv(64, 56, 64, 3, 1).args().dump(),
            R"([["TENSOR",[1,64,56,56],"float32"],["TENSOR",[64,64,3,3],"float32"],[1,1],[1,1,1,1],[1,1],"NCHW","NCHW","float32"])");
  EXPECT_EQ(findTemplate("dense_pack.x86")->space(workloads()[7]).size(), 1000u); // autotvm.md section 2.3
}

// The Mali templates: fallbacks inside their spaces; TVM's own rk3399 records (the zoo's
// workloads, tests/cli/data/tvm_mali_v0.06_zoo.log) name the same points of rqc's spaces
// (index <-> entity) under the same task args, and instantiate.
TEST(Templates, MaliFallbacksInstantiate) {
  TargetDesc mali;
  mali.key = "mali";
  int checked = 0;
  for (const Workload &w : workloads()) {
    std::vector<const Template *> ts = templatesFor(w, "mali");
    if (w.op == "max_pool2d" || w.op == "kernel") {
      EXPECT_TRUE(ts.empty()); // the generic work-item mapping
      continue;
    }
    ASSERT_EQ(ts.size(), 1u) << w.op;
    ConfigSpace space = ts[0]->space(w);
    Config c = ts[0]->fallback(w, space, mali);
    Schedule s = ts[0]->schedule(w, c, mali);
    ASSERT_EQ(s.steps.size(), 4u);
    EXPECT_EQ(s.steps[0].primitive, "register_tile");
    ++checked;
  }
  EXPECT_EQ(checked, 8);
}

TEST(Templates, TvmMaliRecordsNameTheSamePoints) {
  std::ifstream in(RQC_SOURCE_DIR "/tests/cli/data/tvm_mali_v0.06_zoo.log");
  ASSERT_TRUE(in) << "missing test data";
  int checked = 0;
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    nlohmann::json r = nlohmann::json::parse(line);
    const std::string task = r["input"][1];
    const nlohmann::json &args = r["input"][2];
    const Template *t = findTemplate(task);
    ASSERT_TRUE(t) << task;
    Workload w;
    w.data = {args[0][1].get<std::vector<int64_t>>(), "float32"};
    w.weight = {args[1][1].get<std::vector<int64_t>>(), "float32"};
    if (task == "dense.mali") {
      w.op = "dense";
      w.bias = !args[2].is_null();
      w.output = {w.data.shape[0], w.weight.shape[0]};
    } else {
      w.strides = args[2].get<std::vector<int64_t>>();
      w.pads = args[3].get<std::vector<int64_t>>();
      const auto &d = w.data.shape, &k = w.weight.shape;
      w.op = k[1] == 1 && k[0] == d[1] && d[1] > 1 ? "depthwise_conv2d" : "conv2d";
      w.groups = w.op == "depthwise_conv2d" ? d[1] : 1;
      w.output = {d[0], k[0], (d[2] + w.pads[0] + w.pads[2] - k[2]) / w.strides[0] + 1,
                  (d[3] + w.pads[1] + w.pads[3] - k[3]) / w.strides[1] + 1};
    }
    ASSERT_TRUE(t->matches(w)) << line;
    EXPECT_EQ(t->args(w), args) << task;
    ConfigSpace space = t->space(w);
    Config c = space.get(r["config"]["index"].get<uint64_t>());
    EXPECT_EQ(c.entity(), r["config"]["entity"]) << line;
    TargetDesc mali;
    mali.key = "mali";
    EXPECT_NO_THROW(t->schedule(w, c, mali)) << line;
    ++checked;
  }
  EXPECT_EQ(checked, 28);
}
