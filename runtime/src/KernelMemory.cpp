#include "KernelMemory.h"

#include <atomic>
#include <cstdlib>
#include <unordered_map>
#include <vector>

namespace rqc::kernel_memory {

namespace {

// Each block starts with a header holding its size; the caller gets the bytes after it
// (16-byte aligned, as malloc's).
constexpr size_t kHeader = 16;
// Beyond this much cached memory per thread, freed blocks go back to malloc.
constexpr size_t kMaxCachedBytesPerThread = size_t(512) << 20;

std::atomic<size_t> totalCached{0};

// Per thread: kernels allocate and free a tile's temporaries on the thread running the
// tile, so the block (and its cache lines) stays with that core, and no lock is taken.
struct ThreadCache {
  std::unordered_map<size_t, std::vector<char *>> freed; // size -> blocks (header included)
  size_t cached = 0;
  ~ThreadCache() {
    for (auto &[size, blocks] : freed)
      for (char *b : blocks) std::free(b);
    totalCached -= cached;
  }
};

ThreadCache &threadCache() {
  thread_local ThreadCache c;
  return c;
}

} // namespace

void *allocate(size_t bytes) {
  ThreadCache &c = threadCache();
  char *block = nullptr;
  auto it = c.freed.find(bytes);
  if (it != c.freed.end() && !it->second.empty()) {
    block = it->second.back();
    it->second.pop_back();
    c.cached -= bytes;
    totalCached -= bytes;
  } else {
    block = static_cast<char *>(std::malloc(kHeader + bytes));
    if (!block) return nullptr;
    *reinterpret_cast<size_t *>(block) = bytes;
  }
  return block + kHeader;
}

void release(void *p) {
  if (!p) return;
  char *block = static_cast<char *>(p) - kHeader;
  size_t bytes = *reinterpret_cast<size_t *>(block);
  ThreadCache &c = threadCache();
  if (c.cached + bytes > kMaxCachedBytesPerThread) {
    std::free(block);
    return;
  }
  c.freed[bytes].push_back(block);
  c.cached += bytes;
  totalCached += bytes;
}

size_t cachedBytes() { return totalCached.load(); }

} // namespace rqc::kernel_memory
