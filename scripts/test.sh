#!/usr/bin/env bash
# Sets up (idempotently) and runs rqc's test suite. This is what CI runs.
#   scripts/test.sh            the CI suite (unit, lit, conformance, CLI, CI model subset), then
#                              the fuzz targets: their regressions and a one-minute run each
#   RQC_TEST_ALL=1 scripts/test.sh   also the slow whole-model tests (label "slow")
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
if [ -n "${RQC_TEST_ALL:-}" ]; then export RQC_ZOO_ALL=1; fi
scripts/setup.sh
cd build
if [ -n "${RQC_TEST_ALL:-}" ]; then
  ctest -j "$(nproc)" --output-on-failure
else
  ctest -j "$(nproc)" --output-on-failure -LE slow
fi

# The libFuzzer targets (docs/fuzzing.md): a clang build with ASan+UBSan in build-fuzz, each
# target's regression inputs replayed, then RQC_FUZZ_SECONDS (60) of fuzzing per target.
cd "$root"
RQC_FUZZ_BUILD_JOBS="${RQC_BUILD_JOBS:-$(nproc)}" scripts/fuzz.sh
ctest --test-dir build-fuzz --output-on-failure -L fuzz
