#!/usr/bin/env python3
"""rqc's own quantizer (`rqc quantize`, `rqc compile --dtype=int8 --calibration`) on the
trained Fashion-MNIST ResNet-8, checked against values computed here independently:

- minmax: every activation's scale and zero point follow ONNX Runtime's formula from the
  min/max that ONNX Runtime computes for the same tensors over the same 100 training images;
  every int8 weight and its per-channel scale, and every int32 bias, recomputed from the
  float model; the QDQ model runs in ONNX Runtime, and rqc's compiled code and ONNX Runtime
  classify the 10,000 test images within 0.3 point of each other and of fp32's top-1;
- power-of-two (VTA's mode): every scale a power of two, every zero point 0 and int8, and
  --keep-first-conv-float / --keep-last-dense-float leave those weights in float;
- percentile and entropy ranges lie inside minmax's, and keep top-1 near fp32;
- the calibration set read as fashion-mnist-train, a stacked .npz, a folder of .npy files
  and one .npy gives the same model; `rqc compile --dtype=int8 --calibration` computes what
  compiling `rqc quantize`'s output computes;
- bad input (a corrupt calibration file, a wrong shape, an int8 or opset-12 model,
  contradicting flags, an unwritable output) is one error line, a non-zero exit, and no
  file written.

    quantizer_check.py RQC MODEL.onnx MODEL_int8.onnx
"""
from __future__ import annotations

import gzip
import json
import os
import stat
import subprocess
import sys
import tempfile

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

FASHION = "/usr/share/datasets/fashion-mnist"
CALIBRATION = 100


def fail(message: str) -> None:
    sys.exit(f"FAIL: {message}")


def idx(path: str) -> np.ndarray:
    raw = gzip.open(path, "rb").read()
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def run(args: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run(args, capture_output=True, text=True)


def quantize(rqc: str, model: str, out: str, *flags: str, data: str = "fashion-mnist-train") -> None:
    r = run([rqc, "quantize", model, "--calibration", data, "-o", out, *flags])
    if r.returncode != 0:
        fail(f"rqc quantize {' '.join(flags)}: exit {r.returncode}\n{r.stderr}")


def validate(rqc: str, model: str) -> float:
    r = run([rqc, "validate", model, "--dataset", "fashion-mnist", "--threads", "1", "--json"])
    if r.returncode != 0:
        fail(f"rqc validate {model}: exit {r.returncode}\n{r.stderr}")
    return json.loads(r.stdout)["top1"]


def ort_top1(model: str, images: np.ndarray, labels: np.ndarray) -> float:
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    s = ort.InferenceSession(model, opts, providers=["CPUExecutionProvider"])
    name = s.get_inputs()[0].name
    logits = np.concatenate([s.run(None, {name: images[i:i + 1]})[0] for i in range(len(images))])
    return float(np.mean(np.argmax(logits, axis=1) == labels))


def initializers(path: str) -> dict[str, np.ndarray]:
    return {t.name: numpy_helper.to_array(t) for t in onnx.load(path).graph.initializer}


def activation_params(path: str) -> dict[str, tuple[float, int, int]]:
    """tensor -> (scale, zero point, ONNX element type) of its QuantizeLinear."""
    m = onnx.load(path)
    init = {t.name: t for t in m.graph.initializer}
    out = {}
    for n in m.graph.node:
        if n.op_type == "QuantizeLinear":
            zp = init[n.input[2]]
            out[n.input[0]] = (float(numpy_helper.to_array(init[n.input[1]])), int(numpy_helper.to_array(zp)),
                               zp.data_type)
    return out


def intermediate_ranges(model: str, tensors: list[str], images: np.ndarray) -> dict[str, tuple[float, float]]:
    m = onnx.load(model)
    have = {o.name for o in m.graph.output}
    for t in tensors:
        if t not in have:
            m.graph.output.append(helper.make_tensor_value_info(t, TensorProto.FLOAT, None))
    s = ort.InferenceSession(m.SerializeToString(), providers=["CPUExecutionProvider"])
    names = [o.name for o in s.get_outputs()]
    lo = {t: np.inf for t in tensors}
    hi = {t: -np.inf for t in tensors}
    for i in range(len(images)):
        for name, value in zip(names, s.run(None, {s.get_inputs()[0].name: images[i:i + 1]})):
            if name in lo:
                lo[name] = min(lo[name], float(value.min()))
                hi[name] = max(hi[name], float(value.max()))
    return {t: (lo[t], hi[t]) for t in tensors}


def check_minmax(rqc: str, model: str, out: str, calibration: np.ndarray) -> None:
    quantize(rqc, model, out, "--calibration-limit", str(CALIBRATION))
    params = activation_params(out)
    ranges = intermediate_ranges(model, list(params), calibration)
    for t, (scale, zp, dtype) in params.items():
        lo, hi = min(ranges[t][0], 0.0), max(ranges[t][1], 0.0)
        want_scale = (hi - lo) / 255.0
        want_zp = int(np.clip(np.rint(0 - lo / want_scale), 0, 255))
        if dtype != TensorProto.UINT8 or abs(scale - want_scale) > 1e-5 * want_scale or abs(zp - want_zp) > 1:
            fail(f"minmax {t}: scale {scale} zero point {zp} (type {dtype}), expected uint8 {want_scale} {want_zp} "
                 f"from ONNX Runtime's range [{lo}, {hi}]")
    print(f"ok minmax: {len(params)} activations match ONNX Runtime's ranges over {CALIBRATION} images")

    float_init, q = initializers(model), onnx.load(out)
    qinit = {t.name: numpy_helper.to_array(t) for t in q.graph.initializer}
    producers = {o: n for n in q.graph.node for o in n.output}
    weights = biases = 0
    for n in q.graph.node:
        if n.op_type not in ("Conv", "Gemm"):
            continue
        dq = producers.get(n.input[1])
        if dq is None or dq.op_type != "DequantizeLinear":
            fail(f"{n.name}: weight is not read through DequantizeLinear")
        w_name = dq.input[0][:-len("_quantized")]
        w = float_init[w_name]
        axis = next(a.i for a in dq.attribute if a.name == "axis")
        if axis != 0:
            fail(f"{n.name}: weight axis {axis}, expected 0")
        flat = w.reshape(w.shape[0], -1)
        want_s = np.abs(flat).max(axis=1).astype(np.float32) / np.float32(127)
        want_q = np.clip(np.rint((flat / want_s[:, None]).astype(np.float32)), -127, 127).astype(np.int8)
        got_q, got_s, got_z = (qinit[i] for i in dq.input)
        if got_q.dtype != np.int8 or not np.array_equal(got_q.reshape(flat.shape), want_q):
            fail(f"{n.name}: int8 weights differ from round(w / scale)")
        if not np.array_equal(got_s, want_s) or np.any(got_z != 0):
            fail(f"{n.name}: weight scales are not max|w|/127 per output channel with zero point 0")
        weights += 1
        bdq = producers.get(n.input[2])
        if bdq is None or bdq.op_type != "DequantizeLinear":
            fail(f"{n.name}: bias is not read through DequantizeLinear")
        in_scale = params[producers[producers[n.input[0]].input[0]].input[0]][0]  # DQ <- Q <- tensor
        b = float_init[bdq.input[0][:-len("_quantized")]]
        want_bs = np.float32(in_scale) * want_s
        want_bq = np.rint(b.astype(np.float64) / want_bs.astype(np.float64)).astype(np.int32)
        if qinit[bdq.input[0]].dtype != np.int32 or not np.array_equal(qinit[bdq.input[0]], want_bq) or \
                not np.array_equal(qinit[bdq.input[1]], want_bs):
            fail(f"{n.name}: int32 bias is not round(b / (input scale * weight scale))")
        biases += 1
    if weights != 10 or biases != 10:
        fail(f"expected the 9 convolutions and the classifier quantized, got {weights} weights, {biases} biases")
    for name in float_init:
        if name in qinit and float_init[name].dtype == np.float32 and float_init[name].ndim == 4:
            fail(f"float weight {name} is still in the quantized model")
    print(f"ok minmax: {weights} per-channel int8 weights and {biases} int32 biases recomputed exactly")


def check_power_of_two(rqc: str, model: str, out: str) -> None:
    quantize(rqc, model, out, "--calibration-limit", str(CALIBRATION), "--power-of-two", "--keep-first-conv-float",
             "--keep-last-dense-float")
    q = onnx.load(out)
    init = {t.name: t for t in q.graph.initializer}
    scales = 0
    for n in q.graph.node:
        if n.op_type not in ("QuantizeLinear", "DequantizeLinear"):
            continue
        s = numpy_helper.to_array(init[n.input[1]]).ravel()
        z = init[n.input[2]]
        if not np.all(np.exp2(np.round(np.log2(s))) == s):
            fail(f"{n.name}: scale {s[:4]} is not a power of two")
        if z.data_type not in (TensorProto.INT8, TensorProto.INT32) or np.any(numpy_helper.to_array(z) != 0):
            fail(f"{n.name}: zero point is not int8 (int32 for a bias) zero")
        scales += s.size
    convs = [n for n in q.graph.node if n.op_type == "Conv"]
    gemm = next(n for n in q.graph.node if n.op_type == "Gemm")
    if convs[0].input[1] not in init or init[convs[0].input[1]].data_type != TensorProto.FLOAT:
        fail("--keep-first-conv-float: the first convolution's weight is not a float initializer")
    if gemm.input[1] not in init or init[gemm.input[1]].data_type != TensorProto.FLOAT:
        fail("--keep-last-dense-float: the classifier's weight is not a float initializer")
    if any(c.input[1] in init for c in convs[1:]):
        fail("--power-of-two: a convolution after the first kept a float weight")
    print(f"ok power-of-two: {scales} scales are powers of two, zero points 0, first conv and classifier float")


def check_data_forms(rqc: str, model: str, tmp: str, calibration: np.ndarray) -> None:
    n = 20
    forms = {}
    quantize(rqc, model, os.path.join(tmp, "idx.onnx"), "--calibration-limit", str(n))
    forms["fashion-mnist-train"] = "idx.onnx"
    np.savez(os.path.join(tmp, "stacked.npz"), image=calibration[:n])
    quantize(rqc, model, os.path.join(tmp, "npz.onnx"), data=os.path.join(tmp, "stacked.npz"))
    forms["stacked .npz"] = "npz.onnx"
    folder = os.path.join(tmp, "samples")
    os.mkdir(folder)
    for i in range(n):
        np.save(os.path.join(folder, f"{i:03d}.npy"), calibration[i])  # 1x28x28: no batch axis
    with open(os.path.join(folder, "README.txt"), "w") as f:
        f.write("not a sample\n")
    quantize(rqc, model, os.path.join(tmp, "dir.onnx"), data=folder)
    forms["folder of .npy"] = "dir.onnx"
    np.save(os.path.join(tmp, "one.npy"), calibration[:n])
    quantize(rqc, model, os.path.join(tmp, "npy.onnx"), data=os.path.join(tmp, "one.npy"))
    forms[".npy"] = "npy.onnx"
    np.save(os.path.join(tmp, "new_axis.npy"), calibration[:n, None])  # N x 1x1x28x28
    quantize(rqc, model, os.path.join(tmp, "new_axis.onnx"), data=os.path.join(tmp, "new_axis.npy"))
    forms["N x input shape"] = "new_axis.onnx"
    base = initializers(os.path.join(tmp, "idx.onnx"))
    for form, path in forms.items():
        other = initializers(os.path.join(tmp, path))
        if other.keys() != base.keys() or any(not np.array_equal(other[k], base[k]) for k in base):
            fail(f"calibrating on {form} gives another model than on the same images from fashion-mnist-train")
    print(f"ok calibration data: {', '.join(forms)} give the same model")


def check_compile(rqc: str, model: str, quantized: str, tmp: str) -> None:
    a, b = os.path.join(tmp, "direct.rqc"), os.path.join(tmp, "via.rqc")
    r = run([rqc, "compile", model, "--dtype=int8", "--calibration", "fashion-mnist-train", "--calibration-limit",
             str(CALIBRATION), "-o", a])
    if r.returncode != 0:
        fail(f"rqc compile --dtype=int8 --calibration: exit {r.returncode}\n{r.stderr}")
    r = run([rqc, "compile", quantized, "--dtype=int8", "-o", b])
    if r.returncode != 0:
        fail(f"rqc compile of an int8 model with --dtype=int8: exit {r.returncode}\n{r.stderr}")
    x = os.path.join(tmp, "x.npz")
    np.savez(x, image=np.random.default_rng(7).random((1, 1, 28, 28), dtype=np.float32))
    outs = []
    for pkg in (a, b):
        o = pkg + ".out.npz"
        r = run([rqc, "run", pkg, "--inputs", x, "--outputs", o])
        if r.returncode != 0:
            fail(f"rqc run {pkg}: {r.stderr}")
        outs.append(np.load(o)["logits"])
    if not np.array_equal(outs[0], outs[1]):
        fail(f"compile --dtype=int8 --calibration differs from compiling rqc quantize's model: {outs}")
    print("ok rqc compile --dtype=int8 --calibration computes what the quantized model computes")


def check_batch_norm_and_matmul(rqc: str, tmp: str) -> None:
    """Conv -> BatchNormalization -> Relu, Conv (no bias) -> BatchNormalization, a residual Add
    -> Clip(0, 6), pooling and a MatMul + Add classifier: the batch norms are folded into the convolutions
    before quantizing, the MatMul weight is per column (axis 1), and the quantized model
    computes nearly what the float one does, in ONNX Runtime and in rqc alike."""
    rng = np.random.default_rng(3)
    c = 8

    def const(name, a):
        return numpy_helper.from_array(np.asarray(a, np.float32), name)

    inits = [const("w1", rng.standard_normal((c, 3, 3, 3)) * 0.3), const("b1", rng.standard_normal(c) * 0.1),
             const("w2", rng.standard_normal((c, c, 3, 3)) * 0.2), const("fc", rng.standard_normal((c, 10)) * 0.5),
             const("fcb", rng.standard_normal(10) * 0.1), const("lo", 0.0), const("hi", 6.0)]
    for k in (1, 2):
        inits += [const(f"g{k}", rng.uniform(0.5, 1.5, c)), const(f"be{k}", rng.standard_normal(c) * 0.1),
                  const(f"m{k}", rng.standard_normal(c) * 0.1), const(f"v{k}", rng.uniform(0.5, 2.0, c))]
    nodes = [helper.make_node("Conv", ["x", "w1", "b1"], ["c1"], pads=[1, 1, 1, 1], name="conv1"),
             helper.make_node("BatchNormalization", ["c1", "g1", "be1", "m1", "v1"], ["n1"], name="bn1"),
             helper.make_node("Relu", ["n1"], ["r1"], name="relu1"),
             helper.make_node("Conv", ["r1", "w2"], ["c2"], pads=[1, 1, 1, 1], name="conv2"),
             helper.make_node("BatchNormalization", ["c2", "g2", "be2", "m2", "v2"], ["n2"], name="bn2",
                              epsilon=1e-3),
             helper.make_node("Add", ["n2", "r1"], ["s"], name="add"),
             helper.make_node("Clip", ["s", "lo", "hi"], ["r2"], name="relu6"),
             helper.make_node("GlobalAveragePool", ["r2"], ["p"], name="pool"),
             helper.make_node("Flatten", ["p"], ["f"], name="flatten"),
             helper.make_node("MatMul", ["f", "fc"], ["mm"], name="fc"),
             helper.make_node("Add", ["mm", "fcb"], ["y"], name="fc_bias")]
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 16, 16])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 10])
    model = os.path.join(tmp, "bn.onnx")
    onnx.save(helper.make_model(helper.make_graph(nodes, "bn", [x], [y], inits),
                                opset_imports=[helper.make_opsetid("", 13)], ir_version=8), model)
    samples = rng.standard_normal((32, 3, 16, 16)).astype(np.float32)
    np.savez(os.path.join(tmp, "bn_cal.npz"), x=samples)
    out = os.path.join(tmp, "bn.q.onnx")
    quantize(rqc, model, out, data=os.path.join(tmp, "bn_cal.npz"))
    q = onnx.load(out)
    ops = [n.op_type for n in q.graph.node]
    if "BatchNormalization" in ops:
        fail("a BatchNormalization after a Conv was not folded before quantizing")
    producer = {o: n for n in q.graph.node for o in n.output}
    clip = next(n for n in q.graph.node if n.op_type == "Clip")
    if producer[clip.input[0]].op_type != "Add" or not any(
            n.op_type == "QuantizeLinear" and n.input[0] == clip.output[0] for n in q.graph.node):
        fail("the Add before a Clip should be quantized after the Clip, not between the two")
    dq_axis = {n.output[0]: next((a.i for a in n.attribute if a.name == "axis"), None)
               for n in q.graph.node if n.op_type == "DequantizeLinear"}
    mm = next(n for n in q.graph.node if n.op_type == "MatMul")
    if dq_axis.get(mm.input[1]) != 1:
        fail(f"MatMul weight is not per column (axis 1): {dq_axis.get(mm.input[1])}")
    probe = rng.standard_normal((1, 3, 16, 16)).astype(np.float32)
    want = ort.InferenceSession(model, providers=["CPUExecutionProvider"]).run(None, {"x": probe})[0]
    got_ort = ort.InferenceSession(out, providers=["CPUExecutionProvider"]).run(None, {"x": probe})[0]
    inputs, outputs = os.path.join(tmp, "bn_in.npz"), os.path.join(tmp, "bn_out.npz")
    np.savez(inputs, x=probe)
    pkg = os.path.join(tmp, "bn.rqc")
    for args in (["compile", out, "-o", pkg], ["run", pkg, "--inputs", inputs, "--outputs", outputs]):
        r = run([rqc, *args])
        if r.returncode != 0:
            fail(f"rqc {' '.join(args)}: {r.stderr}")
    got_rqc = np.load(outputs)["y"]
    spread = float(want.max() - want.min())
    if np.abs(got_ort - want).max() > 0.05 * spread:
        fail(f"quantized model is far from the float one: {np.abs(got_ort - want).max()} of range {spread}")
    if np.abs(got_rqc - got_ort).max() > 0.02 * spread:
        fail(f"rqc and ONNX Runtime differ on the quantized model: {np.abs(got_rqc - got_ort).max()}")
    print(f"ok batch norms folded, MatMul per column; quantized within "
          f"{np.abs(got_ort - want).max() / spread:.3%} of the float output's range, rqc within "
          f"{np.abs(got_rqc - got_ort).max() / spread:.3%} of ONNX Runtime")


def expect_refusal(args: list[str], needle: str, not_written: str) -> None:
    r = run(args)
    lines = r.stderr.strip().splitlines()
    if r.returncode == 0 or not lines or needle not in lines[-1] or not lines[-1].startswith("rqc: error:"):
        fail(f"{' '.join(args)}: expected an error line with '{needle}', got exit {r.returncode}\n{r.stderr}")
    if any(line.startswith("rqc: error:") for line in lines[:-1]):
        fail(f"{' '.join(args)}: more than one error line\n{r.stderr}")
    if os.path.exists(not_written):
        fail(f"{' '.join(args)}: failed but wrote {not_written}")
    print(f"ok refused: {lines[-1]}")


def check_refusals(rqc: str, model: str, int8_model: str, tmp: str) -> None:
    out = os.path.join(tmp, "never.onnx")
    q = [rqc, "quantize"]
    bad = os.path.join(tmp, "bad")
    os.mkdir(bad)
    np.save(os.path.join(bad, "a.npy"), np.zeros((1, 1, 28, 28), np.float32))
    with open(os.path.join(bad, "b.npy"), "wb") as f:
        f.write(b"\x93NUMPY\x01\x00garbage")
    expect_refusal(q + [model, "--calibration", bad, "-o", out], "b.npy", out)
    wrong = os.path.join(tmp, "wrong.npz")
    np.savez(wrong, image=np.zeros((4, 3, 28, 28), np.float32))
    expect_refusal(q + [model, "--calibration", wrong, "-o", out], "has shape 4x3x28x28", out)
    ints = os.path.join(tmp, "ints.npy")
    np.save(ints, np.zeros((4, 1, 28, 28), np.uint8))
    expect_refusal(q + [model, "--calibration", ints, "-o", out], "is uint8; input 'image' takes float32", out)
    expect_refusal(q + [model, "--calibration", os.path.join(tmp, "missing.npz"), "-o", out], "no such file", out)
    # A misspelled required option is named as typed, not reported as the option missing.
    expect_refusal(q + [model, "--calibraton", "fashion-mnist-train", "-o", out], "unknown option '--calibraton'", out)
    expect_refusal(q + [int8_model, "--calibration", "fashion-mnist-train", "-o", out], "already quantized", out)
    expect_refusal(q + [model, "--calibration", "fashion-mnist-train", "--power-of-two", "--activation-type", "uint8",
                        "-o", out], "contradicts", out)
    expect_refusal(q + [model, "--calibration", "fashion-mnist-train", "--keep-float", "nosuchnode", "-o", out],
                   "'nosuchnode', which is not in the graph", out)
    expect_refusal(q + [model, "--calibration", "fashion-mnist-train", "--percentile", "99", "-o", out],
                   "--percentile applies to --calibrate-method percentile", out)
    expect_refusal(q + [model, "--calibration", "fashion-mnist-train", "--keep-float", "/stacks/stacks.0/Add", "-o",
                        out], "applies to Conv, Gemm and MatMul nodes with a constant weight", out)
    nan = os.path.join(tmp, "nan.npy")
    poisoned = np.zeros((4, 1, 28, 28), np.float32)
    poisoned[2, 0, 3, 3] = np.nan
    np.save(nan, poisoned)
    expect_refusal(q + [model, "--calibration", nan, "-o", out], "holds NaN or infinite values", out)
    expect_refusal(q + [model, "--calibration", "fashion-mnist-train", "-o", model], "is the model being quantized",
                   out)
    expect_refusal(q + [model, "--calibration", "fashion-mnist-train", "-o", os.path.join(tmp, "m.rqc")],
                   "name it *.onnx", os.path.join(tmp, "m.rqc"))
    # A device is refused, never replaced by the rename of an atomic write (rqc runs as root in CI).
    expect_refusal([rqc, "compile", model, "-o", "/dev/null"], "/dev/null: is a device", out)
    if not os.path.exists("/dev/null") or not stat.S_ISCHR(os.stat("/dev/null").st_mode):
        fail("/dev/null is no longer a character device")
    # A symbolic link is written through: its target gets the model, the link stays a link.
    target, link = os.path.join(tmp, "target.onnx"), os.path.join(tmp, "link.onnx")
    open(target, "w").close()
    os.symlink("target.onnx", link)
    quantize(rqc, model, link, "--calibration-limit", "5")
    if not os.path.islink(link) or os.path.getsize(target) == 0:
        fail("-o through a symbolic link replaced the link instead of writing its target")
    print("ok a symbolic link -o is written through")
    unwritable = os.path.join(tmp, "no", "such", "dir", "m.onnx")
    expect_refusal(q + [model, "--calibration", "fashion-mnist-train", "--calibration-limit", "5", "-o", unwritable],
                   unwritable, unwritable)
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1, 4, 4])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 2, 4, 4])
    w = numpy_helper.from_array(np.ones((2, 1, 1, 1), np.float32), "w")
    old = helper.make_model(helper.make_graph([helper.make_node("Conv", ["x", "w"], ["y"])], "g", [x], [y], [w]),
                            opset_imports=[helper.make_opsetid("", 12)], ir_version=7)
    old_path = os.path.join(tmp, "opset12.onnx")
    onnx.save(old, old_path)
    expect_refusal(q + [old_path, "--calibration", "fashion-mnist-train", "-o", out], "opset 13 or later", out)
    pkg = os.path.join(tmp, "never.rqc")
    expect_refusal([rqc, "compile", model, "--calibration", "fashion-mnist-train", "-o", pkg],
                   "apply with --dtype=int8", pkg)
    expect_refusal([rqc, "compile", model, "--dtype=int8", "-o", pkg], "needs --calibration DATA", pkg)


def main() -> int:
    rqc, model, int8_model = sys.argv[1], sys.argv[2], sys.argv[3]
    train = idx(os.path.join(FASHION, "train-images-idx3-ubyte.gz"))[:CALIBRATION].astype(np.float32) / 255.0
    calibration = train[:, None]
    test_images = (idx(os.path.join(FASHION, "t10k-images-idx3-ubyte.gz")).astype(np.float32) / 255.0)[:, None]
    test_labels = idx(os.path.join(FASHION, "t10k-labels-idx1-ubyte.gz")).astype(np.int64)

    with tempfile.TemporaryDirectory() as tmp:
        fp32 = validate(rqc, model)
        minmax = os.path.join(tmp, "minmax.onnx")
        check_minmax(rqc, model, minmax, calibration)
        ours, theirs = validate(rqc, minmax), ort_top1(minmax, test_images, test_labels)
        print(f"minmax int8: rqc top-1 {ours:.4f}, ONNX Runtime on the same model {theirs:.4f}, fp32 {fp32:.4f}")
        if abs(ours - theirs) > 0.003 or ours < fp32 - 0.003:
            fail("minmax int8 is more than 0.3 point from ONNX Runtime's or below fp32")

        pow2 = os.path.join(tmp, "pow2.onnx")
        check_power_of_two(rqc, model, pow2)
        top1 = validate(rqc, pow2)
        print(f"power-of-two int8: top-1 {top1:.4f}")
        if top1 < fp32 - 0.01:
            fail("power-of-two int8 is more than one point below fp32")

        # --reduce-range: every weight in [-63, 63] with scale max|w| / 63 per channel, and the
        # accuracy of 7-bit weights on AVX2's vpmaddubsw kernels within a point of fp32.
        reduced = os.path.join(tmp, "reduced.onnx")
        quantize(rqc, model, reduced, "--calibration-limit", str(CALIBRATION), "--reduce-range")
        q = onnx.load(reduced)
        init = {t.name: numpy_helper.to_array(t) for t in q.graph.initializer}
        weights = [init[n.input[0]] for n in q.graph.node
                   if n.op_type == "DequantizeLinear" and n.input[0] in init and init[n.input[0]].dtype == np.int8
                   and init[n.input[0]].ndim >= 2]
        if not weights or any(np.abs(w.astype(np.int32)).max() > 63 for w in weights):
            fail(f"--reduce-range: weights outside [-63, 63] (or none): max {[int(np.abs(w).max()) for w in weights]}")
        if not any(np.abs(w.astype(np.int32)).max() == 63 for w in weights):
            fail("--reduce-range: no weight reaches 63 (the scale is not max|w| / 63)")
        package = os.path.join(tmp, "reduced_avx2.rqc")
        r = run([rqc, "compile", reduced, "--mattr=+avx2,+fma", "--int8-kernels=on", "-o", package])
        if r.returncode != 0:
            fail(f"rqc compile --reduce-range model for AVX2: exit {r.returncode}\n{r.stderr}")
        top1 = validate(rqc, package)
        print(f"reduce-range int8 (7-bit weights, vpmaddubsw on AVX2): top-1 {top1:.4f}, {len(weights)} weights in [-63, 63]")
        if top1 < fp32 - 0.01:
            fail("--reduce-range int8 is more than one point below fp32")

        bounds = activation_params(minmax)
        for method, floor in (("percentile", fp32 - 0.01), ("entropy", fp32 - 0.02)):
            path = os.path.join(tmp, method + ".onnx")
            quantize(rqc, model, path, "--calibration-limit", str(CALIBRATION), "--calibrate-method", method)
            for t, (scale, zp, _) in activation_params(path).items():
                s0, z0, _ = bounds[t]
                # The represented range is the chosen one up to the zero point's rounding: half a step.
                if scale * (0 - zp) < s0 * (0 - z0) - scale or scale * (255 - zp) > s0 * (255 - z0) + scale:
                    fail(f"{method} range of {t} is wider than minmax's")
            top1 = validate(rqc, path)
            print(f"{method} int8: top-1 {top1:.4f} (ranges inside minmax's)")
            if top1 < floor:
                fail(f"{method} int8 top-1 {top1:.4f} is below {floor:.4f}")
            ort.InferenceSession(path, providers=["CPUExecutionProvider"])

        check_data_forms(rqc, model, tmp, calibration)
        check_compile(rqc, model, minmax, tmp)
        check_batch_norm_and_matmul(rqc, tmp)
        check_refusals(rqc, model, int8_model, tmp)
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
