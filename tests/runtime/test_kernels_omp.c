/* Kernels with OpenMP parallel loops, linked against LLVM's libomp as rqc's generated
 * kernels are: for the tests of threads and of loading/unloading such libraries. */
#include <omp.h>
#include <stdint.h>

int32_t rqc_abi_version(void) { return 1; }
void rqc_set_num_threads(int32_t n) { omp_set_num_threads(n); }

/* out = max(a, 0) over 4096 elements, in parallel */
void rqc_test_parallel_relu(void **args) {
  const float *a = args[0];
  float *out = args[1];
#pragma omp parallel for
  for (int i = 0; i < 4096; ++i) out[i] = a[i] > 0 ? a[i] : 0;
}

/* int32 out[0] = threads a parallel region would use, out[1] = threads that ran one */
void rqc_test_omp_threads(void **args) {
  int32_t *out = args[0];
  int32_t team = 0;
#pragma omp parallel
  {
#pragma omp single
    team = omp_get_num_threads();
  }
  out[0] = omp_get_max_threads();
  out[1] = team;
  for (int i = 2; i < 16; ++i) out[i] = 0;
}
