// test_faults.x86 / .arm_cpu: a template for testing rqc tune's fault handling, registered
// only when the environment has RQC_TEST_FAULT_TEMPLATES=1 (tests/cli/tune_test.py). Its
// one knob `fault` picks what the generated kernel does: 0 the direct convolution
// (conv2d_NCHWc's fallback schedule), 1 abort (a failed cf.assert: SIGABRT), 2 spin
// forever, 3 write zeros (a wrong answer). The faults are in real generated code
// (targets/cpu/MicroKernels.cpp's fault_* micro-kernels), not in the tuner.
#include "schedules/cpu/CpuTemplates.h"

namespace rqc::schedule::cpu {

namespace {

class TestFaults : public Template {
public:
  explicit TestFaults(std::string key) : key_(std::move(key)), direct_(makeConv2dNCHWc(key_)) {}
  std::string name() const override { return "test_faults." + key_; }
  bool matches(const Workload &w) const override { return direct_->matches(w); }

  ConfigSpace space(const Workload &) const override {
    ConfigSpace s;
    s.defineKnob("fault", {0, 1, 2, 3});
    return s;
  }
  Config fallback(const Workload &, const ConfigSpace &s, const TargetDesc &) const override {
    return s.at({{"fault", 0}});
  }
  Schedule schedule(const Workload &w, const Config &c, const TargetDesc &t) const override {
    ConfigSpace space = direct_->space(w);
    Schedule s = direct_->schedule(w, direct_->fallback(w, space, t), t);
    s.templateName = name();
    static const char *kernels[] = {nullptr, "fault_abort", "fault_spin", "fault_zero"};
    if (const char *kernel = kernels[c.other("fault")])
      for (Step &step : s.steps)
        if (step.primitive == "tensorize") step.name = kernel, step.sizes.clear();
    return s;
  }

private:
  std::string key_;
  std::unique_ptr<Template> direct_;
};

} // namespace

std::unique_ptr<Template> makeTestFaults(const std::string &key) { return std::make_unique<TestFaults>(key); }

} // namespace rqc::schedule::cpu
