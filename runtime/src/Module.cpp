// Loading a package, in the order that gives the clearest refusal first: the archive, the
// description (format version before anything else), the target, then kernels.so and the
// params. Nothing of the package runs before its description and target are accepted.
#include "rqc/runtime/Module.h"

#include "AlignedMemory.h"
#include "HostTarget.h"
#include "KernelLibrary.h"
#include "rqc/runtime/Checksum.h"
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

namespace {

// Every member but module.json has a checksum, and every checksum a member: a package
// changed after rqc wrote it (a member added, renamed or dropped) is refused.
void checkMembersListed(const PackageReader &reader, const ModuleInfo &info) {
  for (const PackageMemberInfo &member : reader.members())
    if (member.name != "module.json" && !info.checksums.count(member.name))
      throw Error(reader.what() + ": member '" + member.name +
                  "' has no checksum in module.json (the package was changed after rqc wrote it); recompile the model");
  for (const auto &[name, sum] : info.checksums)
    if (!reader.find(name))
      throw Error(reader.what() + ": module.json has a checksum for '" + name +
                  "', which the package does not have (the package is incomplete); recompile the model");
}

void checkChecksum(const ModuleInfo &info, const std::string &name, const void *data, size_t size,
                   const std::string &what) {
  const std::string expected = info.checksums.at(name), actual = sha256Checksum(data, size);
  if (actual != expected)
    throw Error(what + ": member '" + name + "' fails its checksum (module.json: " + expected + ", member: " + actual +
                "); the package is corrupt or was changed after rqc wrote it; recompile the model");
}

} // namespace

std::shared_ptr<const Module> Module::loadFrom(PackageReader &reader) {
  const std::string &what = reader.what();
  std::shared_ptr<Module> m(new Module());
  m->source_ = what;

  if (!reader.find("module.json")) throw Error(what + ": not an rqc package (it has no module.json)");
  const PackageMemberInfo *params = reader.find("params.bin");
  m->paramsBytes_ = params ? params->size : 0;
  m->info_ = parseModuleDescription(reader.read("module.json", kMaxDescriptionBytes), m->paramsBytes_, what);
  checkTargetRunsHere(m->info_.target, what);
  checkMembersListed(reader, m->info_);

  for (int64_t id : m->info_.inputs) m->inputs_.push_back(specOf(m->info_.buffer(id)));
  for (int64_t id : m->info_.outputs) m->outputs_.push_back(specOf(m->info_.buffer(id)));

  if (!reader.find("kernels.so"))
    throw Error(what + ": the package has no kernels.so (a " + m->info_.target.kind + " package needs one)");
  std::string so = reader.read("kernels.so", kMaxKernelLibraryBytes);
  checkChecksum(m->info_, "kernels.so", so.data(), so.size(), what); // before anything of it is loaded
  checkKernelsElf(so, what);
  m->library_ = std::make_unique<KernelLibrary>(so, what);
  for (const KernelInfo &k : m->info_.kernels) m->kernels_.push_back(m->library_->kernel(k.symbol, k.name));

  if (params && params->size > 0) {
    void *p = allocateAligned(params->size); // huge pages for large weights
    if (!p) throw Error(what + ": out of memory reading params.bin (" + std::to_string(params->size) + " bytes)");
    m->params_ = std::unique_ptr<uint8_t, void (*)(void *)>(static_cast<uint8_t *>(p), std::free);
    reader.readInto(*params, p);
    checkChecksum(m->info_, "params.bin", p, params->size, what);
  }
  for (const PackageMemberInfo &member : reader.members()) // members this runtime does not use
    if (member.name != "module.json" && member.name != "kernels.so" && member.name != "params.bin") {
      std::string bytes = reader.read(member.name);
      checkChecksum(m->info_, member.name, bytes.data(), bytes.size(), what);
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
