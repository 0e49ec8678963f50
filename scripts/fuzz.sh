#!/usr/bin/env bash
# Builds rqc's libFuzzer targets (fuzz/, docs/fuzzing.md) in build-fuzz with Debian's clang
# and runs one of them for a long time.
#   scripts/fuzz.sh                    build the targets, list them
#   scripts/fuzz.sh TARGET DURATION    fuzz TARGET (package, module_json, npz,
#                                      tuning_records, vta_simulator, onnx_importer) for
#                                      DURATION: hours, or with a suffix 90s / 30m / 8h
#   scripts/fuzz.sh TARGET replay      run the regressions and seeds once (what ctest does)
# Extra arguments after DURATION go to libFuzzer (e.g. -jobs=4 -workers=4 on a machine
# of your own). New inputs go to build-fuzz/fuzz/work/TARGET/corpus, crashes to
# build-fuzz/fuzz/work/TARGET/artifacts; copy a crash to fuzz/regressions/TARGET once fixed.
# Runs at nice 19 and builds with one job, so it can share a machine.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${RQC_FUZZ_BUILD:-$root/build-fuzz}"

if [ ! -f "$build/build.ninja" ]; then
  # clang 14 has no OpenMP of its own on Debian; nothing fuzzed uses OpenMP, LLVM 19's
  # runtime only satisfies the configure step of the compiler libraries.
  omp=/usr/lib/llvm-19/lib/libomp.so
  nice -n 19 cmake -S "$root" -B "$build" -G Ninja -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRQC_FUZZ=ON -DRQC_BUILD_TESTS=OFF \
    -DOpenMP_C_FLAGS=-fopenmp -DOpenMP_CXX_FLAGS=-fopenmp -DOpenMP_C_LIB_NAMES=omp -DOpenMP_CXX_LIB_NAMES=omp \
    -DOpenMP_omp_LIBRARY="$omp"
fi
nice -n 19 ninja -C "$build" -j "${RQC_FUZZ_BUILD_JOBS:-1}" rqc_fuzz_targets

if [ $# -eq 0 ]; then
  echo "fuzz targets:"; (cd "$build/fuzz" && ls fuzz_* | sed 's/^fuzz_/  /')
  exit 0
fi
target="$1"; duration="${2:?usage: scripts/fuzz.sh TARGET DURATION|replay}"; shift 2
exe="$build/fuzz/fuzz_$target"
[ -x "$exe" ] || { echo "fuzz.sh: no target '$target' (run scripts/fuzz.sh to list them)" >&2; exit 2; }
seeds="$root/fuzz/corpus/$target" regressions="$root/fuzz/regressions/$target"
work="$build/fuzz/work/$target"
mkdir -p "$work/corpus" "$work/artifacts" "$regressions"
limits=(-timeout=10 -rss_limit_mb=2048 "-artifact_prefix=$work/artifacts/")

if [ "$duration" = replay ]; then
  exec nice -n 19 "$exe" -runs=0 "${limits[@]}" "$@" "$regressions" "$seeds"
fi
case "$duration" in
  *s) seconds="${duration%s}" ;;
  *m) seconds=$(awk "BEGIN { print int(${duration%m} * 60) }") ;;
  *h) seconds=$(awk "BEGIN { print int(${duration%h} * 3600) }") ;;
  *) seconds=$(awk "BEGIN { print int($duration * 3600) }") ;;
esac
log="$work/run-$(date +%Y%m%d-%H%M%S).log"
echo "fuzz.sh: $target for ${seconds}s, log $log"
nice -n 19 "$exe" -max_total_time="$seconds" -print_final_stats=1 "${limits[@]}" "$@" \
  "$work/corpus" "$seeds" 2>&1 | tee "$log" # regressions: replay only (some are 200 KB)
