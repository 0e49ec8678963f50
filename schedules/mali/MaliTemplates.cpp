#include "schedules/mali/MaliTemplates.h"

namespace rqc::schedule::mali {

std::vector<int64_t> fallbackSplit(int64_t extent, const std::vector<int64_t> &constraints) {
  std::vector<int64_t> sizes(constraints.size(), 1);
  int64_t left = extent;
  for (size_t i = constraints.size(); i-- > 1;) {
    sizes[i] = constraints[i] < 0 ? left : largestDivisorAtMost(left, constraints[i]);
    left /= sizes[i];
  }
  sizes[0] = left;
  return sizes;
}

void checkAnnotation(const std::string &knob, const std::string &annotation, int64_t extent) {
  if (annotation == "unroll" && extent > 16)
    throw InvalidConfig(knob + ": unroll of an axis of " + std::to_string(extent) + " (max_unroll is 16)");
  if (annotation == "vec" && extent != 1 && extent != 2 && extent != 4 && extent != 8 && extent != 16)
    throw InvalidConfig(knob + ": vec of an axis of " + std::to_string(extent) + " (vector sizes 1, 2, 4, 8, 16)");
}

void checkWorkItem(int64_t workGroupSize, int64_t accumulators) {
  if (workGroupSize > 256)
    throw InvalidConfig("a work-group of " + std::to_string(workGroupSize) + " work-items (Mali's limit is 256)");
  if (accumulators > 256)
    throw InvalidConfig(std::to_string(accumulators) + " outputs per work-item (rqc unrolls a work-item's block: at most 256)");
}

} // namespace rqc::schedule::mali
