/* Kernels for the runtime tests, following the kernel ABI of docs/package-format.md:
 * void k(void **args) over buffers of 16 elements (any shape of 16 elements: the tests'
 * aliases reshape them), rqc_abi_version() and rqc_set_num_threads(). A kernel given a
 * pointer that is not 64-byte aligned writes NaN, so the tests see a broken ABI. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>

#define N 16

#ifndef RQC_TEST_ABI_VERSION
#define RQC_TEST_ABI_VERSION 1
#endif

static int32_t threads_set = 0;

int32_t rqc_abi_version(void) { return RQC_TEST_ABI_VERSION; }
void rqc_set_num_threads(int32_t n) { threads_set = n; }

static int aligned(const void *p) { return ((uintptr_t)p & 63) == 0; }

static void fill_nan(float *out) {
  for (int i = 0; i < N; ++i) out[i] = NAN;
}

/* out = a + b */
void rqc_test_add(void **args) {
  const float *a = args[0], *b = args[1];
  float *out = args[2];
  if (!aligned(a) || !aligned(b) || !aligned(out)) { fill_nan(out); return; }
  for (int i = 0; i < N; ++i) out[i] = a[i] + b[i];
}

/* out = max(a, 0) */
void rqc_test_relu(void **args) {
  const float *a = args[0];
  float *out = args[1];
  if (!aligned(a) || !aligned(out)) { fill_nan(out); return; }
  for (int i = 0; i < N; ++i) out[i] = a[i] > 0 ? a[i] : 0;
}

/* out = 2 a */
void rqc_test_scale2(void **args) {
  const float *a = args[0];
  float *out = args[1];
  if (!aligned(a) || !aligned(out)) { fill_nan(out); return; }
  for (int i = 0; i < N; ++i) out[i] = 2 * a[i];
}

/* Two outputs: pos = max(a, 0), neg = min(a, 0) */
void rqc_test_split_sign(void **args) {
  const float *a = args[0];
  float *pos = args[1], *neg = args[2];
  if (!aligned(a) || !aligned(pos) || !aligned(neg)) { fill_nan(pos); fill_nan(neg); return; }
  for (int i = 0; i < N; ++i) {
    pos[i] = a[i] > 0 ? a[i] : 0;
    neg[i] = a[i] < 0 ? a[i] : 0;
  }
}

/* int32 out[0] = the last rqc_set_num_threads argument */
void rqc_test_threads(void **args) {
  int32_t *out = args[0];
  for (int i = 0; i < N; ++i) out[i] = i == 0 ? threads_set : 0;
}

/* The allocator hook: kernels.so calls what the runtime installs here. */
static void *(*alloc_fn)(size_t) = 0;
static void (*free_fn)(void *) = 0;
void rqc_set_allocator(void *(*alloc)(size_t), void (*release)(void *)) {
  alloc_fn = alloc;
  free_fn = release;
}

/* int64 out[0] = the address of a 1 MiB block from the installed allocator, released
 * again (0 if none was installed); out[1] = 1 if the block was writable. */
void rqc_test_alloc(void **args) {
  int64_t *out = args[0];
  for (int i = 0; i < N; ++i) out[i] = 0;
  if (!alloc_fn || !free_fn) return;
  unsigned char *p = alloc_fn(1 << 20);
  if (!p) return;
  p[0] = 1;
  p[(1 << 20) - 1] = 2;
  out[0] = (int64_t)(intptr_t)p;
  out[1] = p[0] == 1 && p[(1 << 20) - 1] == 2;
  free_fn(p);
}
