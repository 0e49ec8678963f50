#!/usr/bin/env python3
"""Pad with negative pads (cropping), Slice of an activation, and the variadic Sum, Max,
Min and Mean: forms exporters write that rqc once refused.

    exporter_forms.py RQC [CASE ...]

Each case is a small model with an explicit opset and an expected output computed here
with NumPy from the ONNX operator specification (Pad: a negative pad removes that many
elements from its side, and edge/reflect padding then sees the cropped tensor, as ONNX
Runtime reads it; Slice: clamped starts/ends with steps; Sum/Max/Min/Mean: multidirectional
broadcasting, folded left to right; Max/Min propagate NaN). The issue's own example is
checked against its literal value. `rqc run --reference` and the compiled package must
give the expected shape and values (within 1e-6), and so must ONNX Runtime (so the
expectation itself is cross-checked). Error cases must make `rqc compile` exit non-zero
with one `rqc: error:` line containing the given text, and write no package.
Exit status 0 when every case passes, 1 otherwise.
"""
from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper
from rqc_steps import check_refusal, compare, run_cases, run_reference_and_compiled

F = TensorProto.FLOAT
I64 = TensorProto.INT64
RNG = np.random.default_rng(7)


def model(opset, nodes, inputs, out_shape, inits=(), out_type=F):
    """`inputs`: {name: array}; the graph's outputs are one tensor named y."""
    vis = [helper.make_tensor_value_info(k, helper.np_dtype_to_tensor_dtype(v.dtype), list(v.shape))
           for k, v in inputs.items()]
    graph = helper.make_graph(nodes, "exporter_forms", vis, [helper.make_tensor_value_info("y", out_type, out_shape)],
                              list(inits))
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], ir_version=8)


def ints(name, values):
    return numpy_helper.from_array(np.array(values, np.int64), name)


def spec_pad(x, pads, mode="constant", value=0.0, axes=None):
    """ONNX Pad: pads = begins then ends over `axes`; negatives crop first."""
    axes = list(range(x.ndim)) if axes is None else [a % x.ndim for a in axes]
    begin, end = [0] * x.ndim, [0] * x.ndim
    for i, a in enumerate(axes):
        begin[a], end[a] = pads[i], pads[i + len(axes)]
    crop = tuple(slice(max(0, -b), x.shape[d] - max(0, -e)) for d, (b, e) in enumerate(zip(begin, end)))
    x = x[crop]
    width = [(max(0, b), max(0, e)) for b, e in zip(begin, end)]
    if mode == "constant":
        return np.pad(x, width, mode="constant", constant_values=value)
    return np.pad(x, width, mode=mode)


def pad_case(opset, x, pads, mode="constant", value=None, axes=None, expected=None):
    expected = spec_pad(x, pads, mode, 0.0 if value is None else value, axes) if expected is None else expected
    attrs = {} if mode == "constant" else {"mode": mode}
    if opset < 11:
        if value is not None:
            attrs["value"] = value
        return model(opset, [helper.make_node("Pad", ["x"], ["y"], pads=pads, **attrs)], {"x": x},
                     list(expected.shape)), {"x": x}, expected
    names, inits = ["x", "pads"], [ints("pads", pads)]
    if value is not None or axes is not None:
        names.append("value" if value is not None else "")
        if value is not None:
            inits.append(numpy_helper.from_array(np.array(value, np.float32), "value"))
    if axes is not None:
        names.append("axes")
        inits.append(ints("axes", axes))
    return model(opset, [helper.make_node("Pad", names, ["y"], **attrs)], {"x": x}, list(expected.shape),
                 inits), {"x": x}, expected


def slice_case(opset, x, starts, ends, axes=None, steps=None):
    sl = [slice(None)] * x.ndim
    axes = list(range(len(starts))) if axes is None else axes
    steps = [1] * len(starts) if steps is None else steps
    for s, e, a, st in zip(starts, ends, axes, steps):
        sl[a] = slice(s, e, st)  # NumPy's slice clamps exactly as the specification does
    expected = x[tuple(sl)]
    inits = [ints("starts", starts), ints("ends", ends), ints("axes", axes), ints("steps", steps)]
    node = helper.make_node("Slice", ["x", "starts", "ends", "axes", "steps"], ["y"])
    return model(opset, [node], {"x": x}, list(expected.shape), inits), {"x": x}, expected


def variadic_case(op, opset, arrays, dtype=np.float32):
    feeds = {f"x{i}": a.astype(dtype) for i, a in enumerate(arrays)}
    vals = list(feeds.values())
    acc = vals[0]
    for v in vals[1:]:
        acc = {"Sum": np.add, "Mean": np.add, "Max": np.maximum, "Min": np.minimum}[op](acc, v)
    if op == "Mean":
        acc = acc / dtype(len(vals))
    acc = acc.astype(dtype)
    node = helper.make_node(op, list(feeds), ["y"])
    out_type = helper.np_dtype_to_tensor_dtype(np.dtype(dtype))
    return model(opset, [node], feeds, list(acc.shape), out_type=out_type), feeds, acc


def cases():
    """name -> (model, feeds, expected array) or (model, feeds, 'error text')."""
    x = RNG.standard_normal([2, 3, 4, 5]).astype(np.float32)
    c = {}
    issue = np.array([[[[0, 1], [2, 3]]]], np.float32)
    c["pad13_issue_example"] = pad_case(13, issue, [0, 0, -1, 0, 0, 0, 0, 0],
                                        expected=np.array([[[[2, 3]]]], np.float32))
    c["pad13_crop_every_side"] = pad_case(13, x, [0, -1, -1, -2, -1, 0, -2, -1])
    c["pad13_crop_and_pad_same_axis"] = pad_case(13, x, [0, 0, -1, 2, 0, 1, 2, -3], value=1.5)
    c["pad13_edge_after_crop"] = pad_case(13, x, [0, 0, -2, 1, 0, 0, 2, -1], mode="edge")
    c["pad13_reflect_after_crop"] = pad_case(13, x, [0, -1, 1, -1, 0, 0, -1, 2], mode="reflect")
    c["pad11_crop_batch"] = pad_case(11, x, [-1, 0, 0, 0, 0, 0, 0, 0])
    c["pad10_attribute_crop"] = pad_case(10, x, [0, 0, -1, 1, 0, 0, 1, -2], value=-0.5)
    c["pad2_attribute_edge_crop"] = pad_case(7, x, [0, -1, 0, -1, 0, 0, 1, 1], mode="edge")
    c["pad18_axes_negative"] = pad_case(18, x, [-1, 2, 1, -2], axes=[2, -1])
    c["pad18_axes_crop_only"] = pad_case(18, x, [-1, -1, -1, -1], axes=[1, 3])
    c["pad13_crop_to_empty"] = pad_case(13, x, [0, 0, 0, -2, 0, 0, 0, -3])

    c["slice13_activation_steps"] = slice_case(13, x, [0, 1, -1], [2, 100, -5], [1, 2, 3], [2, 1, -2])
    c["slice13_backwards_clamped"] = slice_case(13, x, [100, 3], [-100, 0], [-1, 1], [-1, -3])
    c["slice11_negative_axes"] = slice_case(11, x, [1], [-1], [-2], [1])

    b, w = RNG.standard_normal([3, 1, 1]), RNG.standard_normal([5])
    c["sum13_three_broadcast"] = variadic_case("Sum", 13, [x, b, w])
    c["sum8_one_input"] = variadic_case("Sum", 8, [x])
    c["mean13_four_broadcast"] = variadic_case("Mean", 13, [x, b, w, RNG.standard_normal([4, 1])])
    c["max13_three_broadcast"] = variadic_case("Max", 13, [x, b, w])
    c["min12_four_broadcast"] = variadic_case("Min", 12, [w, x, RNG.standard_normal([1, 3, 1, 1]), b])
    c["max13_int32"] = variadic_case("Max", 13, [RNG.integers(-50, 50, [2, 3]), RNG.integers(-50, 50, [3]),
                                               RNG.integers(-50, 50, [2, 1])], np.int32)
    c["max13_example"] = variadic_case("Max", 13, [np.array([3, 2, 1.]), np.array([1, 4, 4.]), np.array([2, 5, 3.])])
    assert np.array_equal(c["max13_example"][2], [3, 5, 4])  # the specification's example
    nan = np.array([1, np.nan, 3], np.float32)
    c["min13_nan_propagates"] = variadic_case("Min", 13, [nan, np.array([0, 0, 0.]), np.array([2, 2, 2.])])

    bad, _, _ = pad_case(13, issue, [0, 0, -1, 0, 0, 0, 0, 0], expected=np.zeros([1, 1, 1, 2], np.float32))
    bad.graph.initializer[0].CopyFrom(ints("pads", [0, 0, -2, 0, 0, 0, -1, 0]))
    bad.graph.output[0].type.tensor_type.shape.dim[2].dim_value = 0
    c["error_crop_more_than_axis"] = (bad, {"x": issue}, "pads crop 3 elements from axis 2 of size 2")
    wrap, _, _ = pad_case(13, issue, [0, 0, 1, 0, 0, 0, 0, 0], expected=np.zeros([1, 1, 3, 2], np.float32))
    wrap.graph.node[0].attribute.append(helper.make_attribute("mode", "wrap"))
    c["error_mode_wrap"] = (wrap, {"x": issue}, "mode 'wrap' is not supported")
    mixed, feeds, _ = variadic_case("Sum", 13, [x, b])
    mixed.graph.input[1].type.tensor_type.elem_type = TensorProto.INT32
    c["error_mixed_types"] = (mixed, {"x0": x, "x1": b.astype(np.int32)}, "differ in element type")
    return c


def check(rqc, name, m, feeds, expected, work):
    path = os.path.join(work, f"{name}.onnx")
    onnx.save(m, path)
    np.savez(f"{work}/in.npz", **feeds)
    if isinstance(expected, str):
        return check_refusal(rqc, path, f"{work}/m.rqc", lambda line: expected in line)[0], [f"refused ({expected})"]
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    problems, got = run_reference_and_compiled(rqc, path, work, f"{work}/m.rqc")
    got["ORT"] = ort.InferenceSession(m.SerializeToString(), so, providers=["CPUExecutionProvider"]).run(None, feeds)[0]
    mismatches, matched = compare(got, expected, "the specification", 1e-6)
    problems += mismatches
    return problems, [f"{', '.join(matched)} match y{list(expected.shape)}"]


def run_case(rqc, name, case, work):
    m, feeds, expected = case
    if not isinstance(expected, str):
        onnx.checker.check_model(m)
    problems, notes = check(rqc, name, m, feeds, expected, work)
    return problems, notes, m.opset_import[0].version


def main(argv):
    return run_cases(argv, cases(), run_case, "rqc-forms-")


if __name__ == "__main__":
    sys.exit(main(sys.argv))
