"""rqc compile --target=vta end to end on the trained ResNet-8 (Fashion-MNIST):

* rqc quantize --power-of-two, then rqc compile --target=vta: the convolutions VTA can run
  (all but the 1-channel first one) become VTA kernels, the rest host kernels;
* the package (run natively, or by a cross-built runtime under qemu-user with --runner)
  is bit-exact against the oracle `rqc run --reference --as-compiled --target=vta`;
* a tuning record for one VTA task is applied (and stays exact); rqc tune --target=vta
  tunes the VTA tasks on the simulator and its records apply;
* compiled in one step from the float model, top-1 on 1,000 real test images stays within
  one point of the fp32 model's;
* bad flags and models give one clear error line and a non-zero exit.

usage: vta_compile_test.py RQC MODELS_DIR [--target-host T] [--runner CMD...]
  --target-host  the host CPU of the package ('llvm' by default: runs here)
  --runner       the command that runs the package's rqc (e.g. qemu-arm -L ... rqc)
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

import numpy as np

ap = argparse.ArgumentParser()
ap.add_argument("rqc")
ap.add_argument("models")
ap.add_argument("--target-host", default="llvm")
ap.add_argument("--runner", nargs=argparse.REMAINDER)
a = ap.parse_args()
rqc = a.rqc
runner = a.runner or [rqc]
model = os.path.join(a.models, "fashion_resnet8.onnx")
failures = []


def check(ok, what):
    print(("ok: " if ok else "FAIL: ") + what)
    if not ok:
        failures.append(what)


def run(cmd, timeout=600):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)


def must(cmd, timeout=600):
    p = run(cmd, timeout)
    if p.returncode != 0:
        print("command failed:", " ".join(cmd), "\n", p.stdout, p.stderr)
        sys.exit(1)
    return p


def refused(cmd, pattern, what):
    p = run(cmd)
    lines = [l for l in p.stderr.splitlines() if l.strip()]
    check(p.returncode != 0 and len(lines) == 1 and re.search(pattern, lines[0]) is not None,
          f"{what}: one error line matching /{pattern}/ (exit {p.returncode}, stderr {p.stderr.strip()!r})")


with tempfile.TemporaryDirectory() as tmp:
    q = os.path.join(tmp, "r8_pow2.onnx")
    calib = os.path.join(tmp, "calib.npz")
    # Calibration on seeded data in the image's range: the test needs power-of-two scales,
    # not the best ones (the accuracy check below compares int8 with int8).
    rng = np.random.default_rng(5)
    inp = json.loads(must([rqc, "inspect", model, "--json"]).stdout)["inputs"][0]["name"]
    np.savez(calib, **{inp: rng.random((16, 1, 28, 28), dtype=np.float32)})
    must([rqc, "quantize", model, "--power-of-two", "--calibration", calib, "-o", q])

    pkg = os.path.join(tmp, "r8_vta.rqc")
    # Host kernels in float between the QDQ pairs: exact for power-of-two scales, as the
    # reference computes them.
    common = ["--target=vta", "--target-host", a.target_host, "--int8-kernels=off"]
    p = must([rqc, "compile", q] + common + ["-o", pkg])
    check("8 of 9 convolutions on VTA" in p.stderr and
          re.search(r"on the host: 1 \(/stem/stem.0/Conv\): 1 input channels, not a multiple of 16", p.stderr) is not None,
          f"8 of ResNet-8's 9 convolutions on VTA, the first on the host with the reason ({p.stderr.strip()!r})")
    dump = must([rqc, "compile", q] + common + ["--dump=graph"]).stdout
    check(dump.count("graph.vta_conv2d") == 8 and len(re.findall(r"graph\.conv2d(?:_integer)? ", dump)) == 1,
          "--dump=graph shows the partition: 8 graph.vta_conv2d, the first convolution on the host")

    vta_dump = must([rqc, "compile", q] + common + ["--dump=vta"]).stdout
    check(vta_dump.count("vta.kernel @") == 8, "--dump=vta prints the 8 VTA kernels' streams")

    def outputs(package, seed):
        out = os.path.join(tmp, f"out_{os.path.basename(package)}_{seed}.npz")
        must(runner + ["run", package, "--seed", str(seed), "--outputs", out])
        return np.load(out)

    for seed in (1, 2):
        ref = os.path.join(tmp, f"ref_{seed}.npz")
        must([rqc, "run", q, "--reference", "--as-compiled", "--target=vta", "--seed", str(seed), "--outputs", ref])
        got, want = outputs(pkg, seed), np.load(ref)
        check(all(np.array_equal(got[k], want[k]) for k in want),
              f"seed {seed}: bit-exact against the VTA-as-compiled reference")

    # A record for one VTA task (index 78 of its 128-point space: 2 row tiles of 7, two
    # threads over rows) is applied, and the output stays exact.
    log = os.path.join(tmp, "vta.log")
    with open(log, "w") as f:
        f.write(json.dumps({
            "input": ["ext_dev -device=vta -keys=cpu -model=pynq_1x16_i8w8a32_15_15_18_17", "conv2d_packed.vta",
                      [["TENSOR", [1, 1, 28, 28, 1, 16], "int8"], ["TENSOR", [2, 1, 3, 3, 16, 16], "int8"], [2, 2],
                       [1, 1, 1, 1], [1, 1], "NCHW1n16c", "int32"], {}],
            "config": {"index": 78, "code_hash": None,
                       "entity": [["tile_b", "sp", [-1, 1]], ["tile_h", "sp", [-1, 7]], ["tile_w", "sp", [-1, 14]],
                                  ["tile_ci", "sp", [-1, 1]], ["tile_co", "sp", [-1, 1]], ["oc_nthread", "ot", 1],
                                  ["h_nthread", "ot", 2]]},
            "result": [[0.0001], 0, 0.5, 1700000000.0], "version": 0.2, "tvm_version": "0.8.0"}) + "\n")
    tuned = os.path.join(tmp, "r8_vta_tuned.rqc")
    p = must([rqc, "compile", q] + common + ["--tuning-records", log, "-o", tuned])
    check("8 of 9 tasks untuned" in p.stderr and "warning" not in p.stderr, f"the VTA record is applied ({p.stderr.strip()!r})")
    check(all(np.array_equal(outputs(tuned, 1)[k], np.load(os.path.join(tmp, "ref_1.npz"))[k])
              for k in np.load(os.path.join(tmp, "ref_1.npz"))), "with the record: still bit-exact")

    if a.runner is None:
        # rqc tune --target=vta: the 7 VTA tasks, each candidate compiled for VTA and measured
        # on the simulator's cycle model after its output is checked; the records apply.
        tlog = os.path.join(tmp, "tuned.log")
        p = must([rqc, "tune", q, "--target=vta", "--trials", "3", "--tuner", "random", "--json", "-o", tlog])
        summary = json.loads(p.stdout)
        recs = [json.loads(l) for l in open(tlog)]
        check(len(summary["tasks"]) == 7 and all(t["errors"] == 0 and t["trials"] == 3 for t in summary["tasks"]),
              "rqc tune --target=vta tunes the 7 VTA tasks, 3 error-free trials each")
        check(len(recs) == 21 and all(r["device"].startswith("rqc-vta-simulator/") and r["input"][1] == "conv2d_packed.vta"
                                      and r["input"][0].startswith("ext_dev -device=vta") for r in recs),
              "its records name conv2d_packed.vta, the VTA target and the simulator as their device")
        tuned2 = os.path.join(tmp, "r8_vta_tuned2.rqc")
        p = must([rqc, "compile", q] + common + ["--tuning-records", tlog, "-o", tuned2])
        check("2 of 9 tasks untuned" in p.stderr, f"the tuned records apply to all 7 VTA tasks ({p.stderr.strip()!r})")
        check(all(np.array_equal(outputs(tuned2, 1)[k], np.load(os.path.join(tmp, "ref_1.npz"))[k])
                  for k in np.load(os.path.join(tmp, "ref_1.npz"))), "tuned: still bit-exact")

        # Another configuration: 32x32 blocks (1 KiB weight elements). The 16-channel
        # convolutions stay on the host, with that reason; the package stays exact.
        big = "ext_dev -device=vta -model=pynq_1x32_i8w8a32_15_15_18_17"
        pkg32 = os.path.join(tmp, "r8_vta32.rqc")
        p = must([rqc, "compile", q, "--target", big, "--target-host=llvm", "--int8-kernels=off", "-o", pkg32])
        check("4 of 9 convolutions on VTA" in p.stderr and "16 input channels, not a multiple of 32" in p.stderr,
              f"BLOCK 32: the 32/64-channel convolutions on VTA, the others on the host with the reason ({p.stderr.strip()!r})")
        ref32 = os.path.join(tmp, "ref32.npz")
        must([rqc, "run", q, "--reference", "--as-compiled", "--target", big, "--seed", "1", "--outputs", ref32])
        # Its host convolutions (16 channels) may run as float Winograd kernels, which round
        # (the VTA kernels themselves are checked bit-exact by rqc tune below and in unit tests).
        got32, want32 = outputs(pkg32, 1), np.load(ref32)
        check(all(np.abs(got32[k] - want32[k]).max() <= 0.1 and np.argmax(got32[k]) == np.argmax(want32[k])
                  for k in want32), "BLOCK 32: the package agrees with its reference (host Winograd rounding aside)")

        # A ReLU6 network (the zoo's MobileNet-v1, 224x224): its 13 pointwise convolutions go
        # to VTA with the clip at round(6 / s) in the epilogue; the depthwise ones stay.
        mb = os.path.join(a.models, "mobilenet_v1.onnx")
        qm, calm = os.path.join(tmp, "mb_p2.onnx"), os.path.join(tmp, "calm.npz")
        np.savez(calm, input=np.random.default_rng(3).standard_normal((2, 3, 224, 224)).astype(np.float32))
        must([rqc, "quantize", mb, "--power-of-two", "--calibration", calm, "-o", qm])
        pkgm = os.path.join(tmp, "mb_vta.rqc")
        p = must([rqc, "compile", qm] + common + ["-o", pkgm])
        check("13 of 27 convolutions on VTA" in p.stderr and "13 (conv1.dw, conv2.dw, conv3.dw, ...): grouped or depthwise" in p.stderr,
              f"MobileNet (ReLU6): pointwise convolutions on VTA, depthwise on the host ({p.stderr.strip()!r})")
        check(must([rqc, "compile", qm] + common + ["--dump=graph"]).stdout.count("clip_high") == 13,
              "the ReLU6 bounds are the VTA epilogue's clip")
        refm = os.path.join(tmp, "refm.npz")
        must([rqc, "run", qm, "--reference", "--as-compiled", "--target=vta", "--seed", "1", "--outputs", refm])
        check(all(np.array_equal(outputs(pkgm, 1)[k], np.load(refm)[k]) for k in np.load(refm)),
              "MobileNet on VTA: bit-exact against its reference")

        # Real images: the trained network compiled for VTA in one step (quantized with
        # power-of-two scales on 200 training images) stays within one point of its fp32
        # top-1 on 1,000 test images (the bar), and next to the same int8 model on
        # the host.
        def top1(m):
            out = must([rqc, "validate", m, "--dataset", "fashion-mnist", "--limit", "1000", "--json"]).stdout
            return json.loads(out)["top1"]
        real = os.path.join(tmp, "r8_vta_real.rqc")
        must([rqc, "compile", model, "--target=vta", "--target-host=llvm", "--calibration", "fashion-mnist-train",
              "--calibration-limit", "200", "-o", real])
        t_vta, t_fp32 = top1(real), top1(model)
        check(abs(t_vta - t_fp32) <= 0.01,
              f"top-1 on 1,000 Fashion-MNIST test images: VTA {t_vta:.3f}, fp32 {t_fp32:.3f} (within one point)")

        refused([rqc, "compile", model, "--target=vta", "-o", os.path.join(tmp, "x.rqc")], r"VTA computes int8",
                "a float model without --calibration")
        refused([rqc, "compile", q, "--target=ext_dev -device=vta -fast", "-o", os.path.join(tmp, "x.rqc")],
                r"unknown option '-fast'", "an unknown VTA target option")
        refused([rqc, "compile", q, "--target=ext_dev -device=vta -model=pynq_1x16_bogus", "-o", os.path.join(tmp, "x.rqc")],
                r"pynq_1x16_bogus", "a malformed -model=")
        refused([rqc, "compile", q, "--target=llvm", "--target-host=llvm", "-o", os.path.join(tmp, "x.rqc")],
                r"--target-host applies to a target with an accelerator", "--target-host without VTA")
        refused([rqc, "compile", model, "--target=vta", "--calibration", calib, "--activation-type", "uint8",
                 "-o", os.path.join(tmp, "x.rqc")], r"contradicts", "--activation-type uint8 with VTA")
        u8 = os.path.join(tmp, "r8_u8.onnx")  # uint8 activations, zero points 128: nothing VTA can run
        must([rqc, "quantize", model, "--calibration", calib, "-o", u8])
        refused([rqc, "compile", u8, "--target=vta", "--target-host=llvm", "-o", os.path.join(tmp, "x.rqc")],
                r"no convolution of .* can run on VTA \(.*zero point", "a model with no convolution VTA can run")
        refused([rqc, "compile", q, "--target=vta", "--dtype=float32", "-o", os.path.join(tmp, "x.rqc")],
                r"--dtype=float32 contradicts", "--dtype=float32 with VTA")
        refused([rqc, "compile", q, "--target=llvm", "--dump=vta"], r"--dump=vta .* needs --target=vta",
                "--dump=vta for a CPU target")
        check(not os.path.exists(os.path.join(tmp, "x.rqc")), "no package written by a refused compile")

if failures:
    print(f"{len(failures)} check(s) failed")
    sys.exit(1)
print("all checks passed")
