// Loading a package, in the order that gives the clearest refusal first: the archive, the
// description (format version before anything else), the target, then kernels.so and the
// params. Nothing of the package runs before its description and target are accepted.
#include "rqc/runtime/Module.h"

#include "AlignedMemory.h"
#include "HostTarget.h"
#include "KernelLibrary.h"
#include "rqc/runtime/Error.h"
#include "rqc/runtime/PackageReader.h"

#include <cstdlib>
#include <cstring>

namespace rqc {

namespace {

constexpr uint64_t kMaxDescriptionBytes = 64ull << 20;
constexpr uint64_t kMaxKernelLibraryBytes = 2ull << 30;

TensorSpec specOf(const BufferInfo &b) { return {b.name, b.dtype, b.shape}; }

} // namespace

Module::~Module() = default;

std::shared_ptr<const Module> Module::load(const std::string &path) {
  PackageReader reader = PackageReader::openFile(path);
  return loadFrom(reader);
}

std::shared_ptr<const Module> Module::loadFromBytes(std::string bytes, const std::string &what) {
  PackageReader reader = PackageReader::fromBytes(std::move(bytes), what);
  return loadFrom(reader);
}

std::shared_ptr<const Module> Module::loadFrom(PackageReader &reader) {
  const std::string &what = reader.what();
  std::shared_ptr<Module> m(new Module());
  m->source_ = what;

  if (!reader.find("module.json")) throw Error(what + ": not an rqc package (it has no module.json)");
  const PackageMemberInfo *params = reader.find("params.bin");
  m->paramsBytes_ = params ? params->size : 0;
  m->info_ = parseModuleDescription(reader.read("module.json", kMaxDescriptionBytes), m->paramsBytes_, what);
  checkTargetRunsHere(m->info_.target, what);

  for (int64_t id : m->info_.inputs) m->inputs_.push_back(specOf(m->info_.buffer(id)));
  for (int64_t id : m->info_.outputs) m->outputs_.push_back(specOf(m->info_.buffer(id)));

  if (!reader.find("kernels.so"))
    throw Error(what + ": the package has no kernels.so (a " + m->info_.target.kind + " package needs one)");
  std::string so = reader.read("kernels.so", kMaxKernelLibraryBytes);
  checkKernelsElf(so, what);
  m->library_ = std::make_unique<KernelLibrary>(so, what);
  for (const KernelInfo &k : m->info_.kernels) m->kernels_.push_back(m->library_->kernel(k.symbol, k.name));

  if (params && params->size > 0) {
    void *p = allocateAligned(params->size); // huge pages for large weights
    if (!p) throw Error(what + ": out of memory reading params.bin (" + std::to_string(params->size) + " bytes)");
    m->params_ = std::unique_ptr<uint8_t, void (*)(void *)>(static_cast<uint8_t *>(p), std::free);
    reader.readInto(*params, p);
  }
  return m;
}

const void *Module::paramData(int64_t paramBufferId) const {
  const BufferInfo &b = info_.buffer(paramBufferId);
  if (b.kind != BufferKind::Param) throw Error("buffer '" + b.name + "' is not a param");
  return params_.get() + b.paramOffset;
}

void Module::setNumThreads(int32_t n) const { library_->setNumThreads(n); }

} // namespace rqc
