// rqc-select-schedules: the strategy half of scheduling (the mechanism is the target's
// apply pass). Each tunable op gets a template, a config and the template's steps.
#include "compiler/passes/Passes.h"
#include "compiler/passes/ScheduleSelection.h"
#include "compiler/support/JsonAttr.h"

#include "rqc/runtime/Error.h"

#include <limits>

namespace rqc {
#define GEN_PASS_DEF_SELECTSCHEDULES
#include "compiler/passes/Passes.h.inc"
} // namespace rqc

using namespace mlir;
using namespace rqc;
using schedule::Workload;

namespace {

std::vector<int64_t> shapeOf(Value v) {
  auto t = llvm::cast<RankedTensorType>(v.getType());
  return {t.getShape().begin(), t.getShape().end()};
}

std::string dtypeOf(Value v) {
  Type e = llvm::cast<RankedTensorType>(v.getType()).getElementType();
  if (e.isF32()) return "float32";
  if (e.isUnsignedInteger(8)) return "uint8";
  if (e.isInteger(8)) return "int8";
  if (e.isInteger(32)) return "int32";
  return "unknown";
}

std::vector<int64_t> vec(ArrayRef<int64_t> a) { return {a.begin(), a.end()}; }

// The workload of an op some template may implement, from its current (graph) form.
std::optional<Workload> workloadOf(Operation *op) {
  Workload w;
  if (auto c = llvm::dyn_cast<graph::Conv2DOp>(op)) {
    if (c.getDataLayout() != "NCHW" || c.getWeightLayout() != "OIHW") return std::nullopt;
    std::vector<int64_t> ws = shapeOf(c.getWeight());
    int64_t channels = shapeOf(c.getInput())[1];
    bool depthwise = c.getGroups() == channels && ws[0] == channels && ws[1] == 1 && c.getGroups() > 1;
    w.op = c.getGroups() == 1 ? "conv2d" : depthwise ? "depthwise_conv2d" : "group_conv2d";
    w.data = {shapeOf(c.getInput()), dtypeOf(c.getInput())};
    w.weight = {ws, dtypeOf(c.getWeight())};
    w.bias = static_cast<bool>(c.getBias());
    w.constantWeight = static_cast<bool>(c.getWeight().getDefiningOp<graph::ConstantOp>());
    w.strides = vec(c.getStrides());
    w.pads = vec(c.getPads());
    w.dilations = vec(c.getDilations());
    w.groups = c.getGroups();
  } else if (auto c = llvm::dyn_cast<graph::Conv2DIntegerOp>(op)) {
    // The integer kernels take constant weights without zero points (the zero point of the
    // input is folded into the bias when the layout is packed); others stay generic.
    if (c.getDataLayout() != "NCHW" || c.getWeightLayout() != "OIHW" || c.getGroups() != 1 ||
        !c.getWeight().getDefiningOp<graph::ConstantOp>() ||
        (c.getBias() && !c.getBias().getDefiningOp<graph::ConstantOp>()) ||
        llvm::any_of(c.getWeightZeroPoint(), [](int32_t z) { return z != 0; }))
      return std::nullopt;
    w.op = "conv2d";
    w.data = {shapeOf(c.getInput()), dtypeOf(c.getInput())};
    w.weight = {shapeOf(c.getWeight()), dtypeOf(c.getWeight())};
    w.bias = static_cast<bool>(c.getBias());
    w.strides = vec(c.getStrides());
    w.pads = vec(c.getPads());
    w.dilations = vec(c.getDilations());
    w.groups = c.getGroups();
  } else if (auto d = llvm::dyn_cast<graph::DenseOp>(op)) {
    if (d.getWeightLayout() != "MK") return std::nullopt;
    w.op = "dense";
    w.data = {shapeOf(d.getInput()), dtypeOf(d.getInput())};
    w.weight = {shapeOf(d.getWeight()), dtypeOf(d.getWeight())};
    w.bias = static_cast<bool>(d.getBias());
  } else if (auto p = llvm::dyn_cast<graph::MaxPool2DOp>(op)) {
    w.op = "max_pool2d";
    w.data = {shapeOf(p.getInput()), dtypeOf(p.getInput())};
    w.kernel = vec(p.getKernel());
    w.strides = vec(p.getStrides());
    w.pads = vec(p.getPads());
    w.dilations = vec(p.getDilations());
    w.layout = p.getDataLayout().str();
    if (p.getCeilMode()) return std::nullopt; // windows past the padded input: the generic path
  } else if (auto p = llvm::dyn_cast<graph::AvgPool2DOp>(op)) {
    w.op = "avg_pool2d";
    w.data = {shapeOf(p.getInput()), dtypeOf(p.getInput())};
    w.kernel = vec(p.getKernel());
    w.strides = vec(p.getStrides());
    w.pads = vec(p.getPads());
    w.countIncludePad = p.getCountIncludePad();
    w.layout = p.getDataLayout().str();
    if (p.getCeilMode()) return std::nullopt;
  } else {
    return std::nullopt;
  }
  w.output = shapeOf(op->getResult(0));
  w.outDtype = dtypeOf(op->getResult(0));
  return w;
}

struct Choice {
  const schedule::Template *tmpl = nullptr;
  schedule::Config config;
  schedule::Schedule steps;
  std::string source = "fallback";
  double cost = std::numeric_limits<double>::infinity();
};

// The best tuned config over the matching templates (AutoTVM chooses between
// implementations by tuned cost), else the fallback with the lowest estimated cost.
Choice choose(const Workload &w, const std::vector<const schedule::Template *> &candidates, ScheduleSelection &sel) {
  Choice best;
  for (const schedule::Template *t : candidates) {
    schedule::ConfigSpace space = t->space(w);
    for (const autotune::TuningRecord *r : sel.records.candidates(sel.target.str, sel.device, t->name(), w.args())) {
      if (!r->spaceHash.empty() && r->spaceHash != space.hash()) {
        sel.warn(r->origin + ": record for " + t->name() + " was tuned against another version of its knob space; skipped");
        continue;
      }
      std::string why;
      std::optional<schedule::Config> c = space.fromEntity(r->entity, &why);
      if (c && static_cast<uint64_t>(r->index) != c->index())
        why = "config index " + std::to_string(r->index) + " names another point than its entity (index " +
              std::to_string(c->index()) + "); the knob space differs", c.reset();
      if (!c) {
        sel.warn(r->origin + ": " + why + "; skipped");
        continue;
      }
      try {
        schedule::Schedule s = t->schedule(w, *c, sel.target);
        if (r->meanCost() < best.cost) best = {t, *c, std::move(s), r->origin, r->meanCost()};
      } catch (const schedule::InvalidConfig &e) {
        sel.warn(r->origin + ": " + t->name() + " cannot use this config (" + e.what() + "); skipped");
        continue;
      }
      break; // this template's best usable record
    }
  }
  if (best.tmpl) return best;
  // Untuned: the template whose fallback has the lowest estimated cost (the first one on a
  // tie).
  double bestEstimate = std::numeric_limits<double>::infinity();
  for (const schedule::Template *t : candidates) {
    schedule::ConfigSpace space = t->space(w);
    schedule::Config c = t->fallback(w, space, sel.target);
    double estimate = t->estimate(w, c, sel.target);
    if (estimate < bestEstimate) {
      bestEstimate = estimate;
      best = {t, c, t->schedule(w, c, sel.target), "fallback", best.cost};
    }
  }
  return best;
}

struct SelectSchedulesPass : rqc::impl::SelectSchedulesBase<SelectSchedulesPass> {
  using SelectSchedulesBase::SelectSchedulesBase;
  explicit SelectSchedulesPass(ScheduleSelection *shared) : shared_(shared) {}

  void runOnOperation() override {
    ScheduleSelection local;
    ScheduleSelection *sel = shared_;
    if (!sel) { // rqc-opt: the target and records come from the pass options
      local.target.key = targetKey;
      local.target.str = targetString;
      local.target.vectorBits = vectorBits;
      local.target.vectorRegisters = vectorRegisters;
      try {
        for (const std::string &f : recordFiles) {
          autotune::RecordLog log = autotune::readRecords(f);
          for (const auto &s : log.skipped) local.warn(s.origin + ": " + s.reason + "; skipped");
          local.records.add(log, 0);
        }
      } catch (const Error &e) {
        getOperation().emitError(e.what());
        return signalPassFailure();
      }
      sel = &local;
    }
    auto main = getOperation().lookupSymbol<func::FuncOp>("main");
    if (!main) return;
    MLIRContext *ctx = &getContext();
    main.walk([&](Operation *op) {
      if (op->hasAttr("rqc.schedule")) return;
      std::optional<Workload> w = workloadOf(op);
      if (!w) return;
      std::vector<const schedule::Template *> candidates = schedule::templatesFor(*w, sel->target.key);
      if (candidates.empty()) return;
      Choice c = choose(*w, candidates, *sel);
      nlohmann::json task = nlohmann::json::array({c.tmpl->name(), w->args()});
      op->setAttr("rqc.task", jsonToAttr(ctx, task));
      nlohmann::json config = {{"index", c.config.index()}, {"entity", c.config.entity()}, {"source", c.source}};
      op->setAttr("rqc.config", jsonToAttr(ctx, config));
      op->setAttr("rqc.schedule", jsonToAttr(ctx, schedule::toJson(c.steps)));
      // Every template that can compute the op is a task (as AutoTVM extracts one per
      // implementation): tuning any of them can change the choice.
      for (const schedule::Template *t : candidates) {
        ScheduleSelection::Task &entry = sel->task(nlohmann::json::array({t->name(), w->args()}).dump());
        entry.templateName = t->name();
        entry.workload = *w;
        entry.args = w->args();
        entry.spaceSize = t->space(*w).size();
        entry.macs = w->macs();
        ++entry.ops;
        if (t != c.tmpl) continue;
        entry.tuned = c.source != "fallback";
        entry.source = c.source;
        entry.config = c.config.str();
        ++entry.chosen;
      }
    });
    if (!shared_)
      for (const std::string &w : local.warnings) mlir::emitWarning(getOperation().getLoc()) << w;
  }

private:
  ScheduleSelection *shared_ = nullptr;
};

} // namespace

namespace rqc {
std::unique_ptr<Pass> createSelectSchedules(ScheduleSelection &selection) {
  return std::make_unique<SelectSchedulesPass>(&selection);
}
} // namespace rqc
