"""rqc compile --target=mali end to end on this machine's OpenCL implementation (PoCL):

* models compiled to OpenCL C (kernels.cl, no kernels.so) run through the runtime's OpenCL
  device and match the reference executor: fp32 within 1e-4 of the output range, the int8
  QDQ models (float QDQ semantics on the device) within one quantization step;
* the emitted OpenCL C also compiles with clang as OpenCL C 1.2 with no extension enabled
  but cl_khr_fp16 (-Werror), so it is not tied to PoCL;
* --dump=opencl prints the kernels; module.json describes every kernel's launches;
* bad targets and flags, a machine without an OpenCL platform, and a kernels.cl that does
  not build each give one clear error line and a non-zero exit.

usage: opencl_test.py RQC MODELS_DIR [MODEL...]   (default: resnet8 resnet8_int8)
"""
import hashlib
import json
import os
import re
import subprocess
import sys
import tarfile
import tempfile
import io

import numpy as np

rqc, models = sys.argv[1], sys.argv[2]
names = sys.argv[3:] or ["resnet8", "resnet8_int8"]
failures = []


def check(ok, what):
    print(("ok: " if ok else "FAIL: ") + what)
    if not ok:
        failures.append(what)


def run(cmd, env=None, timeout=900):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)


def must(cmd, env=None):
    p = run(cmd, env)
    if p.returncode != 0:
        print("command failed:", " ".join(cmd), "\n", p.stdout, p.stderr)
        sys.exit(1)
    return p


def refused(cmd, pattern, what, env=None):
    p = run(cmd, env)
    lines = [l for l in p.stderr.splitlines() if l.strip()]
    check(p.returncode != 0 and len(lines) == 1 and re.search(pattern, lines[0]) is not None,
          what + " -> " + (lines[0] if lines else "(nothing on stderr, exit %d)" % p.returncode))


def members(path):
    with tarfile.open(path) as t:
        return {m.name: t.extractfile(m).read() for m in t.getmembers() if m.isfile()}


with tempfile.TemporaryDirectory() as tmp:
    for name in names:
        onnx = os.path.join(models, name + ".onnx")
        pkg = os.path.join(tmp, name + ".rqc")
        must([rqc, "compile", onnx, "--target=mali", "-o", pkg])
        m = members(pkg)
        desc = json.loads(m["module.json"])
        check(desc["target"]["kind"] == "opencl" and desc["target"]["device"] == "mali",
              f"{name}: module.json's target is opencl -device=mali")
        check("kernels.cl" in m and "kernels.so" not in m, f"{name}: the package holds kernels.cl and no kernels.so")
        check(all(k.get("device") == "opencl" and k["opencl"]["launches"] for k in desc["kernels"]),
              f"{name}: every one of its {len(desc['kernels'])} kernels runs on the OpenCL device")

        # Not tied to PoCL: clang accepts the source as plain OpenCL C 1.2.
        cl = os.path.join(tmp, name + ".cl")
        open(cl, "wb").write(m["kernels.cl"])
        p = run(["clang", "-x", "cl", "-cl-std=CL1.2", "-fsyntax-only", "-Xclang", "-finclude-default-header",
                 "-Xclang", "-cl-ext=-all,+cl_khr_fp16", "-Wall", "-Werror", cl])
        check(p.returncode == 0, f"{name}: kernels.cl compiles with clang as OpenCL C 1.2 " + p.stderr[:300])

        got, ref = os.path.join(tmp, name + ".cl.npz"), os.path.join(tmp, name + ".ref.npz")
        must([rqc, "run", pkg, "--seed", "3", "--outputs", got])
        must([rqc, "run", onnx, "--reference", "--seed", "3", "--outputs", ref])
        a, b = np.load(got), np.load(ref)
        for k in b.files:
            diff = float(np.abs(a[k].astype(np.float64) - b[k].astype(np.float64)).max())
            span = float(np.ptp(b[k]))
            if name.endswith("_int8"):
                # The last op of these models is a float classifier after a dequantize: one
                # quantization step of the last quantized tensor moves a logit by at most
                # its scale times the classifier's weights; exact is what is expected here.
                check(diff <= 1e-4 * span, f"{name}: '{k}' matches the reference (max |diff| {diff:.3g}, range {span:.3g})")
            else:
                check(diff <= 1e-4 * span, f"{name}: '{k}' within 1e-4 of the output range of the reference "
                                           f"(max |diff| {diff:.3g}, range {span:.3g})")

    if "resnet8" in names:
        onnx = os.path.join(models, "resnet8.onnx")
        p = must([rqc, "compile", onnx, "--target=mali", "--dump=opencl"])
        check("__kernel void rqc_kernel_0_0(" in p.stdout and "get_global_id(0)" in p.stdout,
              "--dump=opencl prints the __kernels")
        refused([rqc, "compile", onnx, "--target=llvm", "--dump=opencl"], r"--dump=opencl .*needs --target=mali",
                "--dump=opencl for a CPU target")
        refused([rqc, "compile", onnx, "--target=opencl -device=adreno", "-o", os.path.join(tmp, "x.rqc")],
                r"OpenCL device 'adreno' is not supported", "an OpenCL device rqc has no support for")
        refused([rqc, "compile", onnx, "--target=mali", "--mattr=+neon", "-o", os.path.join(tmp, "x.rqc")],
                r"--mattr refine a CPU target", "--mattr with --target=mali")
        refused([rqc, "compile", onnx, "--target=mali -speed=fast", "-o", os.path.join(tmp, "x.rqc")],
                r"unknown option '-speed=fast'", "an unknown target option")

        pkg = os.path.join(tmp, "resnet8.rqc")
        # No OpenCL platform (the ICD loader finds no vendor file): one line saying so.
        env = dict(os.environ, OCL_ICD_VENDORS=os.path.join(tmp, "no-vendors"))
        os.makedirs(env["OCL_ICD_VENDORS"], exist_ok=True)
        refused([rqc, "run", pkg], r"no OpenCL platform is installed", "a machine without an OpenCL platform", env)
        env = dict(os.environ, RQC_OPENCL_DEVICE="99")
        refused([rqc, "run", pkg], r"RQC_OPENCL_DEVICE=99 names no device", "a device number that does not exist", env)

        # A kernels.cl that does not build (sealed with a valid checksum, so that the build is
        # what fails): the build log's first error is in the one line.
        m = members(pkg)
        m["kernels.cl"] = m["kernels.cl"].replace(b"get_global_id(0)", b"get_global_idd(0)", 1)
        desc = json.loads(m["module.json"])
        desc["checksums"]["kernels.cl"] = "sha256:" + hashlib.sha256(m["kernels.cl"]).hexdigest()
        m["module.json"] = json.dumps(desc).encode()
        bad = os.path.join(tmp, "bad.rqc")
        with tarfile.open(bad, "w") as t:
            for n in ["module.json"] + sorted(k for k in m if k != "module.json"):
                info = tarfile.TarInfo(n)
                info.size = len(m[n])
                t.addfile(info, io.BytesIO(m[n]))
        refused([rqc, "run", bad], r"kernels.cl does not build on .*get_global_idd", "a kernels.cl that does not build")

sys.exit(1 if failures else 0)
