"""An AArch64 package under qemu-aarch64 against the host package and the reference.

usage: compare_qemu.py --rqc HOST_RQC --rqc-aarch64 AARCH64_RQC --omp-dir DIR --model M.onnx

Compiles MODEL for arm_cpu and for the host, runs the aarch64 package with the
cross-built runtime-only rqc under qemu-aarch64, the host package natively and the model
with the reference executor, all on one seeded input, and requires every output within
1e-4 of the reference output's range. The emulated run uses one thread: multi-threaded
OpenMP fork/join under qemu-user has not been made to work yet (it hangs).
"""
import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np
import onnx


def run(cmd, env=None, timeout=1800):
    print("+ " + " ".join(cmd), flush=True)
    p = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout)
    if p.returncode != 0:
        print(p.stdout[-2000:], p.stderr[-2000:])
        raise SystemExit(f"FAIL: command exited with {p.returncode}")
    return p.stdout


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rqc", required=True)
    ap.add_argument("--rqc-aarch64", required=True)
    ap.add_argument("--omp-dir", required=True)
    ap.add_argument("--model", required=True)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    for path in (a.rqc, a.rqc_aarch64, a.model):
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
    with tempfile.TemporaryDirectory() as tmp:
        inputs = os.path.join(tmp, "in.npz")
        np.savez(inputs, **feeds)
        run([a.rqc, "compile", a.model, "--target=arm_cpu", "-o", f"{tmp}/a64.rqc"])
        run([a.rqc, "compile", a.model, "--target=llvm", "-o", f"{tmp}/host.rqc"])
        env = dict(os.environ, LD_LIBRARY_PATH=a.omp_dir)
        run(["qemu-aarch64", "-L", "/usr/aarch64-linux-gnu", a.rqc_aarch64, "run", f"{tmp}/a64.rqc",
             "--inputs", inputs, "--outputs", f"{tmp}/a64.npz", "--threads", "1"], env=env)
        run([a.rqc, "run", f"{tmp}/host.rqc", "--inputs", inputs, "--outputs", f"{tmp}/host.npz"])
        run([a.rqc, "run", a.model, "--reference", "--inputs", inputs, "--outputs", f"{tmp}/ref.npz"])
        a64, host, ref = (np.load(f"{tmp}/{n}.npz") for n in ("a64", "host", "ref"))
        ok = True
        for name in ref.files:
            r = ref[name].astype(np.float64)
            tol = 1e-4 * max(float(r.max() - r.min()), 1e-12)
            for label, out in (("aarch64 vs reference", a64[name]), ("aarch64 vs host", a64[name] - host[name] + r)):
                diff = float(np.abs(out.astype(np.float64) - r).max())
                status = "ok" if diff <= tol else "MISMATCH"
                ok &= diff <= tol
                print(f"{os.path.basename(a.model)} {name}: {label}: max|diff| {diff:.3g} (tol {tol:.3g}) {status}")
    print(("PASS" if ok else "FAIL") + f" {os.path.basename(a.model)} on aarch64 (qemu)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
