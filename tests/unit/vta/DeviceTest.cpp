// The runtime's VTA device with the simulator behind it: DMA-able memory with physical
// addresses, running an instruction buffer, waiting with a timeout.
#include "rqc/vta/SimulatorDevice.h"

#include "TestStreams.h"

#include <gtest/gtest.h>

using namespace rqc::vta;
using namespace rqc::vta::test;
using namespace std::chrono_literals;

TEST(VtaDevice, AllocatesPageAlignedPhysicalMemory) {
  SimulatorDevice dev(VtaConfig::pynq(), 1 << 20);
  DeviceBuffer a = dev.allocate(100);
  DeviceBuffer b = dev.allocate(5000);
  EXPECT_NE(a.physAddr, 0u); // page 0 is never handed out
  EXPECT_EQ(a.physAddr % SimulatorDevice::kPageBytes, 0u);
  EXPECT_EQ(b.physAddr % SimulatorDevice::kPageBytes, 0u);
  EXPECT_GE(b.physAddr, a.physAddr + 4096);
  EXPECT_EQ(a.size, 100u);
  // host and physical views are the same bytes
  static_cast<uint8_t *>(b.host)[7] = 42;
  EXPECT_EQ(dev.dram().data[b.physAddr + 7], 42);
  dev.release(a);
  DeviceBuffer c = dev.allocate(4096);
  EXPECT_EQ(c.physAddr, a.physAddr); // first fit reuses the hole
  dev.release(c);
  EXPECT_THROW(dev.release(c), rqc::Error); // released twice
  dev.release(b);
  DeviceBuffer all = dev.allocate((1 << 20) - 4096); // everything but page 0, after merging
  EXPECT_THROW(dev.allocate(1), rqc::Error);
  dev.release(all);
}

TEST(VtaDevice, RunsAStreamAndWaits) {
  SimulatorDevice dev;
  DeviceBuffer buf = dev.allocate(1 << 20);
  Image img(dev.config(), 1 << 20, buf.physAddr);
  BuiltStream s = buildGemmTile(img, 5);
  uint64_t insn = img.putProgram(s.program);
  dev.copyToDevice(buf, 0, img.bytes.data(), img.bytes.size());

  EXPECT_EQ(dev.run(uint32_t(insn), uint32_t(s.program.size()), 1s), WaitStatus::Done);
  std::vector<int8_t> out(s.expected.size());
  dev.copyFromDevice(out.data(), buf, s.outOffset - buf.physAddr, out.size());
  EXPECT_EQ(out, s.expected);
  ASSERT_TRUE(dev.lastReport().has_value());
  EXPECT_EQ(dev.lastReport()->counters.gemmUops, 32u);
}

TEST(VtaDevice, WaitTimesOutOnDeviceTime) {
  SimulatorDevice dev;
  DeviceBuffer buf = dev.allocate(1 << 20);
  Image img(dev.config(), 1 << 20, buf.physAddr);
  BuiltStream s = buildConv3x3(img, 6);
  uint64_t insn = img.putProgram(s.program);
  dev.copyToDevice(buf, 0, img.bytes.data(), img.bytes.size());

  dev.start(uint32_t(insn), uint32_t(s.program.size()));
  double us = dev.lastReport()->microseconds();
  ASSERT_GT(us, 2.0);
  EXPECT_EQ(dev.wait(1us), WaitStatus::Timeout); // the run takes longer than 1 us of device time
  EXPECT_THROW(dev.start(uint32_t(insn), uint32_t(s.program.size())), rqc::Error); // still busy
  EXPECT_EQ(dev.wait(std::chrono::microseconds(int64_t(us))), WaitStatus::Done);
  EXPECT_EQ(dev.wait(0us), WaitStatus::Done); // nothing running
}

TEST(VtaDevice, RefusesStreamsTheHardwareCannotRun) {
  SimulatorDevice dev;
  DeviceBuffer buf = dev.allocate(1 << 20);
  Image img(dev.config(), 1 << 20, buf.physAddr);
  BuiltStream s = buildGemmTile(img, 7);
  s.program.pop_back(); // no FINISH: a board would never raise done
  uint64_t insn = img.putProgram(s.program);
  dev.copyToDevice(buf, 0, img.bytes.data(), img.bytes.size());
  EXPECT_THROW(dev.start(uint32_t(insn), uint32_t(s.program.size())), StreamError);
  // The device is usable afterwards.
  EXPECT_EQ(dev.wait(0us), WaitStatus::Done);
}

TEST(VtaDevice, CopiesAreBoundsChecked) {
  SimulatorDevice dev(VtaConfig::pynq(), 1 << 16);
  DeviceBuffer buf = dev.allocate(64);
  uint8_t bytes[128] = {};
  EXPECT_THROW(dev.copyToDevice(buf, 32, bytes, 64), rqc::Error);
  EXPECT_THROW(dev.copyFromDevice(bytes, buf, 65, 0), rqc::Error);
  dev.copyToDevice(buf, 0, bytes, 64);
}
