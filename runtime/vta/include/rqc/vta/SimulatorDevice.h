// A VtaDevice backed by rqc's simulator. Device memory is one flat, zero-initialised
// image in which the physical address is the byte offset; allocations are page aligned
// and never start at address 0. start() runs the whole stream at once and throws the
// checker's StreamError for a stream real hardware could not run (where a board would
// hang or compute garbage); wait() compares the simulated run time (cycles / clock) with
// the time waited so far.
#pragma once

#include "rqc/vta/Device.h"
#include "rqc/vta/Simulator.h"

#include <cstdlib>
#include <map>
#include <memory>
#include <optional>

namespace rqc::vta {

class SimulatorDevice : public VtaDevice {
public:
  static constexpr size_t kPageBytes = 4096;

  explicit SimulatorDevice(const VtaConfig &config = VtaConfig::pynq(), size_t dramBytes = size_t(256) << 20,
                           const CycleCosts &costs = CycleCosts{});

  const VtaConfig &config() const override { return simulator_.isa().config(); }
  DeviceBuffer allocate(size_t bytes) override;
  void release(const DeviceBuffer &buffer) override;
  void flush(const DeviceBuffer &, size_t, size_t) override {}
  void invalidate(const DeviceBuffer &, size_t, size_t) override {}
  void start(uint32_t insnPhysAddr, uint32_t insnCount) override;
  WaitStatus wait(std::chrono::microseconds timeout) override;

  // The report of the most recent run.
  const std::optional<SimulationReport> &lastReport() const { return lastReport_; }
  // The whole device memory as the simulator sees it.
  DramView dram() { return DramView(memory_.get(), dramBytes_); }

private:
  struct FreeDeleter {
    void operator()(uint8_t *p) const { std::free(p); }
  };
  Simulator simulator_;
  size_t dramBytes_;
  std::unique_ptr<uint8_t, FreeDeleter> memory_;
  std::map<uint64_t, uint64_t> free_;      // start -> bytes
  std::map<uint64_t, uint64_t> allocated_; // start -> bytes
  std::optional<SimulationReport> lastReport_;
  bool running_ = false;
  double remainingUs_ = 0; // simulated run time not yet covered by wait()
};

} // namespace rqc::vta
