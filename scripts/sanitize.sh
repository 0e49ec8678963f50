#!/usr/bin/env bash
# Builds rqc with AddressSanitizer + UndefinedBehaviorSanitizer (LeakSanitizer included) in
# build-asan with Debian's clang, and runs the unit, lit, conformance, runtime, CLI, frontend
# and VTA tests under them (docs/sanitizers.md).
#   scripts/sanitize.sh              build and run the suite (all but the labels below)
#   scripts/sanitize.sh -R PATTERN   extra arguments go to ctest
# Not run here: labels slow (whole-model tests: hours under ASan), cross (ARM code under
# qemu-user: the cross-built runtime is not instrumented). Generated kernels run in every
# compiled test but are not instrumented (rqc compiles them; the sanitizers see only the
# runtime around them).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
scripts/setup.sh # packages, .venv, the zoo; the normal build too (the cross tests' paths)
build="${RQC_SANITIZE_BUILD:-$root/build-asan}"
jobs="${RQC_BUILD_JOBS:-$(nproc)}"
if [ ! -f "$build/build.ninja" ]; then
  # clang 14 has no OpenMP runtime of its own on Debian: the reference kernels' pragmas link
  # against LLVM 19's libomp, and a C test kernel finds LLVM 19's omp.h (after clang 14's
  # own headers, so nothing else of clang 19 is picked up).
  omp=/usr/lib/llvm-19/lib/libomp.so
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
    -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE="-O1 -DNDEBUG" -DCMAKE_C_FLAGS_RELEASE="-O1 -DNDEBUG" \
    -DRQC_SANITIZE=ON -DPython3_EXECUTABLE="$root/.venv/bin/python" \
    -DOpenMP_C_FLAGS=-fopenmp -DOpenMP_CXX_FLAGS=-fopenmp -DOpenMP_C_LIB_NAMES=omp -DOpenMP_CXX_LIB_NAMES=omp \
    -DOpenMP_omp_LIBRARY="$omp" -DCMAKE_C_FLAGS="-idirafter /usr/lib/llvm-19/lib/clang/19/include"
fi
cmake --build "$build" -j "$jobs"
# Any report fails the test: ASan and UBSan stop at the first one, LeakSanitizer reports at
# exit with a non-zero status.
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
export LSAN_OPTIONS="suppressions=$root/scripts/lsan.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
ctest --test-dir "$build" -j "$jobs" --output-on-failure -LE 'slow|cross' "$@"
