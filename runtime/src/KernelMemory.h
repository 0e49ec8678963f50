// Memory for the kernels' own temporaries (installed through rqc_set_allocator, see
// docs/package-format.md): freed blocks are kept by size and handed out again, so runs
// after the first allocate nothing new — no mmap, page faults or zeroing per run. Kernel
// temporaries have static sizes, so the cache holds at most what one run uses at once
// (per thread). Thread-safe: kernels allocate from their parallel loops; each thread keeps
// its own freed blocks.
#pragma once

#include <cstddef>

namespace rqc::kernel_memory {

void *allocate(size_t bytes);
void release(void *block);

// Bytes held in freed blocks awaiting reuse (for tests and diagnostics).
size_t cachedBytes();

} // namespace rqc::kernel_memory
