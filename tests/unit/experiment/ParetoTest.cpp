// The Pareto frontier of rqc experiment report (compiler/experiment/Results.h) on hand-made
// sets whose efficient points are known.
#include "compiler/experiment/Results.h"

#include <gtest/gtest.h>

using rqc::experiment::paretoFrontier;

TEST(Pareto, KeepsOnlyPointsNothingBeats) {
  // (latency ms, top-1):      A fast/poor  B      C dominated by B  D best/slow  E dominated by D
  std::vector<double> ms = {1.0, 2.0, 2.5, 4.0, 5.0};
  std::vector<double> top1 = {0.80, 0.90, 0.85, 0.95, 0.95};
  EXPECT_EQ(paretoFrontier(ms, top1), (std::vector<bool>{true, true, false, true, false}));
}

TEST(Pareto, TiesAndOrder) {
  // Input order does not matter; equal points are both efficient; of two equally fast
  // points only the more accurate one is.
  std::vector<double> ms = {3.0, 1.0, 3.0, 1.0, 2.0};
  std::vector<double> top1 = {0.9, 0.5, 0.9, 0.6, 0.6};
  EXPECT_EQ(paretoFrontier(ms, top1), (std::vector<bool>{true, false, true, true, false}));
}

TEST(Pareto, EdgeCases) {
  EXPECT_TRUE(paretoFrontier({}, {}).empty());
  EXPECT_EQ(paretoFrontier({7.0}, {0.1}), (std::vector<bool>{true}));
  // Slower and less accurate than one point: dominated whatever else exists.
  EXPECT_EQ(paretoFrontier({1.0, 2.0}, {0.9, 0.8}), (std::vector<bool>{true, false}));
}
