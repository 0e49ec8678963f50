#include "targets/cpu/CpuCodegen.h"
#include "targets/cpu/MicroKernels.h"
#include "targets/cpu/KernelAbi.h"
#include "targets/cpu/LLVMConversions.h"
#include "targets/cpu/Linker.h"
#include "targets/cpu/ApplySchedule.h"

#include "compiler/support/JsonAttr.h"
#include "compiler/support/PassRunner.h"
#include "rqc/runtime/Error.h"

#include "mlir/Conversion/AffineToStandard/AffineToStandard.h"
#include "mlir/Conversion/Passes.h"
#include "mlir/Conversion/ReconcileUnrealizedCasts/ReconcileUnrealizedCasts.h"
#include "mlir/Conversion/SCFToControlFlow/SCFToControlFlow.h"
#include "mlir/Conversion/VectorToSCF/VectorToSCF.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/DLTI/DLTI.h"
#include "mlir/Dialect/Bufferization/Transforms/OneShotAnalysis.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/Linalg/Transforms/Hoisting.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Dialect/Vector/Transforms/LoweringPatterns.h"
#include "mlir/Dialect/Vector/Transforms/VectorRewritePatterns.h"
#include "mlir/Dialect/Vector/Transforms/VectorTransforms.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Dialect/SCF/Transforms/Passes.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "mlir/Transforms/Passes.h"

#include "llvm/IR/IRBuilder.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Target/TargetOptions.h"
#include "llvm/TargetParser/Triple.h"

using namespace mlir;

namespace rqc::cpu {

namespace {

// After bufferization: keep loop-invariant vector loads/stores (convolution accumulators)
// in registers across the reduction loops, then lower vector ops to the 1-D forms
// LLVM's backends select well (contractions as outer products = FMAs).
struct VectorLoweringPass : PassWrapper<VectorLoweringPass, OperationPass<func::FuncOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(VectorLoweringPass)
  void runOnOperation() override {
    func::FuncOp fn = getOperation();
    linalg::hoistRedundantVectorTransfers(fn);
    MLIRContext *ctx = &getContext();
    RewritePatternSet patterns(ctx);
    vector::VectorTransformsOptions options;
    options.setVectorTransformsOptions(vector::VectorContractLowering::OuterProduct);
    vector::populateVectorContractLoweringPatterns(patterns, options);
    vector::populateVectorTransposeLoweringPatterns(patterns, options);
    vector::populateVectorMultiReductionLoweringPatterns(patterns, vector::VectorMultiReductionLowering::InnerParallel);
    vector::populateVectorBroadcastLoweringPatterns(patterns);
    vector::populateVectorShapeCastLoweringPatterns(patterns);
    vector::populateVectorTransferPermutationMapLoweringPatterns(patterns);
    vector::populateVectorTransferLoweringPatterns(patterns, /*maxTransferRank=*/1);
    (void)applyPatternsAndFoldGreedily(fn, std::move(patterns));
  }
};

// The weight prefetches micro-kernels asked for, once buffers exist (MicroKernels.h).
struct WeightPrefetchPass : PassWrapper<WeightPrefetchPass, OperationPass<func::FuncOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(WeightPrefetchPass)
  void runOnOperation() override { insertWeightPrefetches(getOperation()); }
};

// The dot-product instructions micro-kernels asked for, once deallocation is done.
struct DotProductIntrinsicsPass : PassWrapper<DotProductIntrinsicsPass, OperationPass<func::FuncOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(DotProductIntrinsicsPass)
  void getDependentDialects(DialectRegistry &registry) const override { registry.insert<LLVM::LLVMDialect>(); }
  void runOnOperation() override { materializeDotProductIntrinsics(getOperation()); }
};

// 32-bit ARM: LLVM 19 cannot select a vector froundeven without ARMv8's VRINTN (it aborts
// with "Cannot select: v4f32 = froundeven" on Cortex-A9), and a scalar one would be a libm
// call. So math.roundeven (QuantizeLinear's rounding) becomes integer operations there.
struct ExpandRoundEvenPass : PassWrapper<ExpandRoundEvenPass, OperationPass<func::FuncOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(ExpandRoundEvenPass)
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateExpandRoundEvenPattern(patterns);
    if (failed(applyPatternsAndFoldGreedily(getOperation(), std::move(patterns)))) signalPassFailure();
  }
};

// `indexBits` is the target's pointer width: index arithmetic and size_t calls (malloc)
// must match the target's ABI on 32-bit ARM.
void bufferizeAndLowerToLLVM(ModuleOp module, unsigned indexBits, bool expandRoundEven) {
  // Passes without an index-bitwidth option read it from the module's data layout.
  MLIRContext *ctx = module.getContext();
  if (indexBits != 64) {
    ctx->getOrLoadDialect<DLTIDialect>();
    auto entry = DataLayoutEntryAttr::get(IndexType::get(ctx), IntegerAttr::get(IntegerType::get(ctx, 32), indexBits));
    module->setAttr(DLTIDialect::kDataLayoutAttrName, DataLayoutSpecAttr::get(ctx, {entry}));
  }
  PassManager pm(ctx);
  pm.addPass(bufferization::createEmptyTensorEliminationPass());
  bufferization::OneShotBufferizationOptions opts;
  opts.allowReturnAllocsFromLoops = true;
  // Copies as linalg.copy (lowered to loops), not memref.copy: strided memref.copy becomes
  // a call into MLIR's runner library, which a deployed runtime must not need.
  opts.memCpyFn = [](OpBuilder &b, Location loc, Value from, Value to) {
    b.create<linalg::CopyOp>(loc, from, to);
    return success();
  };
  pm.addPass(bufferization::createOneShotBufferizePass(opts));
  pm.addPass(createCanonicalizerPass());
  // Parallel tiles become scf.parallel before deallocation: the ownership-based
  // deallocation does not look into scf.forall, and buffers allocated in tile bodies leaked.
  pm.addPass(createForallToParallelLoopPass());
  bufferization::BufferDeallocationPipelineOptions dealloc;
  bufferization::buildBufferDeallocationPipeline(pm, dealloc);
  // After deallocation, which refuses ops without declared memory effects (prefetch).
  pm.addNestedPass<func::FuncOp>(std::make_unique<WeightPrefetchPass>());
  pm.addNestedPass<func::FuncOp>(std::make_unique<DotProductIntrinsicsPass>());
  pm.addNestedPass<func::FuncOp>(createConvertLinalgToLoopsPass());
  pm.addPass(createCanonicalizerPass());
  pm.addNestedPass<func::FuncOp>(std::make_unique<VectorLoweringPass>());
  if (expandRoundEven) pm.addNestedPass<func::FuncOp>(std::make_unique<ExpandRoundEvenPass>());
  // Fully unrolled: the buffered form allocates stack temporaries inside loops.
  pm.addPass(createConvertVectorToSCFPass(VectorTransferToSCFOptions().enableFullUnroll()));
  pm.addPass(createConvertSCFToOpenMPPass());
  pm.addPass(createCanonicalizerPass()); // inlines the alloca-free memref.alloca_scope it adds
  pm.addPass(createLowerAffinePass());
  pm.addPass(createConvertSCFToCFPass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createVectorToLLVMPass(indexBits));
  pm.addPass(createConvertMathToLLVMPass());
  FinalizeMemRefToLLVMConversionPassOptions memrefOpts;
  memrefOpts.indexBitwidth = indexBits;
  pm.addPass(createFinalizeMemRefToLLVMConversionPass(memrefOpts));
  ArithToLLVMConversionPassOptions arithOpts;
  arithOpts.indexBitwidth = indexBits;
  pm.addPass(createArithToLLVMConversionPass(arithOpts));
  ConvertIndexToLLVMPassOptions indexOpts;
  indexOpts.indexBitwidth = indexBits;
  pm.addPass(createConvertIndexToLLVMPass(indexOpts));
  ConvertFuncToLLVMPassOptions funcOpts;
  funcOpts.useBarePtrCallConv = true; // static shapes: a kernel argument is a data pointer
  funcOpts.indexBitwidth = indexBits;
  pm.addPass(createConvertFuncToLLVMPass(funcOpts));
  ConvertControlFlowToLLVMPassOptions cfOpts;
  cfOpts.indexBitwidth = indexBits;
  pm.addPass(createConvertControlFlowToLLVMPass(cfOpts));
  pm.addPass(createOpenMPToLLVMPass(indexBits));
  pm.addPass(createReconcileUnrealizedCastsPass());
  runPassesOrThrow(pm, module, "code generation failed in stage 'llvm'");
}

// The packed entry points `void <symbol>(void **args)` and the ABI helpers.
void addAbiEntryPoints(llvm::Module &m, const std::vector<KernelSymbol> &symbols, bool hasOpenMP) {
  llvm::LLVMContext &ctx = m.getContext();
  llvm::Type *ptr = llvm::PointerType::getUnqual(ctx);
  llvm::Type *i32 = llvm::Type::getInt32Ty(ctx);
  llvm::Type *voidTy = llvm::Type::getVoidTy(ctx);
  for (const KernelSymbol &k : symbols) {
    llvm::Function *impl = m.getFunction(k.function);
    if (!impl) throw Error("code generation lost kernel function '" + k.function + "'");
    impl->setLinkage(llvm::GlobalValue::InternalLinkage);
    auto *fn = llvm::Function::Create(llvm::FunctionType::get(voidTy, {ptr}, false),
                                      llvm::GlobalValue::ExternalLinkage, k.symbol, m);
    llvm::IRBuilder<> b(llvm::BasicBlock::Create(ctx, "entry", fn));
    std::vector<llvm::Value *> args;
    for (unsigned i = 0; i < impl->arg_size(); ++i) {
      llvm::Value *slot = b.CreateConstGEP1_64(ptr, fn->getArg(0), i);
      args.push_back(b.CreateLoad(ptr, slot));
    }
    b.CreateCall(impl, args);
    b.CreateRetVoid();
  }
  auto *abi = llvm::Function::Create(llvm::FunctionType::get(i32, {}, false), llvm::GlobalValue::ExternalLinkage,
                                     "rqc_abi_version", m);
  llvm::IRBuilder<> ab(llvm::BasicBlock::Create(ctx, "entry", abi));
  ab.CreateRet(llvm::ConstantInt::get(i32, 1));
  auto *threads = llvm::Function::Create(llvm::FunctionType::get(voidTy, {i32}, false),
                                         llvm::GlobalValue::ExternalLinkage, "rqc_set_num_threads", m);
  llvm::IRBuilder<> tb(llvm::BasicBlock::Create(ctx, "entry", threads));
  if (hasOpenMP) {
    llvm::FunctionCallee set = m.getOrInsertFunction("omp_set_num_threads", voidTy, i32);
    tb.CreateCall(set, {threads->getArg(0)});
  }
  tb.CreateRetVoid();
}

// Kernels allocate their temporaries (padded inputs, repacked filter tiles) with
// malloc/free. Large blocks would come from a fresh mmap on every run, paying page faults
// and zeroing each time; so every call goes through a pointer the runtime can point at its
// caching allocator with `void rqc_set_allocator(void *(*)(size_t), void (*)(void *))`.
// Done after optimization: LLVM still sees (and may elide) the malloc/free pairs. Only
// when malloc and free are the module's sole allocation functions and are only called
// directly: a block from calloc/realloc/aligned_alloc freed through the runtime's
// allocator would corrupt its heap, so such a module keeps libc (and no hook).
void routeAllocations(llvm::Module &m) {
  for (const char *other : {"calloc", "realloc", "aligned_alloc", "posix_memalign", "memalign", "valloc"})
    if (m.getFunction(other)) return;
  for (const char *name : {"malloc", "free"})
    if (llvm::Function *f = m.getFunction(name))
      for (llvm::User *u : f->users()) {
        auto *call = llvm::dyn_cast<llvm::CallInst>(u);
        if (!call || call->getCalledOperand() != f) return;
      }
  llvm::LLVMContext &ctx = m.getContext();
  llvm::Type *ptr = llvm::PointerType::getUnqual(ctx);
  llvm::Type *sizeTy = m.getDataLayout().getIntPtrType(ctx);
  llvm::Type *voidTy = llvm::Type::getVoidTy(ctx);
  llvm::FunctionCallee mallocFn = m.getOrInsertFunction("malloc", ptr, sizeTy);
  llvm::FunctionCallee freeFn = m.getOrInsertFunction("free", voidTy, ptr);
  auto hook = [&](const char *name, llvm::FunctionCallee target) {
    auto *slot = new llvm::GlobalVariable(m, ptr, false, llvm::GlobalValue::InternalLinkage,
                                          llvm::cast<llvm::Constant>(target.getCallee()), name);
    std::vector<llvm::CallInst *> calls;
    for (llvm::User *u : target.getCallee()->users())
      if (auto *call = llvm::dyn_cast<llvm::CallInst>(u); call && call->getCalledOperand() == target.getCallee())
        calls.push_back(call);
    for (llvm::CallInst *call : calls) {
      llvm::IRBuilder<> b(call);
      call->setCalledOperand(b.CreateLoad(ptr, slot));
    }
    return slot;
  };
  llvm::GlobalVariable *allocSlot = hook("rqc_alloc_fn", mallocFn), *freeSlot = hook("rqc_free_fn", freeFn);
  auto *set = llvm::Function::Create(llvm::FunctionType::get(voidTy, {ptr, ptr}, false),
                                     llvm::GlobalValue::ExternalLinkage, "rqc_set_allocator", m);
  llvm::IRBuilder<> b(llvm::BasicBlock::Create(ctx, "entry", set));
  b.CreateStore(set->getArg(0), allocSlot);
  b.CreateStore(set->getArg(1), freeSlot);
  b.CreateRetVoid();
}

// LLVM's O3 without its vectorizers: the kernels are vector code already (the schedules
// vectorized and tensorized them), and on the micro-kernels' long unrolled bodies the loop
// and SLP vectorizers only cost compile time.
void optimizeModule(llvm::Module &m, llvm::TargetMachine &tm) {
  llvm::PipelineTuningOptions tuning;
  tuning.LoopVectorization = false;
  tuning.SLPVectorization = false;
  llvm::PassBuilder pb(&tm, tuning);
  llvm::LoopAnalysisManager lam;
  llvm::FunctionAnalysisManager fam;
  llvm::CGSCCAnalysisManager cgam;
  llvm::ModuleAnalysisManager mam;
  pb.registerModuleAnalyses(mam);
  pb.registerCGSCCAnalyses(cgam);
  pb.registerFunctionAnalyses(fam);
  pb.registerLoopAnalyses(lam);
  pb.crossRegisterProxies(lam, fam, cgam, mam);
  llvm::ModulePassManager mpm = pb.buildPerModuleDefaultPipeline(llvm::OptimizationLevel::O3);
  mpm.run(m, mam);
}

// "// kernel_3: conv2d_NCHWc.x86 (fallback) tile_ic=[2, 32] ..." and one line per step, for
// --dump=scheduled.
std::string describeSchedules(ModuleOp kernels) {
  std::string out;
  for (func::FuncOp fn : kernels.getOps<func::FuncOp>()) {
    Attribute s = fn->getAttr("rqc.schedule");
    if (!s) continue;
    schedule::Schedule sch = schedule::scheduleFromJson(attrToJson(s));
    nlohmann::json config = fn->getAttr("rqc.config") ? attrToJson(fn->getAttr("rqc.config")) : nlohmann::json::object();
    out += "// " + fn.getName().str() + ": " + sch.templateName;
    if (config.contains("source")) out += " (" + config["source"].get<std::string>() + ")";
    if (config.contains("entity"))
      for (const auto &e : config["entity"]) out += " " + e[0].get<std::string>() + "=" + e[2].dump();
    out += "\n";
    std::string steps = schedule::describe(sch);
    for (size_t i = 0, j; i < steps.size(); i = j + 1) {
      j = steps.find('\n', i);
      out += "//   " + steps.substr(i, j - i) + "\n";
    }
  }
  return out;
}

std::unique_ptr<llvm::TargetMachine> targetMachine(const CpuTarget &t) {
  // No loop strength reduction: in a micro-kernel's loop it gives every broadcast input
  // column a pointer of its own (all the same pointer plus constants), more than x86 has
  // registers, and the spilled pointers double the loads per FMA (1.33 vs 1.8 ms on a
  // 64-channel 56x56 3x3 convolution). Without it, an address is base + index + constant.
  static bool lsrOff = [] {
    auto &opts = llvm::cl::getRegisteredOptions();
    auto it = opts.find("disable-lsr");
    if (it != opts.end()) static_cast<llvm::cl::opt<bool> *>(it->second)->setValue(true);
    return true;
  }();
  (void)lsrOff;
  std::string err;
  const llvm::Target *target = llvm::TargetRegistry::lookupTarget(t.triple, err);
  if (!target) throw Error("target triple '" + t.triple + "': " + err);
  llvm::TargetOptions options;
  std::unique_ptr<llvm::TargetMachine> tm(target->createTargetMachine(
      t.triple, t.cpu, t.features, options, llvm::Reloc::PIC_, std::nullopt, llvm::CodeGenOptLevel::Aggressive));
  if (!tm) throw Error("cannot create an LLVM target machine for " + t.triple + " (cpu " + t.cpu + ")");
  return tm;
}

} // namespace

std::string compileKernels(ModuleOp kernels, const std::vector<KernelSymbol> &symbols, const CpuTarget &target,
                           const DumpHook &dump) {
  // RQC_TIMING=1: the stages' wall times on stderr (with MLIR's pass timing, PassRunner).
  auto stageStart = std::chrono::steady_clock::now();
  auto stage = [&](const char *name) {
    if (!std::getenv("RQC_TIMING")) return;
    auto now = std::chrono::steady_clock::now();
    std::fprintf(stderr, "rqc: timing: %-10s %.2f s\n", name, std::chrono::duration<double>(now - stageStart).count());
    stageStart = now;
  };
  applyKernelAbi(kernels);
  std::string header = describeSchedules(kernels);
  applySchedules(kernels, microKernelIsa(target.features, target.vectorBits));
  stage("schedule");
  if (dump) dump("scheduled", header + printOp(kernels));
  auto tm = targetMachine(target);
  llvm::Triple triple(target.triple);
  bufferizeAndLowerToLLVM(kernels, tm->createDataLayout().getPointerSizeInBits(), triple.isARM() || triple.isThumb());

  llvm::LLVMContext llvmCtx;
  std::unique_ptr<llvm::Module> m = translateModuleToLLVMIR(kernels, llvmCtx, "rqc_kernels");
  if (!m) throw Error("translation of the kernels to LLVM IR failed");
  m->setTargetTriple(target.triple);
  m->setDataLayout(tm->createDataLayout());
  bool hasOpenMP = false;
  for (llvm::Function &f : *m) hasOpenMP |= f.getName().starts_with("__kmpc");
  addAbiEntryPoints(*m, symbols, hasOpenMP);
  optimizeModule(*m, *tm);
  stage("optimize");
  routeAllocations(*m);
  if (dump) {
    std::string ir;
    llvm::raw_string_ostream os(ir);
    m->print(os, nullptr);
    dump("llvm", ir);
  }
  llvm::SmallVector<char, 0> object;
  llvm::raw_svector_ostream os(object);
  llvm::legacy::PassManager pm;
  if (tm->addPassesToEmitFile(pm, os, nullptr, llvm::CodeGenFileType::ObjectFile))
    throw Error("the LLVM target for " + target.triple + " cannot emit object files");
  pm.run(*m);
  stage("codegen");
  return linkSharedObject(std::string(object.begin(), object.end()), target, hasOpenMP);
}

schedule::TargetDesc scheduleTargetOf(const CpuTarget &t, const std::string &model) {
  schedule::TargetDesc d;
  llvm::Triple triple(t.triple);
  d.key = triple.isX86() ? "x86" : "arm_cpu";
  d.vectorBits = t.vectorBits;
  // AVX-512 and AArch64 have 32 SIMD registers; SSE/AVX2 and ARMv7 NEON (q-registers) 16.
  bool avx512 = t.features.find("+avx512f") != std::string::npos;
  d.vectorRegisters = (triple.isX86() && avx512) || triple.isAArch64() ? 32 : 16;
  d.model = model;
  MicroKernelIsa isa = microKernelIsa(t.features, t.vectorBits);
  d.int8Kernels = (triple.isX86() && (isa.vnni512 || isa.vnni256)) || (triple.isAArch64() && isa.sdot);
  d.int8PairKernels = triple.isX86() && !d.int8Kernels && isa.pmaddwd256;
  if (triple.isX86()) d.str = "llvm -mcpu=" + t.cpu;
  else d.str = "llvm -device=arm_cpu -mtriple=" + t.triple + (t.cpu != "generic" ? " -mcpu=" + t.cpu : "") +
               (t.features.empty() ? "" : " -mattr=" + t.features);
  if (model != "unknown") d.str += " -model=" + model;
  return d;
}

namespace {

class CpuBackend : public Target {
public:
  explicit CpuBackend(CpuTarget t) : t_(std::move(t)) {}
  nlohmann::json describe() const override {
    return {{"kind", t_.name}, {"triple", t_.triple}, {"cpu", t_.cpu}, {"features", t_.features}};
  }
  schedule::TargetDesc scheduleTarget() const override { return scheduleTargetOf(t_); }
  std::string deviceFingerprint() const override { return t_.triple + "/" + t_.cpu; }
  std::vector<std::pair<std::string, std::string>> compile(ModuleOp kernels, const std::vector<KernelSymbol> &symbols,
                                                           const DumpHook &dump) override {
    return {{"kernels.so", compileKernels(kernels, symbols, t_, dump)}};
  }

private:
  CpuTarget t_;
};

} // namespace

} // namespace rqc::cpu

namespace rqc::cpu {
std::unique_ptr<Target> createCpuTarget(const std::string &target, const std::string &mcpu, const std::string &mattr) {
  return std::make_unique<CpuBackend>(resolveCpuTarget(target, mcpu, mattr));
}
} // namespace rqc::cpu
