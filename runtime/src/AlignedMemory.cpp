#include "AlignedMemory.h"

#include <cstdlib>
#include <sys/mman.h>

namespace rqc {

void *allocateAligned(size_t bytes) {
  constexpr size_t kHugePage = size_t(2) << 20;
  const size_t align = bytes >= kHugePage ? kHugePage : 64;
  const size_t allocation = bytes == 0 ? align : (bytes + align - 1) / align * align; // aligned_alloc's rule
  void *p = std::aligned_alloc(align, allocation);
#ifdef MADV_HUGEPAGE
  if (p && align == kHugePage) (void)madvise(p, allocation, MADV_HUGEPAGE); // advice only
#endif
  return p;
}

} // namespace rqc
