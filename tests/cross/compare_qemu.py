"""A cross-compiled package under qemu-user against ONNX Runtime, the host package and the reference.

usage: compare_qemu.py --arch aarch64|armv7 --rqc HOST_RQC --rqc-cross CROSS_RQC
                       --lib-dir DIR [--lib-dir DIR ...] --model M.onnx [--threads T]

Compiles MODEL for the cross target and for the host, runs the cross package with the
cross-built runtime-only rqc under qemu-user, the host package natively and the model with
the reference executor, all on one seeded input (tests/models/compare_with_ort.py's), and
ONNX Runtime on the host. Every output of the cross package must have the shape of ORT's
output and match

  - fp32: ORT (default optimizations), the reference and the host package, each within
    1e-4 of the output's range;
  - int8 (QDQ): ORT with ORT_DISABLE_ALL, the reference and the host package, each with
    the int8 criterion of tests/models/int8_check.py, which also compares the first
    quantized layers (a cut copy of the model, compiled and run the same way).

ORT is the oracle; the reference and host comparisons locate a difference (importer and
graph passes, which all rqc paths share, or the ARM code generation).

The emulated process loads its libc from the cross toolchain's tree (/usr/<triple>/lib),
named first in LD_LIBRARY_PATH: otherwise the loader finds the multiarch libc6:<arch>
through the host's ld.so.cache, a different build than the toolchain's ld.so, and the
first pthread_create spins forever on a stack list laid out for the other build.
"""
import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np
import onnx

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "models"))
import int8_check  # noqa: E402
from compare_with_ort import make_inputs, run_ort  # noqa: E402

ARCHES = {
    # target string, qemu binary, cross toolchain tree (loader and libc)
    "aarch64": ("arm_cpu", [], "qemu-aarch64", "/usr/aarch64-linux-gnu"),
    # The Pynq-Z1's host CPU: Cortex-A9, ARMv7-A with NEON, hard-float.
    "armv7": ("arm_cpu -mtriple=armv7a-linux-gnueabihf", ["-mcpu=cortex-a9"], "qemu-arm", "/usr/arm-linux-gnueabihf"),
}


def run(cmd, env=None, timeout=1800):
    print("+ " + " ".join(cmd), flush=True)
    p = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout)
    if p.returncode != 0:
        print(p.stdout[-2000:], p.stderr[-2000:])
        raise SystemExit(f"FAIL: command exited with {p.returncode}")
    return p.stdout


def load(path):
    with np.load(path) as z:
        return {k: z[k] for k in z.files}


def run_all(a, model_path, inputs, tmp, stem):
    """Cross package under qemu, host package, reference: {"cross"|"host"|"ref": outputs}."""
    target, flags, qemu, tree = ARCHES[a.arch]
    run([a.rqc, "compile", model_path, f"--target={target}", *flags, "-o", f"{tmp}/{stem}_cross.rqc"])
    run([a.rqc, "compile", model_path, "--target=llvm", "-o", f"{tmp}/{stem}_host.rqc"])
    lib_path = ":".join([f"{tree}/lib", *a.lib_dir])
    run([qemu, "-L", tree, "-E", f"LD_LIBRARY_PATH={lib_path}", a.rqc_cross, "run", f"{tmp}/{stem}_cross.rqc",
         "--inputs", inputs, "--outputs", f"{tmp}/{stem}_cross.npz", "--threads", str(a.threads)])
    run([a.rqc, "run", f"{tmp}/{stem}_host.rqc", "--inputs", inputs, "--outputs", f"{tmp}/{stem}_host.npz"])
    run([a.rqc, "run", model_path, "--reference", "--inputs", inputs, "--outputs", f"{tmp}/{stem}_ref.npz"])
    return {k: load(f"{tmp}/{stem}_{k}.npz") for k in ("cross", "host", "ref")}


def check_fp32(name, arch, cross, others):
    ok = True
    for label, ref in others.items():
        for out, r in ref.items():
            r = r.astype(np.float64)
            tol = 1e-4 * max(float(r.max() - r.min()), 1e-12)
            got = cross.get(out)
            if got is None or got.shape != r.shape:
                print(f"{name} {out}: {arch} vs {label}: shape {None if got is None else list(got.shape)} != {list(r.shape)} MISMATCH")
                ok = False
                continue
            diff = float(np.abs(got.astype(np.float64) - r).max())
            ok &= diff <= tol
            print(f"{name} {out}: {arch} vs {label}: max|diff| {diff:.3g} (tol {tol:.3g}) {'ok' if diff <= tol else 'MISMATCH'}")
    return ok


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--arch", required=True, choices=sorted(ARCHES))
    ap.add_argument("--rqc", required=True)
    ap.add_argument("--rqc-cross", required=True)
    ap.add_argument("--lib-dir", action="append", default=[], help="target libraries (libomp, libzip, ...)")
    ap.add_argument("--model", required=True)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    for path in (a.rqc, a.rqc_cross, a.model, *a.lib_dir):
        if not os.path.exists(path):
            print(f"FAIL: {path} is missing (run scripts/setup.sh)")
            return 2
    model = onnx.load(a.model)
    quant = int8_check.is_quantized(model)
    feeds = make_inputs(model, a.seed)
    name = os.path.basename(a.model)
    with tempfile.TemporaryDirectory() as tmp:
        inputs = os.path.join(tmp, "in.npz")
        np.savez(inputs, **feeds)
        outs = run_all(a, a.model, inputs, tmp, "model")
        if not quant:
            ort = run_ort(a.model, feeds, "ORT_ENABLE_ALL")
            ok = check_fp32(name, a.arch, outs["cross"], {"ORT": ort, "reference": outs["ref"], "host": outs["host"]})
        else:
            early = int8_check.early_layer_model(model)
            early_path = os.path.join(tmp, "early.onnx")
            onnx.save(early, early_path)
            early_outs = run_all(a, early_path, inputs, tmp, "early")
            ok = True
            for label, ref, early_ref in (
                    ("ORT_DISABLE_ALL", run_ort(a.model, feeds, "ORT_DISABLE_ALL"), run_ort(early_path, feeds, "ORT_DISABLE_ALL")),
                    ("reference", outs["ref"], early_outs["ref"]),
                    ("host", outs["host"], early_outs["host"])):
                print(f"{name}: {a.arch} vs {label}:")
                ok &= int8_check.judge(model, early, ref, outs["cross"], early_ref, early_outs["cross"], a.arch)
    print(("PASS" if ok else "FAIL") + f" {name} on {a.arch} (qemu, {a.threads} threads)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
