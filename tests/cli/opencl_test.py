"""rqc compile --target=mali end to end on this machine's OpenCL implementation (PoCL):

* models compiled to OpenCL C (kernels.cl, no kernels.so) run through the runtime's OpenCL
  device and match the reference executor: fp32 within 1e-4 of the output range, the int8
  QDQ models (float QDQ semantics on the device) within one quantization step;
* the emitted OpenCL C also compiles with clang as OpenCL C 1.2 with no extension enabled
  but cl_khr_fp16 (-Werror), so it is not tied to PoCL;
* --dump=opencl prints the kernels; module.json describes every kernel's launches;
* bad targets and flags, a machine without an OpenCL platform, and a kernels.cl that does
  not build each give one clear error line and a non-zero exit.

* the Mali templates (conv2d_nchw_spatial_pack.mali, depthwise_conv2d_nchw.mali,
  dense.mali): rqc tune --target=mali measures random configs of each on PoCL, every one
  checked against the reference (a wrong one would be an error), and its records apply;
* with --tvm-records LOG: TVM's own mali tophub records apply to the model's workloads and
  the package still matches the reference.

usage: opencl_test.py RQC MODELS_DIR [--tune] [--tvm-records LOG] [MODEL...]
  (default models: resnet8 resnet8_int8)
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

import argparse

ap = argparse.ArgumentParser()
ap.add_argument("rqc")
ap.add_argument("models")
ap.add_argument("--tune", action="store_true")
ap.add_argument("--tvm-records")
ap.add_argument("names", nargs="*")
opts = ap.parse_intermixed_args()
rqc, models = opts.rqc, opts.models
names = opts.names or ["resnet8", "resnet8_int8"]
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


def depthwise_model(path):
    """A depthwise convolution (16 channels, 3x3, 16x16) as its own model."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    rng = np.random.default_rng(0)
    w = numpy_helper.from_array(rng.standard_normal((16, 1, 3, 3)).astype(np.float32), "w")
    b = numpy_helper.from_array(rng.standard_normal(16).astype(np.float32), "b")
    node = helper.make_node("Conv", ["x", "w", "b"], ["y"], group=16, pads=[1, 1, 1, 1], name="dw")
    graph = helper.make_graph([node], "dw", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 16, 16, 16])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 16, 16, 16])], [w, b])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), path)


def tuned_tasks(compile_output):
    """Whether rqc compile's task line says some task took a record's config."""
    m = re.search(r"all (\d+) tasks tuned|(\d+) of (\d+) tasks untuned", compile_output)
    print("   ", m.group(0) if m else "(no task line)")
    return bool(m and (m.group(1) or int(m.group(2)) < int(m.group(3))))


def compare(pkg, onnx, what, seed=3):
    got, ref = pkg + ".npz", pkg + ".ref.npz"
    must([rqc, "run", pkg, "--seed", str(seed), "--outputs", got])
    must([rqc, "run", onnx, "--reference", "--seed", str(seed), "--outputs", ref])
    a, b = np.load(got), np.load(ref)
    for k in b.files:
        diff = float(np.abs(a[k].astype(np.float64) - b[k].astype(np.float64)).max())
        span = float(np.ptp(b[k]))
        check(diff <= 1e-4 * span, f"{what}: '{k}' within 1e-4 of the output range of the reference "
                                   f"(max |diff| {diff:.3g}, range {span:.3g})")


with tempfile.TemporaryDirectory() as tmp:
    if opts.tune:
        # Random configs of each template, measured on PoCL and checked against the
        # reference by the tuner itself: resnet8's task 0 (3x3 RGB stem), 4 (1x1 stride 2),
        # 8 (the dense classifier), and a depthwise convolution.
        dw = os.path.join(tmp, "depthwise.onnx")
        depthwise_model(dw)
        for model, tasks in [(os.path.join(models, "resnet8.onnx"), "0,4,8"), (dw, "0")]:
            log = os.path.join(tmp, os.path.basename(model) + ".log")
            p = must([rqc, "tune", model, "--target=mali", "--tasks", tasks, "--trials", "6", "--tuner", "random",
                      "--seed", "5", "--min-repeat-ms", "5", "-o", log, "--json"])
            summary = json.loads(p.stdout)
            for t in summary["tasks"]:
                check(t["trials"] == 6 and t["errors"] == 0 and t["best_gflops"] > 0,
                      f"{os.path.basename(model)} task {t['task']} ({t['template']}): 6 random configs ran on PoCL and "
                      f"matched the reference ({t['errors']} errors)")
            records = [json.loads(l) for l in open(log) if l.strip()]
            check(len(records) >= 6 and all(r["input"][0] == "opencl -device=mali" for r in records),
                  f"{os.path.basename(model)}: the records name the target 'opencl -device=mali'")
            pkg = os.path.join(tmp, os.path.basename(model) + ".tuned.rqc")
            p = must([rqc, "compile", model, "--target=mali", "--tuning-records", log, "-o", pkg])
            check(tuned_tasks(p.stderr + p.stdout),
                  f"{os.path.basename(model)}: rqc compile --tuning-records applies the tuned records")
            compare(pkg, model, os.path.basename(model) + " tuned")

    if opts.tvm_records:
        for name in names:
            onnx = os.path.join(models, name + ".onnx")
            pkg = os.path.join(tmp, name + ".tvm.rqc")
            p = must([rqc, "compile", onnx, "--target=mali", "--tuning-records", opts.tvm_records, "-o", pkg])
            check(tuned_tasks(p.stderr + p.stdout), f"{name}: TVM's mali records apply to its workloads")
            compare(pkg, onnx, name + " with TVM's mali configs")

    for name in names if not opts.tvm_records else []:
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
        refused([rqc, "compile", onnx, "--target=opencl -device=mali -device=mali", "-o", os.path.join(tmp, "x.rqc")],
                r"-device= is given twice", "-device given twice")
        refused([rqc, "compile", onnx, "--target=opencl", "-o", os.path.join(tmp, "x.rqc")],
                r"names no device: rqc's OpenCL target is the Mali GPU", "a plain opencl target")
        refused([rqc, "compile", onnx, "--target=mali", "--dump=llvm"], r"--dump=llvm prints CPU kernels",
                "--dump=llvm for --target=mali")
        check(not os.path.exists(os.path.join(tmp, "x.rqc")), "no package is written by a refused compile")

        pkg = os.path.join(tmp, "resnet8.rqc")
        # No OpenCL platform (the ICD loader finds no vendor file): one line saying so.
        env = dict(os.environ, OCL_ICD_VENDORS=os.path.join(tmp, "no-vendors"))
        os.makedirs(env["OCL_ICD_VENDORS"], exist_ok=True)
        refused([rqc, "run", pkg], r"no OpenCL platform is installed", "a machine without an OpenCL platform", env)
        refused([rqc, "tune", onnx, "--target=mali", "--tasks", "8", "--trials", "2", "-o", os.path.join(tmp, "n.log")],
                r"no OpenCL platform is installed", "rqc tune --target=mali without an OpenCL platform", env)
        check(not os.path.exists(os.path.join(tmp, "n.log")), "no tuning log is written without an OpenCL platform")
        refused([rqc, "tune", onnx, "--target=mali", "--device", "opencl:9", "--tasks", "8", "--trials", "2", "-o",
                 os.path.join(tmp, "n.log")], r"--device opencl:9 names no device", "rqc tune --device beyond the devices")
        env = dict(os.environ, RQC_OPENCL_DEVICE="abc")
        refused([rqc, "run", pkg], r"RQC_OPENCL_DEVICE=abc is not a device number", "RQC_OPENCL_DEVICE not a number", env)
        refused([rqc, "run", pkg, "--threads", "2"], r"--threads sets the CPU threads .* runs every kernel on its OpenCL device",
                "--threads for an OpenCL package")
        # A damaged entry of the program cache is rebuilt, never handed to the driver.
        cache = os.path.join(tmp, "cache")
        env = dict(os.environ, RQC_CACHE_DIR=cache)
        must([rqc, "run", pkg, "--seed", "3"], env)
        entries = [os.path.join(cache, "opencl", f) for f in os.listdir(os.path.join(cache, "opencl"))]
        check(len(entries) == 1, "the built program is cached (one entry)")
        with open(entries[0], "r+b") as f:
            f.seek(os.path.getsize(entries[0]) // 2)
            f.write(b"\0damaged\0" * 64)
        p = run([rqc, "run", pkg, "--seed", "3", "--outputs", os.path.join(tmp, "again.npz")], env)
        check(p.returncode == 0 and np.array_equal(np.load(os.path.join(tmp, "again.npz"))["output"],
                                                   np.load(os.path.join(tmp, "resnet8.cl.npz"))["output"]),
              "a damaged cache entry is rebuilt, and the package runs to the same outputs " + p.stderr[-300:])
        env = dict(os.environ, RQC_OPENCL_DEVICE="99")
        refused([rqc, "run", pkg], r"RQC_OPENCL_DEVICE=99 names no device", "a device number that does not exist", env)
        refused([rqc, "run", pkg, "--device", "opencl:7"], r"--device opencl:7 names no device \(there are \d+",
                "--device opencl:N beyond the devices")
        refused([rqc, "bench", pkg, "--device", "gpu0"], r"--device 'gpu0' is not opencl:N", "a --device that is not opencl:N")
        p = run([rqc, "run", pkg, "--device", "opencl:0", "--seed", "3", "--outputs", os.path.join(tmp, "dev0.npz")])
        check(p.returncode == 0 and np.array_equal(np.load(os.path.join(tmp, "dev0.npz"))["output"],
                                                   np.load(os.path.join(tmp, "resnet8.cl.npz"))["output"]),
              "--device opencl:0 runs the package on device 0, to the same outputs")
        cpu = os.path.join(tmp, "cpu.rqc")
        must([rqc, "compile", onnx, "-o", cpu])
        refused([rqc, "run", cpu, "--device", "opencl:0"], r"has no OpenCL kernels", "--device opencl:0 for a CPU package")

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
        refused([rqc, "run", bad], r"kernels.cl does not build on .*: .*kernels\.cl:\d+:\d+: .*get_global_idd",
                "a kernels.cl that does not build (the log names kernels.cl)")

sys.exit(1 if failures else 0)
