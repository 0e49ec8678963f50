#include "targets/opencl/OpenCLTarget.h"
#include "targets/opencl/OpenCLEmitter.h"

#include "compiler/support/JsonAttr.h"
#include "compiler/support/PassRunner.h"
#include "schedules/Schedule.h"
#include "rqc/runtime/Error.h"
#include "targets/cpu/KernelAbi.h"

#include "mlir/Conversion/AffineToStandard/AffineToStandard.h"
#include "mlir/Dialect/Arith/Transforms/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/OneShotAnalysis.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"

#include <sstream>
#include <vector>

using namespace mlir;

namespace rqc::opencl {

namespace {

// Kernels (linalg on tensors, the kernel ABI applied) -> loop nests over buffers: one
// scf.parallel per linalg op, its reductions as scf.for inside, views folded into the
// loads and stores, affine maps expanded into arith.
void lowerToLoops(ModuleOp kernels) {
  PassManager pm(kernels.getContext());
  pm.addPass(bufferization::createEmptyTensorEliminationPass());
  bufferization::OneShotBufferizationOptions opts;
  opts.memCpyFn = [](OpBuilder &b, Location loc, Value from, Value to) {
    b.create<linalg::CopyOp>(loc, from, to); // a loop nest like any other, not a runtime call
    return success();
  };
  pm.addPass(bufferization::createOneShotBufferizePass(opts));
  pm.addPass(createCanonicalizerPass());
  pm.addNestedPass<func::FuncOp>(createConvertLinalgToParallelLoopsPass());
  pm.addPass(memref::createFoldMemRefAliasOpsPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(arith::createArithExpandOpsPass());
  // No canonicalization from here: it would drop unit loops, and the schedules' steps name
  // loops by position (a convolution's reduction is always ci, kh, kw).
  pm.addPass(createCSEPass());
  runPassesOrThrow(pm, kernels, "code generation failed in stage 'loops'");
}

// The work-item steps of a kernel's schedule (a Mali template's), and a comment line for
// --dump=opencl: "// kernel_3_conv1: conv2d_nchw_spatial_pack.mali (fallback) tile_co=..."
std::optional<WorkItemTiling> tilingOf(func::FuncOp fn, std::string &header) {
  Attribute attr = fn->getAttr("rqc.schedule");
  if (!attr) return std::nullopt;
  schedule::Schedule sch = schedule::scheduleFromJson(attrToJson(attr));
  WorkItemTiling t;
  bool any = false;
  for (const schedule::Step &st : sch.steps) {
    if (st.op != "root") continue;
    if (st.primitive == "register_tile") t.registerTile = st.sizes, any = true;
    else if (st.primitive == "bind_threads") t.threads = st.sizes;
    else if (st.primitive == "reorder_tile") t.order = st.sizes;
    else if (st.primitive == "unroll_reduce") t.unroll = st.sizes;
  }
  if (!any) return std::nullopt;
  if (t.threads.empty()) t.threads.assign(t.registerTile.size(), 1);
  header += "// " + fn.getName().str() + ": " + sch.templateName;
  if (Attribute c = fn->getAttr("rqc.config")) {
    nlohmann::json config = attrToJson(c);
    if (config.contains("source")) header += " (" + config["source"].get<std::string>() + ")";
    if (config.contains("entity"))
      for (const auto &e : config["entity"]) header += " " + e[0].get<std::string>() + "=" + e[2].dump();
  }
  header += "\n";
  return t;
}

class OpenCLBackend : public Target {
public:
  OpenCLBackend(std::string device, std::string model) : device_(std::move(device)), model_(std::move(model)) {}

  nlohmann::json describe() const override {
    return {{"kind", "opencl"}, {"device", device_}, {"model", model_}};
  }
  schedule::TargetDesc scheduleTarget() const override {
    schedule::TargetDesc d;
    d.key = device_; // "mali": schedules/mali; ops without a Mali template keep the generic mapping
    d.model = model_;
    d.str = "opencl -device=" + device_ + (model_ != "unknown" ? " -model=" + model_ : "");
    d.vectorBits = 128;
    d.int8Kernels = false;
    return d;
  }
  std::string deviceFingerprint() const override { return "opencl/" + device_ + "/" + model_; }

  std::vector<std::pair<std::string, std::string>> compile(ModuleOp kernels, const std::vector<KernelSymbol> &symbols,
                                                           const DumpHook &dump) override {
    cpu::applyKernelAbi(kernels);
    std::vector<std::optional<WorkItemTiling>> tilings;
    std::string header;
    for (const KernelSymbol &sym : symbols) {
      auto fn = kernels.lookupSymbol<func::FuncOp>(sym.function);
      tilings.push_back(fn ? tilingOf(fn, header) : std::nullopt);
    }
    for (func::FuncOp fn : kernels.getOps<func::FuncOp>()) fn->removeAttr("rqc.schedule");
    lowerToLoops(kernels);
    if (dump) dump("loops", printOp(kernels));
    std::vector<std::string> functions, names;
    for (const KernelSymbol &s : symbols) functions.push_back(s.function), names.push_back(s.symbol);
    EmittedProgram program = emitOpenCL(kernels, functions, names, tilings);
    if (dump) dump("opencl", header + program.source);
    for (EmittedKernel &k : program.kernels) {
      nlohmann::json launches = nlohmann::json::array();
      for (const Launch &l : k.launches)
        launches.push_back({{"entry", l.entry}, {"global", l.global}, {"local", l.local}, {"args", l.args},
                            {"scratch", l.scratch}});
      kernelFields_[k.symbol] = {{"device", "opencl"},
                                 {"opencl", {{"launches", launches}, {"scratch_bytes", k.scratchBytes}}}};
    }
    return {{"kernels.cl", program.source}};
  }

  void describeKernels(nlohmann::json &kernels) const override {
    for (nlohmann::json &k : kernels) {
      auto it = kernelFields_.find(k.value("symbol", std::string()));
      if (it != kernelFields_.end()) k.update(it->second);
    }
  }

private:
  std::string device_, model_;
  std::map<std::string, nlohmann::json> kernelFields_; // by symbol, filled by compile()
};

} // namespace

bool isOpenCLTarget(const std::string &target) {
  std::vector<std::string> t = targetWords(target);
  return !t.empty() && (t[0] == "mali" || t[0] == "opencl");
}

std::unique_ptr<Target> createOpenCLTarget(const std::string &target) {
  std::vector<std::string> t = targetWords(target);
  std::string device = t[0] == "mali" ? "mali" : "", model = "unknown";
  bool deviceGiven = false, modelGiven = false;
  for (size_t i = 1; i < t.size(); ++i) {
    const bool isDevice = t[i].rfind("-device=", 0) == 0, isModel = t[i].rfind("-model=", 0) == 0;
    if ((isDevice && deviceGiven) || (isModel && modelGiven))
      throw Error("target '" + target + "': " + t[i].substr(0, t[i].find('=')) + "= is given twice");
    if (isDevice) device = t[i].substr(8), deviceGiven = true;
    else if (isModel) model = t[i].substr(7), modelGiven = true;
    else if (t[i].rfind("-keys=", 0) == 0) continue;
    else
      throw Error("target '" + target + "': unknown option '" + t[i] + "' (OpenCL takes -device=mali and -model=BOARD)");
  }
  // TVM's plain `opencl` is a generic GPU target; rqc's OpenCL templates and records are Mali's.
  if (device.empty())
    throw Error("target '" + target + "' names no device: rqc's OpenCL target is the Mali GPU, --target=mali "
                "('opencl -device=mali')");
  if (device != "mali")
    throw Error("target '" + target + "': OpenCL device '" + device + "' is not supported (rqc has -device=mali)");
  if (model.empty()) throw Error("target '" + target + "': -model= names no board");
  return std::make_unique<OpenCLBackend>(device, model);
}

} // namespace rqc::opencl
