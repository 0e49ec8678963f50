// rqc inspect MODEL.onnx: op histogram, parameters, MACs per layer and in total,
// input and output names and shapes; --json for machines.
#include "compiler/analysis/ModelStats.h"
#include "autotune/LogTools.h"
#include "compiler/driver/Commands.h"
#include "compiler/driver/ModelLoading.h"
#include "compiler/driver/Pipeline.h"
#include "compiler/reference/ReferenceExecutor.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <iostream>

namespace rqc::driver {

namespace {

struct InspectOptions {
  std::string model;
  std::vector<std::string> inputShapes;
  bool json = false;
  bool layers = false;
  bool tasks = false;
  CompileOptions compile; // --tasks: target and records
};

std::string human(int64_t n) {
  if (n >= 1000000000) return fmt::format("{:.3f} G", n / 1e9);
  if (n >= 1000000) return fmt::format("{:.3f} M", n / 1e6);
  if (n >= 1000) return fmt::format("{:.3f} K", n / 1e3);
  return std::to_string(n);
}


// The tuning tasks of a model for a target: what `rqc tune` would tune and what
// `rqc compile` would use for each (a record or the fallback).
void inspectTasks(const InspectOptions &o, mlir::ModuleOp module) {
  std::unique_ptr<Target> target = targetOf(o.compile);
  ScheduleSelection sel;
  sel.target = target->scheduleTarget();
  sel.deviceTarget = target->deviceScheduleTarget();
  sel.device = target->deviceFingerprint();
  loadTuningRecords(sel, o.compile);
  runGraphPasses(module, sel, target.get());
  if (o.json) {
    nlohmann::json tasks = nlohmann::json::array();
    for (const auto &t : sel.tasks)
      tasks.push_back({{"template", t.templateName}, {"args", t.args}, {"space_size", t.spaceSize}, {"ops", t.ops}, {"chosen", t.chosen},
                       {"macs", t.macs}, {"tuned", t.tuned}, {"source", t.source}, {"config", t.config}});
    std::cout << nlohmann::json{{"model", o.model}, {"target", sel.target.str}, {"tasks", tasks}}.dump(2) << "\n";
    return;
  }
  for (const std::string &w : sel.warnings) std::cerr << "rqc: warning: " << w << "\n";
  std::cout << fmt::format("tasks of {} for {}{}:\n", o.model, sel.target.str,
                           sel.deviceTarget.key.empty() ? "" : " with " + sel.deviceTarget.str);
  // config: what rqc compile uses for the workload ("record" / "fallback"), or "-" when
  // another template's task was chosen for it.
  std::cout << fmt::format("{:>3}  {:<30} {:>10} {:>3} {:>10}  {:<8} {}\n", "#", "template", "space", "ops", "MACs", "config",
                           "workload");
  int i = 0;
  size_t chosen = 0, tuned = 0;
  for (const auto &t : sel.tasks) {
    chosen += t.chosen > 0, tuned += t.tuned;
    std::cout << fmt::format("{:>3}  {:<30} {:>10} {:>3} {:>10}  {:<8} {}\n", i++, t.templateName, t.spaceSize, t.ops,
                             human(t.macs), !t.chosen ? "-" : t.tuned ? "record" : "fallback", autotune::describeArgs(t.args));
  }
  std::cout << fmt::format("{} tasks, {} chosen, {} with a record\n", sel.tasks.size(), chosen, tuned);
  if (sel.layoutPlan.made)
    std::cout << fmt::format("graph tuner: {} layout transform(s) accepted, estimated {:.3f} ms in tuned kernels and "
                             "transforms\n",
                             sel.layoutPlan.transforms, sel.layoutPlan.seconds * 1e3);
}

void runInspect(const InspectOptions &o) {
  mlir::MLIRContext ctx;
  auto module = loadModel(o.model, ctx, o.inputShapes);
  if (o.tasks) return inspectTasks(o, *module);
  analysis::ModelStats stats = analysis::computeStats(*module);
  reference::ReferenceExecutor signature(*module);

  if (o.json) {
    nlohmann::json j;
    j["model"] = o.model;
    auto tensors = [](const std::vector<reference::TensorInfo> &infos) {
      nlohmann::json a = nlohmann::json::array();
      for (const auto &t : infos) a.push_back({{"name", t.name}, {"dtype", dtypeName(t.dtype)}, {"shape", t.shape}});
      return a;
    };
    j["inputs"] = tensors(signature.inputs());
    j["outputs"] = tensors(signature.outputs());
    j["ops"] = stats.opCounts;
    j["parameters"] = stats.parameters;
    j["macs"] = stats.totalMacs;
    nlohmann::json layers = nlohmann::json::array();
    for (const auto &l : stats.layers)
      layers.push_back({{"name", l.name}, {"op", l.op}, {"output_shape", l.outputShape}, {"macs", l.macs}});
    j["layers"] = layers;
    std::cout << j.dump(2) << "\n";
    return;
  }
  std::cout << "model: " << o.model << "\n";
  for (const auto &t : signature.inputs())
    std::cout << fmt::format("input  {:<20} {:<8} {}\n", t.name, dtypeName(t.dtype), shapeToString(t.shape));
  for (const auto &t : signature.outputs())
    std::cout << fmt::format("output {:<20} {:<8} {}\n", t.name, dtypeName(t.dtype), shapeToString(t.shape));
  std::cout << "ops:\n";
  for (const auto &[op, n] : stats.opCounts) std::cout << fmt::format("  {:<18} {:>5}\n", op, n);
  if (o.layers) {
    std::cout << "layers with multiply-accumulates:\n";
    for (const auto &l : stats.layers)
      std::cout << fmt::format("  {:<40} {:<16} {:<16} {:>14}\n", l.name, l.op, shapeToString(l.outputShape),
                               human(l.macs));
  }
  std::cout << fmt::format("parameters: {} ({})\n", stats.parameters, human(stats.parameters));
  std::cout << fmt::format("MACs: {} ({})\n", stats.totalMacs, human(stats.totalMacs));
}

} // namespace

void registerInspectCommand(CLI::App &app) {
  auto opts = std::make_shared<InspectOptions>();
  CLI::App *cmd = app.add_subcommand("inspect", "Show a model's inputs, outputs, ops, parameters and MACs");
  cmd->add_option("model", opts->model, "Model file (.onnx, or a graph-dialect .mlir module)")->required();
  cmd->add_option("--input-shape", opts->inputShapes, "Static shape of an input, NAME=1x3x224x224 (repeatable)");
  cmd->add_flag("--json", opts->json, "Machine-readable output");
  cmd->add_flag("--layers", opts->layers, "List every layer with its MACs");
  cmd->add_flag("--tasks", opts->tasks, "List the tuning tasks (template, workload, space size, record or fallback)");
  cmd->add_option("--target", opts->compile.target, "Target for --tasks (as rqc compile)")->default_val("llvm");
  cmd->add_option("--target-host", opts->compile.targetHost, "The host CPU of --target=vta (as rqc compile)");
  cmd->add_option("--tuning-records", opts->compile.tuningRecords, "Tuning log for --tasks (repeatable)")
      ->check(CLI::ExistingFile);
  cmd->callback([opts] { runInspect(*opts); });
}

} // namespace rqc::driver
