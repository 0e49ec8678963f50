// Memory planning: where each buffer of a module lives while it runs. Intermediates share
// one 64-byte aligned arena; two of them may take the same bytes when their lifetimes (the
// kernels from the first to the last that use them, through aliases) do not overlap.
#pragma once

#include "rqc/runtime/ModuleDescription.h"

#include <cstdint>
#include <vector>

namespace rqc {

inline constexpr uint64_t kBufferAlignment = 64;

enum class Placement {
  Input,  // the executor's copy of a model input
  Output, // a model output: kind "output", or an intermediate that an output aliases
  Param,  // read-only, in the module's params
  Arena,  // an intermediate, at `offset` in the arena
  Unused, // an intermediate no kernel uses
};
const char *placementName(Placement placement);

struct BufferPlacement {
  Placement placement = Placement::Unused;
  int64_t root = -1;    // the buffer owning the bytes (itself unless an alias)
  uint64_t offset = 0;  // Arena: offset in the arena; Param: offset in params.bin
  uint64_t bytes = 0;   // Arena: the root's size rounded up to kBufferAlignment
  int firstKernel = -1; // lifetime of the root: first and last kernel using it or an alias
  int lastKernel = -1;  // of it (-1 when no kernel does)
};

struct MemoryPlan {
  std::vector<BufferPlacement> buffers; // parallel to ModuleInfo::buffers
  uint64_t arenaBytes = 0;              // peak: the arena's size
  uint64_t naiveBytes = 0;              // the intermediates' total without reuse

  const BufferPlacement &placementOf(const ModuleInfo &module, int64_t id) const {
    return buffers[module.bufferIndex(id)];
  }
};

// Plans a validated module. Greedy by size: the largest intermediates are placed first,
// each in the smallest gap that fits it between the already placed buffers whose
// lifetimes overlap its own (or above them all), which keeps fragmentation low.
MemoryPlan planMemory(const ModuleInfo &module);

} // namespace rqc
