/* The machine's float32 FMA peak, measured: `fma_peak THREADS` prints GFLOP/s for THREADS
 * threads running independent FMA chains (12 accumulators: more than the FMA latency times
 * the FMA units of current x86 cores keeps in flight) on the widest vectors the CPU has
 * (AVX-512, else AVX2). 2 FLOP per lane per FMA. Built by bench/compare_ort.py with
 * gcc -O3 -fopenmp (the chain loop must unroll so the accumulators live in registers). */
#include <immintrin.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>

#define CHAINS 12
#define ITERS 20000000L

__attribute__((target("avx512f"))) static double run512(void) {
  __m512 acc[CHAINS], m = _mm512_set1_ps(0.999999f), c = _mm512_set1_ps(1e-7f);
  for (int i = 0; i < CHAINS; ++i) acc[i] = _mm512_set1_ps((float)i);
  double t = omp_get_wtime();
  for (long it = 0; it < ITERS; ++it) {
#pragma GCC unroll 12
    for (int i = 0; i < CHAINS; ++i) acc[i] = _mm512_fmadd_ps(acc[i], m, c);
  }
  t = omp_get_wtime() - t;
  float sink = 0;
  for (int i = 0; i < CHAINS; ++i) sink += _mm512_reduce_add_ps(acc[i]);
  if (sink == 42.f) puts(""); /* keep the result alive */
  return 2.0 * 16 * CHAINS * ITERS / t / 1e9;
}

__attribute__((target("avx2,fma"))) static double run256(void) {
  __m256 acc[CHAINS], m = _mm256_set1_ps(0.999999f), c = _mm256_set1_ps(1e-7f);
  for (int i = 0; i < CHAINS; ++i) acc[i] = _mm256_set1_ps((float)i);
  double t = omp_get_wtime();
  for (long it = 0; it < ITERS; ++it) {
#pragma GCC unroll 12
    for (int i = 0; i < CHAINS; ++i) acc[i] = _mm256_fmadd_ps(acc[i], m, c);
  }
  t = omp_get_wtime() - t;
  float lanes[8], sink = 0;
  for (int i = 0; i < CHAINS; ++i) {
    _mm256_storeu_ps(lanes, acc[i]);
    for (int k = 0; k < 8; ++k) sink += lanes[k];
  }
  if (sink == 42.f) puts("");
  return 2.0 * 8 * CHAINS * ITERS / t / 1e9;
}

int main(int argc, char **argv) {
  int threads = argc > 1 ? atoi(argv[1]) : 1;
  int avx512 = __builtin_cpu_supports("avx512f");
  double total = 0;
#pragma omp parallel num_threads(threads) reduction(+ : total)
  total += avx512 ? run512() : run256();
  printf("%.1f %s\n", total, avx512 ? "avx512" : "avx2");
  return 0;
}
