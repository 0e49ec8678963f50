// Memory for the kernels' own temporaries (installed through rqc_set_allocator, see
// docs/package-format.md): freed blocks are kept by size and handed out again, so runs
// after the first allocate nothing new — no mmap, page faults or zeroing per run.
//
// Each thread keeps its own freed blocks (kernels allocate and free a tile's temporaries
// on the thread running the tile: no lock, and the block stays in that core's cache).
// Kernel temporaries have static sizes, so a thread's cache holds about what one run of
// the loaded models uses on it at once, capped in total (kMaxCachedBytes). trim() — called
// when a kernel library is unloaded — makes every thread drop its cache at its next
// allocation or release.
#pragma once

#include <cstddef>

namespace rqc::kernel_memory {

void *allocate(size_t bytes);
void release(void *block);

// Asks every thread to free its cached blocks (at its next allocate/release).
void trim();

// Bytes held in freed blocks awaiting reuse, over all threads.
size_t cachedBytes();

} // namespace rqc::kernel_memory
