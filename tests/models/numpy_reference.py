"""A small numpy interpreter for the operators in rqc's model zoo (fp32 and QDQ int8).

Used by `compare_with_ort.py --self-test numpy` as an independent stand-in for rqc's
reference executor: plain fp32 arithmetic with a different summation order than ONNX
Runtime, QuantizeLinear/DequantizeLinear executed as float (the QDQ semantics). Comparing
it with ORT shows how far apart two correct implementations can be, which is what the
tolerances of compare_with_ort.py must allow. It is not a general ONNX runtime: batch 1
is not assumed, but only the operators and attributes the zoo uses are implemented.
"""
from __future__ import annotations

import os
import sys

import numpy as np
import onnx
from onnx import helper, numpy_helper

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
from make_zoo import np_conv, np_lrn  # noqa: E402  (the same kernels that scaled the weights)


def _pads(at, nd=2):
    p = list(at.get("pads", [0] * (2 * nd)))
    return [(p[i], p[i + nd]) for i in range(nd)]


def _pool(x, at, mode):
    kh, kw = at["kernel_shape"]
    sh, sw = at.get("strides", [1, 1])
    (pt, pb), (pl, pr) = _pads(at)
    if at.get("ceil_mode", 0):
        raise NotImplementedError("ceil_mode=1")
    fill = -np.inf if mode == "max" else 0.0
    xp = np.pad(x, ((0, 0), (0, 0), (pt, pb), (pl, pr)), constant_values=fill)
    win = np.lib.stride_tricks.sliding_window_view(xp, (kh, kw), axis=(2, 3))[:, :, ::sh, ::sw]
    if mode == "max":
        return win.max(axis=(-2, -1))
    s = win.sum(axis=(-2, -1), dtype=x.dtype)
    if at.get("count_include_pad", 0):
        return s / np.asarray(kh * kw, x.dtype)
    ones = np.pad(np.ones(x.shape[2:], x.dtype), ((pt, pb), (pl, pr)))
    cnt = np.lib.stride_tricks.sliding_window_view(ones, (kh, kw))[::sh, ::sw].sum(axis=(-2, -1))
    return s / cnt


def _per_axis(v, ndim, axis):
    if v.ndim == 0 or v.size == 1:
        return v.reshape(())
    shape = [1] * ndim
    shape[axis if ndim > 1 else 0] = -1
    return v.reshape(shape)


def run(model: onnx.ModelProto, feeds: dict[str, np.ndarray], dtype=np.float32) -> dict[str, np.ndarray]:
    """Evaluates the graph; float tensors are computed in `dtype`."""
    f = np.dtype(dtype).type
    env: dict[str, np.ndarray] = {}
    for t in model.graph.initializer:
        a = numpy_helper.to_array(t)
        env[t.name] = a
    for k, v in feeds.items():
        env[k] = v.astype(dtype)
    for n in model.graph.node:
        at = {a.name: helper.get_attribute_value(a) for a in n.attribute}
        i = [env[x] if x else None for x in n.input]
        i = [v.astype(dtype) if (v is not None and v.dtype.kind == "f" and n.op_type not in
                                  ("QuantizeLinear", "DequantizeLinear")) else v for v in i]
        op = n.op_type
        if op == "Constant":
            y = numpy_helper.to_array(at["value"])
        elif op == "Conv":
            if any(d != 1 for d in at.get("dilations", [1, 1])) or at.get("auto_pad", b"NOTSET") not in (b"NOTSET", "NOTSET"):
                raise NotImplementedError("Conv with dilations or auto_pad")
            (pt, pb), (pl, pr) = _pads(at)
            xp = np.pad(i[0], ((0, 0), (0, 0), (pt, pb), (pl, pr)))
            y = np_conv(xp, i[1], i[2] if len(i) > 2 else None, at.get("strides", [1, 1]), (0, 0), at.get("group", 1))
        elif op == "BatchNormalization":
            r = lambda a: a.reshape(1, -1, *([1] * (i[0].ndim - 2)))  # noqa: E731
            y = (i[0] - r(i[3])) / np.sqrt(r(i[4]) + f(at.get("epsilon", 1e-5))) * r(i[1]) + r(i[2])
        elif op == "Relu":
            y = np.maximum(i[0], f(0))
        elif op == "Clip":
            lo = i[1] if len(i) > 1 and i[1] is not None else at.get("min", -np.inf)
            hi = i[2] if len(i) > 2 and i[2] is not None else at.get("max", np.inf)
            y = np.clip(i[0], lo, hi)
        elif op == "MaxPool":
            y = _pool(i[0], at, "max")
        elif op == "AveragePool":
            y = _pool(i[0], at, "avg")
        elif op == "GlobalAveragePool":
            y = i[0].mean(axis=tuple(range(2, i[0].ndim)), keepdims=True, dtype=dtype)
        elif op == "Add":
            y = i[0] + i[1]
        elif op == "Concat":
            y = np.concatenate(i, axis=at["axis"])
        elif op == "Flatten":
            ax = at.get("axis", 1)
            y = i[0].reshape(int(np.prod(i[0].shape[:ax])), -1)
        elif op == "Shape":
            y = np.array(i[0].shape, np.int64)
        elif op == "Gather":
            y = np.take(i[0], i[1], axis=at.get("axis", 0))
        elif op == "Unsqueeze":
            axes = at["axes"] if "axes" in at else [int(a) for a in i[1]]
            y = np.expand_dims(i[0], tuple(axes))
        elif op == "Reshape":
            shape = [d if d != 0 else i[0].shape[k] for k, d in enumerate(i[1])]
            y = i[0].reshape(shape)
        elif op == "Gemm":
            a = i[0].T if at.get("transA", 0) else i[0]
            b = i[1].T if at.get("transB", 0) else i[1]
            y = f(at.get("alpha", 1.0)) * (a @ b)
            if len(i) > 2 and i[2] is not None:
                y = y + f(at.get("beta", 1.0)) * i[2]
        elif op == "LRN":
            y = np_lrn(i[0], at["size"], at.get("alpha", 1e-4), at.get("beta", 0.75), at.get("bias", 1.0))
        elif op in ("Dropout", "Identity"):
            y = i[0]
        elif op == "Softmax":
            ax = at.get("axis", -1 if model.opset_import[0].version >= 13 else 1)
            if ax != -1 and ax != i[0].ndim - 1:
                raise NotImplementedError("Softmax over a non-last axis")
            e = np.exp(i[0] - i[0].max(axis=-1, keepdims=True))
            y = e / e.sum(axis=-1, keepdims=True)
        elif op == "QuantizeLinear":
            x = i[0].astype(np.float32)
            zp = i[2] if len(i) > 2 and i[2] is not None else np.zeros((), np.uint8)
            ax = at.get("axis", 1)
            sc = _per_axis(i[1].astype(np.float32), x.ndim, ax)
            z = _per_axis(zp, x.ndim, ax).astype(np.float32)
            info = np.iinfo(zp.dtype)
            y = np.clip(np.rint(x / sc) + z, info.min, info.max).astype(zp.dtype)
        elif op == "DequantizeLinear":
            q = i[0]
            zp = i[2] if len(i) > 2 and i[2] is not None else np.zeros((), q.dtype)
            ax = at.get("axis", 1)
            sc = _per_axis(i[1].astype(np.float32), q.ndim, ax)
            z = _per_axis(zp, q.ndim, ax).astype(np.int64)
            y = ((q.astype(np.int64) - z).astype(np.float32) * sc).astype(dtype)
        else:
            raise NotImplementedError(f"numpy_reference: operator {op} ({n.name})")
        if isinstance(y, np.ndarray) and y.dtype.kind == "f" and op not in ("QuantizeLinear",):
            y = y.astype(dtype)
        env[n.output[0]] = np.asarray(y)
    return {o.name: env[o.name] for o in model.graph.output}
