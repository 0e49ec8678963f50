#!/usr/bin/env bash
# Command-line behaviour: --help everywhere, exit codes, one clear error line on stderr
# for user errors, and no output file left behind when a run fails.
#   cli_test.sh PATH/TO/rqc NODE_TEST_DATA_DIR PYTHON [RUNTIME_ONLY_RQC RQC_VTA]
set -u
rqc="$1"; data="$2"; python="$3"; runtime_rqc="${4:-}"; rqc_vta="${5:-}"
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
# help "SUBCOMMAND" KEY...: --help exits 0 and prints the usage line and every key option.
help() {
  local sub="$1"; shift
  if ! "$rqc" $sub --help >"$tmp/help" 2>&1; then fail "help '$sub': exit code $?"; return; fi
  for key in "Usage: rqc${sub:+ $sub} " "$@"; do
    if ! grep -qF -- "$key" "$tmp/help"; then fail "help '$sub': no '$key' in: $(head -c 300 "$tmp/help")"; return; fi
  done
  ok "help '$sub'"
}
help "" compile inspect run bench vta --version
help compile --output --target --mcpu --mattr --input-shape --dump --dtype --calibration --power-of-two --int8-kernels
help experiment --output report
help "experiment report" --output --baseline --latency-threshold --top1-threshold --fail-on-regression
help quantize --output --calibration --calibration-limit --calibrate-method --percentile --activation-type --symmetric-activations --power-of-two --keep-first-conv-float --keep-last-dense-float --keep-float --input-shape
help inspect --json --layers --input-shape
help run --reference --as-compiled --inputs --outputs --seed --input-shape --threads
help bench --inputs --seed --repeat --warmup --threads --json --profile
help vta disasm asm sim
help "vta asm" --output --config
help "vta disasm" --offset --count --uops --config
help "vta sim" --dram --insn-offset --insn-count --out --json --config
"$rqc" --version >"$tmp/v" 2>&1 && grep -Eqx "rqc [0-9]+\.[0-9]+\.[0-9]+" "$tmp/v" && ok "--version" || fail "--version: $(cat "$tmp/v")"
expect "no subcommand" 2 "^rqc: error: .*subcommand" -- "$rqc"
expect "unknown flag" 2 "^rqc: error: .*--bogus" -- "$rqc" run "$conv" --reference --bogus
expect "missing model" 1 "^rqc: error: .*cannot open file" -- "$rqc" inspect "$tmp/none.onnx"
printf 'garbage' >"$tmp/bad.onnx"
expect "corrupt model" 1 "^rqc: error: bad.onnx: not a valid ONNX model" -- "$rqc" run "$tmp/bad.onnx" --reference
head -c 200 "$conv" >"$tmp/truncated.onnx"
expect "truncated model" 1 "^rqc: error: truncated.onnx:" -- "$rqc" inspect "$tmp/truncated.onnx"
expect "wrong extension" 1 "unknown model format" -- "$rqc" inspect "$tmp/model.pb"
expect "run needs --reference" 1 "needs --reference" -- "$rqc" run "$conv"
expect "--as-compiled needs --reference" 1 "^rqc: error: --as-compiled goes with --reference$" -- "$rqc" run "$conv" --as-compiled
expect "bad --int8-kernels" 2 "^rqc: error: .*--int8-kernels" -- "$rqc" compile "$conv" --int8-kernels=yes -o "$tmp/x.rqc"
expect "bad input shape spec" 1 "is not of the form NAME=1x3x224x224" -- "$rqc" inspect "$conv" --input-shape x=1xx3

# A failing run writes no output file.
expect "missing inputs file" 1 "cannot open .npz" -- "$rqc" run "$conv" --reference --inputs "$tmp/none.npz" --outputs "$tmp/out.npz"
[ ! -e "$tmp/out.npz" ] && ok "no output after failure" || fail "output file left behind"

# A good run: seeded random inputs, outputs written, deterministic across runs.
expect "good run" 0 "" -- "$rqc" run "$conv" --reference --seed 3 --outputs "$tmp/a.npz"
"$rqc" run "$conv" --reference --seed 3 --outputs "$tmp/b.npz" >/dev/null 2>&1
"$rqc" run "$conv" --reference --seed 4 --outputs "$tmp/s4.npz" >/dev/null 2>&1
# pyexpect NAME PYTHON-STATEMENTS: numpy (as np) and sys are imported; the statements assert.
pyexpect() {
  local name="$1"; shift
  if "$python" -c "import numpy as np, sys, zipfile; $1" >"$tmp/py" 2>&1; then ok "$name"; else fail "$name: $(tail -n 3 "$tmp/py")"; fi
}
pyexpect "seeded runs give the same arrays" "
a, b = np.load('$tmp/a.npz'), np.load('$tmp/b.npz')
assert a.files == b.files == ['y'], (a.files, b.files)
assert a['y'].shape == (1, 1, 4, 3) and a['y'].dtype == np.float32 and np.array_equal(a['y'], b['y'])"
pyexpect "another seed gives other arrays" "
assert not np.array_equal(np.load('$tmp/a.npz')['y'], np.load('$tmp/s4.npz')['y'])"
# Byte for byte too: every member carries the fixed date 1980-01-01 00:00, not the time of
# the write (zip times have 2-second steps, so two runs could straddle one).
pyexpect "npz members carry a fixed date" "
assert [i.date_time for i in zipfile.ZipFile('$tmp/a.npz').infolist()] == [(1980, 1, 1, 0, 0, 0)]"
cmp -s "$tmp/a.npz" "$tmp/b.npz" && ok "seeded runs are byte-identical" || fail "seeded runs differ in bytes"
"$python" -c "import numpy as np; np.savez('$tmp/in.npz', x=np.ones((1,1,7,5), np.float32), W=np.ones((1,1,3,3), np.float32))"
expect "inputs from npz" 0 "" -- "$rqc" run "$conv" --reference --inputs "$tmp/in.npz" --outputs "$tmp/c.npz"
# ones (7x5) * ones (3x3), stride 2, pad 1: each output counts the input cells under its
# window: 2 or 3 rows (first/last output row 2) times 2 or 3 columns.
pyexpect "outputs from npz inputs are right" "
y = np.load('$tmp/c.npz')['y']
want = np.array([[4, 6, 4], [6, 9, 6], [6, 9, 6], [4, 6, 4]], np.float32).reshape(1, 1, 4, 3)
assert y.dtype == np.float32 and np.array_equal(y, want), y"
# a.npz holds the output 'y', not the inputs: the run must name what is missing.
expect "wrong npz keys" 1 "missing input 'x'" -- "$rqc" run "$conv" --reference --inputs "$tmp/a.npz"

# Cross targets: an unknown triple, and a target whose OpenMP runtime is not there; no
# package is left behind.
expect "unknown triple" 1 "^rqc: error: .*target triple 'bogus-none-elf'" -- "$rqc" compile "$conv" --target="llvm -mtriple=bogus-none-elf" -o "$tmp/x.rqc"
RQC_ARMHF_OMP_DIR="$tmp/no-omp" expect "missing cross libomp" 1 "^rqc: error: libomp for armv7a-unknown-linux-gnueabihf is missing" -- \
  "$rqc" compile "$conv" --target="arm_cpu -mtriple=armv7a-linux-gnueabihf" -o "$tmp/x.rqc"
[ ! -e "$tmp/x.rqc" ] && ok "no package after a failed compile" || fail "package left behind"

# An unknown CPU or CPU feature, and a CPU of another architecture than the triple, are
# refused (LLVM alone would warn and build for a generic CPU); no package is left.
x86="llvm -mtriple=x86_64-linux-gnu"
expect "unknown -mcpu" 1 "^rqc: error: unknown CPU 'notacpu' for target triple [^ ]+ \(.llc -mtriple=[^ ]+ -mcpu=help. lists the known ones" -- \
  "$rqc" compile "$conv" -mcpu=notacpu -o "$tmp/x.rqc"
expect "unknown --mattr" 1 "^rqc: error: unknown CPU feature 'bogus' for target triple x86_64-unknown-linux-gnu \(.llc -mtriple=x86_64-unknown-linux-gnu -mattr=help. lists the known ones\)$" -- \
  "$rqc" compile "$conv" --target="$x86" --mattr=+avx2,+bogus -o "$tmp/x.rqc"
expect "-mcpu of another architecture" 1 "^rqc: error: unknown CPU 'cortex-a72' for target triple x86_64-unknown-linux-gnu \(.llc -mtriple=x86_64-unknown-linux-gnu -mcpu=help. lists the known ones; for another architecture give -mtriple too\)$" -- \
  "$rqc" compile "$conv" --target="$x86 -mcpu=cortex-a72" -o "$tmp/x.rqc"
expect "-mattr of another architecture" 1 "^rqc: error: unknown CPU feature 'avx2' for target triple aarch64-unknown-linux-gnu " -- \
  "$rqc" compile "$conv" --target="arm_cpu -mattr=+neon,+avx2" -o "$tmp/x.rqc"
[ ! -e "$tmp/x.rqc" ] && ok "no package after a refused CPU" || fail "package left behind after a refused CPU"
expect "known -mcpu and -mattr" 0 "" -- "$rqc" compile "$conv" --target="$x86" --mcpu=skylake --mattr=-avx512f,+avx2 -o "$tmp/x.rqc"
expect "-mcpu with its triple" 0 "" -- "$rqc" compile "$conv" --target="arm_cpu -mcpu=cortex-a72" -o "$tmp/a64.rqc"

# A compiled package through the main binary: run (same numbers as the reference) and bench.
expect "compile" 0 "" -- "$rqc" compile "$conv" -o "$tmp/conv.rqc"
# A package is a plain tar (docs/package-format.md): GNU tar lists and extracts it.
[ "$(tar -tf "$tmp/conv.rqc" | tr '\n' ' ')" = "module.json params.bin kernels.so " ] \
  && ok "GNU tar lists the package" || fail "GNU tar lists: $(tar -tf "$tmp/conv.rqc" 2>&1 | tr '\n' ' ')"
tar -xOf "$tmp/conv.rqc" module.json >"$tmp/module.json" 2>&1
pyexpect "GNU tar extracts module.json" "
import json; j = json.load(open('$tmp/module.json')); assert len(j['kernels']) == 1, j['kernels']"
expect "run a package" 0 "" -- "$rqc" run "$tmp/conv.rqc" --seed 3 --outputs "$tmp/compiled.npz"
pyexpect "compiled run matches the reference" "
r, c = np.load('$tmp/a.npz')['y'], np.load('$tmp/compiled.npz')['y']
assert r.shape == c.shape == (1, 1, 4, 3) and np.allclose(r, c, rtol=1e-5, atol=1e-6), (r, c)"
expect "bench --json" 0 "" -- "$rqc" bench "$tmp/conv.rqc" --repeat 3 --warmup 1 --json
pyexpect "bench report" "
import json; j = json.load(open('$tmp/out'))
assert (j['repeat'], j['warmup'], j['kernels'], j['batch']) == (3, 1, 1, 1), j
assert j['target']['kind'] == 'llvm' and j['target']['triple'] and j['target']['cpu'], j['target']
l = j['latency_ms']; assert 0 < l['min'] <= l['p50'] <= l['max'], l"
expect "bench needs a package" 1 "^rqc: error: rqc bench takes a compiled package \(\.rqc\); compile .*model\.onnx first$" -- \
  "$rqc" bench "$conv"

# rqc vta through the main binary: a FINISH-only stream assembled, listed and simulated:
# 24 cycles of fetch DMA start-up + 2 to fetch FINISH + 2 to run it (docs/vta.md costs).
printf 'FINISH\n' >"$tmp/finish.vtasm"
expect "vta asm" 0 "" -- "$rqc" vta asm "$tmp/finish.vtasm" -o "$tmp/finish.bin"
[ "$(wc -c <"$tmp/finish.bin")" -eq 16 ] && ok "vta asm wrote one instruction" || fail "vta asm wrote $(wc -c <"$tmp/finish.bin") bytes"
expect "vta disasm" 0 "" -- "$rqc" vta disasm "$tmp/finish.bin"
grep -qF "0: FINISH deps=-  # lo=0x0000000000000003 hi=0x0000000000000000" "$tmp/out" && ok "vta disasm listing" || fail "vta disasm: $(cat "$tmp/out")"
expect "vta sim" 0 "" -- "$rqc" vta sim --dram "$tmp/finish.bin" --insn-offset 0 --insn-count 1
grep -Eq "^total cycles +24 " "$tmp/out" && ok "vta sim: 24 cycles (FINISH after the 20-cycle fetch start-up)" || fail "vta sim: $(cat "$tmp/out")"
expect "vta sim, missing image" 1 "^rqc: error: cannot open $tmp/none.bin" -- "$rqc" vta sim --dram "$tmp/none.bin" --insn-offset 0 --insn-count 1

# Subcommands as a newcomer meets them: a mistyped one is named as unknown, with the list;
# a missing one is asked for; every usage line names the program.
expect "unknown subcommand" 2 "^rqc: error: unknown subcommand 'tunee' of 'rqc' \(it has: compile, inspect, run, bench, measure, tune, tophub, validate, quantize, experiment, vta, rpc-server, agent, farm\) \(see rqc --help\)$" -- "$rqc" tunee resnet18.onnx
expect "no subcommand" 2 "^rqc: error: 'rqc' needs a subcommand: compile, inspect, run, bench, measure, tune, tophub, validate, quantize, experiment, vta, rpc-server, agent, farm \(see rqc --help\)$" -- "$rqc"
expect "unknown nested subcommand" 2 "^rqc: error: unknown subcommand 'merj' of 'rqc tophub' \(it has: list, best, merge, diff\) \(see rqc tophub --help\)$" -- "$rqc" tophub merj a.log
expect "missing nested subcommand" 2 "^rqc: error: 'rqc vta' needs a subcommand: disasm, asm, sim, conv2d \(see rqc vta --help\)$" -- "$rqc" vta
expect "a subcommand's error names an unknown option and points at its help" 2 "^rqc: error: unknown option '--frob' of 'rqc compile' \(see rqc compile --help\)$" -- "$rqc" compile --frob "$conv"
expect "a short option's value attached to it (-oFILE)" 0 "" -- "$rqc" compile "$conv" -o"$tmp/attached.rqc"
[ -f "$tmp/attached.rqc" ] && ok "-oFILE writes FILE" || fail "-oFILE did not write FILE"
expect "option values that start with a dash" 0 "" -- "$rqc" compile "$conv" --mattr -avx512f -o "$tmp/dash.rqc"
expect "an unknown short option" 2 "^rqc: error: unknown option '-q' of 'rqc compile'" -- "$rqc" compile "$conv" -q
expect "tune takes a model, not a subcommand" 1 "^rqc: error: cannot open tunee.onnx|^rqc: error: .*tunee.onnx" -- "$rqc" tune tunee.onnx -o "$tmp/t.log"
if [ -n "$runtime_rqc" ]; then
  "$runtime_rqc" run --help >"$tmp/help" 2>&1 && grep -q "^Usage: rqc run \[OPTIONS\] package" "$tmp/help" && ok "runtime-only usage names rqc" || fail "runtime-only usage: $(head -3 "$tmp/help")"
  expect "runtime-only unknown subcommand" 2 "^rqc: error: unknown subcommand 'frob' of 'rqc' \(it has: run, bench, measure, rpc-server, agent, farm\)" -- "$runtime_rqc" frob
fi
if [ -n "$rqc_vta" ]; then
  "$rqc_vta" --help >"$tmp/help" 2>&1 && grep -q "^Usage: rqc-vta \[OPTIONS\] SUBCOMMAND" "$tmp/help" && ok "rqc-vta usage names rqc-vta" || fail "rqc-vta usage: $(head -3 "$tmp/help")"
  expect "rqc-vta unknown subcommand" 2 "^rqc-vta: error: unknown subcommand 'frob' of 'rqc-vta vta' \(it has: disasm, asm, sim\)" -- "$rqc_vta" vta frob
fi

"$rqc" inspect "$conv" --json >"$tmp/j" 2>&1 && grep -q '"macs": 108' "$tmp/j" && ok "inspect --json" || fail "inspect --json: $(cat "$tmp/j")"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
