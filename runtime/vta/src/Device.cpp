#include "rqc/vta/Device.h"

#include "rqc/runtime/Error.h"

#include <cstring>
#include <string>

namespace rqc::vta {
namespace {

void checkRange(const DeviceBuffer &buffer, size_t offset, size_t bytes, const char *what) {
  if (!buffer || offset > buffer.size || bytes > buffer.size - offset)
    throw Error(std::string(what) + ": bytes [" + std::to_string(offset) + ", " + std::to_string(offset + bytes) +
                ") outside the device buffer of " + std::to_string(buffer.size) + " bytes");
}

} // namespace

void VtaDevice::copyToDevice(const DeviceBuffer &dst, size_t dstOffset, const void *src, size_t bytes) {
  checkRange(dst, dstOffset, bytes, "copy to VTA device");
  std::memcpy(static_cast<uint8_t *>(dst.host) + dstOffset, src, bytes);
  flush(dst, dstOffset, bytes);
}

void VtaDevice::copyFromDevice(void *dst, const DeviceBuffer &src, size_t srcOffset, size_t bytes) {
  checkRange(src, srcOffset, bytes, "copy from VTA device");
  invalidate(src, srcOffset, bytes);
  std::memcpy(dst, static_cast<const uint8_t *>(src.host) + srcOffset, bytes);
}

WaitStatus VtaDevice::run(uint32_t insnPhysAddr, uint32_t insnCount, std::chrono::microseconds timeout) {
  start(insnPhysAddr, insnCount);
  return wait(timeout);
}

} // namespace rqc::vta
