// The graph tuner's layout plan on hand-made problems: neighbours that disagree when each
// takes its fastest record agree in the plan when a transform costs more than the agreement;
// a cheap transform is paid when that is faster; residual cycles (three ops over three
// groups) and random small graphs solve to the brute-force optimum.
#include "autotune/GraphTuner.h"
#include "rqc/runtime/Error.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <random>

using namespace rqc::autotune;
using Option = LayoutProblem::Option;

namespace {

// Two convolutions in a chain: conv A reads the plain input (group 0) and writes group 1,
// conv B reads group 1 and writes group 2. A is fastest writing NCHW8c, B fastest reading
// NCHW16c; `bytes` of group 1 at 1 GB/s decide whether agreeing pays.
LayoutProblem chain(int64_t bytes) {
  LayoutProblem p;
  p.transformBytesPerSecond = 1e9;
  p.groups = {{1000, true, false}, {bytes, false, false}, {1000, false, false}};
  p.ops.push_back({0, 1, {Option{"NCHW", "NCHW16c", 1.0}, Option{"NCHW", "NCHW8c", 0.9}}});
  p.ops.push_back({1, 2, {Option{"NCHW16c", "NCHW16c", 1.0}, Option{"NCHW8c", "NCHW8c", 1.5}}});
  return p;
}

// The least total time over every assignment of layouts to groups, counted independently of
// the solver: each group's candidates are NCHW and the layouts its ops name.
double bruteForce(const LayoutProblem &p) {
  std::vector<std::vector<std::string>> domain(p.groups.size(), {"NCHW"});
  for (const auto &op : p.ops)
    for (const Option &o : op.options)
      for (auto [g, l] : {std::pair{op.input, o.input}, std::pair{op.output, o.output}})
        if (std::find(domain[g].begin(), domain[g].end(), l) == domain[g].end()) domain[g].push_back(l);
  auto t = [&](int g) { return 2.0 * double(p.groups[g].bytes) / p.transformBytesPerSecond; };
  std::vector<size_t> pick(p.groups.size(), 0);
  double best = INFINITY;
  std::function<void(size_t)> walk = [&](size_t g) {
    if (g == p.groups.size()) {
      double sum = 0;
      for (size_t i = 0; i < p.groups.size(); ++i)
        if (domain[i][pick[i]] != "NCHW")
          sum += (p.groups[i].plainProducer + p.groups[i].plainConsumer) * t(static_cast<int>(i));
      for (const auto &op : p.ops) {
        double least = INFINITY;
        for (const Option &o : op.options)
          least = std::min(least, o.seconds + (o.input != domain[op.input][pick[op.input]] ? t(op.input) : 0) +
                                      (o.output != domain[op.output][pick[op.output]] ? t(op.output) : 0));
        sum += least;
      }
      best = std::min(best, sum);
      return;
    }
    for (pick[g] = 0; pick[g] < domain[g].size(); ++pick[g]) walk(g + 1);
  };
  walk(0);
  return best;
}

TEST(GraphTuner, NeighboursAgreeWhenATransformCostsMore) {
  // A transform of group 1 costs 2 x 0.5 GB / 1 GB/s = 1 s each way: agreeing on NCHW16c
  // (1.0 + 1.0) beats A's fastest (0.9) plus a transform.
  LayoutPlan plan = planLayouts(chain(500'000'000));
  EXPECT_TRUE(plan.exact);
  EXPECT_EQ(plan.option, (std::vector<int>{0, 0}));
  EXPECT_EQ(plan.layout[1], "NCHW16c");
  EXPECT_EQ(plan.transforms, 0);
  EXPECT_DOUBLE_EQ(plan.seconds, 2.0);
}

TEST(GraphTuner, ACheapTransformIsPaidWhenFaster) {
  // 1 kB: a transform costs 2 us, less than the 0.1 s A saves with NCHW8c.
  LayoutPlan plan = planLayouts(chain(1000));
  EXPECT_EQ(plan.option, (std::vector<int>{1, 0}));
  EXPECT_EQ(plan.transforms, 1);
  EXPECT_NEAR(plan.seconds, 0.9 + 1.0 + 2e-6, 1e-12);
}

TEST(GraphTuner, PlainConsumersCountTransforms) {
  // Group 2 is a graph output: leaving it blocked costs a transform back to NCHW.
  LayoutProblem p = chain(500'000'000);
  p.groups[2] = {500'000'000, false, true};
  p.ops[1].options.push_back(Option{"NCHW16c", "NCHW", 1.2});
  LayoutPlan plan = planLayouts(p);
  EXPECT_EQ(plan.layout[2], "NCHW");
  EXPECT_EQ(plan.option[1], 2);
  EXPECT_DOUBLE_EQ(plan.seconds, 2.2);
}

TEST(GraphTuner, ResidualCycleSolvesExactly) {
  // A downsampling residual block: conv1 (g0 -> g1), conv2 (g1 -> g2), the shortcut conv
  // (g0 -> g2); three pairwise factors over three groups form a cycle.
  LayoutProblem p;
  p.transformBytesPerSecond = 1e9;
  p.groups = {{400'000'000, false, false}, {300'000'000, false, false}, {200'000'000, false, false}};
  p.ops.push_back({0, 1, {Option{"NCHW8c", "NCHW8c", 1.0}, Option{"NCHW16c", "NCHW16c", 1.3}}});
  p.ops.push_back({1, 2, {Option{"NCHW8c", "NCHW16c", 1.0}, Option{"NCHW16c", "NCHW16c", 0.8}}});
  p.ops.push_back({0, 2, {Option{"NCHW8c", "NCHW8c", 0.2}, Option{"NCHW16c", "NCHW16c", 0.6}}});
  LayoutPlan plan = planLayouts(p);
  EXPECT_NEAR(plan.seconds, bruteForce(p), 1e-9);
}

TEST(GraphTuner, RandomGraphsMatchBruteForce) {
  std::mt19937 rng(7);
  const std::vector<std::string> layouts = {"NCHW", "NCHW4c", "NCHW8c", "NCHW16c"};
  for (int trial = 0; trial < 200; ++trial) {
    LayoutProblem p;
    p.transformBytesPerSecond = 1e9;
    int groups = 2 + static_cast<int>(rng() % 5);
    for (int g = 0; g < groups; ++g)
      p.groups.push_back({static_cast<int64_t>(rng() % 1'000'000'000), rng() % 4 == 0, rng() % 4 == 0});
    int ops = 1 + static_cast<int>(rng() % 7);
    for (int o = 0; o < ops; ++o) {
      LayoutProblem::Op op{static_cast<int>(rng() % groups), static_cast<int>(rng() % groups), {}};
      int options = 1 + static_cast<int>(rng() % 4);
      for (int k = 0; k < options; ++k)
        op.options.push_back({layouts[rng() % layouts.size()], layouts[rng() % layouts.size()], (rng() % 1000) / 500.0});
      p.ops.push_back(op);
    }
    LayoutPlan plan = planLayouts(p);
    ASSERT_TRUE(plan.exact);
    ASSERT_NEAR(plan.seconds, bruteForce(p), 1e-9) << "trial " << trial;
    ASSERT_EQ(plan.option.size(), p.ops.size());
  }
}

TEST(GraphTuner, RejectsMalformedProblems) {
  LayoutProblem p = chain(1000);
  p.ops[1].options.clear();
  EXPECT_THROW(planLayouts(p), rqc::Error);
  p = chain(1000);
  p.ops[0].output = 7;
  EXPECT_THROW(planLayouts(p), rqc::Error);
}

} // namespace
