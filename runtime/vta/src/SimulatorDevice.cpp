#include "rqc/vta/SimulatorDevice.h"

#include "rqc/runtime/Error.h"

namespace rqc::vta {

SimulatorDevice::SimulatorDevice(const VtaConfig &config, size_t dramBytes, const CycleCosts &costs)
    : simulator_(config, costs), dramBytes_(dramBytes) {
  // Physical addresses are 32-bit on Pynq; page 0 stays unused so no buffer is at 0.
  if (dramBytes < 2 * kPageBytes || dramBytes > (uint64_t(1) << 32))
    throw Error("simulated VTA DRAM must be between 8 KiB and 4 GiB, not " + std::to_string(dramBytes) + " bytes");
  dramBytes_ = dramBytes / kPageBytes * kPageBytes;
  // calloc: zeroed pages the OS maps lazily, so a large image costs only what is used.
  memory_.reset(static_cast<uint8_t *>(std::calloc(dramBytes_, 1)));
  if (!memory_)
    throw Error("cannot reserve " + std::to_string(dramBytes_) + " bytes of simulated VTA DRAM");
  free_[kPageBytes] = dramBytes_ - kPageBytes;
}

DeviceBuffer SimulatorDevice::allocate(size_t bytes) {
  if (bytes == 0)
    throw Error("cannot allocate an empty VTA device buffer");
  uint64_t rounded = (uint64_t(bytes) + kPageBytes - 1) / kPageBytes * kPageBytes;
  for (auto it = free_.begin(); it != free_.end(); ++it) {
    if (it->second < rounded)
      continue;
    uint64_t start = it->first, size = it->second;
    free_.erase(it);
    if (size > rounded)
      free_[start + rounded] = size - rounded;
    allocated_[start] = rounded;
    return DeviceBuffer{memory_.get() + start, uint32_t(start), bytes};
  }
  throw Error("simulated VTA DRAM exhausted: cannot allocate " + std::to_string(bytes) + " bytes");
}

void SimulatorDevice::release(const DeviceBuffer &buffer) {
  auto it = allocated_.find(buffer.physAddr);
  if (!buffer || it == allocated_.end() || buffer.host != memory_.get() + buffer.physAddr)
    throw Error("releasing a VTA device buffer this device did not allocate (physical address " +
                std::to_string(buffer.physAddr) + ")");
  uint64_t start = it->first, size = it->second;
  allocated_.erase(it);
  // Merge with the free neighbours.
  auto next = free_.lower_bound(start);
  if (next != free_.end() && next->first == start + size) {
    size += next->second;
    next = free_.erase(next);
  }
  if (next != free_.begin()) {
    auto prev = std::prev(next);
    if (prev->first + prev->second == start) {
      prev->second += size;
      return;
    }
  }
  free_[start] = size;
}

void SimulatorDevice::start(uint32_t insnPhysAddr, uint32_t insnCount) {
  if (running_)
    throw Error("the VTA device is still running the previous instruction stream; wait() for it first");
  lastReport_ = simulator_.run(dram(), insnPhysAddr, insnCount);
  running_ = true;
  remainingUs_ = lastReport_->microseconds();
}

WaitStatus SimulatorDevice::wait(std::chrono::microseconds timeout) {
  if (!running_)
    return WaitStatus::Done;
  if (double(timeout.count()) < remainingUs_) {
    remainingUs_ -= double(timeout.count());
    return WaitStatus::Timeout;
  }
  running_ = false;
  remainingUs_ = 0;
  return WaitStatus::Done;
}

} // namespace rqc::vta
