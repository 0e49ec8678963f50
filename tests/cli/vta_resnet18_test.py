"""ResNet-18 (the zoo's, ImageNet-shaped) through rqc compile --target=vta: quantized with
power-of-two scales on seeded calibration data, all 19 convolutions after the 3-channel
first one on VTA, the package bit-exact against `rqc run --reference --as-compiled
--target=vta`, every VTA kernel printed by --dump=vta, and rqc bench reporting the VTA
kernels' time on the cycle model (a simulated estimate; nothing here asserts a time).

usage: vta_resnet18_test.py RQC MODELS_DIR
"""
import json
import os
import re
import subprocess
import sys
import tempfile

import numpy as np

rqc, models = sys.argv[1], sys.argv[2]
failures = []


def check(ok, what):
    print(("ok: " if ok else "FAIL: ") + what)
    if not ok:
        failures.append(what)


def must(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    if p.returncode != 0:
        print("command failed:", " ".join(cmd), "\n", p.stdout, p.stderr)
        sys.exit(1)
    return p


with tempfile.TemporaryDirectory() as tmp:
    calib, q, pkg = (os.path.join(tmp, n) for n in ("calib.npz", "r18_p2.onnx", "r18_vta.rqc"))
    np.savez(calib, input=np.random.default_rng(7).standard_normal((2, 3, 224, 224)).astype(np.float32))
    must([rqc, "quantize", os.path.join(models, "resnet18.onnx"), "--power-of-two", "--calibration", calib, "-o", q])
    p = must([rqc, "compile", q, "--target=vta", "--target-host=llvm", "-o", pkg])
    check("19 of 20 convolutions on VTA" in p.stderr and "3 input channels, not a multiple of 16" in p.stderr,
          f"19 of ResNet-18's 20 convolutions on VTA, the first on the host with the reason ({p.stderr.strip()!r})")
    dump = must([rqc, "compile", q, "--target=vta", "--target-host=llvm", "--dump=vta"]).stdout
    check(dump.count("vta.kernel @") == 19 and dump.count("vta.finish") == 19,
          "--dump=vta prints 19 verified vta.kernel streams, each ending in vta.finish")
    out, ref = os.path.join(tmp, "out.npz"), os.path.join(tmp, "ref.npz")
    must([rqc, "run", pkg, "--seed", "1", "--outputs", out])
    must([rqc, "run", q, "--reference", "--as-compiled", "--target=vta", "--seed", "1", "--outputs", ref])
    got, want = np.load(out), np.load(ref)
    check(all(np.array_equal(got[k], want[k]) for k in want), "bit-exact against the VTA-as-compiled reference")
    bench = json.loads(must([rqc, "bench", pkg, "--repeat", "1", "--warmup", "0", "--json"]).stdout)
    vta = bench.get("vta", {})
    check(vta.get("kernels") == 19 and vta.get("simulated_ms", 0) > 0,
          f"rqc bench reports the 19 VTA kernels' cycle-model time ({vta})")

if failures:
    print(f"{len(failures)} check(s) failed")
    sys.exit(1)
print("all checks passed")
