#include "VtaKernels.h"

#include "rqc/runtime/Error.h"
#include "rqc/vta/Isa.h"
#include "rqc/vta/SimulatorDevice.h"

#include <chrono>
#include <cstring>

namespace rqc {

namespace {

// Device memory for every image with a page of slack each, at least 16 MiB.
size_t deviceBytes(const ModuleInfo &info) {
  size_t total = size_t(16) << 20;
  for (const KernelInfo &k : info.kernels)
    if (k.device == "vta") total += (k.vta.imageBytes + 2 * vta::SimulatorDevice::kPageBytes);
  return total;
}

unsigned elementBytes(const vta::VtaConfig &c, vta::MemoryType t) {
  switch (t) {
  case vta::MemoryType::Uop: return 4;
  case vta::MemoryType::Wgt: return c.wgtElemBytes();
  case vta::MemoryType::Inp: return c.inpElemBytes();
  case vta::MemoryType::Acc: return c.accElemBytes();
  case vta::MemoryType::Out: return c.outElemBytes();
  case vta::MemoryType::Acc8Bit: return c.batch() * c.blockOut();
  }
  return 1;
}

} // namespace

struct VtaKernels::Prepared {
  vta::DeviceBuffer image;
  uint32_t insnAddress = 0;
  uint32_t insnCount = 0;
  std::optional<Module::SimulatedTime> last; // on the cycle model
};

VtaKernels::VtaKernels(const ModuleInfo &info, const std::string &vtaCode,
                       const std::function<const void *(int64_t)> &paramData, const std::string &what)
    : info_(info), what_(what) {
  vta::VtaConfig config;
  try {
    config = vta::VtaConfig::fromModelString(info.target.vtaModel);
  } catch (const Error &e) {
    throw Error(what + ": target vta_model: " + e.what());
  }
  auto simulator = std::make_unique<vta::SimulatorDevice>(config, deviceBytes(info));
  simulator_ = simulator.get();
  device_ = std::move(simulator);
  const vta::Isa isa(config);
  for (size_t i = 0; i < info.kernels.size(); ++i) {
    const KernelInfo &k = info.kernels[i];
    if (k.device != "vta") {
      kernels_.push_back(nullptr);
      continue;
    }
    auto p = std::make_unique<Prepared>();
    p->image = device_->allocate(k.vta.imageBytes);
    auto *image = static_cast<uint8_t *>(p->image.host);
    // Micro-ops as they are; instructions with their DRAM addresses moved by the image's
    // physical address (element units; the image is page aligned, so every element size
    // divides it).
    const char *code = vtaCode.data() + k.vta.codeOffset;
    std::memcpy(image + k.vta.uopImageOffset, code, k.vta.uopCount * 4);
    std::vector<vta::InsnWord> words =
        vta::insnWordsFromBytes(reinterpret_cast<const uint8_t *>(code) + k.vta.uopCount * 4, k.vta.insnCount);
    for (size_t n = 0; n < words.size(); ++n) {
      try {
        vta::Instruction insn = isa.decode(words[n]);
        if (auto *m = std::get_if<vta::MemInsn>(&insn); m && m->xSize > 0 && m->ySize > 0) {
          // The DMA must stay inside this kernel's image: relocated, it could otherwise reach
          // another kernel's image or the device's other memory.
          const unsigned elem = elementBytes(config, m->memoryType);
          const uint64_t endByte =
              (uint64_t(m->dramBase) + uint64_t(m->ySize - 1) * m->xStride + m->xSize) * elem;
          if (endByte > k.vta.imageBytes)
            throw Error("its DMA reaches byte " + std::to_string(endByte) + ", beyond the kernel's image (" +
                        std::to_string(k.vta.imageBytes) + " bytes)");
          if (p->image.physAddr % elem) throw Error("the image is not aligned to its elements");
          const uint64_t moved = uint64_t(m->dramBase) + p->image.physAddr / elem;
          if (moved > UINT32_MAX) throw Error("its DRAM address leaves the 32-bit space");
          m->dramBase = uint32_t(moved);
        }
        words[n] = isa.encode(insn);
      } catch (const Error &e) {
        throw Error(what + ": kernel '" + k.name + "': instruction " + std::to_string(n) + ": " + e.what());
      }
    }
    const std::vector<uint8_t> bytes = vta::toBytes(words);
    std::memcpy(image + k.vta.insnImageOffset, bytes.data(), bytes.size());
    p->insnAddress = p->image.physAddr + uint32_t(k.vta.insnImageOffset);
    p->insnCount = uint32_t(k.vta.insnCount);
    for (size_t a = 0; a < k.args.size(); ++a) {
      const int64_t root = info.rootOf(k.args[a]);
      if (info.buffer(root).kind == BufferKind::Param)
        std::memcpy(image + k.vta.argOffsets[a], paramData(root), info.buffer(k.args[a]).nbytes());
    }
    kernels_.push_back(std::move(p));
  }
}

VtaKernels::~VtaKernels() {
  for (const auto &p : kernels_)
    if (p) device_->release(p->image);
}

void VtaKernels::run(size_t kernelIndex, void **args) {
  const KernelInfo &k = info_.kernels.at(kernelIndex);
  Prepared &p = *kernels_.at(kernelIndex);
  const size_t firstOutput = k.firstOutputArg();
  for (size_t a = 0; a < firstOutput; ++a)
    if (info_.buffer(info_.rootOf(k.args[a])).kind != BufferKind::Param)
      device_->copyToDevice(p.image, k.vta.argOffsets[a], args[a], info_.buffer(k.args[a]).nbytes());
  try {
    // A board runs ResNet-18's largest layer in milliseconds; a minute means a hung stream.
    if (device_->run(p.insnAddress, p.insnCount, std::chrono::seconds(60)) != vta::WaitStatus::Done)
      throw Error("did not finish within 60 s");
    if (const auto &r = simulator_->lastReport())
      p.last = Module::SimulatedTime{r->microseconds() / 1000.0, r->totalCycles, r->gemmUtilization, r->achievedGops};
  } catch (const Error &e) {
    throw Error(what_ + ": VTA kernel '" + k.name + "': " + e.what());
  }
  for (size_t a = firstOutput; a < k.args.size(); ++a)
    device_->copyFromDevice(args[a], p.image, k.vta.argOffsets[a], info_.buffer(k.args[a]).nbytes());
}

std::optional<Module::SimulatedTime> VtaKernels::simulatedTime(size_t kernelIndex) const {
  const auto &p = kernels_.at(kernelIndex);
  return p ? p->last : std::nullopt;
}

} // namespace rqc
