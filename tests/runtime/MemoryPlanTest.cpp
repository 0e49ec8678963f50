// The memory planner: reuse across kernels whose buffers are not live at the same time,
// never overlapping live buffers, aliases sharing their root's bytes.
#include "TestPackage.h"
#include "TestUtil.h"

#include "rqc/runtime/MemoryPlan.h"

#include <random>

using namespace rqc;
using namespace rqc::test;

namespace {

ModuleInfo infoOf(const PackageBuilder &b) {
  return parseModuleDescription(b.members().front().second, b.params.size(), "plan.rqc");
}

// Every pair of arena buffers alive at a common kernel occupies disjoint bytes.
void expectNoLiveOverlap(const ModuleInfo &m, const MemoryPlan &plan) {
  std::vector<size_t> roots;
  for (size_t i = 0; i < m.buffers.size(); ++i)
    if (plan.buffers[i].placement == Placement::Arena && plan.buffers[i].root == m.buffers[i].id) roots.push_back(i);
  for (size_t a : roots) {
    const BufferPlacement &p = plan.buffers[a];
    EXPECT_EQ(p.offset % kBufferAlignment, 0u);
    EXPECT_GE(p.bytes, m.buffers[a].nbytes());
    EXPECT_LE(p.offset + p.bytes, plan.arenaBytes);
    for (size_t b : roots) {
      if (a == b) continue;
      const BufferPlacement &q = plan.buffers[b];
      bool liveTogether = p.firstKernel <= q.lastKernel && q.firstKernel <= p.lastKernel;
      bool disjoint = p.offset + p.bytes <= q.offset || q.offset + q.bytes <= p.offset;
      EXPECT_TRUE(!liveTogether || disjoint) << m.buffers[a].name << " and " << m.buffers[b].name << " overlap";
    }
  }
}

} // namespace

TEST(MemoryPlan, ChainReusesSpace) {
  ModuleInfo m = infoOf(chainPackage());
  MemoryPlan plan = planMemory(m);
  // t0 [0,1], t1 [1,3], t2 [2,3], t3 [3,4]: t0, t2 and t3 cannot all share, but two can.
  EXPECT_EQ(plan.naiveBytes, 4u * 64);
  EXPECT_EQ(plan.arenaBytes, 3u * 64);
  EXPECT_LT(plan.arenaBytes, plan.naiveBytes);
  expectNoLiveOverlap(m, plan);

  EXPECT_EQ(plan.placementOf(m, 0).placement, Placement::Input);
  EXPECT_EQ(plan.placementOf(m, 1).placement, Placement::Param);
  EXPECT_EQ(plan.placementOf(m, 6).placement, Placement::Output);
  const BufferPlacement &t1 = plan.placementOf(m, 3);
  EXPECT_EQ(t1.placement, Placement::Arena);
  EXPECT_EQ(t1.firstKernel, 1);
  EXPECT_EQ(t1.lastKernel, 3);
}

TEST(MemoryPlan, LongChainNeedsTwoBuffers) {
  ModuleInfo m = infoOf(longChainPackage(40));
  MemoryPlan plan = planMemory(m);
  EXPECT_EQ(plan.naiveBytes, 39u * 64);
  EXPECT_EQ(plan.arenaBytes, 2u * 64);
  expectNoLiveOverlap(m, plan);
}

TEST(MemoryPlan, AliasesShareTheirRootAndExtendItsLifetime) {
  PackageBuilder b;
  int64_t x = b.buffer("x", "input", {1, 16});
  int64_t t0 = b.buffer("t0", "intermediate", {1, 16});
  int64_t a0 = b.alias("a0", t0, {4, 4});
  int64_t a1 = b.alias("a1", a0, {16});
  int64_t t1 = b.buffer("t1", "intermediate", {1, 16});
  int64_t t2 = b.buffer("t2", "intermediate", {1, 16});
  int64_t unused = b.buffer("unused", "intermediate", {1, 16});
  int64_t y = b.alias("y", t2, {16});
  b.kernel("rqc_test_relu", {x, t0});
  b.kernel("rqc_test_relu", {x, t1});
  b.kernel("rqc_test_add", {a1, t1, t2}); // t0 is live until here, through a1
  b.inputs({x});
  b.outputs({y});
  ModuleInfo m = infoOf(b);
  MemoryPlan plan = planMemory(m);
  for (int64_t alias : {a0, a1}) {
    EXPECT_EQ(plan.placementOf(m, alias).root, t0);
    EXPECT_EQ(plan.placementOf(m, alias).offset, plan.placementOf(m, t0).offset);
  }
  EXPECT_EQ(plan.placementOf(m, t0).lastKernel, 2);
  EXPECT_NE(plan.placementOf(m, t0).offset, plan.placementOf(m, t1).offset);
  // An intermediate that an output aliases is output storage, not arena.
  EXPECT_EQ(plan.placementOf(m, t2).placement, Placement::Output);
  EXPECT_EQ(plan.placementOf(m, y).placement, Placement::Output);
  EXPECT_EQ(plan.placementOf(m, y).root, t2);
  EXPECT_EQ(plan.placementOf(m, unused).placement, Placement::Unused);
  EXPECT_EQ(plan.arenaBytes, 2u * 64);
  expectNoLiveOverlap(m, plan);
}

TEST(MemoryPlan, RandomGraphsNeverOverlapLiveBuffers) {
  std::mt19937 rng(1234);
  for (int trial = 0; trial < 300; ++trial) {
    PackageBuilder b;
    std::vector<int64_t> available{b.buffer("x", "input", {1, 16})};
    int64_t output = -1;
    int kernels = 1 + static_cast<int>(rng() % 30);
    for (int k = 0; k < kernels; ++k) {
      bool last = k == kernels - 1;
      int64_t elements = int64_t(1) << (rng() % 12); // 1 .. 2048 elements
      int64_t out = b.buffer("t" + std::to_string(k), last ? "output" : "intermediate", {elements});
      std::vector<int64_t> args;
      for (int a = 0, n = 1 + static_cast<int>(rng() % 3); a < n; ++a) args.push_back(available[rng() % available.size()]);
      args.push_back(out);
      b.kernel("k", args);
      available.push_back(out);
      output = out;
      if (rng() % 4 == 0 && !last) available.push_back(b.alias("a" + std::to_string(k), out, {1, elements}));
    }
    b.inputs({0});
    b.outputs({output});
    ModuleInfo m = infoOf(b);
    MemoryPlan plan = planMemory(m);
    SCOPED_TRACE(trial);
    expectNoLiveOverlap(m, plan);
    EXPECT_LE(plan.arenaBytes, plan.naiveBytes);
    // No plan can beat the bytes live at the busiest kernel.
    uint64_t busiest = 0;
    for (int k = 0; k < kernels; ++k) {
      uint64_t live = 0;
      for (size_t i = 0; i < m.buffers.size(); ++i) {
        const BufferPlacement &p = plan.buffers[i];
        if (p.placement == Placement::Arena && p.root == m.buffers[i].id && p.firstKernel <= k && k <= p.lastKernel)
          live += p.bytes;
      }
      busiest = std::max(busiest, live);
    }
    EXPECT_GE(plan.arenaBytes, busiest);
  }
}
