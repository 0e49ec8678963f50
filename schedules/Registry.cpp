// The template table: every schedule template by its AutoTVM-style name, in preference
// order per workload: untuned, the matching template with the lowest estimate() is chosen,
// the first one on a tie.
#include "schedules/Template.h"
#include "schedules/cpu/CpuTemplates.h"
#include "schedules/mali/MaliTemplates.h"
#include "schedules/vta/VtaTemplates.h"

#include <algorithm>
#include <cstdlib>

namespace rqc::schedule {

const std::vector<std::unique_ptr<Template>> &templates() {
  static const std::vector<std::unique_ptr<Template>> table = [] {
    std::vector<std::unique_ptr<Template>> t;
    for (const char *key : {"x86", "arm_cpu"}) {
      t.push_back(cpu::makeConv2dNCHWc(key));
      t.push_back(cpu::makeConv2dNCHWcWinograd(key));
      t.push_back(cpu::makeConv2dNCHWcInt8(key));
      t.push_back(cpu::makeDepthwiseConv2dNCHWc(key));
      t.push_back(cpu::makeDensePack(key));
      t.push_back(cpu::makePool2dNCHWc(key));
      t.push_back(cpu::makeGeneric(key));
      if (const char *test = std::getenv("RQC_TEST_FAULT_TEMPLATES"); test && std::string(test) == "1")
        t.push_back(cpu::makeTestFaults(key));
    }
    t.push_back(mali::makeConv2dNCHWSpatialPack());
    t.push_back(mali::makeDepthwiseConv2dNCHW());
    t.push_back(mali::makeDense());
    t.push_back(vta::makeConv2dPacked());
    t.push_back(vta::makeDensePacked());
    return t;
  }();
  return table;
}

const Template *findTemplate(const std::string &name) {
  for (const auto &t : templates())
    if (t->name() == name) return t.get();
  return nullptr;
}

std::vector<const Template *> templatesFor(const Workload &w, const std::string &key) {
  std::vector<const Template *> out;
  const std::string suffix = "." + key;
  for (const auto &t : templates()) {
    const std::string n = t->name();
    if (n.size() > suffix.size() && n.compare(n.size() - suffix.size(), suffix.size(), suffix) == 0 && t->matches(w))
      out.push_back(t.get());
  }
  return out;
}

int64_t largestDivisorAtMost(int64_t n, int64_t limit) {
  for (int64_t d = std::min(n, limit); d > 1; --d)
    if (n % d == 0) return d;
  return 1;
}

} // namespace rqc::schedule
