#!/usr/bin/env python3
"""The importer's opset 7-12 operator forms against ONNX Runtime.

    old_opsets.py RQC [CASE ...]

Older exporters write these forms, and no node test or zoo model uses them (all are opset
13+): Clip with min/max attributes (opset < 11), Pad with pads/value attributes (opset
< 11, constant, reflect and edge), Softmax flattening its input to 2-D at `axis` (opset
< 13; opset 13 normalizes one axis), Slice with starts/ends/axes attributes (opset < 10),
Unsqueeze/Squeeze with an axes attribute (opset < 13). Each case is a one- or two-node
model with an explicit opset, run on a seeded input by ONNX Runtime (the expected value),
by `rqc run --reference` and by `rqc compile` + `rqc run` of the package; both rqc results
must have ORT's shape and match within 1e-6 (absolute and relative).

Each case also names what a plausible import mistake would compute instead (the opset 13
Softmax, the attributes ignored, zero padding), and that must differ from ORT's result, so
the case can tell the two apart. Exit status 0 when every case passes, 1 otherwise.
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper

F = TensorProto.FLOAT
SHAPE = [2, 3, 4, 5]


def node_model(opset: int, nodes, out_shape, inits=()):
    """One input x [2,3,4,5] float, one output y, the given nodes, at `opset`."""
    graph = helper.make_graph(nodes, "old_opset", [helper.make_tensor_value_info("x", F, SHAPE)],
                              [helper.make_tensor_value_info("y", F, out_shape)], list(inits))
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], ir_version=7)


def ort_run(model, x):
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    return ort.InferenceSession(model.SerializeToString(), so, providers=["CPUExecutionProvider"]).run(None, {"x": x})[0]


def softmax_2d(x, axis):
    """Opset < 13 semantics: flatten to [prod(dims before axis), rest], normalize the rows."""
    flat = x.reshape(int(np.prod(x.shape[:axis])), -1).astype(np.float64)
    e = np.exp(flat - flat.max(axis=1, keepdims=True))
    return (e / e.sum(axis=1, keepdims=True)).reshape(x.shape)


def zero_pad(pads):
    return lambda x: np.pad(x, list(zip(pads[:4], pads[4:])))


def cases():
    """name -> (model, what a mistaken import would compute from x, or None)."""
    c = {}
    for opset in (7, 10):
        c[f"clip{opset}_min_max"] = (node_model(opset, [helper.make_node("Clip", ["x"], ["y"], min=-0.5, max=0.7)], SHAPE),
                                     lambda x: x)  # attributes ignored
    c["clip9_min_only"] = (node_model(9, [helper.make_node("Clip", ["x"], ["y"], min=0.2)], SHAPE), lambda x: x)
    c["clip9_max_only"] = (node_model(9, [helper.make_node("Clip", ["x"], ["y"], max=-0.1)], SHAPE), lambda x: x)
    c["clip9_no_bounds"] = (node_model(9, [helper.make_node("Clip", ["x"], ["y"])], SHAPE), None)

    pads = [0, 0, 1, 2, 0, 1, 2, 1]  # N, C, H, W begins, then ends: asymmetric, spatial
    padded = [SHAPE[d] + pads[d] + pads[d + 4] for d in range(4)]
    c["pad2_constant_value"] = (node_model(9, [helper.make_node("Pad", ["x"], ["y"], pads=pads, value=1.5)], padded),
                                zero_pad(pads))
    c["pad2_constant_default"] = (node_model(7, [helper.make_node("Pad", ["x"], ["y"], pads=[1, 0, 0, 1, 0, 2, 1, 0])],
                                             [3, 5, 5, 6]), None)
    for mode in ("reflect", "edge"):
        c[f"pad2_{mode}"] = (node_model(10, [helper.make_node("Pad", ["x"], ["y"], mode=mode, pads=pads)], padded),
                             zero_pad(pads))

    # Opset 11/12 Softmax on a 4-D tensor: axis 1 (the default) and 2 normalize over the
    # flattened trailing dims, which opset 13 would not.
    for opset, axis in ((11, 1), (11, 2), (12, None), (11, -2), (11, 0)):
        attrs = {} if axis is None else {"axis": axis}
        model = node_model(opset, [helper.make_node("Softmax", ["x"], ["y"], **attrs)], SHAPE)
        new = node_model(13, [helper.make_node("Softmax", ["x"], ["y"], **attrs)], SHAPE)
        c[f"softmax{opset}_axis{'_default' if axis is None else axis}"] = (model, lambda x, new=new: ort_run(new, x))

    # Opset-9 Slice (attributes) reads constants only in rqc (shape computations), so
    # slice a constant and add it to x; and the old PyTorch flatten: Shape -> Slice -> Concat -> Reshape.
    table = onnx.numpy_helper.from_array(np.arange(4 * 3 * 6 * 7, dtype=np.float32).reshape(4, 3, 6, 7) / 100, "t")
    for name, attrs in (("axes", dict(starts=[1, -4, 2], ends=[3, 1000, 7], axes=[0, 2, 3])),
                        ("default_axes", dict(starts=[2, 0, 1, -5], ends=[4, 3, 5, 1000]))):
        nodes = [helper.make_node("Slice", ["t"], ["s"], **attrs), helper.make_node("Add", ["x", "s"], ["y"])]
        c[f"slice9_{name}"] = (node_model(9, nodes, SHAPE, [table]), None)
    minus1 = onnx.numpy_helper.from_array(np.array([-1], np.int64), "minus1")
    nodes = [helper.make_node("Shape", ["x"], ["shape"]),
             helper.make_node("Slice", ["shape"], ["batch"], starts=[0], ends=[1], axes=[0]),
             helper.make_node("Concat", ["batch", "minus1"], ["target"], axis=0),
             helper.make_node("Reshape", ["x", "target"], ["y"])]
    c["slice9_flatten_chain"] = (node_model(9, nodes, [2, 60], [minus1]), None)

    nodes = [helper.make_node("Unsqueeze", ["x"], ["u"], axes=[0, 3]), helper.make_node("Squeeze", ["u"], ["y"], axes=[0])]
    c["unsqueeze11_squeeze11_axes"] = (node_model(11, nodes, [2, 3, 1, 4, 5]), None)
    return c


def rqc_outputs(rqc, model_path, in_npz, work):
    """{'reference': y, 'compiled': y} or raises RuntimeError with rqc's message."""
    runs = {"reference": [[rqc, "run", model_path, "--reference", "--inputs", in_npz, "--outputs", f"{work}/ref.npz"]],
            "compiled": [[rqc, "compile", model_path, "--target=llvm", "-o", f"{work}/m.rqc"],
                         [rqc, "run", f"{work}/m.rqc", "--inputs", in_npz, "--outputs", f"{work}/comp.npz"]]}
    out = {}
    for label, cmds in runs.items():
        for cmd in cmds:
            p = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
            if p.returncode != 0:
                raise RuntimeError(f"{label}: {' '.join(cmd[:2])} exited {p.returncode}: {p.stderr.strip()}")
        with np.load(f"{work}/{'ref' if label == 'reference' else 'comp'}.npz") as z:
            out[label] = z["y"]
    return out


def main(argv):
    rqc, only = argv[1], set(argv[2:])
    all_cases = cases()
    unknown = only - set(all_cases)
    if unknown:
        print(f"unknown case(s): {sorted(unknown)}; known: {sorted(all_cases)}")
        return 2
    x = np.random.default_rng(0).standard_normal(SHAPE).astype(np.float32)
    failed = 0
    for name, (model, mistaken) in all_cases.items():
        if only and name not in only:
            continue
        onnx.checker.check_model(model)
        expected = ort_run(model, x)
        problems = []
        if mistaken is not None and np.allclose(mistaken(x), expected, rtol=1e-6, atol=1e-6):
            problems.append("the mistaken import gives ORT's result too: the case proves nothing")
        with tempfile.TemporaryDirectory(prefix="rqc-opset-") as work:
            path = os.path.join(work, f"{name}.onnx")
            onnx.save(model, path)
            np.savez(f"{work}/in.npz", x=x)
            try:
                got = rqc_outputs(rqc, path, f"{work}/in.npz", work)
            except RuntimeError as e:
                got = {}
                problems.append(str(e))
        diffs = []
        for label, y in got.items():
            if y.shape != expected.shape:
                problems.append(f"{label}: shape {list(y.shape)} != ORT {list(expected.shape)}")
                continue
            diff = float(np.abs(y.astype(np.float64) - expected).max())
            diffs.append(f"{label} max|diff| {diff:.2g}")
            if not np.allclose(y, expected, rtol=1e-6, atol=1e-6):
                problems.append(f"{label}: differs from ORT by up to {diff:.3g}")
        opset = model.opset_import[0].version
        print(f"{'FAIL' if problems else 'PASS'} {name} (opset {opset}, y{list(expected.shape)}): "
              + "; ".join(diffs + problems))
        failed += bool(problems)
    print(f"{failed} of {len(only or all_cases)} cases failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
