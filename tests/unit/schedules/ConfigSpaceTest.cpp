// ConfigSpace against AutoTVM: the index <-> entity map must name the same points as TVM's,
// so real tophub records (from ../shared/reference/autotvm.md section 1.1) decode to the
// entities written next to their indices, and the space sizes match section 2.3.
#include "schedules/ConfigSpace.h"

#include <gtest/gtest.h>

using namespace rqc::schedule;
using Json = nlohmann::json;

namespace {

// conv2d_nchw_spatial_pack.arm_cpu's knobs (topi/arm_cpu/conv2d_spatial_pack.py) for a
// convolution with CO output channels and an OH x OW output; `ways` = 2 on arm_cpu, 3 on mali.
ConfigSpace spatialPack(int64_t co, int64_t oh, int64_t ow, int ways) {
  ConfigSpace s;
  s.defineSplit("tile_co", co, ways);
  s.defineSplit("tile_oh", oh, ways);
  s.defineSplit("tile_ow", ow, ways);
  s.defineReorder("reorder_0", {{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, {0, 1, 2, 3, 4, 5, 6, 9, 7, 8}});
  s.defineAnnotate("ann_reduce", 2, "try_unroll");
  s.defineAnnotate("ann_spatial", 3, "try_unroll_vec");
  return s;
}

Json entityOf(const Config &c) { return c.entity(); }

} // namespace

TEST(ConfigSpace, ArmSpatialPackRecordDecodesToItsEntity) {
  // tophub arm_cpu_v0.08, ResNet-18's first convolution on a Raspberry Pi 3B (64 x 112 x 112).
  ConfigSpace s = spatialPack(64, 112, 112, 2);
  EXPECT_EQ(s.size(), 112000u); // section 2.3's table
  Json expected = Json::parse(R"([["tile_co", "sp", [16, 4]], ["tile_oh", "sp", [112, 1]], ["tile_ow", "sp", [28, 4]],
      ["reorder_0", "re", [0, 1, 2, 3, 4, 5, 6, 9, 7, 8]], ["ann_reduce", "an", ["none", "unroll"]],
      ["ann_spatial", "an", ["unroll", "none", "vec"]]])");
  EXPECT_EQ(entityOf(s.get(58242)), expected);
  std::string why;
  std::optional<Config> c = s.fromEntity(expected, &why);
  ASSERT_TRUE(c) << why;
  EXPECT_EQ(c->index(), 58242u);
}

TEST(ConfigSpace, MaliThreeWaySplitsRecordDecodesToItsEntity) {
  // tophub mali_v0.06: a 1x1 convolution 992 -> 128 at 7 x 7 with 3-way splits.
  ConfigSpace s = spatialPack(128, 7, 7, 3);
  Json expected = Json::parse(R"([["tile_co", "sp", [32, 2, 2]], ["tile_oh", "sp", [1, 7, 1]], ["tile_ow", "sp", [1, 1, 7]],
      ["reorder_0", "re", [0, 1, 2, 3, 4, 5, 6, 9, 7, 8]], ["ann_reduce", "an", ["unroll", "unroll"]],
      ["ann_spatial", "an", ["unroll", "unroll", "vec"]]])");
  EXPECT_EQ(entityOf(s.get(36225)), expected);
}

TEST(ConfigSpace, ArmDepthwiseRecordDecodesToItsEntity) {
  // tophub arm_cpu_v0.08, depthwise_conv2d_nchw.arm_cpu on rk3399 (960 channels, 7 x 7).
  ConfigSpace s;
  s.defineSplit("tile_c", 960, 2);
  s.defineSplit("tile_h", 7, 2);
  s.defineSplit("tile_w", 7, 2);
  s.defineAnnotate("ann", 3, "try_unroll_vec");
  Json expected = Json::parse(
      R"([["tile_c", "sp", [480, 2]], ["tile_h", "sp", [1, 7]], ["tile_w", "sp", [7, 1]], ["ann", "an", ["unroll", "unroll", "vec"]]])");
  EXPECT_EQ(entityOf(s.get(1485)), expected);
}

TEST(ConfigSpace, SplitCountsAndPolicies) {
  ConfigSpace s;
  s.defineSplit("f2", 128, 2);                                   // d(128) = 8
  s.defineSplit("f3", 128, 3);                                   // sum of d(m) over m | 128 = 36
  s.defineSplit("v", 56, 2, ConfigSpace::SplitPolicy::Verbose);  // {1,2,4,7,8,14,28,56} + {16,32}
  s.defineSplit("p", 56, 2, ConfigSpace::SplitPolicy::Power2);   // {1,2,4,8,16,32}
  s.defineSplit("small", 56, 2, ConfigSpace::SplitPolicy::Factors,
                [](const std::vector<int64_t> &sz) { return sz.back() <= 7; }); // 1, 2, 4, 7
  ASSERT_EQ(s.knobs().size(), 5u);
  EXPECT_EQ(s.knobs()[0].entities.size(), 8u);
  EXPECT_EQ(s.knobs()[1].entities.size(), 36u);
  EXPECT_EQ(s.knobs()[2].entities.size(), 10u);
  EXPECT_EQ(s.knobs()[3].entities.size(), 6u);
  EXPECT_EQ(s.knobs()[4].entities.size(), 4u);
  // A tail: 56 = 2 * 32 - 8, so the outer size of [?, 32] is ceil(56 / 32) = 2.
  Config c = s.at({{"f2", Json{-1, 1}}, {"f3", Json{-1, 1, 1}}, {"v", Json{-1, 32}}, {"p", Json{-1, 16}}, {"small", Json{-1, 7}}});
  EXPECT_EQ(c.split("v"), (std::vector<int64_t>{2, 32}));
  EXPECT_EQ(c.split("p"), (std::vector<int64_t>{4, 16}));
  EXPECT_EQ(c.split("small"), (std::vector<int64_t>{8, 7}));
}

TEST(ConfigSpace, EveryIndexRoundTripsThroughItsEntity) {
  ConfigSpace s;
  s.defineSplit("tile_ic", 24, 2);
  s.defineSplit("tile_ow", 14, 2, ConfigSpace::SplitPolicy::Verbose);
  s.defineKnob("unroll_kw", {true, false});
  s.defineAnnotate("ann", 2, "try_unroll_vec");
  for (uint64_t i = 0; i < s.size(); ++i) {
    Json e = Json::parse(s.get(i).entity().dump()); // through text, as a log line would
    std::string why;
    std::optional<Config> c = s.fromEntity(e, &why);
    ASSERT_TRUE(c) << why;
    EXPECT_EQ(c->index(), i);
  }
}

TEST(ConfigSpace, EntitiesOutsideTheSpaceAreRefusedWithAReason) {
  ConfigSpace s;
  s.defineSplit("tile_ow", 56, 2);
  s.defineKnob("unroll_kw", {true, false});
  std::string why;
  EXPECT_FALSE(s.fromEntity(Json::parse(R"([["tile_ow", "sp", [3, 19]], ["unroll_kw", "ot", true]])"), &why));
  EXPECT_EQ(why, "knob 'tile_ow' value [3,19] is outside the space");
  EXPECT_FALSE(s.fromEntity(Json::parse(R"([["tile_ow", "sp", [8, 7]]])"), &why));
  EXPECT_EQ(why, "knob 'unroll_kw' is missing");
  EXPECT_FALSE(s.fromEntity(Json::parse(R"([["tile_ow", "ot", [8, 7]], ["unroll_kw", "ot", true]])"), &why));
  EXPECT_EQ(why, "knob 'tile_ow' has type 'ot', the space says 'sp'");
  EXPECT_FALSE(s.fromEntity(Json::parse(R"([["tile_oh", "sp", [8, 7]], ["unroll_kw", "ot", true]])"), &why));
  EXPECT_EQ(why, "knob 'tile_oh' is not in the template's space");
  // The outer factor may be -1 (newer logs) or concrete (older ones).
  EXPECT_TRUE(s.fromEntity(Json::parse(R"([["tile_ow", "sp", [-1, 7]], ["unroll_kw", "ot", false]])"), &why));
  EXPECT_FALSE(s.fromEntity(Json::parse(R"([["tile_ow", "sp", [9, 7]], ["unroll_kw", "ot", false]])"), &why));
}

TEST(ConfigSpace, HashFollowsTheKnobs) {
  ConfigSpace a, b, c;
  a.defineSplit("tile_ow", 56, 2);
  b.defineSplit("tile_ow", 56, 2);
  c.defineSplit("tile_ow", 28, 2);
  EXPECT_EQ(a.hash(), b.hash());
  EXPECT_NE(a.hash(), c.hash());
  EXPECT_EQ(a.hash().size(), 16u);
}
