#!/usr/bin/env python3
"""`--input-shape` end to end, against ONNX Runtime.

    input_shape.py RQC

A Conv(3x3, stride 2, pad 1) -> Relu -> MaxPool(2x2) model whose input x is
[N, 3, H, W] with symbolic N, H and W:

  - `rqc run --reference`, `rqc compile` + `rqc run` and `rqc inspect --json` with
    `--input-shape x=NxCxHxW` for two shapes: the outputs have ORT's shape and values
    (1e-5), and inspect's MACs are N*4*ceil(H/2)*ceil(W/2)*3*3*3;
  - no --input-shape: the symbolic H is refused with one error line naming it;
  - the same model with x declared [1, 3, 20, 16]: --input-shape x=1x3x20x16 is accepted,
    and x=1x3x24x16 (dimension 2 contradicted), x=1x3x20 (rank), and the flag given twice
    are refused by run, compile and inspect with exit status 1, one line
    `rqc: error: ...` naming the input and the dimension, and no package left behind.

Exit status 0 when every check passes, 1 otherwise.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

failures = 0


def check(ok: bool, what: str, detail: str = "") -> None:
    global failures
    failures += not ok
    print(f"{'ok  ' if ok else 'FAIL'} {what}" + (f": {detail}" if detail and not ok else ""))


def model(x_dims) -> onnx.ModelProto:
    w = numpy_helper.from_array(np.random.default_rng(1).standard_normal((4, 3, 3, 3)).astype(np.float32), "w")
    nodes = [helper.make_node("Conv", ["x", "w"], ["c"], strides=[2, 2], pads=[1, 1, 1, 1], kernel_shape=[3, 3]),
             helper.make_node("Relu", ["c"], ["r"]),
             helper.make_node("MaxPool", ["r"], ["y"], kernel_shape=[2, 2], strides=[2, 2])]
    graph = helper.make_graph(nodes, "input_shape", [helper.make_tensor_value_info("x", TensorProto.FLOAT, x_dims)],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], [w])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], ir_version=8)


def rqc(*args):
    return subprocess.run([RQC, *args], capture_output=True, text=True, timeout=300)


def refused(p, pattern: str) -> tuple[bool, str]:
    """Exit status 1 and exactly one stderr line matching `pattern`."""
    lines = p.stderr.splitlines()
    ok = p.returncode == 1 and len(lines) == 1 and re.search(pattern, lines[0]) is not None
    return ok, f"exit {p.returncode}, stderr {p.stderr.strip()!r}"


def main() -> int:
    work = tempfile.mkdtemp(prefix="rqc-input-shape-")
    sym = os.path.join(work, "symbolic.onnx")
    onnx.save(model(["N", 3, "H", "W"]), sym)
    sess = ort.InferenceSession(sym, providers=["CPUExecutionProvider"])

    for shape in ((1, 3, 20, 16), (2, 3, 17, 9)):
        spec = "x=" + "x".join(map(str, shape))
        x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
        np.savez(f"{work}/in.npz", x=x)
        expected = sess.run(None, {"x": x})[0]
        for label, cmds, out in (
                ("reference", [["run", sym, "--reference", "--input-shape", spec, "--inputs", f"{work}/in.npz",
                                "--outputs", f"{work}/ref.npz"]], "ref.npz"),
                ("compiled", [["compile", sym, "--target=llvm", "--input-shape", spec, "-o", f"{work}/m.rqc"],
                              ["run", f"{work}/m.rqc", "--inputs", f"{work}/in.npz", "--outputs", f"{work}/comp.npz"]],
                 "comp.npz")):
            p = None
            for cmd in cmds:
                p = rqc(*cmd)
                if p.returncode:
                    break
            if p.returncode:
                check(False, f"{spec} {label} runs", p.stderr.strip())
                continue
            y = np.load(f"{work}/{out}")["y"]
            good = y.shape == expected.shape and np.allclose(y, expected, rtol=1e-5, atol=1e-5)
            check(good, f"{spec} {label}: y{list(y.shape)} equals ORT's y{list(expected.shape)}",
                  f"max|diff| {np.abs(y - expected).max() if y.shape == expected.shape else 'shape differs'}")
        n, _, h, w = shape
        macs = n * 4 * ((h + 1) // 2) * ((w + 1) // 2) * 3 * 3 * 3
        p = rqc("inspect", sym, "--input-shape", spec, "--json")
        got = json.loads(p.stdout)["macs"] if p.returncode == 0 else None
        check(got == macs, f"{spec} inspect: {macs} MACs", f"got {got} ({p.stderr.strip()})")

    ok, detail = refused(rqc("run", sym, "--reference"), r"^rqc: error: .*graph input 'x' has a symbolic dimension 2 \('H'\)")
    check(ok, "symbolic H without --input-shape is refused", detail)

    static = os.path.join(work, "static.onnx")
    onnx.save(model([1, 3, 20, 16]), static)
    p = rqc("run", static, "--reference", "--input-shape", "x=1x3x20x16", "--outputs", f"{work}/s.npz")
    check(p.returncode == 0, "a spec that repeats the static shape is accepted", p.stderr.strip())
    bad = {
        "x=1x3x24x16": r"^rqc: error: static\.onnx: --input-shape x=1x3x24x16 contradicts the model: "
                       r"dimension 2 of graph input 'x' is 20$",
        "x=1x3x20": r"^rqc: error: static\.onnx: --input-shape x=1x3x20 has 3 dimensions, graph input 'x' has 4$",
    }
    for spec, pattern in bad.items():
        if os.path.exists(f"{work}/bad.rqc"):
            os.unlink(f"{work}/bad.rqc")
        for cmd in (["run", static, "--reference"], ["compile", static, "-o", f"{work}/bad.rqc"], ["inspect", static]):
            ok, detail = refused(rqc(*cmd, "--input-shape", spec), pattern)
            check(ok, f"{cmd[0]} --input-shape {spec} is refused", detail)
        check(not os.path.exists(f"{work}/bad.rqc"), f"no package left after compile --input-shape {spec}")
    ok, detail = refused(rqc("run", sym, "--reference", "--input-shape", "x=1x3x8x8", "--input-shape", "x=1x3x9x9"),
                         r"^rqc: error: --input-shape is given more than once for 'x'$")
    check(ok, "--input-shape twice for one input is refused", detail)

    subprocess.run(["rm", "-rf", work])
    print(f"{failures} check(s) failed")
    return 1 if failures else 0


if __name__ == "__main__":
    RQC = sys.argv[1]
    sys.exit(main())
