// random: uniformly random configs, none twice (AutoTVM's RandomTuner).
#include "autotune/Tuner.h"

namespace rqc::autotune {

namespace {

class RandomTuner : public Tuner {
public:
  using Tuner::Tuner;
  std::vector<schedule::Config> next(int n) override {
    std::vector<schedule::Config> out;
    while (static_cast<int>(out.size()) < n && remaining() > 0) {
      std::optional<uint64_t> i = randomUnvisited();
      if (!i) break;
      markVisited(*i);
      out.push_back(space_.get(*i));
    }
    return out;
  }
};

} // namespace

std::unique_ptr<Tuner> makeRandomTuner(const schedule::ConfigSpace &space, uint64_t seed) {
  return std::make_unique<RandomTuner>(space, seed);
}

} // namespace rqc::autotune
