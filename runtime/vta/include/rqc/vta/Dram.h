// DRAM as the simulator sees it: a flat byte image in which a physical address is the
// byte offset. The image is owned by the caller (a file read by the CLI, a test vector,
// the simulated device's memory).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace rqc::vta {

struct DramView {
  uint8_t *data = nullptr;
  uint64_t size = 0;

  DramView() = default;
  DramView(uint8_t *data, uint64_t size) : data(data), size(size) {}
  explicit DramView(std::vector<uint8_t> &bytes) : data(bytes.data()), size(bytes.size()) {}

  // True if [byteAddress, byteAddress + bytes) lies inside the image.
  bool contains(uint64_t byteAddress, uint64_t bytes) const {
    return byteAddress <= size && bytes <= size - byteAddress;
  }
};

} // namespace rqc::vta
