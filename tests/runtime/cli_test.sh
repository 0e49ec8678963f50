#!/usr/bin/env bash
# The runtime-only rqc: run and bench of a test package, --json, and one-line errors with
# a non-zero exit for user errors.
#   cli_test.sh PATH/TO/rqc-runtime-cli PATH/TO/rqc_make_test_package PYTHON (with numpy)
set -u -o pipefail
rqc="$1"; make_package="$2"; python="$3"
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
passed=0; failed=0
ok()   { passed=$((passed + 1)); echo "ok   $1"; }
fail() { failed=$((failed + 1)); echo "FAIL $1"; }

# expect NAME EXIT_CODE STDOUT_OR_STDERR_REGEX -- command...
# (the regex is matched against stderr for failures, stdout for successes)
expect() {
  local name="$1" code="$2" pattern="$3"; shift 4
  "$@" >"$tmp/out" 2>"$tmp/err"; local got=$?
  if [ "$got" -ne "$code" ]; then fail "$name: exit $got, expected $code ($(head -c 300 "$tmp/err"))"; return; fi
  local stream="$tmp/out"
  if [ "$code" -ne 0 ]; then
    stream="$tmp/err"
    local lines; lines=$(wc -l <"$tmp/err")
    if [ "$lines" -ne 1 ]; then fail "$name: $lines stderr lines, expected 1: $(cat "$tmp/err")"; return; fi
  fi
  if [ -n "$pattern" ] && ! grep -Eq "$pattern" "$stream"; then
    fail "$name: '$(head -c 500 "$stream")' does not match /$pattern/"; return
  fi
  ok "$name"
}

"$make_package" "$tmp/chain.rqc" "$tmp/in.npz" || { echo "FAIL cannot make the test package"; exit 1; }

# help "SUBCOMMAND" KEY...: --help exits 0 and prints the usage line and every key option.
help() {
  local sub="$1"; shift
  if ! "$rqc" $sub --help >"$tmp/out" 2>&1; then fail "help '$sub': exit code $?"; return; fi
  for key in "Usage: rqc${sub:+ $sub} " "$@"; do
    if ! grep -qF -- "$key" "$tmp/out"; then fail "help '$sub': no '$key' in: $(head -c 300 "$tmp/out")"; return; fi
  done
  ok "help '$sub'"
}
help "" run bench --version
help run --inputs --outputs --seed --threads
help bench --inputs --seed --repeat --warmup --threads --json --profile
expect "version" 0 "runtime only" -- "$rqc" --version
expect "run" 0 "^  class +[0-9]+  score " -- "$rqc" run "$tmp/chain.rqc" --seed 3
expect "run latency" 0 "^latency: [0-9.]+ ms" -- "$rqc" run "$tmp/chain.rqc" --threads 1
expect "run writes outputs" 0 "outputs written to" -- "$rqc" run "$tmp/chain.rqc" --outputs "$tmp/out.npz"
"$python" -c "import numpy as np; y = np.load('$tmp/out.npz')['y']; assert y.shape == (1, 16) and y.dtype == np.float32, y" \
  && ok "outputs file holds y" || fail "outputs file does not hold y [1, 16] float32"
# x = i % 7 - 3, w = i/2 - 4: the largest score, 6 relu(x + w), is class 13 (3 + 2.5).
expect "run reads inputs" 0 "^  class    13  score 33$" -- "$rqc" run "$tmp/chain.rqc" --inputs "$tmp/in.npz" --outputs "$tmp/out2.npz"
"$python" -c "
import numpy as np
i = np.arange(16)
want = (6 * np.maximum(0, (i % 7 - 3) + (i / 2 - 4))).astype(np.float32).reshape(1, 16)
y = np.load('$tmp/out2.npz')['y']
assert y.dtype == np.float32 and np.array_equal(y, want), (y, want)" \
  && ok "outputs are 6 relu(x + w)" || fail "outputs are not 6 relu(x + w)"
expect "outputs are not inputs" 1 "out.npz: array 'y' is not an input of the model" -- "$rqc" run "$tmp/chain.rqc" --inputs "$tmp/out.npz"
[ -n "$(ls "$tmp" | grep -v -e '^chain.rqc$' -e '^in.npz$' -e '^out.npz$' -e '^out2.npz$' -e '^out$' -e '^err$')" ] \
  && fail "temporary files left: $(ls "$tmp")" || ok "no temporary files left"
expect "bench" 0 "p50 [0-9.]+  p90 [0-9.]+  p99" -- "$rqc" bench "$tmp/chain.rqc" --repeat 5 --warmup 1 --threads 1
expect "bench memory" 0 "arena 0.0 MiB" -- "$rqc" bench "$tmp/chain.rqc" --repeat 3
expect "bench json" 0 '"p99"' -- "$rqc" bench "$tmp/chain.rqc" --repeat 5 --json
"$rqc" bench "$tmp/chain.rqc" --repeat 5 --json | "$python" -c 'import json,sys; d=json.load(sys.stdin); assert d["repeat"]==5 and d["latency_ms"]["p50"]>0' \
  && ok "bench json parses" || fail "bench json does not parse"

# User errors: one line on stderr, non-zero exit.
expect "no subcommand" 2 "^rqc: error: .*subcommand" -- "$rqc"
expect "unknown flag" 2 "^rqc: error: .*--bogus" -- "$rqc" run "$tmp/chain.rqc" --bogus
expect "onnx model" 1 "^rqc: error: .*model.onnx: this rqc build has no compiler" -- "$rqc" run "$tmp/model.onnx"
expect "compile" 1 "^rqc: error: 'rqc compile' needs the compiler" -- "$rqc" compile m.onnx -o m.rqc
expect "missing package" 1 "^rqc: error: .*none.rqc: cannot open package" -- "$rqc" run "$tmp/none.rqc"
printf 'garbage' >"$tmp/bad.rqc"
expect "not a package" 1 "^rqc: error: .*bad.rqc: not an rqc package" -- "$rqc" bench "$tmp/bad.rqc"
head -c 1500 "$tmp/chain.rqc" >"$tmp/cut.rqc"
expect "truncated package" 1 "^rqc: error: .*cut.rqc: truncated package" -- "$rqc" run "$tmp/cut.rqc"
expect "bad repeat" 1 "^rqc: error: --repeat must be at least 1" -- "$rqc" bench "$tmp/chain.rqc" --repeat 0
expect "missing inputs" 1 "^rqc: error: .*cannot open" -- "$rqc" run "$tmp/chain.rqc" --inputs "$tmp/none.npz" --outputs "$tmp/never.npz"
[ ! -e "$tmp/never.npz" ] && ok "no output after failure" || fail "output file left behind"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
