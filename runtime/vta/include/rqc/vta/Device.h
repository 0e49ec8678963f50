// The runtime's VTA device: what the runtime needs from a VTA board, whatever drives it.
// It mirrors the VTA driver interface (VTAMemAlloc / VTAMemGetPhyAddr / VTAFlushCache /
// VTAInvalidateCache / VTADeviceRun): DMA-able memory with physical addresses, running an
// instruction buffer, and waiting for FINISH with a timeout. Instructions refer to DRAM
// by physical address (dram_base = physical byte address / element bytes), so buffers
// must come from allocate().
//
// SimulatorDevice (SimulatorDevice.h) implements it with rqc's simulator; a Pynq
// implementation (CMA memory, the fetch/load/compute/store registers) would be a second
// subclass.
#pragma once

#include "rqc/vta/Config.h"

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace rqc::vta {

struct DeviceBuffer {
  void *host = nullptr;  // the CPU's mapping
  uint32_t physAddr = 0; // the accelerator's address of byte 0
  size_t size = 0;
  explicit operator bool() const { return host != nullptr; }
};

enum class WaitStatus { Done, Timeout };

class VtaDevice {
public:
  virtual ~VtaDevice() = default;

  virtual const VtaConfig &config() const = 0;

  // Physically contiguous, page-aligned memory the accelerator can reach by DMA. Throws
  // rqc::Error when none is left.
  virtual DeviceBuffer allocate(size_t bytes) = 0;
  virtual void release(const DeviceBuffer &buffer) = 0;
  // Make CPU writes visible to the accelerator (before a run) / accelerator writes
  // visible to the CPU (after a run). No-ops on a coherent port.
  virtual void flush(const DeviceBuffer &buffer, size_t offset, size_t bytes) = 0;
  virtual void invalidate(const DeviceBuffer &buffer, size_t offset, size_t bytes) = 0;

  // Starts the accelerator on `insnCount` 16-byte instructions at `insnPhysAddr`.
  virtual void start(uint32_t insnPhysAddr, uint32_t insnCount) = 0;
  // Waits for the run's FINISH, at most `timeout` (device time); Timeout leaves the run
  // in flight, so wait() may be called again.
  virtual WaitStatus wait(std::chrono::microseconds timeout) = 0;

  // Conveniences built on the above.
  void copyToDevice(const DeviceBuffer &dst, size_t dstOffset, const void *src, size_t bytes);
  void copyFromDevice(void *dst, const DeviceBuffer &src, size_t srcOffset, size_t bytes);
  WaitStatus run(uint32_t insnPhysAddr, uint32_t insnCount, std::chrono::microseconds timeout);
};

} // namespace rqc::vta
