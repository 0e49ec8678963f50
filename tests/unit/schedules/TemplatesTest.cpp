// Every template's fallback lies inside its own space, instantiates, and its schedule
// round-trips through JSON, on each kind of target; every point of a small space either
// instantiates or is refused as AutoTVM's InstantiationError, never anything else.
#include "schedules/Template.h"
#include "schedules/cpu/CpuTemplates.h"

#include <gtest/gtest.h>

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
