// The kernels' caching allocator: blocks come back by size, per thread, writable and
// aligned like malloc's.
#include "../../runtime/src/KernelMemory.h"

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <thread>

using namespace rqc;

TEST(KernelMemory, ReusesFreedBlocksOfTheSameSize) {
  void *a = kernel_memory::allocate(3000);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(a) % alignof(std::max_align_t), 0u);
  std::memset(a, 0xab, 3000);
  size_t before = kernel_memory::cachedBytes();
  kernel_memory::release(a);
  EXPECT_EQ(kernel_memory::cachedBytes(), before + 3000);
  void *b = kernel_memory::allocate(3000);
  EXPECT_EQ(b, a);
  EXPECT_EQ(kernel_memory::cachedBytes(), before);
  void *c = kernel_memory::allocate(3000); // b is live: a new block
  EXPECT_NE(c, b);
  void *d = kernel_memory::allocate(5000); // another size: not the cached one
  EXPECT_NE(d, a);
  for (void *p : {b, c, d}) kernel_memory::release(p);
  kernel_memory::release(nullptr);
}

TEST(KernelMemory, ThreadsKeepTheirOwnBlocksAndReturnThemAtExit) {
  size_t before = kernel_memory::cachedBytes();
  std::thread worker([] {
    void *p = kernel_memory::allocate(1 << 16);
    ASSERT_NE(p, nullptr);
    kernel_memory::release(p);
    EXPECT_EQ(kernel_memory::allocate(1 << 16), p);
    kernel_memory::release(p);
  });
  worker.join();
  EXPECT_EQ(kernel_memory::cachedBytes(), before); // freed when the thread ended
  // A block freed on another thread is cached there, not lost.
  void *p = kernel_memory::allocate(777);
  std::thread other([p] { kernel_memory::release(p); });
  other.join();
  EXPECT_EQ(kernel_memory::cachedBytes(), before);
}

TEST(KernelMemory, TrimDropsTheCacheAtTheNextCall) {
  void *a = kernel_memory::allocate(4321);
  kernel_memory::release(a);
  EXPECT_GE(kernel_memory::cachedBytes(), 4321u);
  kernel_memory::trim();
  void *b = kernel_memory::allocate(1234); // this thread notices and frees its blocks
  EXPECT_EQ(kernel_memory::cachedBytes(), 0u); // (no other thread of this test caches any)
  kernel_memory::release(b);
  EXPECT_EQ(kernel_memory::cachedBytes(), 1234u);
}
