// Loading a package: checkPackageBeforeLoading (PackageChecks.h) accepts the archive, the
// description, the target, the checksums and kernels.so's header before anything of the
// package runs; then kernels.so is loaded and params.bin read and checked.
#include "rqc/runtime/Module.h"

#include "AlignedMemory.h"
#include "KernelLibrary.h"
#include "PackageChecks.h"
#include "rqc/runtime/Error.h"
#include "rqc/runtime/PackageReader.h"
#ifdef RQC_RUNTIME_VTA
#include "VtaKernels.h"
#endif
#ifdef RQC_RUNTIME_OPENCL
#include "OpenCLKernels.h"
#endif

#include <cstdlib>
#include <cstring>

namespace rqc {

namespace {

TensorSpec specOf(const BufferInfo &b) { return {b.name, b.dtype, b.shape}; }

} // namespace

Module::~Module() = default;

LoadOptions parseDeviceOption(const std::string &device) {
  LoadOptions o;
  if (device == "opencl" || device.empty()) return o;
  if (device.rfind("opencl:", 0) == 0) {
    const std::string n = device.substr(7);
    if (!n.empty() && n.size() < 6 && n.find_first_not_of("0123456789") == std::string::npos) {
      o.openclDevice = std::stoi(n);
      return o;
    }
  }
  throw Error("--device '" + device + "' is not opencl:N (the N-th OpenCL device, as clinfo -l lists them)");
}

std::shared_ptr<const Module> Module::load(const std::string &path, const LoadOptions &options) {
  PackageReader reader = PackageReader::openFile(path);
  return loadFrom(reader, options);
}

std::shared_ptr<const Module> Module::loadFromBytes(std::string bytes, const std::string &what,
                                                    const LoadOptions &options) {
  PackageReader reader = PackageReader::fromBytes(std::move(bytes), what);
  return loadFrom(reader, options);
}

std::shared_ptr<const Module> Module::loadFrom(PackageReader &reader, const LoadOptions &options) {
  const std::string &what = reader.what();
  std::shared_ptr<Module> m(new Module());
  m->source_ = what;

  CheckedPackage checked = checkPackageBeforeLoading(reader);
  m->info_ = std::move(checked.info);
  const PackageMemberInfo *params = checked.params;
  m->paramsBytes_ = params ? params->size : 0;
  for (int64_t id : m->info_.inputs) m->inputs_.push_back(specOf(m->info_.buffer(id)));
  for (int64_t id : m->info_.outputs) m->outputs_.push_back(specOf(m->info_.buffer(id)));

  if (!checked.kernels.empty()) m->library_ = std::make_unique<KernelLibrary>(checked.kernels, what);
  for (const KernelInfo &k : m->info_.kernels)
    if (k.device == "cpu") m->kernels_.push_back(m->library_->kernel(k.symbol, k.name));
    else m->kernels_.push_back(nullptr); // set once the params are read

  if (params && params->size > 0) {
    void *p = allocateAligned(params->size); // huge pages for large weights
    if (!p) throw Error(what + ": out of memory reading params.bin (" + std::to_string(params->size) + " bytes)");
    m->params_ = std::unique_ptr<uint8_t, void (*)(void *)>(static_cast<uint8_t *>(p), std::free);
    reader.readInto(*params, p);
    checkMemberChecksum(m->info_, "params.bin", p, params->size, what);
  }
  if (m->info_.hasVtaKernels()) {
#ifdef RQC_RUNTIME_VTA
    const Module *self = m.get();
    m->vta_ = std::make_shared<VtaKernels>(m->info_, checked.vtaCode,
                                           [self](int64_t id) { return self->paramData(id); }, what);
    for (size_t i = 0; i < m->info_.kernels.size(); ++i)
      if (m->info_.kernels[i].device == "vta") {
        VtaKernels *vta = m->vta_.get();
        m->kernels_[i] = [vta, i](void **args) { vta->run(i, args); };
      }
#else
    throw Error(what + ": the package has VTA kernels and this runtime was built without VTA");
#endif
  }
  if (options.openclDevice >= 0 && !m->info_.hasOpenCLKernels())
    throw Error(what + ": an OpenCL device was chosen (--device opencl:" + std::to_string(options.openclDevice) +
                ") for a package of target '" + m->info_.target.kind + "', which has no OpenCL kernels");
  if (m->info_.hasOpenCLKernels()) {
#ifdef RQC_RUNTIME_OPENCL
    const Module *self = m.get();
    m->opencl_ = std::make_shared<OpenCLKernels>(m->info_, checked.openclSource,
                                                 [self](int64_t id) { return self->paramData(id); }, what,
                                                 options.openclDevice);
    for (size_t i = 0; i < m->info_.kernels.size(); ++i)
      if (m->info_.kernels[i].device == "opencl") {
        OpenCLKernels *cl = m->opencl_.get();
        m->kernels_[i] = [cl, i](void **args) { cl->run(i, args); };
      }
#else
    throw Error(what + ": the package has OpenCL kernels and this runtime was built without OpenCL");
#endif
  }
  for (const PackageMemberInfo &member : reader.members()) // members this runtime does not use
    if (member.name != "module.json" && member.name != "kernels.so" && member.name != "params.bin" &&
        !(member.name == "vta.bin" && m->info_.hasVtaKernels()) &&
        !(member.name == "kernels.cl" && m->info_.hasOpenCLKernels())) {
      std::string bytes = reader.read(member.name);
      checkMemberChecksum(m->info_, member.name, bytes.data(), bytes.size(), what);
    }
  return m;
}

const void *Module::paramData(int64_t paramBufferId) const {
  const BufferInfo &b = info_.buffer(paramBufferId);
  if (b.kind != BufferKind::Param) throw Error("buffer '" + b.name + "' is not a param");
  return params_.get() + b.paramOffset;
}

void Module::setNumThreads(int32_t n) const {
  if (library_) library_->setNumThreads(n);
}

std::optional<Module::SimulatedTime> Module::simulatedDeviceTime(size_t index) const {
#ifdef RQC_RUNTIME_VTA
  if (vta_ && info_.kernels.at(index).device == "vta") return vta_->simulatedTime(index);
#else
  (void)index;
#endif
  return std::nullopt;
}

} // namespace rqc

namespace rqc {
std::vector<std::string> listOpenCLDevices() {
#ifdef RQC_RUNTIME_OPENCL
  return openclDevices("OpenCL");
#else
  throw Error("this runtime was built without OpenCL (Khronos headers CL/cl.h missing at build time)");
#endif
}

std::string Module::deviceDescription() const {
#ifdef RQC_RUNTIME_OPENCL
  if (opencl_) return "OpenCL device " + opencl_->deviceName();
#endif
  return "";
}

void Module::synchronize() const {
#ifdef RQC_RUNTIME_OPENCL
  if (opencl_) opencl_->finish();
#endif
}

std::optional<double> Module::openclDeviceMs(size_t index) const {
#ifdef RQC_RUNTIME_OPENCL
  if (opencl_ && info_.kernels.at(index).device == "opencl") return opencl_->meanDeviceMs(index);
#else
  (void)index;
#endif
  return std::nullopt;
}
} // namespace rqc
