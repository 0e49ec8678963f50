// grid: every config in index order (AutoTVM's GridSearchTuner).
#include "autotune/Tuner.h"

namespace rqc::autotune {

namespace {

class GridTuner : public Tuner {
public:
  using Tuner::Tuner;
  std::vector<schedule::Config> next(int n) override {
    std::vector<schedule::Config> out;
    for (; static_cast<int>(out.size()) < n && cursor_ < space_.size(); ++cursor_)
      if (!visited(cursor_)) {
        markVisited(cursor_);
        out.push_back(space_.get(cursor_));
      }
    return out;
  }

private:
  uint64_t cursor_ = 0;
};

} // namespace

std::unique_ptr<Tuner> makeGridTuner(const schedule::ConfigSpace &space, uint64_t seed) {
  return std::make_unique<GridTuner>(space, seed);
}

} // namespace rqc::autotune
