"""Integer kernels bit-exact against the integer reference.

Where the CPU has VNNI, rqc compile computes QDQ convolutions in integers
(rqc-qdq-to-integer, conv2d_NCHWc_int8 with vpdpbusd; --int8-kernels=on forces them
elsewhere, with widened multiplies). Their outputs must equal, bit for bit, the reference
executor's on the same integer graph (`rqc run --reference --as-compiled`). Checked on
hand-made QDQ convolutions, dense layers (Gemm, and MatMul by a [K, M] weight) and max pools covering the forms the rewrite takes (3x3, 1x1 and a 7x7 RGB
first convolution, stride 2, padding, ReLU dropped, no ReLU with zero point 128, an i32
bias and a float one, per-channel scales, uint8 and int8 data) depthwise ones, and on the zoo's int8 networks, for the host's
best instructions and for AVX2 without VNNI (--int8-kernels=on), or, given the cross-built
runtime, for AArch64's SDOT under qemu-aarch64 or ARMv7's widened multiplies under qemu-arm; each compiled graph must
really use the integer template (so a rewrite that silently stops matching fails here),
and without VNNI or SDOT the default must be the float kernels. On the host, `rqc tune
--tuner random` also runs random configs of the integer templates, each checked against
the reference.

usage: python int8_exact.py RQC MODELS_DIR WORK_DIR [--cross-arch aarch64|armv7 --cross-rqc CROSS_RQC
       --cross-lib-dir DIR ...]
"""
from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def qdq_conv(rng, ic, oc, k, hw, stride, pad, relu, out_zp, float_bias, signed=False, depthwise=False, wmax=127):
    """DequantizeLinear -> Conv -> [Relu] -> QuantizeLinear -> DequantizeLinear, uint8 (or,
    signed, int8) data, per-channel int8 weights; depthwise: groups == ic == oc."""
    oh = (hw + 2 * pad - k) // stride + 1
    act = np.int8 if signed else np.uint8
    sx, zx, sy = np.float32(0.02), (-3 if signed else 128), np.float32(0.5)
    w = rng.integers(-wmax, wmax + 1, size=(oc, 1 if depthwise else ic, k, k)).astype(np.int8)
    sw = (rng.random(oc) * 0.01 + 0.001).astype(np.float32)
    inits = [
        numpy_helper.from_array(np.array(sx, np.float32), "sx"),
        numpy_helper.from_array(np.array(zx, act), "zx"),
        numpy_helper.from_array(w, "w"),
        numpy_helper.from_array(sw, "sw"),
        numpy_helper.from_array(np.zeros(oc, np.int8), "zw"),
        numpy_helper.from_array(np.array(sy, np.float32), "sy"),
        numpy_helper.from_array(np.array(out_zp, act), "zy"),
    ]
    nodes = [
        helper.make_node("QuantizeLinear", ["x", "sx", "zx"], ["xq"]),
        helper.make_node("DequantizeLinear", ["xq", "sx", "zx"], ["xd"]),
        helper.make_node("DequantizeLinear", ["w", "sw", "zw"], ["wd"], axis=0),
    ]
    if float_bias:
        inits.append(numpy_helper.from_array((rng.standard_normal(oc) * 0.5).astype(np.float32), "bd"))
    else:
        inits += [
            numpy_helper.from_array(rng.integers(-3000, 3000, size=oc).astype(np.int32), "b"),
            numpy_helper.from_array((sx * sw).astype(np.float32), "sb"),
            numpy_helper.from_array(np.zeros(oc, np.int32), "zb"),
        ]
        nodes.append(helper.make_node("DequantizeLinear", ["b", "sb", "zb"], ["bd"], axis=0))
    nodes.append(helper.make_node("Conv", ["xd", "wd", "bd"], ["c"], pads=[pad] * 4, strides=[stride] * 2,
                                  group=oc if depthwise else 1))
    last = "c"
    if relu:
        nodes.append(helper.make_node("Relu", ["c"], ["r"]))
        last = "r"
    nodes += [
        helper.make_node("QuantizeLinear", [last, "sy", "zy"], ["yq"]),
        helper.make_node("DequantizeLinear", ["yq", "sy", "zy"], ["y"]),
    ]
    graph = helper.make_graph(
        nodes, "qdq_conv", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, ic, hw, hw])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, oc, oh, oh])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    onnx.checker.check_model(model)
    return model


def qdq_classifier(rng, n, k, m, matmul=False):
    """A quantized classifier, uint8 data and per-channel int8 weights: DequantizeLinear ->
    Gemm (transB, the i32 bias dequantized) -> QuantizeLinear as ONNX Runtime's quantizer
    writes one, or with `matmul` DequantizeLinear -> MatMul by a constant [K, M] weight
    (per-column scales, axis 1) -> Add of the bias -> QuantizeLinear (a Linear layer as
    exporters write it, quantized with the bias)."""
    sx, zx, sy, zy = (np.float32(0.04), 131, np.float32(0.2), 120) if matmul else \
        (np.float32(0.05), 120, np.float32(0.25), 7)
    w = rng.integers(-127, 128, size=(k, m) if matmul else (m, k)).astype(np.int8)
    sw = (rng.random(m) * 0.01 + 0.001).astype(np.float32)
    inits = [numpy_helper.from_array(np.array(sx, np.float32), "sx"), numpy_helper.from_array(np.array(zx, np.uint8), "zx"),
             numpy_helper.from_array(w, "w"), numpy_helper.from_array(sw, "sw"),
             numpy_helper.from_array(np.zeros(m, np.int8), "zw"),
             numpy_helper.from_array(rng.integers(-3000, 3000, size=m).astype(np.int32), "b"),
             numpy_helper.from_array((sx * sw).astype(np.float32), "sb"), numpy_helper.from_array(np.zeros(m, np.int32), "zb"),
             numpy_helper.from_array(np.array(sy, np.float32), "sy"), numpy_helper.from_array(np.array(zy, np.uint8), "zy")]
    layer = [helper.make_node("MatMul", ["xd", "wd"], ["mm"]), helper.make_node("Add", ["mm", "bd"], ["g"])] if matmul \
        else [helper.make_node("Gemm", ["xd", "wd", "bd"], ["g"], transB=1)]
    nodes = [helper.make_node("QuantizeLinear", ["x", "sx", "zx"], ["xq"]),
             helper.make_node("DequantizeLinear", ["xq", "sx", "zx"], ["xd"]),
             helper.make_node("DequantizeLinear", ["w", "sw", "zw"], ["wd"], axis=1 if matmul else 0),
             helper.make_node("DequantizeLinear", ["b", "sb", "zb"], ["bd"], axis=0),
             *layer,
             helper.make_node("QuantizeLinear", ["g", "sy", "zy"], ["yq"]),
             helper.make_node("DequantizeLinear", ["yq", "sy", "zy"], ["y"])]
    graph = helper.make_graph(nodes, "qdq_matmul" if matmul else "qdq_dense",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [n, k])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [n, m])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    onnx.checker.check_model(model)
    return model


def qdq_maxpool(signed):
    """QuantizeLinear -> DequantizeLinear -> MaxPool 3x3 stride 2 pad 1 -> QuantizeLinear, the
    same scale and zero point (pooled as 8-bit data; the padding must never win)."""
    act = np.int8 if signed else np.uint8
    inits = [numpy_helper.from_array(np.array(0.03, np.float32), "s"),
             numpy_helper.from_array(np.array(-5 if signed else 130, act), "z")]
    nodes = [helper.make_node("QuantizeLinear", ["x", "s", "z"], ["xq"]),
             helper.make_node("DequantizeLinear", ["xq", "s", "z"], ["xd"]),
             helper.make_node("MaxPool", ["xd"], ["p"], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1]),
             helper.make_node("QuantizeLinear", ["p", "s", "z"], ["yq"]),
             helper.make_node("DequantizeLinear", ["yq", "s", "z"], ["y"])]
    graph = helper.make_graph(nodes, "qdq_maxpool", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 64, 15, 15])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 64, 8, 8])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    onnx.checker.check_model(model)
    return model


def qdq_conv_maxpool(rng, signed):
    """A QDQ convolution whose output is max pooled (3x3, stride 2, pad 1) with its own scale
    and zero point: the pool runs blocked, on 8-bit data, after the integer kernel."""
    model = qdq_conv(rng, ic=16, oc=64, k=3, hw=14, stride=1, pad=1, relu=False, out_zp=-7 if signed else 9,
                     float_bias=False, signed=signed)
    g = model.graph
    g.output[0].name = "y_pooled"
    g.output[0].type.tensor_type.shape.dim[2].dim_value = 7
    g.output[0].type.tensor_type.shape.dim[3].dim_value = 7
    g.node.extend([helper.make_node("MaxPool", ["y"], ["p"], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1]),
                   helper.make_node("QuantizeLinear", ["p", "sy", "zy"], ["pq"]),
                   helper.make_node("DequantizeLinear", ["pq", "sy", "zy"], ["y_pooled"])])
    onnx.checker.check_model(model)
    return model


CASES = {
    "conv3x3_relu": dict(ic=32, oc=64, k=3, hw=14, stride=1, pad=1, relu=True, out_zp=0, float_bias=False),
    "conv1x1": dict(ic=64, oc=32, k=1, hw=28, stride=1, pad=0, relu=True, out_zp=0, float_bias=False),
    "conv3x3_s2_zp128": dict(ic=32, oc=48, k=3, hw=15, stride=2, pad=1, relu=False, out_zp=128, float_bias=False),
    "conv3x3_float_bias": dict(ic=16, oc=20, k=3, hw=9, stride=1, pad=1, relu=True, out_zp=0, float_bias=True),
    "conv7x7_rgb_s2": dict(ic=3, oc=16, k=7, hw=20, stride=2, pad=3, relu=True, out_zp=0, float_bias=False),
    # int8 data: vpdpbusd reads it with the sign bit flipped, and takes 128 * sum(w) off.
    "conv3x3_int8_relu": dict(ic=32, oc=48, k=3, hw=14, stride=1, pad=1, relu=True, out_zp=-128, float_bias=False,
                              signed=True),
    "conv1x1_int8": dict(ic=16, oc=40, k=1, hw=9, stride=2, pad=0, relu=False, out_zp=5, float_bias=True, signed=True),
    # 7-bit weights (rqc quantize --reduce-range): on x86 without VNNI vpmaddubsw, whose i16
    # pair sums cannot saturate then (uint8 data, and int8 data read with its sign flipped).
    "conv3x3_7bit": dict(ic=32, oc=64, k=3, hw=14, stride=1, pad=1, relu=True, out_zp=0, float_bias=False, wmax=63),
    "conv3x3_7bit_int8": dict(ic=16, oc=32, k=3, hw=9, stride=1, pad=1, relu=False, out_zp=4, float_bias=True,
                              signed=True, wmax=63),
    # Depthwise (depthwise_conv2d_NCHWc on 8-bit data): padding with the zero point 128,
    # widened bytes; 96 channels (a 64 block and a remainder in other templates' blocks).
    "dw3x3_relu": dict(ic=96, oc=96, k=3, hw=14, stride=1, pad=1, relu=True, out_zp=0, float_bias=False,
                       depthwise=True),
    "dw3x3_s2_int8": dict(ic=64, oc=64, k=3, hw=15, stride=2, pad=1, relu=False, out_zp=3, float_bias=True,
                          signed=True, depthwise=True),
}
ZOO = ["resnet8_int8", "resnet18_int8", "mobilenet_v1_int8", "mobilenet_v2_int8"]
# The host (this machine's CI kind has AVX512-VNNI: vpdpbusd), and AVX2 and AVX-512 without
# VNNI with the integer kernels forced on (input-channel pairs by vpmaddwd on 256- and
# 512-bit vectors; by default such CPUs keep float kernels between the QDQ pairs, checked
# below).
TARGETS = {"host": [], "avx2": ["--mattr=+avx2,+fma", "--int8-kernels=on"],
           "avx512": ["--mcpu=skylake-avx512", "--int8-kernels=on"]}
# AArch64 with SDOT (+dotprod), run under qemu-user by the cross-built runtime-only rqc when
# it is given (--cross-arch aarch64): uint8 data read as x - 128, 128 * sum(w) added back.
AARCH64_SDOT = ["--target=arm_cpu", "--mattr=+neon,+dotprod"]
# ARMv7 (the Pynq-Z1's Cortex-A9) has no dot product: with --int8-kernels=on the integer
# kernels' widened multiplies (partial: no NEON vmull/vpadal kernel yet), exact all the same.
ARMV7_WIDENED = ["--target=arm_cpu -mtriple=armv7a-linux-gnueabihf", "--mcpu=cortex-a9", "--int8-kernels=on"]
# per cross arch: its instruction-set name here, compile flags, qemu binary, toolchain tree
CROSS = {"aarch64": ("sdot", AARCH64_SDOT, "qemu-aarch64", "/usr/aarch64-linux-gnu"),
         "armv7": ("armv7", ARMV7_WIDENED, "qemu-arm", "/usr/arm-linux-gnueabihf")}


def run(cmd):
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"FAIL: {' '.join(cmd)}: exit {r.returncode}\n{r.stdout}{r.stderr}")
    return r.stdout


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("rqc")
    ap.add_argument("models_dir")
    ap.add_argument("work")
    ap.add_argument("--cross-arch", choices=sorted(CROSS), help="check this ARM target under qemu-user instead")
    ap.add_argument("--cross-rqc", help="the cross-built runtime-only rqc that runs the packages there")
    ap.add_argument("--cross-lib-dir", action="append", default=[], help="its libraries (libomp, libzip)")
    opts = ap.parse_args()
    rqc, models_dir, work = opts.rqc, opts.models_dir, opts.work
    targets = dict(TARGETS)
    cross = None
    if opts.cross_arch:  # that target only (the host's instruction sets are the other ctest's)
        if not opts.cross_rqc or not os.path.exists(opts.cross_rqc):
            sys.exit(f"FAIL: {opts.cross_rqc} is missing (run scripts/setup.sh)")
        cross = CROSS[opts.cross_arch]
        targets = {cross[0]: cross[1]}
    runner = [cross[2], "-L", cross[3], "-E", "LD_LIBRARY_PATH=" + ":".join([f"{cross[3]}/lib", *opts.cross_lib_dir]),
              opts.cross_rqc] if cross else [rqc]
    os.makedirs(work, exist_ok=True)
    rng = np.random.default_rng(0)
    paths = {}
    for name, args in CASES.items():
        paths[name] = os.path.join(work, name + ".onnx")
        onnx.save(qdq_conv(rng, **args), paths[name])
    # Quantized classifiers: the integer convolution of a 1x1 image (batch 1 and 3).
    for name, (n, k, m) in {"dense_1x512x1000": (1, 512, 1000), "dense_3x64x20": (3, 64, 20)}.items():
        paths[name] = os.path.join(work, name + ".onnx")
        onnx.save(qdq_classifier(rng, n, k, m), paths[name])
    for name, (n, k, m) in {"matmul_1x128x40": (1, 128, 40), "matmul_2x64x12": (2, 64, 12)}.items():
        paths[name] = os.path.join(work, name + ".onnx")
        onnx.save(qdq_classifier(rng, n, k, m, matmul=True), paths[name])
    for name, signed in {"maxpool_uint8": False, "maxpool_int8": True}.items():
        paths[name] = os.path.join(work, name + ".onnx")
        onnx.save(qdq_maxpool(signed), paths[name])
        paths["conv_" + name] = os.path.join(work, "conv_" + name + ".onnx")
        onnx.save(qdq_conv_maxpool(rng, signed), paths["conv_" + name])
    for name in ZOO:
        paths[name] = os.path.join(models_dir, name + ".onnx")
    failures = []
    for name, path in paths.items():
        ref = os.path.join(work, name + ".ref.npz")
        run([rqc, "run", path, "--reference", "--as-compiled", "--seed", "5", "--outputs", ref])
        expected = np.load(ref)
        for target, flags in targets.items():
            pkg = os.path.join(work, f"{name}.{target}.rqc")
            graph = run([rqc, "compile", path, "-o", pkg, "--dump=graph", *flags])
            # A pool alone stays plain NCHW (the generic integer max pool); after a
            # convolution it is blocked (pool2d_NCHWc); either way on 8-bit data.
            template = ("depthwise_conv2d_NCHWc" if name.startswith("dw") else
                        "max_pool2d %arg0" if name.startswith("maxpool") else
                        "pool2d_NCHWc" if name.startswith("conv_maxpool") else "conv2d_NCHWc_int8")
            # A max pool must pool 8-bit data (in a kernel its input is %arg0 either way).
            integer = re.search(r"graph\.max_pool2d %arg0 .*-> tensor<[0-9x]+x(ui8|i8)>", graph) if "maxpool" in name \
                else "conv2d_integer" in graph
            if name.startswith("conv_maxpool") and "conv2d_integer" not in graph:
                integer = False
            if template not in graph or not integer:
                failures.append(f"{name} ({target}): no integer convolution was compiled with {template}")
                continue
            out = os.path.join(work, f"{name}.{target}.npz")
            run([*runner, "run", pkg, "--seed", "5", "--outputs", out])
            got = np.load(out)
            for key in expected.files:
                a, b = got[key], expected[key]
                if a.shape != b.shape or not np.array_equal(a, b):
                    diff = int(np.count_nonzero(a != b)) if a.shape == b.shape else -1
                    failures.append(f"{name} ({target}) output {key}: {diff} of {b.size} elements differ from the "
                                    f"integer reference")
            print(f"{name:20s} {target:5s} bit-exact" if not failures or not failures[-1].startswith(name) else
                  f"{name:20s} {target:5s} DIFFERS")
    # Random configs of the integer templates (host only): `rqc tune` checks every measured
    # candidate against the reference executor, so a config that computes a wrong value is
    # an error record (error_no 5); only refused configs (1) may be errors.
    if "host" in targets:
        for name in ("dw3x3_relu", "dw3x3_s2_int8", "conv3x3_s2_zp128"):
            log = os.path.join(work, f"{name}.random.log")
            if os.path.exists(log):
                os.remove(log)
            run([rqc, "tune", paths[name], "--tuner", "random", "--trials", "12", "--seed", "3", "-o", log,
                 "--min-repeat-ms", "1", "--repeat", "1", "--build-jobs", "2"])
            with open(log) as f:
                records = [json.loads(line) for line in f if line.strip()]
            errors = [r for r in records if r["result"][1] not in (0, 1)]
            measured = [r for r in records if r["result"][1] == 0]
            if errors or len(measured) < 6:
                failures.append(f"{name}: random configs: {len(measured)} measured, errors "
                                f"{[(r['config']['entity'], r.get('error_msg', '')[:120]) for r in errors[:3]]}")
            else:
                print(f"{name:20s} random configs: {len(measured)} measured, all match the reference")
    # Without VNNI the default is float kernels between the QDQ pairs; a CPU named by -mcpu
    # brings its own features (not this host's).
    for flags, want in ((["--mattr=+avx2,+fma"], False), (["--mcpu=haswell"], False),
                        (["--mcpu=skylake-avx512"], False), (["--mcpu=icelake-server"], True),
                        (["--target=arm_cpu"], False), (["--target=arm_cpu", "--mcpu=cortex-a53"], False),
                        (["--target=arm_cpu", "--mcpu=cortex-a76"], True), (AARCH64_SDOT, True)):
        graph = run([rqc, "compile", paths["conv3x3_relu"], "--dump=graph", *flags])
        if ("conv2d_integer" in graph) != want:
            failures.append(f"{' '.join(flags)}: integer kernels {'not ' if want else ''}used with --int8-kernels=auto")
    # With AVX2 and no VNNI, auto takes the integer kernels for weights vpmaddubsw computes
    # exactly (7-bit), and only for those.
    for flags in (["--mattr=+avx2,+fma"], ["--mcpu=haswell"], ["--mcpu=skylake-avx512"]):
        graph = run([rqc, "compile", paths["conv3x3_7bit"], "--dump=graph", *flags])
        if "conv2d_integer" not in graph or "rqc.weight_pairs_fit_i16" not in graph:
            failures.append(f"{' '.join(flags)}: 7-bit weights not on the vpmaddubsw kernels with --int8-kernels=auto")
    # vpmaddubsw where the weights allow it (7-bit), not where they do not (full range).
    if "avx2" in targets:
        for name, want in (("conv3x3_7bit", True), ("conv3x3_7bit_int8", True), ("conv3x3_relu", False)):
            ir = run([rqc, "compile", paths[name], "--dump=llvm", *TARGETS["avx2"]])
            if ("pmadd.ub.sw" in ir) != want:
                failures.append(f"{name} (avx2): vpmaddubsw {'missing' if want else 'used on full-range weights'}")
    # The marked dot products really become the instruction (not the exact widened form).
    if "sdot" in targets:
        ir = run([rqc, "compile", paths["conv3x3_relu"], "--dump=llvm", *AARCH64_SDOT])
        if "llvm.aarch64.neon.sdot" not in ir:
            failures.append("+dotprod: no SDOT in the LLVM IR of conv3x3_relu")
    if failures:
        sys.exit("FAIL:\n  " + "\n  ".join(failures))
    print(f"PASS: {len(paths)} models x {len(targets)} instruction sets ({', '.join(targets)}) bit-exact against "
          f"the integer reference")


if __name__ == "__main__":
    main()
