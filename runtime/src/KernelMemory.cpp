#include "KernelMemory.h"
#include "AlignedMemory.h"

#include <atomic>
#include <cstdlib>
#include <unordered_map>
#include <vector>

namespace rqc::kernel_memory {

namespace {

// Each block starts with a header holding its size; the caller gets the bytes after it,
// 64-byte aligned (blocks come from allocateAligned: large ones on huge pages).
constexpr size_t kHeader = 64;
// Beyond this much cached memory (all threads together), freed blocks are freed.
constexpr size_t kMaxCachedBytes = size_t(sizeof(void *) == 8 ? 1024 : 128) << 20;

std::atomic<size_t> totalCached{0};
std::atomic<unsigned> generation{0};

struct ThreadCache {
  std::unordered_map<size_t, std::vector<char *>> freed; // size -> blocks (header included)
  size_t cached = 0;
  unsigned seenGeneration = generation.load();

  void dropAll() {
    for (auto &[size, blocks] : freed)
      for (char *b : blocks) std::free(b);
    freed.clear();
    totalCached -= cached;
    cached = 0;
  }
  ~ThreadCache();
};

// Set when this thread's cache is gone (thread exit): later calls bypass it.
thread_local bool cacheDestroyed = false;

ThreadCache::~ThreadCache() {
  dropAll();
  cacheDestroyed = true;
}

ThreadCache *threadCache() {
  if (cacheDestroyed) return nullptr;
  thread_local ThreadCache c;
  if (c.seenGeneration != generation.load(std::memory_order_relaxed)) {
    c.dropAll();
    c.seenGeneration = generation.load();
  }
  return &c;
}

char *headerOf(void *p) { return static_cast<char *>(p) - kHeader; }

} // namespace

void *allocate(size_t bytes) {
  if (ThreadCache *c = threadCache()) {
    auto it = c->freed.find(bytes);
    if (it != c->freed.end() && !it->second.empty()) {
      char *block = it->second.back();
      it->second.pop_back();
      c->cached -= bytes;
      totalCached -= bytes;
      return block + kHeader;
    }
  }
  char *block = static_cast<char *>(allocateAligned(kHeader + bytes));
  if (!block) return nullptr;
  *reinterpret_cast<size_t *>(block) = bytes;
  return block + kHeader;
}

void release(void *p) {
  if (!p) return;
  char *block = headerOf(p);
  size_t bytes = *reinterpret_cast<size_t *>(block);
  ThreadCache *c = threadCache();
  if (!c || totalCached.load(std::memory_order_relaxed) + bytes > kMaxCachedBytes) {
    std::free(block);
    return;
  }
  c->freed[bytes].push_back(block);
  c->cached += bytes;
  totalCached += bytes;
}

void trim() {
  generation.fetch_add(1);
}

size_t cachedBytes() { return totalCached.load(); }

} // namespace rqc::kernel_memory
