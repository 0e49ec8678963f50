#!/usr/bin/env python3
"""Every attribute and input form of every op rqc claims, opsets 7-18, against ONNX Runtime.

    op_forms.py RQC [CASE ...]

The audit behind docs/conformance.md, "Attribute and input forms, opsets 7-18". Each case
is a one- or two-node model with an explicit opset and seeded, tiny inputs, and is one of:

  - agree: ONNX Runtime runs the model (its output is the expected value), and
    `rqc run --reference` and `rqc compile` + `rqc run` of the package must give the same
    element type, exactly the same shape, and values within 1e-5 (absolute and relative;
    integer outputs exactly);
  - refuse: `rqc compile` must exit non-zero with exactly one stderr line, `rqc: error: ...`,
    ending with the listed refusal, and write no package.

Where ORT refuses or misreads a valid form, the expectation is ONNX's reference evaluator
(`oracle="onnx"`) or the specification computed here (an array: NumPy, or ORT on an
equivalent model with explicit pads). Cases written as `agree` that rqc gets wrong today are the audit's findings; they are not
turned into refusals or into rqc's current output. Exit status 0 when every case passes,
1 otherwise.
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

F, I8, U8, I32, I64 = TensorProto.FLOAT, TensorProto.INT8, TensorProto.UINT8, TensorProto.INT32, TensorProto.INT64
RNG = np.random.default_rng(13)


def rand(*shape, dtype=np.float32, lo=-50, hi=50):
    if np.dtype(dtype).kind == "f":
        return RNG.standard_normal(shape).astype(dtype)
    return RNG.integers(lo, hi, shape).astype(dtype)


def ints(*values):
    return np.array(values, np.int64)


def scalar(v, dtype=np.float32):
    return np.array(v, dtype)


class Case:
    """A model of `nodes` at `opset`: graph inputs `feeds` (fed at run time), initializers
    `inits` (constants), one output y of element type `out`."""

    def __init__(self, opset, nodes, feeds, inits=None, out=F, refuse=None, oracle="ort"):
        self.opset, self.feeds, self.refuse, self.oracle = opset, feeds, refuse, oracle
        vis = [helper.make_tensor_value_info(k, helper.np_dtype_to_tensor_dtype(v.dtype), list(v.shape))
               for k, v in feeds.items()]
        inits = [numpy_helper.from_array(np.asarray(v), k) for k, v in (inits or {}).items()]
        graph = helper.make_graph(nodes, "op_forms", vis, [helper.make_tensor_value_info("y", out, None)], inits)
        self.model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], ir_version=8)
        # The checker wants the output's rank: ONNX's shape inference gives it; its dimensions
        # stay symbolic (ORT's output is the expectation, and rqc does not read them). Refusal
        # cases skip it: onnx's inference divides by a zero stride.
        try:
            if refuse is not None:
                raise ValueError("no inference for a refusal")
            inferred = onnx.shape_inference.infer_shapes(self.model, strict_mode=True)
            for vi in list(inferred.graph.value_info) + list(inferred.graph.output):
                if vi.name == "y" and vi.type.tensor_type.HasField("shape"):
                    shape = self.model.graph.output[0].type.tensor_type.shape
                    shape.SetInParent()  # rank 0 too
                    for i in range(len(vi.type.tensor_type.shape.dim)):
                        shape.dim.add().dim_param = f"d{i}"
        except Exception:
            pass


def node(op, inputs, **attrs):
    return helper.make_node(op, inputs, ["y"], **attrs)


def one(opset, op, inputs, feeds, inits=None, out=F, refuse=None, oracle="ort", **attrs):
    """One node `op` producing y."""
    return Case(opset, [node(op, inputs, **attrs)], feeds, inits, out, refuse, oracle)


def conv_int(x, xz, w, wz):
    """ConvInteger with a per-output-channel weight zero point, no padding, stride 1 (ORT
    and ONNX's reference evaluator take per-tensor zero points only)."""
    xs = x.astype(np.int64) - xz
    ws = w.astype(np.int64) - np.asarray(wz, np.int64).reshape(-1, 1, 1, 1)
    kh, kw = w.shape[2:]
    oh, ow = x.shape[2] - kh + 1, x.shape[3] - kw + 1
    y = np.zeros([x.shape[0], w.shape[0], oh, ow], np.int64)
    for i in range(oh):
        for j in range(ow):
            y[:, :, i, j] = np.einsum("nchw,ochw->no", xs[:, :, i:i + kh, j:j + kw], ws)
    return y.astype(np.int32)


def same_pads(shape, kernel, strides, dilations, upper):
    """auto_pad SAME_UPPER/SAME_LOWER as explicit pads, by the specification: output
    ceil(in / stride), the total padding split with the odd one at the end (UPPER) or the
    beginning (LOWER), dilation included in the window."""
    begin, end = [], []
    for n, k, s, d in zip(shape[2:], kernel, strides, dilations):
        total = max((-(-n // s) - 1) * s + (k - 1) * d + 1 - n, 0)
        small, big = total // 2, total - total // 2
        begin.append(small if upper else big)
        end.append(big if upper else small)
    return begin + end


def explicit(op, x, inits, upper, **attrs):
    """ORT's output for `op` with auto_pad replaced by same_pads(): ORT and ONNX's reference
    evaluator leave the dilation out of SAME padding."""
    kernel = attrs.get("kernel_shape") or list(inits["w"].shape[2:])
    pads = same_pads(x.shape, kernel, attrs["strides"], attrs["dilations"], upper)
    return ort_run(one(11, op, ["x"] + list(inits), {"x": x}, inits, pads=pads, **attrs))


def lrn(x, size, alpha, beta, bias):
    """The specification's LRN formula, any rank >= 2: channel window [c - floor((size-1)/2), c + ceil((size-1)/2)]."""
    sq = np.pad(x.astype(np.float64) ** 2, [(0, 0), ((size - 1) // 2, size // 2)] + [(0, 0)] * (x.ndim - 2))
    s = sum(sq[:, k:k + x.shape[1]] for k in range(size))
    return (x / (bias + alpha / size * s) ** beta).astype(np.float32)


def cases():
    """name -> Case."""
    c = {}
    x = rand(1, 2, 5, 5)
    w = rand(3, 2, 3, 3)
    b3 = rand(3)

    # Conv-1, Conv-11.
    c["conv7_defaults"] = one(7, "Conv", ["x", "w"], {"x": x}, {"w": w})
    c["conv11_bias_strides_pads_dilations"] = one(11, "Conv", ["x", "w", "b"], {"x": x}, {"w": w, "b": b3},
                                                  strides=[2, 1], pads=[1, 0, 2, 1], dilations=[1, 2],
                                                  kernel_shape=[3, 3])
    c["conv11_group"] = one(11, "Conv", ["x", "w"], {"x": rand(1, 4, 5, 5)}, {"w": rand(6, 2, 3, 3)}, group=2)
    c["conv11_depthwise"] = one(11, "Conv", ["x", "w"], {"x": rand(1, 4, 5, 5)}, {"w": rand(4, 1, 3, 3)}, group=4)
    for pad in ("SAME_UPPER", "SAME_LOWER", "VALID"):
        c[f"conv11_auto_pad_{pad.lower()}"] = one(11, "Conv", ["x", "w"], {"x": rand(1, 2, 6, 5)}, {"w": rand(3, 2, 2, 3)},
                                                  auto_pad=pad, strides=[2, 2])
    xd, wd = rand(1, 2, 6, 5), rand(3, 2, 3, 2)
    c["conv11_auto_pad_same_lower_dilations"] = one(11, "Conv", ["x", "w"], {"x": xd}, {"w": wd}, auto_pad="SAME_LOWER",
                                                    dilations=[2, 2], strides=[1, 2],
                                                    oracle=explicit("Conv", xd, {"w": wd}, False, dilations=[2, 2],
                                                                    strides=[1, 2]))
    c["conv13_weight_at_run_time"] = one(13, "Conv", ["x", "w"], {"x": x, "w": w})
    c["conv13_bias_at_run_time"] = one(13, "Conv", ["x", "w", "b"], {"x": x, "b": b3}, {"w": w})
    c["conv11_same_lower_zero_stride"] = one(11, "Conv", ["x", "w"], {"x": x}, {"w": w}, auto_pad="SAME_LOWER",
                                             strides=[1, 0], refuse="strides must be 2 positive values, got [1, 0]")
    c["conv11_1d"] = one(11, "Conv", ["x", "w"], {"x": rand(1, 2, 5)}, {"w": rand(3, 2, 3)},
                         refuse="only 2-D convolution (NCHW input) is supported, input has shape 1x2x5")
    c["conv11_3d"] = one(11, "Conv", ["x", "w"], {"x": rand(1, 2, 3, 3, 3)}, {"w": rand(3, 2, 1, 1, 1)},
                         refuse="only 2-D convolution (NCHW input) is supported, input has shape 1x2x3x3x3")

    # Gemm-7/9/11/13: C required before 11; any of alpha, beta, transA, transB.
    a, bm = rand(2, 3), rand(3, 4)
    c["gemm7_all_attributes"] = one(7, "Gemm", ["a", "b", "c"], {"a": rand(3, 2)}, {"b": rand(4, 3), "c": rand(4)},
                                    alpha=0.5, beta=2.0, transA=1, transB=1)
    c["gemm9_matrix_c"] = one(9, "Gemm", ["a", "b", "c"], {"a": a}, {"b": bm, "c": rand(2, 4)}, beta=-1.5)
    c["gemm11_no_c"] = one(11, "Gemm", ["a", "b"], {"a": a}, {"b": bm}, alpha=2.0)
    c["gemm13_column_c"] = one(13, "Gemm", ["a", "b", "c"], {"a": a}, {"b": bm, "c": rand(2, 1)}, beta=0.5)
    c["gemm13_scalar_c"] = one(13, "Gemm", ["a", "b", "c"], {"a": a}, {"b": bm, "c": scalar(0.7)}, beta=3.0)
    c["gemm13_row_c"] = one(13, "Gemm", ["a", "b", "c"], {"a": a}, {"b": bm, "c": rand(1, 4)}, beta=0.25)
    c["gemm13_b_and_c_at_run_time"] = one(13, "Gemm", ["a", "b", "c"], {"a": rand(3, 2), "b": rand(4, 3), "c": rand(4)},
                                          alpha=-0.5, beta=2.0, transA=1, transB=1)
    c["gemm13_one_element_c"] = one(13, "Gemm", ["a", "b", "c"], {"a": a}, {"b": bm, "c": rand(1)}, alpha=1.5)
    c["gemm13_beta_zero"] = one(13, "Gemm", ["a", "b", "c"], {"a": a}, {"b": bm, "c": rand(4)}, beta=0.0)

    # MatMul-1/9/13: NumPy matmul, 1-D operands and batch broadcasting.
    c["matmul9_batched_const_b"] = one(9, "MatMul", ["a", "b"], {"a": rand(2, 3, 4)}, {"b": rand(4, 5)})
    c["matmul13_broadcast_batch"] = one(13, "MatMul", ["a", "b"], {"a": rand(2, 1, 3, 4), "b": rand(3, 4, 2)})
    c["matmul13_1d_a"] = one(13, "MatMul", ["a", "b"], {"a": rand(4), "b": rand(2, 4, 3)})
    c["matmul13_1d_b"] = one(13, "MatMul", ["a", "b"], {"a": rand(2, 3, 4), "b": rand(4)})
    c["matmul13_int32"] = one(13, "MatMul", ["a", "b"], {"a": rand(2, 3, dtype=np.int32)}, {"b": rand(3, 2, dtype=np.int32)},
                              out=I32, refuse="input 0 has element type int32; only float32 is supported")

    # MaxPool-1/8/10/11/12 and AveragePool-7/10/11.
    c["maxpool7_pads_strides"] = one(7, "MaxPool", ["x"], {"x": x}, kernel_shape=[3, 2], strides=[2, 1], pads=[1, 0, 1, 1])
    c["maxpool8_storage_order"] = one(8, "MaxPool", ["x"], {"x": x}, kernel_shape=[2, 2], storage_order=1)
    c["maxpool10_ceil_dilations"] = one(10, "MaxPool", ["x"], {"x": rand(1, 2, 7, 6)}, kernel_shape=[2, 3], strides=[2, 2],
                                        dilations=[2, 1], ceil_mode=1, pads=[0, 1, 0, 0])
    for pad in ("SAME_UPPER", "SAME_LOWER", "VALID"):
        c[f"maxpool11_auto_pad_{pad.lower()}"] = one(11, "MaxPool", ["x"], {"x": rand(1, 2, 6, 5)}, kernel_shape=[3, 2],
                                                     strides=[2, 2], auto_pad=pad)
    c["maxpool12_auto_pad_same_upper_dilations"] = one(12, "MaxPool", ["x"], {"x": xd}, kernel_shape=[2, 3],
                                                       auto_pad="SAME_UPPER", dilations=[2, 1], strides=[2, 1],
                                                       oracle=explicit("MaxPool", xd, {}, True, kernel_shape=[2, 3],
                                                                       dilations=[2, 1], strides=[2, 1]))
    # A zero stride is invalid; with auto_pad SAME the importer divides by it (SIGFPE today).
    c["maxpool12_same_upper_zero_stride"] = one(12, "MaxPool", ["x"], {"x": x}, kernel_shape=[2, 2], auto_pad="SAME_UPPER",
                                                strides=[0, 1], refuse="strides must be 2 positive values, got [0, 1]")
    c["maxpool12_int8"] = one(12, "MaxPool", ["x"], {"x": rand(1, 2, 4, 4, dtype=np.int8)}, out=I8, kernel_shape=[2, 2])
    c["maxpool12_uint8_pads"] = one(12, "MaxPool", ["x"], {"x": rand(1, 2, 4, 4, dtype=np.uint8, lo=0, hi=255)}, out=U8,
                                    kernel_shape=[3, 3], pads=[1, 1, 1, 1], strides=[2, 2])
    c["maxpool12_indices"] = Case(12, [helper.make_node("MaxPool", ["x"], ["y", "i"], kernel_shape=[2, 2])], {"x": x},
                                  refuse="the Indices output of MaxPool is not supported")
    c["maxpool12_1d"] = one(12, "MaxPool", ["x"], {"x": rand(1, 2, 5)}, kernel_shape=[2],
                            refuse="only 2-D pooling (NCHW input) is supported, input has shape 1x2x5")
    c["avgpool7_count_include_pad"] = one(7, "AveragePool", ["x"], {"x": x}, kernel_shape=[3, 3], pads=[1, 1, 1, 0],
                                          count_include_pad=1)
    c["avgpool7_pads_excluded"] = one(7, "AveragePool", ["x"], {"x": x}, kernel_shape=[3, 3], pads=[1, 2, 0, 1],
                                      strides=[2, 2])
    c["avgpool10_ceil"] = one(10, "AveragePool", ["x"], {"x": rand(1, 2, 6, 6)}, kernel_shape=[3, 3], strides=[2, 2],
                              ceil_mode=1)
    # A ceil_mode window that runs past the end padding: ONNX's reference divides by the part
    # of the window inside the padded input (6 here), ORT by the whole kernel (9); rqc follows
    # ONNX's reference. The specification does not say.
    c["avgpool10_ceil_pads_include"] = one(10, "AveragePool", ["x"], {"x": rand(1, 2, 6, 6)}, kernel_shape=[3, 3],
                                           strides=[2, 2], pads=[1, 1, 1, 1], ceil_mode=1, count_include_pad=1,
                                           oracle="onnx")
    # ceil_mode: a window that would start in the end padding is dropped (the specification's
    # output-shape rule since ONNX 1.16).
    c["avgpool10_ceil_last_window_starts_on_pad"] = one(10, "AveragePool", ["x"], {"x": rand(1, 1, 5, 5)},
                                                        kernel_shape=[2, 2], strides=[2, 2], pads=[1, 1, 1, 1],
                                                        ceil_mode=1)
    c["maxpool10_ceil_last_window_starts_on_pad"] = one(10, "MaxPool", ["x"], {"x": rand(1, 1, 5, 5)},
                                                        kernel_shape=[2, 2], strides=[2, 2], pads=[1, 1, 1, 1],
                                                        ceil_mode=1)
    for pad in ("SAME_UPPER", "SAME_LOWER"):
        for inc in (0, 1):
            c[f"avgpool11_{pad.lower()}_include{inc}"] = one(11, "AveragePool", ["x"], {"x": rand(1, 2, 6, 5)},
                                                             kernel_shape=[3, 2], strides=[2, 2], auto_pad=pad,
                                                             count_include_pad=inc)
    c["avgpool11_3d"] = one(11, "AveragePool", ["x"], {"x": rand(1, 1, 3, 3, 3)}, kernel_shape=[2, 2, 2],
                            refuse="only 2-D pooling (NCHW input) is supported, input has shape 1x1x3x3x3")
    c["globalavgpool7"] = one(7, "GlobalAveragePool", ["x"], {"x": x})
    c["globalmaxpool7"] = one(7, "GlobalMaxPool", ["x"], {"x": x})
    c["globalavgpool13_1d"] = one(13, "GlobalAveragePool", ["x"], {"x": rand(1, 3, 5)})
    c["globalmaxpool13_3d"] = one(13, "GlobalMaxPool", ["x"], {"x": rand(1, 2, 2, 3, 4)})

    # Add/Sub/Mul/Div-7/13/14: multidirectional broadcasting; float32 and int32 at run time.
    for op in ("Add", "Sub", "Mul", "Div"):
        c[f"{op.lower()}7_broadcast"] = one(7, op, ["a", "b"], {"a": rand(2, 3, 1), "b": rand(4)})
        c[f"{op.lower()}14_int32"] = one(14, op, ["a", "b"], {"a": rand(2, 3, dtype=np.int32), "b": rand(3, dtype=np.int32, lo=1)},
                                         out=I32)
    c["div14_int32_negative"] = one(14, "Div", ["a", "b"], {"a": np.array([7, -7, 7, -7, -9, 9], np.int32)},
                                    {"b": np.array([2, 2, -2, -2, 4, -4], np.int32)}, out=I32)
    c["add13_constants_folded"] = one(13, "Add", ["a", "b"], {}, {"a": rand(2, 3), "b": rand(3)})
    c["mul13_int64_constants_folded"] = one(13, "Mul", ["a", "b"], {}, {"a": ints(2, 3, 4), "b": ints(-1)}, out=I64)
    c["div13_int64_constants_negative"] = one(13, "Div", ["a", "b"], {}, {"a": ints(7, -7, 7, -7), "b": ints(2, 2, -2, -2)},
                                              out=I64)
    c["add14_int8_constants_folded"] = one(14, "Add", ["a", "b"], {}, {"a": np.array([1, -2, 100], np.int8),
                                                                     "b": np.array([3, 4, 5], np.int8)}, out=I8)
    c["add13_int64_at_run_time"] = one(13, "Add", ["a", "b"], {"a": ints(1, 2)}, {"b": ints(3, 4)}, out=I64,
                                       refuse="element type int64 is not supported (float32 or int32)")
    c["add14_uint8_at_run_time"] = one(14, "Add", ["a", "b"], {"a": rand(3, dtype=np.uint8, lo=0)},
                                       {"b": rand(3, dtype=np.uint8, lo=0)}, out=U8,
                                       refuse="element type uint8 is not supported (float32 or int32)")

    # Sum/Mean/Max/Min-6/8/12/13 (variadic, broadcasting from 8; more in exporter_forms.py).
    c["sum7_same_shapes"] = one(7, "Sum", ["a", "b", "c"], {"a": rand(2, 3), "b": rand(2, 3), "c": rand(2, 3)})
    c["mean7_same_shapes"] = one(7, "Mean", ["a", "b"], {"a": rand(2, 3), "b": rand(2, 3)})
    c["max8_broadcast_constant"] = one(8, "Max", ["a", "b"], {"a": rand(2, 3)}, {"b": rand(3)})
    c["min12_int32"] = one(12, "Min", ["a", "b"], {"a": rand(2, 3, dtype=np.int32), "b": rand(3, dtype=np.int32)}, out=I32)
    c["sum13_constants_folded"] = one(13, "Sum", ["a", "b", "c"], {}, {"a": rand(2, 1), "b": rand(3), "c": rand(1)})
    c["mean13_constants_folded"] = one(13, "Mean", ["a", "b"], {}, {"a": rand(2, 3), "b": rand(3)})
    c["mean13_int32"] = one(13, "Mean", ["a", "b"], {"a": rand(3, dtype=np.int32), "b": rand(3, dtype=np.int32)}, out=I32,
                            refuse="element type int32 is not supported (float32)")

    # Relu-6/13/14, Sigmoid-6/13, LeakyRelu-6/16.
    c["relu7"] = one(7, "Relu", ["x"], {"x": x})
    c["sigmoid7"] = one(7, "Sigmoid", ["x"], {"x": x})
    c["leakyrelu7_default_alpha"] = one(7, "LeakyRelu", ["x"], {"x": x})
    c["leakyrelu16_alpha"] = one(16, "LeakyRelu", ["x"], {"x": x}, alpha=0.3)
    c["relu14_int32"] = one(14, "Relu", ["x"], {"x": rand(2, 3, dtype=np.int32)}, out=I32,
                            refuse="input 0 has element type int32; only float32 is supported")

    # Clip-6 (attributes; more in old_opsets.py) and Clip-11/12/13 (optional constant inputs).
    c["clip11_min_and_max"] = one(11, "Clip", ["x", "lo", "hi"], {"x": x}, {"lo": scalar(-0.5), "hi": scalar(0.6)})
    c["clip11_max_only"] = one(11, "Clip", ["x", "", "hi"], {"x": x}, {"hi": scalar(0.1)})
    c["clip13_min_only"] = one(13, "Clip", ["x", "lo"], {"x": x}, {"lo": scalar(-0.2)})
    c["clip13_no_bounds"] = one(13, "Clip", ["x"], {"x": x})
    c["clip13_min_above_max"] = one(13, "Clip", ["x", "lo", "hi"], {"x": x}, {"lo": scalar(0.5), "hi": scalar(-0.5)})
    c["clip13_bound_at_run_time"] = one(13, "Clip", ["x", "lo"], {"x": x, "lo": scalar(0.0)},
                                        refuse="min (input 1) must be a constant; graph input 'lo' feeds it")
    c["clip12_int32"] = one(12, "Clip", ["x", "lo"], {"x": rand(2, 3, dtype=np.int32)}, {"lo": scalar(0, np.int32)},
                            out=I32, refuse="input 0 has element type int32; only float32 is supported")

    # BatchNormalization-7/9/14/15.
    ch = 2
    bn = {"s": rand(ch), "b": rand(ch), "m": rand(ch), "v": np.abs(rand(ch)) + 0.5}
    c["batchnorm7_spatial1"] = one(7, "BatchNormalization", ["x", "s", "b", "m", "v"], {"x": x}, bn, spatial=1,
                                   epsilon=1e-3)
    c["batchnorm7_spatial0"] = one(7, "BatchNormalization", ["x", "s", "b", "m", "v"], {"x": x}, bn, spatial=0,
                                   refuse="spatial=0 is not supported")
    c["batchnorm9_rank2"] = one(9, "BatchNormalization", ["x", "s", "b", "m", "v"], {"x": rand(3, ch)}, bn)
    c["batchnorm9_rank3"] = one(9, "BatchNormalization", ["x", "s", "b", "m", "v"], {"x": rand(2, ch, 4)}, bn)
    c["batchnorm14_training_mode0_momentum"] = one(14, "BatchNormalization", ["x", "s", "b", "m", "v"], {"x": x}, bn,
                                                   training_mode=0, momentum=0.5)
    c["batchnorm15_params_at_run_time"] = one(15, "BatchNormalization", ["x", "s", "b", "m", "v"], {"x": x, **bn})
    c["batchnorm15_training_mode1"] = one(15, "BatchNormalization", ["x", "s", "b", "m", "v"], {"x": x}, bn,
                                          training_mode=1,
                                          refuse="training_mode=1 is not supported (inference only)")
    c["batchnorm9_mean_output"] = Case(9, [helper.make_node("BatchNormalization", ["x", "s", "b", "m", "v"],
                                                            ["y", "rm"])], {"x": x}, bn,
                                       refuse="training outputs (running mean/variance) are not supported")

    # LRN-1/13: the window is [c - floor((size-1)/2), c + ceil((size-1)/2)].
    xl = rand(1, 6, 2, 2)
    c["lrn7_size3_defaults"] = one(7, "LRN", ["x"], {"x": xl}, size=3)
    # ORT refuses an even size and any rank but 4 (ONNX's reference evaluator windows the
    # batch axis, not channels), so these compare with the specification's formula.
    c["lrn13_size2_even"] = one(13, "LRN", ["x"], {"x": xl}, size=2, alpha=0.5, beta=0.6, bias=2.0,
                                oracle=lrn(xl, 2, 0.5, 0.6, 2.0))
    c["lrn13_size4_even"] = one(13, "LRN", ["x"], {"x": xl}, size=4, alpha=0.3, oracle=lrn(xl, 4, 0.3, 0.75, 1.0))
    x3 = rand(2, 5, 3)
    c["lrn13_rank3"] = one(13, "LRN", ["x"], {"x": x3}, size=3, alpha=0.2, oracle=lrn(x3, 3, 0.2, 0.75, 1.0))
    # Invalid; today the reference executor runs it and compilation fails in code generation.
    c["lrn13_negative_size"] = one(13, "LRN", ["x"], {"x": xl}, size=-3, refuse="size must be >= 1, got -3")
    c["lrn13_no_size"] = one(13, "LRN", ["x"], {"x": xl}, refuse="attribute 'size' is required")

    # Softmax-1/11/13 (the opset < 13 flattening is in old_opsets.py).
    c["softmax7_default_axis_3d"] = one(7, "Softmax", ["x"], {"x": rand(2, 3, 4)})
    c["softmax13_axis1_3d"] = one(13, "Softmax", ["x"], {"x": rand(2, 3, 4)}, axis=1)
    c["softmax13_default_axis_2d"] = one(13, "Softmax", ["x"], {"x": rand(3, 5)})

    # Transpose-1/13.
    c["transpose7_default_perm"] = one(7, "Transpose", ["x"], {"x": rand(2, 3, 4)})
    c["transpose13_perm"] = one(13, "Transpose", ["x"], {"x": rand(2, 3, 4, 5)}, perm=[2, 0, 3, 1])
    c["transpose13_constant"] = one(13, "Transpose", ["t"], {}, {"t": rand(2, 3)}, perm=[1, 0])
    c["transpose13_int64_constant"] = one(13, "Transpose", ["t"], {}, {"t": ints(1, 2, 3, 4).reshape(2, 2)}, out=I64,
                                          refuse="'graph.transpose' op operand #0 must be ranked tensor of 32-bit float or "
                                                 "32-bit signless integer or 8-bit signless integer or 8-bit unsigned integer "
                                                 "values, but got 'tensor<2x2xi64>'")

    # Pad-2/11/13/18 (cropping, modes and attribute forms are in exporter_forms.py and old_opsets.py).
    xp = rand(2, 3, 4)
    c["pad11_no_constant_value"] = one(11, "Pad", ["x", "p"], {"x": xp}, {"p": ints(0, 1, 2, 1, 0, 1)})
    c["pad13_int32_value"] = one(13, "Pad", ["x", "p", "v"], {"x": rand(2, 3, dtype=np.int32)},
                                 {"p": ints(1, 0, 0, 2), "v": scalar(7, np.int32)}, out=I32)
    c["pad18_axes_reflect"] = one(18, "Pad", ["x", "p", "", "a"], {"x": xp}, {"p": ints(1, 2, 1, 2), "a": ints(-1, 1)},
                                  mode="reflect")
    c["pad18_axes_empty_value"] = one(18, "Pad", ["x", "p", "", "a"], {"x": xp}, {"p": ints(1, 2), "a": ints(0)},
                                      mode="edge")
    # ORT's output for this is not a reflection (it reads outside the input); the specification
    # does not define it.
    c["pad13_reflect_wider_than_axis"] = one(13, "Pad", ["x", "p"], {"x": rand(2, 3)}, {"p": ints(0, 3, 0, 3)}, mode="reflect",
                                             refuse="'graph.pad' op reflect pads must be smaller than the dimension they pad")
    c["pad13_pads_at_run_time"] = one(13, "Pad", ["x", "p"], {"x": xp, "p": ints(0, 1, 2, 1, 0, 1)},
                                      refuse="pads (input 1) must be a constant; graph input 'p' feeds it")
    c["pad13_value_at_run_time"] = one(13, "Pad", ["x", "p", "v"], {"x": xp, "v": scalar(1.0)}, {"p": ints(0, 1, 2, 1, 0, 1)},
                                       refuse="constant_value (input 2) must be a constant; graph input 'v' feeds it")

    # Identity-1/13/14/16 and Dropout-7/10/12/13 (the identity at inference).
    c["identity7"] = one(7, "Identity", ["x"], {"x": x})
    c["identity16_of_constant"] = one(16, "Identity", ["t"], {}, {"t": rand(2, 3)})
    c["dropout7_ratio"] = one(7, "Dropout", ["x"], {"x": x}, ratio=0.3)
    c["dropout10_ratio"] = one(10, "Dropout", ["x"], {"x": x}, ratio=0.7)
    c["dropout12_ratio_seed"] = one(12, "Dropout", ["x", "r"], {"x": x}, {"r": scalar(0.4)}, seed=3)
    # training_mode is a bool tensor, and rqc reads no bool tensor: the importer's check of
    # its value is never reached.
    c["dropout12_training_false"] = one(12, "Dropout", ["x", "r", "t"], {"x": x}, {"r": scalar(0.4), "t": np.array(False)},
                                        refuse="initializer: tensor 't' has element type BOOL, which rqc does not support "
                                               "(float32, int8, uint8, int32, int64)")
    c["dropout13_ratio_at_run_time"] = one(13, "Dropout", ["x", "r"], {"x": x, "r": scalar(0.4)})
    c["dropout13_training_at_run_time"] = one(13, "Dropout", ["x", "", "t"], {"x": x, "t": np.array(False)},
                                              refuse="graph input 't' has element type BOOL, which rqc does not support "
                                                     "(float32, int8, uint8, int32, int64)")
    c["dropout10_mask"] = Case(10, [helper.make_node("Dropout", ["x"], ["y", "mask"])], {"x": x},
                               refuse="the mask output of Dropout is not supported")

    # Shape-1/13/15 (read at import); Gather-1/11/13 (constants only).
    c["shape7"] = one(7, "Shape", ["x"], {"x": x}, out=I64)
    c["shape15_start_end"] = one(15, "Shape", ["x"], {"x": x}, out=I64, start=1, end=-1)
    c["shape15_clamped"] = one(15, "Shape", ["x"], {"x": x}, out=I64, start=-10, end=10)
    c["shape15_start_after_end"] = one(15, "Shape", ["x"], {"x": x}, out=I64, start=3, end=1)
    table = rand(3, 4)
    c["gather7_axis0"] = one(7, "Gather", ["t", "i"], {}, {"t": table, "i": ints(2, 0)})
    c["gather11_axis1_negative_2d_indices"] = one(11, "Gather", ["t", "i"], {}, {"t": table, "i": ints([-1, 0], [1, -4])},
                                                  axis=-1)
    c["gather13_scalar_index"] = one(13, "Gather", ["t", "i"], {}, {"t": table, "i": np.array(1, np.int64)}, axis=1)
    c["gather13_data_at_run_time"] = one(13, "Gather", ["x", "i"], {"x": table}, {"i": ints(1)},
                                         refuse="data (input 0) must be a constant; graph input 'x' feeds it")
    c["gather13_indices_at_run_time"] = one(13, "Gather", ["t", "i"], {"i": ints(1)}, {"t": table},
                                            refuse="indices (input 1) must be a constant; graph input 'i' feeds it")

    # Unsqueeze/Squeeze-1/11 (axes attribute) and -13 (axes input).
    x23 = rand(2, 1, 3)
    c["unsqueeze7_axes"] = one(7, "Unsqueeze", ["x"], {"x": x23}, axes=[0, 4])
    c["unsqueeze11_negative_axes"] = one(11, "Unsqueeze", ["x"], {"x": x23}, axes=[-1, 1])
    c["unsqueeze13_axes_input"] = one(13, "Unsqueeze", ["x", "a"], {"x": x23}, {"a": ints(-2, 0)})
    c["unsqueeze13_of_constant"] = one(13, "Unsqueeze", ["t", "a"], {}, {"t": table, "a": ints(1)})
    c["unsqueeze13_axes_at_run_time"] = one(13, "Unsqueeze", ["x", "a"], {"x": x23, "a": ints(0)},
                                            refuse="axes (input 1) must be a constant; graph input 'a' feeds it")
    c["squeeze7_no_axes"] = one(7, "Squeeze", ["x"], {"x": rand(1, 2, 1, 3)})
    c["squeeze11_negative_axes"] = one(11, "Squeeze", ["x"], {"x": rand(1, 2, 1, 3)}, axes=[-2])
    c["squeeze13_no_axes"] = one(13, "Squeeze", ["x"], {"x": rand(1, 2, 1, 3)})
    c["squeeze13_axes_input"] = one(13, "Squeeze", ["x", "a"], {"x": rand(1, 2, 1, 3)}, {"a": ints(0)})
    c["squeeze13_axis_not_one"] = one(13, "Squeeze", ["x", "a"], {"x": rand(1, 2, 1, 3)}, {"a": ints(1)},
                                      refuse="cannot squeeze axis 1 of size 2")

    # Concat-4/11/13.
    c["concat7_axis1"] = one(7, "Concat", ["a", "b"], {"a": rand(2, 3), "b": rand(2, 1)}, axis=1)
    c["concat11_negative_axis_const_and_run_time"] = one(11, "Concat", ["a", "t", "b"], {"a": rand(2, 3, 1), "b": rand(2, 3, 2)},
                                                         {"t": rand(2, 3, 3)}, axis=-1)
    c["concat13_one_input"] = one(13, "Concat", ["a"], {"a": rand(2, 3)}, axis=0)
    c["concat13_int32"] = one(13, "Concat", ["a", "b"], {"a": rand(2, dtype=np.int32), "b": rand(3, dtype=np.int32)},
                              out=I32, axis=0)
    c["concat13_int64_at_run_time"] = one(13, "Concat", ["a", "t"], {"a": ints(1, 2)}, {"t": ints(3)}, out=I64, axis=0,
                                          refuse="'graph.concat' op operand #0 must be variadic of ranked tensor of 32-bit "
                                                 "float or 32-bit signless integer or 8-bit signless integer or 8-bit "
                                                 "unsigned integer values, but got 'tensor<2xi64>'")
    c["concat13_int64_constants"] = one(13, "Concat", ["a", "b"], {}, {"a": ints(1, 2), "b": ints(3)}, out=I64, axis=0)

    # Reshape-5/13/14, Flatten-1/9/11/13.
    c["reshape7_zero_and_minus_one"] = one(7, "Reshape", ["x", "s"], {"x": rand(2, 3, 4)}, {"s": ints(0, -1, 2)})
    c["reshape14_allowzero_empty"] = one(14, "Reshape", ["x", "s"], {"x": rand(0, 3)}, {"s": ints(3, 0)}, allowzero=1)
    c["reshape14_allowzero_no_zero"] = one(14, "Reshape", ["x", "s"], {"x": rand(2, 3, 4)}, {"s": ints(4, -1)}, allowzero=1)
    c["reshape13_of_constant"] = one(13, "Reshape", ["t", "s"], {}, {"t": table, "s": ints(2, 6)})
    c["reshape13_shape_at_run_time"] = one(13, "Reshape", ["x", "s"], {"x": table, "s": ints(12)},
                                           refuse="shape (input 1) must be a constant; graph input 's' feeds it")
    for axis in (0, 2, 4, -1):
        c[f"flatten{11 if axis < 0 else 7}_axis{axis}"] = one(11 if axis < 0 else 7, "Flatten", ["x"], {"x": rand(2, 3, 2, 2)},
                                                              axis=axis)

    # Cast-6/9/13: constants are converted at import; at run time only to the same type.
    c["cast7_constant_float_to_int32"] = one(7, "Cast", ["t"], {}, {"t": np.array([1.7, -1.7, 0.5, -2.5, 3e3], np.float32)},
                                             out=I32, to=I32)
    c["cast9_constant_int64_to_float"] = one(9, "Cast", ["t"], {}, {"t": ints(-3, 5, 1 << 40)}, to=F)
    c["cast13_constant_int32_to_int8_wraps"] = one(13, "Cast", ["t"], {}, {"t": np.array([1, -1, 200, -200], np.int32)},
                                                   out=I8, to=I8)
    c["cast13_same_type_at_run_time"] = one(13, "Cast", ["x"], {"x": x}, to=F)
    c["cast13_int32_to_float_at_run_time"] = one(13, "Cast", ["x"], {"x": rand(2, 3, dtype=np.int32)}, to=F,
                                                 refuse="casting run-time tensors from int32 to float32 is not supported")
    c["cast13_to_float16"] = one(13, "Cast", ["x"], {"x": x}, out=TensorProto.FLOAT16, to=TensorProto.FLOAT16,
                                 refuse="Cast target has element type FLOAT16, which rqc does not support "
                                        "(float32, int8, uint8, int32, int64)")

    # Slice-1 (attributes; more in old_opsets.py) and -10/11/13 (inputs; more in exporter_forms.py).
    xs = rand(6, 4)
    c["slice7_attributes_of_constant"] = one(7, "Slice", ["t"], {}, {"t": xs}, starts=[1, -3], ends=[100, -1])
    c["slice9_attributes_of_activation"] = one(9, "Slice", ["x"], {"x": xs}, starts=[-2], ends=[1000], axes=[1])
    c["slice10_steps"] = one(10, "Slice", ["x", "s", "e", "a", "st"], {"x": xs},
                             {"s": ints(5), "e": ints(0), "a": ints(0), "st": ints(-2)})
    c["slice13_backward_start_before_begin"] = one(13, "Slice", ["x", "s", "e", "a", "st"], {"x": xs},
                                                   {"s": ints(-10), "e": ints(-100), "a": ints(0), "st": ints(-1)})
    c["slice13_backward_from_end_const"] = one(13, "Slice", ["t", "s", "e", "a", "st"], {}, 
                                               {"t": xs, "s": ints(-10, 100), "e": ints(-100, -100), "a": ints(0, 1),
                                                "st": ints(-1, -1)})
    c["slice13_default_axes_and_steps"] = one(13, "Slice", ["x", "s", "e"], {"x": xs}, {"s": ints(1, 1), "e": ints(-1, 3)})
    c["slice13_skipped_axes_with_steps"] = one(13, "Slice", ["x", "s", "e", "", "st"], {"x": xs},
                                               {"s": ints(0, 3), "e": ints(6, 0), "st": ints(2, -1)})
    c["slice13_int64_max_end"] = one(13, "Slice", ["x", "s", "e", "a"], {"x": xs},
                                     {"s": ints(2), "e": ints(np.iinfo(np.int64).max), "a": ints(0)})
    c["slice13_backward_int64_min_end"] = one(13, "Slice", ["x", "s", "e", "a", "st"], {"x": xs},
                                              {"s": ints(-1), "e": ints(np.iinfo(np.int64).min), "a": ints(1), "st": ints(-1)})
    c["slice13_step_int64_min"] = one(13, "Slice", ["x", "s", "e", "a", "st"], {"x": xs},
                                      {"s": ints(3), "e": ints(np.iinfo(np.int64).min), "a": ints(0),
                                       "st": ints(np.iinfo(np.int64).min)})
    c["slice13_starts_at_run_time"] = one(13, "Slice", ["x", "s", "e"], {"x": xs, "s": ints(1)}, {"e": ints(3)},
                                          refuse="starts (input 1) must be a constant; graph input 's' feeds it")

    # Constant-1/9/11/12/13 and ConstantOfShape-9.
    def const(opset, **attrs):
        return Case(opset, [helper.make_node("Constant", [], ["y"], **attrs)], {},
                    out=I64 if "value_int" in attrs or "value_ints" in attrs else attrs.get("_out", F))
    c["constant7_value"] = const(7, value=numpy_helper.from_array(rand(2, 3)))
    c["constant13_value_int32"] = Case(13, [helper.make_node("Constant", [], ["y"],
                                                             value=numpy_helper.from_array(rand(3, dtype=np.int32)))],
                                       {}, out=I32)
    c["constant12_value_float"] = const(12, value_float=2.5)
    c["constant12_value_floats"] = const(12, value_floats=[1.0, -2.0])
    c["constant12_value_int"] = const(12, value_int=-4)
    c["constant12_value_ints"] = const(12, value_ints=[3, 1, 4])
    c["constant12_value_string"] = Case(12, [helper.make_node("Constant", [], ["y"], value_string="abc")], {},
                                        out=TensorProto.STRING, refuse="attribute 'value_string' is not supported")
    sparse = helper.make_sparse_tensor(numpy_helper.from_array(np.array([5.0], np.float32), "v"),
                                       numpy_helper.from_array(ints(1), "i"), [3])
    c["constant11_sparse_value"] = Case(11, [helper.make_node("Constant", [], ["y"], sparse_value=sparse)], {},
                                        refuse="attribute 'sparse_value' is not supported")
    c["constantofshape9_default"] = one(9, "ConstantOfShape", ["s"], {}, {"s": ints(2, 3)})
    c["constantofshape9_int64_value"] = one(9, "ConstantOfShape", ["s"], {}, {"s": ints(2)}, out=I64,
                                            value=numpy_helper.from_array(ints(7)))
    c["constantofshape9_int32_value"] = one(9, "ConstantOfShape", ["s"], {}, {"s": ints(3, 1)}, out=I32,
                                            value=numpy_helper.from_array(np.array([-2], np.int32)))
    c["constantofshape9_scalar"] = one(9, "ConstantOfShape", ["s"], {}, {"s": np.zeros([0], np.int64)},
                                       value=numpy_helper.from_array(np.array([1.5], np.float32)))
    c["constantofshape9_zero_dim"] = one(9, "ConstantOfShape", ["s"], {}, {"s": ints(2, 0)})
    c["constantofshape9_shape_at_run_time"] = one(9, "ConstantOfShape", ["s"], {"s": ints(2, 3)},
                                                  refuse="shape (input 0) must be a constant; graph input 's' feeds it")

    # QuantizeLinear/DequantizeLinear-10/13: per tensor; per axis (13) with `axis`.
    xq = (rand(2, 3, 2) * 40).astype(np.float32)
    xq.ravel()[:6] = [0.5, 1.5, 2.5, -0.5, -1.5, 1000.0]  # ties round to even; saturation
    c["quantize10_uint8_default_zero_point"] = one(10, "QuantizeLinear", ["x", "s"], {"x": xq}, {"s": scalar(0.5)}, out=U8)
    c["quantize10_int8"] = one(10, "QuantizeLinear", ["x", "s", "z"], {"x": xq}, {"s": scalar(1.0), "z": scalar(-3, np.int8)},
                               out=I8)
    c["quantize13_uint8_zero_point"] = one(13, "QuantizeLinear", ["x", "s", "z"], {"x": xq},
                                           {"s": scalar(0.25), "z": scalar(128, np.uint8)}, out=U8)
    c["quantize13_axis_default"] = one(13, "QuantizeLinear", ["x", "s", "z"], {"x": xq},
                                       {"s": np.array([0.5, 1.0, 2.0], np.float32), "z": np.array([0, 5, -5], np.int8)},
                                       out=I8)
    c["quantize13_axis0"] = one(13, "QuantizeLinear", ["x", "s", "z"], {"x": xq},
                                {"s": np.array([0.5, 2.0], np.float32), "z": np.array([10, 200], np.uint8)}, out=U8, axis=0)
    c["quantize13_axis_negative"] = one(13, "QuantizeLinear", ["x", "s"], {"x": xq}, {"s": np.array([0.5, 2.0], np.float32)},
                                        out=U8, axis=-1)
    c["quantize13_one_element_vector_scale"] = one(13, "QuantizeLinear", ["x", "s", "z"], {"x": xq},
                                                   {"s": np.array([0.5], np.float32), "z": np.array([3], np.uint8)}, out=U8)
    c["quantize13_per_axis_no_zero_point"] = one(13, "QuantizeLinear", ["x", "s"], {"x": rand(2, 3) * 50},
                                                 {"s": np.array([0.5, 1.0, 2.0], np.float32)}, out=U8)
    c["quantize13_scale_at_run_time"] = one(13, "QuantizeLinear", ["x", "s"], {"x": xq, "s": scalar(0.5)}, out=U8,
                                            refuse="scale (input 1) must be a constant; graph input 's' feeds it")
    c["dequantize10_uint8"] = one(10, "DequantizeLinear", ["x", "s", "z"], {"x": rand(2, 3, dtype=np.uint8, lo=0, hi=255)},
                                  {"s": scalar(0.1), "z": scalar(100, np.uint8)})
    c["dequantize10_int8_no_zero_point"] = one(10, "DequantizeLinear", ["x", "s"], {"x": rand(2, 3, dtype=np.int8)},
                                               {"s": scalar(0.3)})
    c["dequantize10_int32"] = one(10, "DequantizeLinear", ["x", "s"], {"x": rand(2, 3, dtype=np.int32, lo=-5000, hi=5000)},
                                  {"s": scalar(0.01)})
    c["dequantize13_per_axis_no_zero_point_int32"] = one(13, "DequantizeLinear", ["x", "s"], {"x": rand(2, 3, dtype=np.int32)},
                                                         {"s": np.array([0.5, 1.0, 2.0], np.float32)})
    c["dequantize13_axis0"] = one(13, "DequantizeLinear", ["x", "s", "z"], {"x": rand(2, 3, dtype=np.int8)},
                                  {"s": np.array([0.5, 2.0], np.float32), "z": np.array([1, -1], np.int8)}, axis=0)
    c["dequantize13_axis_default"] = one(13, "DequantizeLinear", ["x", "s", "z"], {"x": rand(2, 3, 2, dtype=np.uint8, lo=0, hi=255)},
                                         {"s": np.array([0.5, 2.0, 0.1], np.float32), "z": np.array([1, 2, 3], np.uint8)})

    # ConvInteger-10, QLinearConv-10, MatMulInteger-10, QLinearMatMul-10.
    xu = rand(1, 2, 5, 5, dtype=np.uint8, lo=0, hi=255)
    wu = rand(3, 2, 3, 3, dtype=np.uint8, lo=0, hi=255)
    wi = rand(3, 2, 3, 3, dtype=np.int8, lo=-128, hi=127)
    c["convinteger10_zero_points"] = one(10, "ConvInteger", ["x", "w", "xz", "wz"], {"x": xu},
                                         {"w": wu, "xz": scalar(120, np.uint8), "wz": scalar(130, np.uint8)}, out=I32,
                                         pads=[1, 0, 1, 2], strides=[2, 1])
    # ORT implements ConvInteger for uint8 inputs with per-tensor zero points only; the rest
    # compare with ONNX's reference evaluator.
    c["convinteger10_no_zero_points_int8_weight"] = one(10, "ConvInteger", ["x", "w"], {"x": xu}, {"w": wi}, out=I32,
                                                        auto_pad="SAME_UPPER", oracle="onnx")
    c["convinteger10_int8_input"] = one(10, "ConvInteger", ["x", "w", "xz"], {"x": rand(1, 2, 5, 5, dtype=np.int8, lo=-128, hi=127)},
                                        {"w": wi, "xz": scalar(-3, np.int8)}, out=I32, dilations=[2, 1], oracle="onnx")
    c["convinteger10_per_channel_w_zero_point"] = one(10, "ConvInteger", ["x", "w", "xz", "wz"], {"x": xu},
                                                      {"w": wu, "xz": scalar(3, np.uint8),
                                                       "wz": np.array([1, 2, 250], np.uint8)}, out=I32,
                                                      oracle=conv_int(xu, 3, wu, np.array([1, 2, 250])))
    c["convinteger10_skipped_x_zero_point"] = one(10, "ConvInteger", ["x", "w", "", "wz"], {"x": xu},
                                                  {"w": wu, "wz": scalar(7, np.uint8)}, out=I32)
    c["convinteger10_group"] = one(10, "ConvInteger", ["x", "w"], {"x": rand(1, 4, 4, 4, dtype=np.uint8, lo=0, hi=255)},
                                   {"w": rand(4, 2, 2, 2, dtype=np.uint8, lo=0, hi=255)}, out=I32, group=2)
    q = lambda v, t=np.float32: np.array(v, t)  # noqa: E731
    qconv = {"xs": q(0.05), "xz": q(120, np.uint8), "w": wi, "ws": q(0.02), "wz": q(0, np.int8), "ys": q(0.3),
             "yz": q(110, np.uint8)}
    ins = ["x", "xs", "xz", "w", "ws", "wz", "ys", "yz"]
    c["qlinearconv10_uint8"] = one(10, "QLinearConv", ins, {"x": xu}, qconv, out=U8, pads=[1, 1, 1, 1])
    c["qlinearconv10_bias_per_channel"] = one(10, "QLinearConv", ins + ["b"], {"x": xu},
                                              {**qconv, "ws": q([0.02, 0.01, 0.03]), "wz": q([0, 0, 0], np.int8),
                                               "b": q([-500, 0, 700], np.int32)}, out=U8, strides=[2, 2])
    # ORT takes one weight zero point for all channels; ONNX's reference evaluator any.
    c["qlinearconv10_per_channel_w_zero_point"] = one(10, "QLinearConv", ins, {"x": xu},
                                                      {**qconv, "w": wu, "ws": q([0.02, 0.01, 0.03]),
                                                       "wz": q([5, 128, 250], np.uint8)}, out=U8, oracle="onnx")
    c["qlinearconv10_weight_at_run_time"] = one(10, "QLinearConv", ins, {"x": xu, "w": wi},
                                                {k: v for k, v in qconv.items() if k != "w"}, out=U8)
    c["qlinearconv10_int8"] = one(10, "QLinearConv", ins, {"x": rand(1, 2, 5, 5, dtype=np.int8, lo=-128, hi=127)},
                                  {**qconv, "xz": q(-2, np.int8), "yz": q(5, np.int8)}, out=I8, auto_pad="SAME_LOWER")
    au, bu = rand(2, 4, dtype=np.uint8, lo=0, hi=255), rand(4, 3, dtype=np.uint8, lo=0, hi=255)
    c["matmulinteger10_zero_points"] = one(10, "MatMulInteger", ["a", "b", "az", "bz"], {"a": au},
                                           {"b": bu, "az": q(12, np.uint8), "bz": q(200, np.uint8)}, out=I32)
    c["matmulinteger10_3d_per_column"] = one(10, "MatMulInteger", ["a", "b", "", "bz"],
                                             {"a": rand(2, 2, 4, dtype=np.uint8, lo=0, hi=255)},
                                             {"b": rand(4, 3, dtype=np.int8, lo=-128, hi=127), "bz": q([1, -2, 3], np.int8)},
                                             out=I32)
    c["matmulinteger10_batched_b"] = one(10, "MatMulInteger", ["a", "b"], {"a": au}, {"b": rand(3, 4, 2, dtype=np.uint8, lo=0, hi=255)},
                                         out=I32)
    c["matmulinteger10_1d_a"] = one(10, "MatMulInteger", ["a", "b"], {"a": rand(4, dtype=np.uint8, lo=0, hi=255)}, {"b": bu},
                                    out=I32)
    c["matmulinteger10_b_at_run_time"] = one(10, "MatMulInteger", ["a", "b"], {"a": au, "b": bu}, out=I32)
    c["matmulinteger10_per_row_a_zero_point"] = one(10, "MatMulInteger", ["a", "b", "az"], {"a": au},
                                                    {"b": bu, "az": q([1, 2], np.uint8)}, out=I32,
                                                    refuse="a zero point must be per tensor")
    qmm = {"as": q(0.04), "az": q(100, np.uint8), "b": bu, "bs": q(0.03), "bz": q(120, np.uint8), "ys": q(0.5),
           "yz": q(128, np.uint8)}
    mins = ["a", "as", "az", "b", "bs", "bz", "ys", "yz"]
    c["qlinearmatmul10_uint8"] = one(10, "QLinearMatMul", mins, {"a": au}, qmm, out=U8)
    c["qlinearmatmul10_per_column"] = one(10, "QLinearMatMul", mins, {"a": rand(2, 2, 4, dtype=np.uint8, lo=0, hi=255)},
                                          {**qmm, "bs": q([0.03, 0.01, 0.05]), "bz": q([120, 100, 130], np.uint8)}, out=U8)
    c["qlinearmatmul10_uint8_a_int8_b"] = one(10, "QLinearMatMul", mins, {"a": au},
                                              {**qmm, "b": rand(4, 3, dtype=np.int8, lo=-128, hi=127), "bz": q(0, np.int8)},
                                              out=U8)
    c["qlinearmatmul10_b_at_run_time"] = one(10, "QLinearMatMul", mins, {"a": au, "b": bu},
                                             {k: v for k, v in qmm.items() if k != "b"}, out=U8)
    c["qlinearmatmul10_int8"] = one(10, "QLinearMatMul", mins, {"a": rand(2, 4, dtype=np.int8, lo=-128, hi=127)},
                                    {**qmm, "az": q(-1, np.int8), "b": rand(4, 3, dtype=np.int8, lo=-128, hi=127),
                                     "bz": q(0, np.int8), "yz": q(-5, np.int8)}, out=I8)
    return c


def expected_of(case):
    """ORT's output; ONNX's reference evaluator where ORT refuses a valid form; or a NumPy value."""
    if isinstance(case.oracle, np.ndarray):
        return case.oracle
    if case.oracle == "onnx":
        from onnx.reference import ReferenceEvaluator
        return ReferenceEvaluator(case.model).run(None, case.feeds)[0]
    return ort_run(case)


def ort_run(case):
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.log_severity_level = 3
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    return ort.InferenceSession(case.model.SerializeToString(), so,
                                providers=["CPUExecutionProvider"]).run(None, case.feeds)[0]


def check(rqc, name, case, work):
    path = os.path.join(work, f"{name}.onnx")
    onnx.save(case.model, path)
    np.savez(f"{work}/in.npz", **case.feeds)
    package = f"{work}/m.rqc"
    if case.refuse is not None:
        problems, _ = check_refusal(rqc, path, package, lambda line: line.endswith(case.refuse))
        return problems, [] if problems else ["refused"]
    expected = expected_of(case)
    oracle = case.oracle if isinstance(case.oracle, str) else "spec"
    problems, got = run_reference_and_compiled(rqc, path, work, package)
    mismatches, matched = compare(got, expected, oracle, 1e-5)
    problems += mismatches
    return problems, [f"{', '.join(matched)} match {oracle} {expected.dtype}{list(expected.shape)}"] if matched else []


def run_case(rqc, name, case, work):
    if case.refuse is None:
        onnx.checker.check_model(case.model)
    problems, notes = check(rqc, name, case, work)
    return problems, notes, case.opset


def main(argv):
    return run_cases(argv, cases(), run_case, "rqc-op-forms-")


if __name__ == "__main__":
    sys.exit(main(sys.argv))
