#include "compiler/driver/Pipeline.h"

#include "compiler/analysis/ModelStats.h"
#include "compiler/codegen/Passes.h"
#include "compiler/lowering/Passes.h"
#include "compiler/passes/Passes.h"
#include "compiler/support/PassRunner.h"
#include "autotune/Tophub.h"
#include "ir/Graph/TensorAttr.h"
#include "rqc/runtime/Checksum.h"
#include "rqc/runtime/Error.h"
#include "rqc/runtime/ModuleDescription.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <map>
#include "llvm/ADT/DenseSet.h"

using namespace mlir;

namespace rqc::driver {

namespace {

std::string locName(Location loc) {
  if (auto n = llvm::dyn_cast<NameLoc>(loc)) return n.getName().str();
  return "";
}

nlohmann::json shapeJson(RankedTensorType t) { return std::vector<int64_t>(t.getShape().begin(), t.getShape().end()); }

// Describes @main (a graph of kernel calls after rqc-fuse-kernels) as module.json and
// params.bin; fills `symbols` with the kernels to compile.
std::pair<nlohmann::json, std::string> describeGraph(func::FuncOp main, ModuleOp module, Target &target,
                                                     std::vector<KernelSymbol> &symbols) {
  nlohmann::json buffers = nlohmann::json::array(), kernels = nlohmann::json::array();
  std::string params;
  llvm::DenseMap<Value, int64_t> ids;
  auto addBuffer = [&](Value v, const std::string &name, const std::string &kind) {
    auto t = llvm::cast<RankedTensorType>(v.getType());
    int64_t id = static_cast<int64_t>(buffers.size());
    buffers.push_back({{"id", id}, {"name", name}, {"dtype", dtypeName(graph::dtypeFor(t.getElementType()))},
                       {"shape", shapeJson(t)}, {"kind", kind}});
    ids[v] = id;
    return id;
  };
  // Names from the model (rqc.input_names / rqc.output_names, set by the ONNX importer),
  // else "input" / "output", numbered when there are several.
  auto names = [&](const char *attr, size_t i, const std::string &dflt) {
    auto arr = main->getAttrOfType<ArrayAttr>(attr);
    if (arr && i < arr.size()) return llvm::cast<StringAttr>(arr[i]).str();
    size_t count = dflt == "input" ? main.getNumArguments() : main.getFunctionType().getNumResults();
    return count > 1 ? dflt + std::to_string(i) : dflt;
  };
  nlohmann::json inputs = nlohmann::json::array(), outputs = nlohmann::json::array();
  for (BlockArgument arg : main.getArguments())
    inputs.push_back(addBuffer(arg, names("rqc.input_names", arg.getArgNumber(), "input"), "input"));

  auto ret = llvm::cast<func::ReturnOp>(main.getBody().front().getTerminator());
  llvm::DenseSet<Value> returned(ret.getOperands().begin(), ret.getOperands().end());
  unsigned kernelIndex = 0;
  for (Operation &op : main.getBody().front()) {
    if (auto c = llvm::dyn_cast<graph::ConstantOp>(op)) {
      if (c->use_empty()) continue;
      Tensor t = graph::fromAttr(c.getValue());
      params.append((64 - params.size() % 64) % 64, '\0');
      int64_t id = addBuffer(c.getResult(), locName(c.getLoc()), "param");
      buffers[id]["offset"] = params.size();
      buffers[id]["nbytes"] = t.nbytes();
      params.append(static_cast<const char *>(t.raw()), t.nbytes());
    } else if (auto r = llvm::dyn_cast<graph::ReshapeOp>(op)) {
      int64_t id = addBuffer(r.getResult(), locName(r.getLoc()), "alias");
      buffers[id]["alias_of"] = ids.lookup(r.getInput());
    } else if (auto call = llvm::dyn_cast<func::CallOp>(op)) {
      Value result = call.getResult(0);
      int64_t out = addBuffer(result, locName(call.getLoc()), returned.count(result) ? "output" : "intermediate");
      nlohmann::json args = nlohmann::json::array();
      for (Value v : call.getOperands()) args.push_back(ids.lookup(v));
      args.push_back(out);
      auto fn = module.lookupSymbol<func::FuncOp>(call.getCallee());
      std::string ops;
      int64_t macs = 0;
      for (Operation &k : fn.getBody().front()) {
        if (llvm::isa<func::ReturnOp>(k)) continue;
        ops += (ops.empty() ? "" : "+") + k.getName().stripDialect().str();
        macs += analysis::macsOf(&k);
      }
      std::string symbol = "rqc_kernel_" + std::to_string(kernelIndex++);
      symbols.push_back({call.getCallee().str(), symbol});
      kernels.push_back({{"name", locName(call.getLoc())}, {"symbol", symbol}, {"args", args}, {"ops", ops}, {"macs", macs}});
    } else if (!llvm::isa<func::ReturnOp>(op)) {
      // An op the accelerator runs (graph.vta_conv2d): the target emits its code.
      nlohmann::json kernel = target.deviceKernel(&op);
      Value result = op.getResult(0);
      int64_t out = addBuffer(result, locName(op.getLoc()), returned.count(result) ? "output" : "intermediate");
      nlohmann::json args = nlohmann::json::array();
      for (Value v : op.getOperands()) args.push_back(ids.lookup(v));
      args.push_back(out);
      kernel["name"] = locName(op.getLoc());
      kernel["args"] = args;
      kernel["macs"] = analysis::macsOf(&op);
      kernels.push_back(kernel);
    }
  }
  for (auto [i, v] : llvm::enumerate(ret.getOperands())) {
    if (!ids.count(v)) throw Error("model output " + std::to_string(i) + " is not computed by any kernel");
    int64_t id = ids.lookup(v);
    std::string outName = names("rqc.output_names", i, "output");
    std::string kind = buffers[id]["kind"];
    if (kind == "input" || kind == "param") {
      // An output that no kernel computes (a constant, or an input passed through) is an
      // alias of that buffer: the runtime reads it from there.
      int64_t alias = static_cast<int64_t>(buffers.size());
      buffers.push_back({{"id", alias}, {"name", outName}, {"dtype", buffers[id]["dtype"]}, {"shape", buffers[id]["shape"]},
                         {"kind", "alias"}, {"alias_of", id}});
      id = alias;
    }
    buffers[id]["name"] = outName;
    outputs.push_back(id);
  }
  nlohmann::json j = {{"format", "rqc-module"},
                      {"format_version", kPackageFormatVersion},
                      {"rqc_version", RQC_VERSION},
                      {"target", target.describe()},
                      {"buffers", buffers},
                      {"kernels", kernels},
                      {"inputs", inputs},
                      {"outputs", outputs}};
  return {j, params};
}

} // namespace

void loadTuningRecords(ScheduleSelection &selection, const CompileOptions &options) {
  auto add = [&](const std::string &path, int priority) {
    autotune::RecordLog log = autotune::readRecords(path);
    for (const auto &s : log.skipped) selection.warn(s.origin + ": " + s.reason + "; skipped");
    // Records of templates rqc does not have (TVM's own, say) are never applied: one
    // warning per template, with the first lines.
    std::map<std::string, std::vector<std::string>> foreign;
    autotune::RecordLog usable;
    for (autotune::TuningRecord &r : log.records) {
      if (schedule::findTemplate(r.task)) usable.records.push_back(std::move(r));
      else foreign[r.task].push_back(r.origin.substr(r.origin.rfind(':') + 1));
    }
    for (const auto &[task, lines] : foreign) {
      std::string shown;
      for (size_t i = 0; i < lines.size() && i < 5; ++i) shown += (i ? ", " : "") + lines[i];
      selection.warn(path + ": " + std::to_string(lines.size()) + " record(s) for template '" + task +
                     "', which rqc does not have, skipped (line " + shown + (lines.size() > 5 ? ", ..." : "") + ")");
    }
    selection.records.add(usable, priority);
  };
  selection.graphTuner = options.graphTuner;
  for (const std::string &path : options.tuningRecords) add(path, 0);
  if (options.tophub)
    if (std::string log = autotune::tophubLog(selection.target.key); !log.empty()) add(log, 1);
}

void printScheduleReport(std::ostream &os, const ScheduleSelection &selection) {
  constexpr size_t kShown = 20;
  for (size_t i = 0; i < selection.warnings.size() && i < kShown; ++i) os << "rqc: warning: " << selection.warnings[i] << "\n";
  if (selection.warnings.size() > kShown)
    os << "rqc: warning: ... and " << selection.warnings.size() - kShown << " more warnings about tuning records\n";
  // Counted over the tasks in use (one per workload); the alternatives are listed by
  // rqc inspect --tasks.
  size_t used = 0, untuned = 0;
  for (const auto &task : selection.tasks)
    if (task.chosen) ++used, untuned += !task.tuned;
  if (!used) return;
  if (untuned) os << untuned << " of " << used << " tasks untuned: fallback configs used\n";
  else os << "all " << used << " tasks tuned (configs from tuning records)\n";
  if (selection.layoutPlan.made)
    os << "graph tuner: layouts chosen over the graph, " << selection.layoutPlan.transforms
       << " layout transform(s) accepted, estimated " << fmt::format("{:.3f}", selection.layoutPlan.seconds * 1e3)
       << " ms in tuned kernels and transforms\n";
}

std::unique_ptr<Target> targetOf(const CompileOptions &options) {
  return createTarget(options.target, options.mcpu, options.mattr, options.targetHost);
}

void runGraphPasses(ModuleOp module, ScheduleSelection &selection, const Target *target) {
  PassManager pm(module.getContext());
  pm.addNestedPass<func::FuncOp>(createFoldBatchNorm());
  if (target) target->addPartitionPasses(pm);
  // Before constants fold: the quantized weights are still dequantize(constant).
  if (selection.target.int8Kernels) pm.addNestedPass<func::FuncOp>(createQdqToInteger());
  else if (selection.target.int8PairKernels)
    pm.addNestedPass<func::FuncOp>(createQdqToInteger(QdqToIntegerOptions{/*onlyPairSumsFitI16=*/true}));
  pm.addNestedPass<func::FuncOp>(createFoldConstants());
  // Schedules choose layouts: select, apply the layouts (weights are repacked by folding
  // their layout changes), then select again for the ops whose layout followed.
  pm.addPass(createSelectSchedules(selection));
  pm.addNestedPass<func::FuncOp>(createAlterLayout());
  pm.addNestedPass<func::FuncOp>(createFoldConstants());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createSelectSchedules(selection));
  pm.addPass(createFuseKernels());
  runPassesOrThrow(pm, module, "graph passes failed");
}

void lowerKernels(ModuleOp kernels, ScheduleSelection &selection) {
  PassManager pm(kernels.getContext());
  pm.addNestedPass<func::FuncOp>(lowering::createLowerToLinalg());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(codegen::createSelectKernelSchedules(selection));
  runPassesOrThrow(pm, kernels, "code generation failed in stage 'linalg'");
}

schedule::TargetDesc scheduleTargetFor(const Target &target, const CompileOptions &options) {
  schedule::TargetDesc d = target.scheduleTarget();
  if (options.int8Kernels != "auto") {
    d.int8Kernels = options.int8Kernels == "on";
    d.int8PairKernels = false;
  }
  return d;
}

PackageMembers compileModule(ModuleOp module, const CompileOptions &options, std::string *dumpOut,
                             ScheduleSelection *report, PartitionReport *partition) {
  std::unique_ptr<Target> target = targetOf(options);
  ScheduleSelection local;
  ScheduleSelection &selection = report ? *report : local;
  selection.target = scheduleTargetFor(*target, options);
  selection.deviceTarget = target->deviceScheduleTarget();
  selection.device = target->deviceFingerprint();
  loadTuningRecords(selection, options);
  runGraphPasses(module, selection, target.get());
  if (partition && target->partitionReport()) *partition = *target->partitionReport();
  if (options.dumpStage == "graph" && dumpOut) *dumpOut = printOp(module);

  auto main = module.lookupSymbol<func::FuncOp>("main");
  std::vector<KernelSymbol> symbols;
  auto [description, params] = describeGraph(main, module, *target, symbols);

  // The kernels, without @main, are compiled on their own.
  OwningOpRef<ModuleOp> kernels = llvm::cast<ModuleOp>(module->clone());
  kernels->lookupSymbol<func::FuncOp>("main").erase();
  lowerKernels(*kernels, selection);
  if (options.dumpStage == "linalg" && dumpOut) *dumpOut = printOp(*kernels);
  PackageMembers members{{"module.json", ""}, {"params.bin", params}};
  for (auto &m : target->compile(*kernels, symbols, [&](const std::string &stage, const std::string &text) {
         if (dumpOut && stage == options.dumpStage) *dumpOut = text;
       }))
    members.push_back(std::move(m));
  target->describeKernels(description["kernels"]);
  // Sealed last: the runtime verifies every member against these before loading any code.
  description["checksums"] = nlohmann::json::object();
  for (const auto &[name, bytes] : members)
    if (name != "module.json") description["checksums"][name] = sha256Checksum(bytes);
  members.front().second = description.dump(2);
  return members;
}

} // namespace rqc::driver
