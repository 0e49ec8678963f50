// Aligned host memory for tensors and params, freed with std::free.
#pragma once

#include <cstddef>

namespace rqc {

// `bytes` (rounded up) aligned to 64 bytes (AVX-512 loads, the package's params alignment);
// blocks of 2 MiB or more are aligned to 2 MiB and advised onto transparent huge pages
// (MADV_HUGEPAGE; ignored where THP is off): weights and activations are streamed once per
// inference, and on 4 KiB pages a 4 MiB filter costs 1024 TLB misses (MobileNet-v1's
// classifier ran at half speed). Returns nullptr when out of memory.
void *allocateAligned(size_t bytes);

} // namespace rqc
