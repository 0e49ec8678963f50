// rqc-select-schedules: the strategy half of scheduling (the mechanism is the target's
// apply pass). Each tunable op gets a template, a config and the template's steps.
#include "compiler/passes/ChannelLayout.h"
#include "compiler/passes/Passes.h"
#include "compiler/passes/ScheduleSelection.h"
#include "compiler/support/JsonAttr.h"

#include "autotune/GraphTuner.h"
#include "rqc/runtime/Error.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"

#include <functional>
#include <regex>
#include <set>

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
    std::vector<int64_t> ws = shapeOf(c.getWeight());
    const int64_t channels = shapeOf(c.getInput())[1];
    const bool depthwise = c.getGroups() > 1 && c.getGroups() == channels && ws[0] == channels && ws[1] == 1;
    if (c.getDataLayout() != "NCHW" || c.getWeightLayout() != "OIHW" || !(c.getGroups() == 1 || depthwise) ||
        !c.getWeight().getDefiningOp<graph::ConstantOp>() ||
        (c.getBias() && !c.getBias().getDefiningOp<graph::ConstantOp>()) ||
        llvm::any_of(c.getWeightZeroPoint(), [](int32_t z) { return z != 0; }))
      return std::nullopt;
    w.op = depthwise ? "depthwise_conv2d" : "conv2d";
    w.data = {shapeOf(c.getInput()), dtypeOf(c.getInput())};
    w.weight = {shapeOf(c.getWeight()), dtypeOf(c.getWeight())};
    w.bias = static_cast<bool>(c.getBias());
    w.strides = vec(c.getStrides());
    w.pads = vec(c.getPads());
    w.dilations = vec(c.getDilations());
    w.groups = c.getGroups();
  } else if (auto c = llvm::dyn_cast<graph::VtaConv2DOp>(op)) {
    // conv2d_packed.vta's workload: the plain shapes, TVM's packed layout (the args print
    // the packed shapes) and the i32 accumulator TVM's task names as its out dtype.
    std::vector<int64_t> x = shapeOf(c.getInput()), k = shapeOf(c.getWeight()), y = shapeOf(c.getResult());
    const int64_t b = x[4], block = x[5];
    w.op = "conv2d";
    w.layout = "NCHW" + std::to_string(b) + "n" + std::to_string(block) + "c";
    w.data = {{x[0] * b, x[1] * block, x[2], x[3]}, "int8"};
    w.weight = {{k[0] * block, k[1] * block, k[2], k[3]}, "int8"};
    w.strides = vec(c.getStrides());
    w.pads = vec(c.getPads());
    w.dilations = {1, 1};
    w.groups = 1;
    w.output = {y[0] * b, y[1] * block, y[2], y[3]};
    w.outDtype = "int32";
    return w;
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
  int tier = 0; // the record's source rank (RecordDatabase::candidates): lower is preferred

  // The layouts the schedule reads and writes ("NCHW" when it packs nothing there), as the
  // graph tuner compares them: Winograd's output tiles NCH{m}hW{m}w{c}c hold the elements in
  // NCHW{c}c's order (H = H/m x m, the tile rows right after), so changing between the two is
  // a reshape that moves nothing (rqc-alter-layout's isPureReshape) and they count as one.
  std::string input() const { return costLayout(steps.packed("input")); }
  std::string output() const { return costLayout(steps.packed("output")); }

  static std::string costLayout(const std::string &l) {
    if (l.empty()) return "NCHW";
    static const std::regex tiles("NCH[0-9]+hW[0-9]+w([0-9]+)c");
    std::smatch m;
    if (std::regex_match(l, m, tiles)) return "NCHW" + m[1].str() + "c";
    return l;
  }
};

// The ways to compute a workload: with records, the best usable record per pair of input
// and output layouts over the matching templates (AutoTVM's ApplyHistoryBest takes the
// single best; the graph tuner below chooses among these); without, the fallback of the
// template with the lowest estimated cost (the first one on a tie).
std::vector<Choice> choices(const Workload &w, const std::vector<const schedule::Template *> &candidates,
                            const schedule::TargetDesc &target, ScheduleSelection &sel) {
  std::vector<Choice> out;
  for (const schedule::Template *t : candidates) {
    schedule::ConfigSpace space = t->space(w);
    std::set<std::pair<std::string, std::string>> seen; // layout pairs this template already offers
    std::vector<int> tiers;
    std::vector<const autotune::TuningRecord *> records =
        sel.records.candidates(target.str, sel.device, t->name(), t->args(w), &tiers);
    for (size_t k = 0; k < records.size(); ++k) {
      const autotune::TuningRecord *r = records[k];
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
      Choice choice;
      try {
        choice = {t, *c, t->schedule(w, *c, target), r->origin, r->meanCost(), tiers[k]};
      } catch (const schedule::InvalidConfig &e) {
        sel.warn(r->origin + ": " + t->name() + " cannot use this config (" + e.what() + "); skipped");
        continue;
      }
      if (!seen.insert({choice.input(), choice.output()}).second) continue;
      // Another template's record for the same layouts: the preferred, then faster one stays.
      auto same = llvm::find_if(out, [&](const Choice &o) {
        return o.input() == choice.input() && o.output() == choice.output();
      });
      if (same == out.end()) out.push_back(std::move(choice));
      else if (std::tie(choice.tier, choice.cost) < std::tie(same->tier, same->cost)) *same = std::move(choice);
    }
  }
  // Only the preferred source's records compete (a user's log before tophub, this device
  // before others): a less preferred record never wins by its cost.
  if (!out.empty()) {
    int best = llvm::min_element(out, [](const Choice &a, const Choice &b) { return a.tier < b.tier; })->tier;
    llvm::erase_if(out, [&](const Choice &c) { return c.tier != best; });
    return out;
  }
  Choice best;
  double bestEstimate = std::numeric_limits<double>::infinity();
  for (const schedule::Template *t : candidates) {
    schedule::ConfigSpace space = t->space(w);
    schedule::Config c = t->fallback(w, space, target);
    double estimate = t->estimate(w, c, target);
    if (estimate < bestEstimate) {
      bestEstimate = estimate;
      best = {t, c, t->schedule(w, c, target), "fallback", best.cost};
    }
  }
  return {best};
}

// An op to schedule, the ways it can be computed and the one chosen.
struct Pending {
  Operation *op;
  Workload workload;
  std::vector<const schedule::Template *> candidates;
  std::vector<Choice> choices;
  size_t chosen = 0;
};

int64_t bytesOf(Value v) {
  auto t = llvm::dyn_cast<RankedTensorType>(v.getType());
  if (!t || !t.hasStaticShape()) return 0;
  return t.getNumElements() * std::max<int64_t>(1, t.getElementTypeBitWidth() / 8);
}

// The graph tuner: when some op has records in several layouts, one layout per group of
// tensors that must share it (joined by ops that follow any channel blocking) so that the
// kernels' measured time plus the layout transforms between them is least
// (autotune/GraphTuner.h). Records of each op alone would make neighbours disagree.
void planLayouts(func::FuncOp main, std::vector<Pending> &pending, ScheduleSelection &sel) {
  if (!sel.graphTuner || llvm::none_of(pending, [](const Pending &p) { return p.choices.size() > 1; })) return;
  // Union-find over values: a group per set of tensors that share a layout.
  llvm::DenseMap<Value, Value> parent;
  std::function<Value(Value)> find = [&](Value v) -> Value {
    auto it = parent.find(v);
    if (it == parent.end() || it->second == v) return v;
    Value root = find(it->second);
    parent[v] = root;
    return root;
  };
  auto join = [&](Value a, Value b) {
    Value ra = find(a), rb = find(b);
    if (ra != rb) parent[ra] = rb;
  };
  // In walk order (a vector beside the set), so that group numbers and the plan's ties are
  // the same in every run.
  llvm::DenseSet<Operation *> following;
  std::vector<Operation *> followingInOrder;
  main.walk([&](Operation *op) {
    if (op->getNumResults() != 1) return;
    Value result = op->getResult(0);
    auto shape = llvm::dyn_cast<RankedTensorType>(result.getType());
    if (!shape) return;
    if (isElementwise(op)) {
      if (llvm::any_of(op->getOperands(), [&](Value v) {
            auto t = llvm::dyn_cast<RankedTensorType>(v.getType());
            return !t || t.getShape() != shape.getShape();
          }))
        return;
      for (Value v : op->getOperands()) join(v, result);
    } else if (poolLayout(op) == std::string("NCHW") || isPerChannelRequantize(op)) {
      join(op->getOperand(0), result);
    } else {
      return;
    }
    following.insert(op);
    followingInOrder.push_back(op);
  });
  llvm::DenseMap<Operation *, size_t> scheduled;
  for (size_t i = 0; i < pending.size(); ++i) scheduled[pending[i].op] = i;

  autotune::LayoutProblem problem;
  problem.transformBytesPerSecond = sel.transformBytesPerSecond;
  llvm::DenseMap<Value, int> groupOf;
  auto group = [&](Value v) {
    auto [it, fresh] = groupOf.try_emplace(find(v), static_cast<int>(problem.groups.size()));
    if (fresh) problem.groups.emplace_back();
    autotune::LayoutProblem::Group &g = problem.groups[it->second];
    g.bytes = std::max(g.bytes, bytesOf(v));
    return it->second;
  };
  // Every tensor around a scheduled or layout-following op: who makes it and who reads it
  // in the plain layout.
  auto visit = [&](Value v) {
    int g = group(v);
    Operation *def = v.getDefiningOp();
    if (!def || (!following.contains(def) && !scheduled.contains(def))) problem.groups[g].plainProducer = true;
    for (OpOperand &use : v.getUses()) {
      Operation *user = use.getOwner();
      bool follows = following.contains(user) || (scheduled.contains(user) && use.getOperandNumber() == 0);
      if (!follows) problem.groups[g].plainConsumer = true;
    }
  };
  for (Operation *op : followingInOrder) {
    for (Value v : op->getOperands()) visit(v);
    visit(op->getResult(0));
  }
  for (Pending &p : pending) {
    visit(p.op->getOperand(0));
    visit(p.op->getResult(0));
    autotune::LayoutProblem::Op op{group(p.op->getOperand(0)), group(p.op->getResult(0)), {}};
    for (const Choice &c : p.choices) op.options.push_back({c.input(), c.output(), c.source == "fallback" ? 0 : c.cost});
    problem.ops.push_back(std::move(op));
  }
  autotune::LayoutPlan plan = autotune::planLayouts(problem);
  for (size_t i = 0; i < pending.size(); ++i) pending[i].chosen = static_cast<size_t>(plan.option[i]);
  if (!plan.exact) sel.warn("graph tuner: the graph is too large to choose layouts exactly; each op takes its best record");
  sel.layoutPlan = {true, plan.transforms, plan.seconds};
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
      local.deviceTarget.key = "vta"; // Pynq-Z1's configuration, for graph.vta_conv2d
      local.graphTuner = graphTuner;
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
    std::vector<Pending> pending;
    bool failed = false;
    main.walk([&](Operation *op) {
      if (op->hasAttr("rqc.schedule")) return;
      std::optional<Workload> w = workloadOf(op);
      if (!w) return;
      const schedule::TargetDesc &target = llvm::isa<graph::VtaConv2DOp>(op) ? sel->deviceTarget : sel->target;
      std::vector<const schedule::Template *> candidates = schedule::templatesFor(*w, target.key);
      if (candidates.empty()) {
        if (llvm::isa<graph::VtaConv2DOp>(op)) {
          op->emitError("no VTA schedule template computes this convolution (the target has no VTA device?)");
          failed = true;
        }
        return;
      }
      std::vector<Choice> ways = choices(*w, candidates, target, *sel);
      // The fastest record first: the choice when no graph plan is made.
      std::stable_sort(ways.begin(), ways.end(), [](const Choice &a, const Choice &b) { return a.cost < b.cost; });
      pending.push_back({op, *w, std::move(candidates), std::move(ways)});
    });
    if (failed) return signalPassFailure();
    try {
      planLayouts(main, pending, *sel);
    } catch (const Error &e) {
      getOperation().emitError(e.what());
      return signalPassFailure();
    }
    for (const Pending &p : pending) {
      const Choice &c = p.choices[p.chosen];
      const Workload &w = p.workload;
      Operation *op = p.op;
      nlohmann::json task = nlohmann::json::array({c.tmpl->name(), c.tmpl->args(w)});
      op->setAttr("rqc.task", jsonToAttr(ctx, task));
      nlohmann::json config = {{"index", c.config.index()}, {"entity", c.config.entity()}, {"source", c.source}};
      op->setAttr("rqc.config", jsonToAttr(ctx, config));
      op->setAttr("rqc.schedule", jsonToAttr(ctx, schedule::toJson(c.steps)));
      // Every template that can compute the op is a task (as AutoTVM extracts one per
      // implementation): tuning any of them can change the choice.
      for (const schedule::Template *t : p.candidates) {
        ScheduleSelection::Task &entry = sel->task(nlohmann::json::array({t->name(), t->args(w)}).dump());
        entry.templateName = t->name();
        entry.workload = w;
        entry.args = t->args(w);
        entry.spaceSize = t->space(w).size();
        entry.macs = w.macs();
        ++entry.ops;
        if (t != c.tmpl) continue;
        entry.tuned = c.source != "fallback";
        entry.source = c.source;
        entry.config = c.config.str();
        ++entry.chosen;
      }
    }
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
