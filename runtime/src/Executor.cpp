#include "rqc/runtime/Executor.h"
#include "rqc/runtime/Error.h"

#include <chrono>
#include <cstring>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace rqc {

namespace {

std::string nameList(const std::vector<TensorSpec> &specs) {
  std::string s;
  for (const TensorSpec &t : specs) s += (s.empty() ? "'" : ", '") + t.name + "'";
  return s.empty() ? "none" : s;
}

size_t indexByName(const std::vector<TensorSpec> &specs, const std::string &name, const char *kind) {
  for (size_t i = 0; i < specs.size(); ++i)
    if (specs[i].name == name) return i;
  throw Error(std::string("the model has no ") + kind + " named '" + name + "' (its " + kind + "s: " +
              nameList(specs) + ")");
}

void checkIndex(size_t index, size_t count, const char *kind) {
  if (index >= count)
    throw Error(std::string(kind) + " index " + std::to_string(index) + " is out of range (the model has " +
                std::to_string(count) + " " + kind + (count == 1 ? ")" : "s)"));
}

} // namespace

Executor::Executor(std::shared_ptr<const Module> module, ExecutorOptions options)
    : module_(std::move(module)), options_(options) {
  if (!module_) throw Error("an Executor needs a loaded Module");
  setNumThreads(options.numThreads);
  const ModuleInfo &info = module_->info();
  plan_ = planMemory(info);
  arena_ = Tensor(DType::U8, {static_cast<int64_t>(plan_.arenaBytes)});

  // Inputs and outputs get storage of their own: inputs are copied in before a run, and
  // outputs must survive it untouched by the arena's reuse.
  rootStorage_.resize(info.buffers.size());
  for (size_t i = 0; i < info.buffers.size(); ++i) {
    const BufferInfo &b = info.buffers[i];
    Placement p = plan_.buffers[i].placement;
    if ((p == Placement::Input || p == Placement::Output) && plan_.buffers[i].root == b.id)
      rootStorage_[i] = Tensor(b.dtype, b.shape);
  }
  for (const KernelInfo &k : info.kernels) {
    std::vector<void *> args;
    std::vector<std::pair<const void *, uint64_t>> params;
    for (int64_t id : k.args) {
      args.push_back(addressOf(id));
      const BufferInfo &b = info.buffer(id);
      if (b.kind == BufferKind::Param) params.emplace_back(args.back(), b.nbytes());
    }
    kernelArgs_.push_back(std::move(args));
    kernelParams_.push_back(std::move(params));
  }
  inputSet_.assign(numInputs(), false);
  setProfiling(options.profile);
}

void Executor::setProfiling(bool on) {
  options_.profile = on;
  resetProfile();
}

void Executor::resetProfile() {
  profile_.clear();
  if (!options_.profile) return;
  for (size_t k = 0; k < kernelArgs_.size(); ++k) profile_.push_back(KernelTime{k, 0.0, 0});
}

Executor::~Executor() = default;

void *Executor::addressOf(int64_t bufferId) const {
  const ModuleInfo &info = module_->info();
  const BufferPlacement &p = plan_.placementOf(info, bufferId);
  switch (p.placement) {
  case Placement::Input:
  case Placement::Output: return const_cast<void *>(rootStorage_[info.bufferIndex(p.root)].raw());
  case Placement::Param: return const_cast<void *>(module_->paramData(p.root));
  case Placement::Arena: return static_cast<uint8_t *>(const_cast<void *>(arena_.raw())) + p.offset;
  case Placement::Unused: return nullptr;
  }
  return nullptr;
}

size_t Executor::inputIndex(const std::string &name) const { return indexByName(module_->inputs(), name, "input"); }
size_t Executor::outputIndex(const std::string &name) const { return indexByName(module_->outputs(), name, "output"); }

void Executor::setInput(size_t index, const DLTensor &tensor) {
  checkIndex(index, numInputs(), "input");
  const TensorSpec &spec = module_->inputs()[index];
  checkDLTensor(tensor, spec.dtype, spec.shape, "input '" + spec.name + "'");
  if (spec.nbytes()) std::memcpy(addressOf(module_->info().inputs[index]), dlTensorData(tensor), spec.nbytes());
  inputSet_[index] = true;
}

void Executor::setInput(const std::string &name, const DLTensor &tensor) { setInput(inputIndex(name), tensor); }
void Executor::setInput(size_t index, const Tensor &tensor) { setInput(index, toDLTensor(tensor)); }
void Executor::setInput(const std::string &name, const Tensor &tensor) { setInput(inputIndex(name), toDLTensor(tensor)); }

namespace {
// Writes back and invalidates the cache lines of [data, data + nbytes) at every level.
void flushFromCaches(const void *data, uint64_t nbytes) {
  const char *p = static_cast<const char *>(data);
#if defined(__x86_64__)
  for (uint64_t i = 0; i < nbytes; i += 64) _mm_clflush(p + i);
  _mm_mfence();
#elif defined(__aarch64__)
  for (uint64_t i = 0; i < nbytes; i += 64) asm volatile("dc civac, %0" ::"r"(p + i) : "memory");
  asm volatile("dsb ish" ::: "memory");
#else
  (void)p, (void)nbytes;
#endif
}
} // namespace

void Executor::run() {
  for (size_t i = 0; i < inputSet_.size(); ++i)
    if (!inputSet_[i]) throw Error("input '" + module_->inputs()[i].name + "' is not set; call setInput before run");
  std::lock_guard<std::mutex> lock(module_->kernelMutex());
  // OpenMP keeps the thread count per calling thread: set it on the thread that runs.
  if (options_.numThreads > 0) module_->setNumThreads(options_.numThreads);
  if (!options_.profile) {
    for (size_t k = 0; k < kernelArgs_.size(); ++k) module_->kernel(k)(kernelArgs_[k].data());
    module_->synchronize();
  } else {
    using Clock = std::chrono::steady_clock;
    for (size_t k = 0; k < kernelArgs_.size(); ++k) {
      if (options_.flushParams)
        for (auto [data, nbytes] : kernelParams_[k]) flushFromCaches(data, nbytes);
      Clock::time_point start = Clock::now();
      module_->kernel(k)(kernelArgs_[k].data());
      module_->synchronize(); // a device kernel's time, not its enqueue's
      profile_[k].totalMs += std::chrono::duration<double, std::milli>(Clock::now() - start).count();
      ++profile_[k].runs;
    }
  }
  hasRun_ = true;
}

void Executor::requireRun(const char *action) const {
  if (!hasRun_) throw Error(std::string("cannot ") + action + " before the first run()");
}

void Executor::copyOutput(size_t index, DLTensor &destination) const {
  checkIndex(index, numOutputs(), "output");
  requireRun("read an output");
  const TensorSpec &spec = module_->outputs()[index];
  checkDLTensor(destination, spec.dtype, spec.shape, "output '" + spec.name + "' destination");
  if (spec.nbytes())
    std::memcpy(dlTensorData(destination), addressOf(module_->info().outputs[index]), spec.nbytes());
}

DLTensor Executor::outputView(size_t index) const {
  checkIndex(index, numOutputs(), "output");
  requireRun("read an output");
  const TensorSpec &spec = module_->outputs()[index];
  DLTensor t{};
  t.data = addressOf(module_->info().outputs[index]);
  t.device = {kDLCPU, 0};
  t.ndim = static_cast<int>(spec.shape.size());
  t.dtype = toDLDataType(spec.dtype);
  t.shape = const_cast<int64_t *>(spec.shape.data());
  return t;
}

Tensor Executor::getOutput(size_t index) const {
  checkIndex(index, numOutputs(), "output");
  requireRun("read an output");
  const TensorSpec &spec = module_->outputs()[index];
  Tensor out(spec.dtype, spec.shape);
  if (spec.nbytes()) std::memcpy(out.raw(), addressOf(module_->info().outputs[index]), spec.nbytes());
  return out;
}

Tensor Executor::getOutput(const std::string &name) const { return getOutput(outputIndex(name)); }

void Executor::setNumThreads(int numThreads) {
  if (numThreads < 0) throw Error("the number of threads must be positive (or 0 for the default), got " +
                                  std::to_string(numThreads));
  options_.numThreads = numThreads;
}

MemoryStats Executor::memoryStats() const {
  MemoryStats s;
  s.arenaBytes = plan_.arenaBytes;
  s.naiveArenaBytes = plan_.naiveBytes;
  s.paramBytes = module_->paramsBytes();
  const ModuleInfo &info = module_->info();
  for (size_t i = 0; i < info.buffers.size(); ++i) {
    if (rootStorage_[i].empty()) continue;
    if (plan_.buffers[i].placement == Placement::Input) s.inputBytes += rootStorage_[i].nbytes();
    else s.outputBytes += rootStorage_[i].nbytes();
  }
  return s;
}

} // namespace rqc
