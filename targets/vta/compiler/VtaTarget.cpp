#include "targets/vta/compiler/VtaTarget.h"

#include "compiler/passes/Passes.h"
#include "compiler/support/JsonAttr.h"
#include "ir/VTA/VtaDialect.h"
#include "rqc/runtime/Error.h"
#include "rqc/vta/Config.h"
#include "rqc/vta/Conv2dPacked.h"
#include "schedules/Schedule.h"
#include "schedules/vta/VtaTemplates.h"
#include "targets/cpu/CpuCodegen.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Verifier.h"

#include <cctype>
#include <sstream>
#include <vector>

using namespace mlir;

namespace rqc::vta {

namespace {

class VtaBackend : public Target {
public:
  VtaBackend(VtaConfig config, std::unique_ptr<Target> host) : config_(std::move(config)), host_(std::move(host)) {}

  nlohmann::json describe() const override {
    nlohmann::json j = host_->describe(); // triple, cpu, features: the host's kernels.so
    j["kind"] = "vta";
    j["vta_model"] = config_.modelString();
    return j;
  }
  schedule::TargetDesc scheduleTarget() const override { return host_->scheduleTarget(); }
  schedule::TargetDesc deviceScheduleTarget() const override {
    schedule::TargetDesc d;
    d.key = "vta";
    d.model = config_.modelString();
    d.str = "ext_dev -device=vta -model=" + d.model; // what TVM's VTA records name
    return d;
  }
  std::string deviceFingerprint() const override { return host_->deviceFingerprint() + "+vta/" + config_.modelString(); }

  void addPartitionPasses(OpPassManager &pm) const override {
    PartitionVtaOptions o;
    o.model = config_.modelString();
    report_ = PartitionReport{};
    pm.addNestedPass<func::FuncOp>(createPartitionVta(o, &report_));
  }
  const PartitionReport *partitionReport() const override { return &report_; }

  nlohmann::json deviceKernel(Operation *op) override {
    auto conv = llvm::dyn_cast<graph::VtaConv2DOp>(op);
    if (!conv) return Target::deviceKernel(op);
    auto dims = [](Value v) { return llvm::cast<RankedTensorType>(v.getType()).getShape(); };
    ArrayRef<int64_t> x = dims(conv.getInput()), w = dims(conv.getWeight());
    Conv2dShape shape;
    shape.batch = x[0] * x[4], shape.inChannels = x[1] * x[5], shape.height = x[2], shape.width = x[3];
    shape.outChannels = w[0] * w[4], shape.kernelH = w[2], shape.kernelW = w[3];
    shape.strideH = conv.getStrides()[0], shape.strideW = conv.getStrides()[1];
    shape.padTop = conv.getPads()[0], shape.padLeft = conv.getPads()[1];
    shape.padBottom = conv.getPads()[2], shape.padRight = conv.getPads()[3];
    Attribute steps = op->getAttr("rqc.schedule");
    if (!steps) throw Error("a VTA convolution has no schedule (rqc-select-schedules did not run)");
    const Conv2dTiling tiling = schedule::vta::conv2dTilingOf(schedule::scheduleFromJson(attrToJson(steps)), config_);
    Conv2dEpilogue epilogue;
    epilogue.shift = static_cast<int>(conv.getShift());
    epilogue.relu = conv.getRelu();
    epilogue.clipHigh = static_cast<int32_t>(conv.getClipHigh());
    epilogue.perChannelShift = static_cast<bool>(conv.getShifts());
    const Conv2dKernelImage image = conv2dKernelImage(config_, shape, tiling, epilogue);
    verifyStream(op, image.stream);
    const std::vector<uint8_t> code = image.code(config_);
    const size_t offset = code_.size();
    code_.append(reinterpret_cast<const char *>(code.data()), code.size());
    return {{"device", "vta"},
            {"ops", "vta_conv2d"},
            {"vta",
             {{"image_bytes", image.imageBytes},
              {"arg_offsets", image.argOffsets},
              {"uop_image_offset", image.uopOffset},
              {"insn_image_offset", image.insnOffset},
              {"code_offset", offset},
              {"uop_count", image.stream.uops.size()},
              {"insn_count", image.stream.program.size()}}}};
  }

  std::vector<std::pair<std::string, std::string>> compile(ModuleOp kernels, const std::vector<KernelSymbol> &symbols,
                                                           const DumpHook &dump) override {
    std::vector<std::pair<std::string, std::string>> members;
    if (dump) {
      std::string text = "// no VTA kernel: no convolution of this model runs on VTA\n";
      llvm::raw_string_ostream os(text);
      if (streams_) text.clear(), streams_->print(os);
      dump("vta", text);
    }
    if (!symbols.empty()) members = host_->compile(kernels, symbols, dump);
    if (!code_.empty()) members.emplace_back("vta.bin", code_);
    return members;
  }

private:
  // The stream as a vta.kernel (ir/VTA), verified: every SRAM index inside its buffer and
  // the tokens balanced; kept for --dump=vta.
  void verifyStream(Operation *op, const Conv2dStream &stream) {
    MLIRContext *ctx = op->getContext();
    ctx->getOrLoadDialect<ir::VTADialect>();
    if (!streams_) streams_ = ModuleOp::create(UnknownLoc::get(ctx));
    std::string name;
    if (auto loc = llvm::dyn_cast<NameLoc>(op->getLoc())) name = loc.getName().str();
    for (char &ch : name)
      if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
    name = "vta_kernel_" + std::to_string(kernelCount_++) + (name.empty() ? "" : "_" + name);
    OpBuilder b = OpBuilder::atBlockEnd(streams_->getBody());
    ir::KernelOp kernel = ir::buildKernel(b, op->getLoc(), name, config_, stream.program, stream.uops);
    std::string message;
    ScopedDiagnosticHandler handler(ctx, [&](Diagnostic &d) {
      if (message.empty()) message = d.str();
      return success();
    });
    if (failed(verify(kernel))) throw Error("VTA kernel " + name + " fails the VTA dialect's verifier: " + message);
  }

  VtaConfig config_;
  mutable PartitionReport report_; // filled by the partition pass the graph passes run
  OwningOpRef<ModuleOp> streams_; // the VTA kernels as vta.kernel ops
  int kernelCount_ = 0;
  std::unique_ptr<Target> host_;
  std::string code_; // vta.bin: every VTA kernel's micro-ops and instructions, in order
};

} // namespace

bool isVtaTarget(const std::string &target) {
  std::vector<std::string> t = targetWords(target);
  if (t.empty()) return false;
  if (t[0] == "vta") return true;
  return t[0] == "ext_dev" && std::find(t.begin(), t.end(), "-device=vta") != t.end();
}

std::unique_ptr<Target> createVtaTarget(const std::string &target, const std::string &targetHost,
                                        const std::string &mcpu, const std::string &mattr) {
  VtaConfig config = VtaConfig::pynq();
  bool modelGiven = false;
  std::vector<std::string> t = targetWords(target);
  for (size_t i = 1; i < t.size(); ++i) {
    if (t[i] == "-device=vta" || t[i].rfind("-keys=", 0) == 0) continue;
    if (t[i].rfind("-model=", 0) == 0) {
      if (modelGiven) throw Error("target '" + target + "': -model= is given twice");
      modelGiven = true;
      try {
        config = VtaConfig::fromModelString(t[i].substr(7));
      } catch (const Error &e) {
        throw Error("target '" + target + "': " + e.what());
      }
      continue;
    }
    throw Error("target '" + target + "': unknown option '" + t[i] + "' (VTA takes -device=vta and -model=...)");
  }
  const std::string host = targetHost.empty() ? "llvm -mtriple=armv7a-linux-gnueabihf" : targetHost;
  if (isVtaTarget(host)) throw Error("--target-host '" + host + "' is not a CPU");
  return std::make_unique<VtaBackend>(config, cpu::createCpuTarget(host, mcpu, mattr));
}

} // namespace rqc::vta
