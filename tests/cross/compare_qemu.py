"""A cross-compiled package under qemu-user against the host package and the reference.

usage: compare_qemu.py --arch aarch64|armv7 --rqc HOST_RQC --rqc-cross CROSS_RQC
                       --lib-dir DIR [--lib-dir DIR ...] --model M.onnx [--threads T]

Compiles MODEL for the cross target and for the host, runs the cross package with the
cross-built runtime-only rqc under qemu-user, the host package natively and the model with
the reference executor, all on one seeded input, and requires every output within 1e-4 of
the reference output's range.

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
    target, flags, qemu, tree = ARCHES[a.arch]
    for path in (a.rqc, a.rqc_cross, a.model, *a.lib_dir):
        if not os.path.exists(path):
            print(f"FAIL: {path} is missing (run scripts/setup.sh)")
            return 2
    model = onnx.load(a.model, load_external_data=False)
    inits = {i.name for i in model.graph.initializer}
    rng = np.random.default_rng(a.seed)
    feeds = {}
    for i in model.graph.input:
        if i.name in inits:
            continue
        shape = [d.dim_value if d.dim_value > 0 else 1 for d in i.type.tensor_type.shape.dim]
        feeds[i.name] = rng.standard_normal(shape).astype(np.float32)
    name = os.path.basename(a.model)
    with tempfile.TemporaryDirectory() as tmp:
        inputs = os.path.join(tmp, "in.npz")
        np.savez(inputs, **feeds)
        run([a.rqc, "compile", a.model, f"--target={target}", *flags, "-o", f"{tmp}/cross.rqc"])
        run([a.rqc, "compile", a.model, "--target=llvm", "-o", f"{tmp}/host.rqc"])
        lib_path = ":".join([f"{tree}/lib", *a.lib_dir])
        run([qemu, "-L", tree, "-E", f"LD_LIBRARY_PATH={lib_path}", a.rqc_cross, "run", f"{tmp}/cross.rqc",
             "--inputs", inputs, "--outputs", f"{tmp}/cross.npz", "--threads", str(a.threads)])
        run([a.rqc, "run", f"{tmp}/host.rqc", "--inputs", inputs, "--outputs", f"{tmp}/host.npz"])
        run([a.rqc, "run", a.model, "--reference", "--inputs", inputs, "--outputs", f"{tmp}/ref.npz"])
        cross, host, ref = (np.load(f"{tmp}/{n}.npz") for n in ("cross", "host", "ref"))
        ok = True
        for out in ref.files:
            r = ref[out].astype(np.float64)
            tol = 1e-4 * max(float(r.max() - r.min()), 1e-12)
            for label, got in ((f"{a.arch} vs reference", cross[out]), (f"{a.arch} vs host", cross[out] - host[out] + r)):
                diff = float(np.abs(got.astype(np.float64) - r).max())
                status = "ok" if diff <= tol else "MISMATCH"
                ok &= diff <= tol
                print(f"{name} {out}: {label}: max|diff| {diff:.3g} (tol {tol:.3g}) {status}")
    print(("PASS" if ok else "FAIL") + f" {name} on {a.arch} (qemu, {a.threads} threads)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
