/* The machine's float32 FMA peak, measured: `fma_peak THREADS` prints GFLOP/s for THREADS
 * threads running independent FMA chains (12 accumulators: more than the FMA latency times
 * the FMA units of current x86 cores keeps in flight) on the widest vectors the CPU has
 * (AVX-512, else AVX2). 2 FLOP per lane per FMA.
 * `fma_peak THREADS int8` prints the int8 dot-product peak instead, in GOP/s (2 ops per
 * u8 x s8 multiply-add, as the float peak counts an FMA): VNNI's vpdpbusd on 512-bit
 * vectors (AVX512-VNNI), else on 256-bit ones (AVX-VNNI), else AVX2's vpmaddubsw + vpmaddwd
 * pair (32 multiply-adds per pair). A vpdpbusd does 4x the multiply-adds of an FMA on
 * the same vector width; whether it issues as often depends on the core.
 * Output: the number, the instruction measured, the unit ("GFLOP/s" or "GOP/s").
 * Built by bench/compare_ort.py with gcc -O3 -fopenmp (the chain loop must unroll so the
 * accumulators live in registers). */
#include <immintrin.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

__attribute__((target("avx512f,avx512vnni"))) static double runVnni512(void) {
  __m512i acc[CHAINS], x = _mm512_set1_epi32(0x01020304), w = _mm512_set1_epi32(0x01ff01ff);
  for (int i = 0; i < CHAINS; ++i) acc[i] = _mm512_set1_epi32(i);
  double t = omp_get_wtime();
  for (long it = 0; it < ITERS; ++it) {
#pragma GCC unroll 12
    for (int i = 0; i < CHAINS; ++i) acc[i] = _mm512_dpbusd_epi32(acc[i], x, w);
  }
  t = omp_get_wtime() - t;
  int sink = 0;
  for (int i = 0; i < CHAINS; ++i) sink += _mm512_reduce_add_epi32(acc[i]);
  if (sink == 42) puts("");
  return 2.0 * 64 * CHAINS * ITERS / t / 1e9;
}

/* Uses the chains' lanes, so that the compiler keeps every chain (prints nothing). */
__attribute__((target("avx2"))) static void keepAlive256i(const __m256i *acc) {
  int lanes[8], sink = 0;
  for (int i = 0; i < CHAINS; ++i) {
    _mm256_storeu_si256((__m256i *)lanes, acc[i]);
    for (int k = 0; k < 8; ++k) sink += lanes[k];
  }
  if (sink == 42) puts("");
}

__attribute__((target("avx2,avxvnni"))) static double runVnni256(void) {
  __m256i acc[CHAINS], x = _mm256_set1_epi32(0x01020304), w = _mm256_set1_epi32(0x01ff01ff);
  for (int i = 0; i < CHAINS; ++i) acc[i] = _mm256_set1_epi32(i);
  double t = omp_get_wtime();
  for (long it = 0; it < ITERS; ++it) {
#pragma GCC unroll 12
    for (int i = 0; i < CHAINS; ++i) acc[i] = _mm256_dpbusd_avx_epi32(acc[i], x, w);
  }
  t = omp_get_wtime() - t;
  keepAlive256i(acc);
  return 2.0 * 32 * CHAINS * ITERS / t / 1e9;
}

__attribute__((target("avx2"))) static double runPmadd256(void) {
  __m256i acc[CHAINS], w = _mm256_set1_epi32(0x01ff01ff), ones = _mm256_set1_epi16(1);
  for (int i = 0; i < CHAINS; ++i) acc[i] = _mm256_set1_epi32(i);
  double t = omp_get_wtime();
  for (long it = 0; it < ITERS; ++it) {
#pragma GCC unroll 12
    for (int i = 0; i < CHAINS; ++i)
      // The chain's own bytes as the data: a loop-invariant product would be hoisted.
      acc[i] = _mm256_add_epi32(acc[i], _mm256_madd_epi16(_mm256_maddubs_epi16(acc[i], w), ones));
  }
  t = omp_get_wtime() - t;
  keepAlive256i(acc);
  return 2.0 * 32 * CHAINS * ITERS / t / 1e9;
}

int main(int argc, char **argv) {
  int threads = argc > 1 ? atoi(argv[1]) : 1;
  if (threads < 1 || (argc > 2 && strcmp(argv[2], "int8") != 0)) {
    fprintf(stderr, "usage: fma_peak THREADS [int8]\n");
    return 2;
  }
  int int8 = argc > 2;
  int avx512 = __builtin_cpu_supports("avx512f");
  int vnni512 = avx512 && __builtin_cpu_supports("avx512vnni"), vnni256 = __builtin_cpu_supports("avxvnni");
  const char *unit = !int8 ? (avx512 ? "avx512" : "avx2")
                     : vnni512 ? "vpdpbusd512" : vnni256 ? "vpdpbusd256" : "vpmaddubsw256";
  double total = 0;
#pragma omp parallel num_threads(threads) reduction(+ : total)
  total += !int8 ? (avx512 ? run512() : run256()) : vnni512 ? runVnni512() : vnni256 ? runVnni256() : runPmadd256();
  printf("%.1f %s %s\n", total, unit, int8 ? "GOP/s" : "GFLOP/s");
  return 0;
}
