"""A VTA package (two convolution kernels on rqc's VTA simulator device) run by `rqc run`,
natively or under qemu-user with a cross-built runtime (the Pynq's host CPU is an
ARMv7), its output compared bit for bit with the integer reference.

usage: vta_package.py MAKE_TOOL TRIPLE RQC_COMMAND...
  MAKE_TOOL    vta_make_package (writes the package, inputs and expected outputs)
  TRIPLE       the host triple the package is written for ("" for this machine)
  RQC_COMMAND  the command that runs rqc: its path, or e.g. qemu-arm -L ... .../rqc
"""
import os
import subprocess
import sys
import tempfile

import numpy as np

make, triple, rqc = sys.argv[1], sys.argv[2], sys.argv[3:]
with tempfile.TemporaryDirectory() as tmp:
    pkg, inputs, expected, outputs = (os.path.join(tmp, n) for n in ("vta.rqc", "in.npz", "expected.npz", "out.npz"))
    subprocess.run([make, pkg, inputs, expected] + ([triple] if triple else []), check=True)
    cmd = rqc + ["run", pkg, "--inputs", inputs, "--outputs", outputs]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    if p.returncode != 0:
        print("rqc run failed:", p.returncode, p.stdout, p.stderr)
        sys.exit(1)
    got, want = np.load(outputs)["y"], np.load(expected)["y"]
    if got.dtype != np.int8 or got.shape != want.shape or not np.array_equal(got, want):
        print("output differs:", got.dtype, got.shape, int(np.sum(got != want)) if got.shape == want.shape else "")
        sys.exit(1)
    print("vta package: bit-exact", want.shape, "with", os.path.basename(rqc[0]), os.path.basename(rqc[-1]))
