#!/usr/bin/env bash
# Command-line behaviour: --help everywhere, exit codes, one clear error line on stderr
# for user errors, and no output file left behind when a run fails.
#   cli_test.sh PATH/TO/rqc NODE_TEST_DATA_DIR PYTHON
set -u
rqc="$1"; data="$2"; python="$3"
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
passed=0; failed=0
ok()   { passed=$((passed + 1)); echo "ok   $1"; }
fail() { failed=$((failed + 1)); echo "FAIL $1"; }

# expect NAME EXIT_CODE STDERR_REGEX -- command...
expect() {
  local name="$1" code="$2" pattern="$3"; shift 4
  "$@" >"$tmp/out" 2>"$tmp/err"; local got=$?
  local lines; lines=$(wc -l <"$tmp/err")
  if [ "$got" -ne "$code" ]; then fail "$name: exit $got, expected $code ($(head -c 300 "$tmp/err"))"; return; fi
  if [ "$code" -ne 0 ] && [ "$lines" -ne 1 ]; then fail "$name: $lines stderr lines, expected 1"; return; fi
  if [ -n "$pattern" ] && ! grep -Eq "$pattern" "$tmp/err"; then fail "$name: stderr '$(cat "$tmp/err")' does not match /$pattern/"; return; fi
  ok "$name"
}

conv="$data/test_conv_with_strides_padding/model.onnx"
for sub in "" run inspect; do
  expect "help $sub" 0 "" -- "$rqc" $sub --help
done
expect "no subcommand" 2 "^rqc: error: .*subcommand" -- "$rqc"
expect "unknown flag" 2 "^rqc: error: .*--bogus" -- "$rqc" run "$conv" --reference --bogus
expect "missing model" 1 "^rqc: error: .*cannot open file" -- "$rqc" inspect "$tmp/none.onnx"
printf 'garbage' >"$tmp/bad.onnx"
expect "corrupt model" 1 "^rqc: error: bad.onnx: not a valid ONNX model" -- "$rqc" run "$tmp/bad.onnx" --reference
head -c 200 "$conv" >"$tmp/truncated.onnx"
expect "truncated model" 1 "^rqc: error: truncated.onnx:" -- "$rqc" inspect "$tmp/truncated.onnx"
expect "wrong extension" 1 "unknown model format" -- "$rqc" inspect "$tmp/model.pb"
expect "run needs --reference" 1 "needs --reference" -- "$rqc" run "$conv"
expect "bad input shape spec" 1 "is not of the form NAME=1x3x224x224" -- "$rqc" inspect "$conv" --input-shape x=1xx3

# A failing run writes no output file.
expect "missing inputs file" 1 "cannot open .npz" -- "$rqc" run "$conv" --reference --inputs "$tmp/none.npz" --outputs "$tmp/out.npz"
[ ! -e "$tmp/out.npz" ] && ok "no output after failure" || fail "output file left behind"

# A good run: seeded random inputs, outputs written, deterministic across runs.
expect "good run" 0 "" -- "$rqc" run "$conv" --reference --seed 3 --outputs "$tmp/a.npz"
"$rqc" run "$conv" --reference --seed 3 --outputs "$tmp/b.npz" >/dev/null 2>&1
cmp -s "$tmp/a.npz" "$tmp/b.npz" && ok "seeded runs are reproducible" || fail "seeded runs differ"
"$python" -c "import numpy as np; np.savez('$tmp/in.npz', x=np.ones((1,1,7,5), np.float32), W=np.ones((1,1,3,3), np.float32))"
expect "inputs from npz" 0 "" -- "$rqc" run "$conv" --reference --inputs "$tmp/in.npz" --outputs "$tmp/c.npz"
"$python" -c "import numpy as np; y=np.load('$tmp/c.npz')['y']; assert y.shape==(1,1,4,3) and y[0,0,1,1]==9.0 and y[0,0,0,0]==4.0, y" \
  && ok "outputs from npz inputs are right" || fail "outputs from npz inputs are wrong"
# a.npz holds the output 'y', not the inputs: the run must name what is missing.
expect "wrong npz keys" 1 "missing input 'x'" -- "$rqc" run "$conv" --reference --inputs "$tmp/a.npz"

# Cross targets: an unknown triple, and a target whose OpenMP runtime is not there; no
# package is left behind.
expect "unknown triple" 1 "^rqc: error: .*target triple 'bogus-none-elf'" -- "$rqc" compile "$conv" --target="llvm -mtriple=bogus-none-elf" -o "$tmp/x.rqc"
RQC_ARMHF_OMP_DIR="$tmp/no-omp" expect "missing cross libomp" 1 "^rqc: error: libomp for armv7a-unknown-linux-gnueabihf is missing" -- \
  "$rqc" compile "$conv" --target="arm_cpu -mtriple=armv7a-linux-gnueabihf" -o "$tmp/x.rqc"
[ ! -e "$tmp/x.rqc" ] && ok "no package after a failed compile" || fail "package left behind"

"$rqc" inspect "$conv" --json >"$tmp/j" 2>&1 && grep -q '"macs": 108' "$tmp/j" && ok "inspect --json" || fail "inspect --json: $(cat "$tmp/j")"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
