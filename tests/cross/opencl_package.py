"""A package for --target=mali loaded by the cross-built runtime (as on a board's aarch64 or
armv7 CPU, under qemu-user): the runtime is built with OpenCL support (the Khronos headers
reach the cross compiler) and, with no OpenCL loader in the sysroot here, says so in one
line rather than refusing the package as foreign.

usage: opencl_package.py RQC MODEL RUNNER...   (RUNNER: e.g. qemu-aarch64 -L ... rqc)
"""
import os
import re
import subprocess
import sys
import tempfile

rqc, model, runner = sys.argv[1], sys.argv[2], sys.argv[3:]
with tempfile.TemporaryDirectory() as tmp:
    pkg = os.path.join(tmp, "model.rqc")
    subprocess.run([rqc, "compile", model, "--target=mali", "-o", pkg], check=True, capture_output=True)
    p = subprocess.run(runner + ["run", pkg], capture_output=True, text=True, timeout=300)
    lines = [l for l in p.stderr.splitlines() if l.strip()]
    ok = p.returncode != 0 and len(lines) == 1 and re.search(r"libOpenCL\.so\.1 \(the OpenCL ICD loader\) is not installed",
                                                             lines[0]) is not None
    print(("ok: " if ok else "FAIL: ") + "the cross-built runtime loads an OpenCL package up to the ICD loader -> " +
          (lines[0] if lines else "(nothing on stderr, exit %d)" % p.returncode))
    sys.exit(0 if ok else 1)
