#!/usr/bin/env python3
"""Generate rqc's model zoo: published image-classification architectures as ONNX files
with deterministic, seeded weights, plus int8 (QDQ) variants quantized by ONNX Runtime.

    python scripts/make_zoo.py --out models [--all] [--only NAME ...] [--force]

Default set (CI): resnet18, mobilenet_v1, mobilenet_v2, resnet8 and their *_int8 variants.
--all adds resnet50, vgg16, alexnet, inception_v3 (and their *_int8 variants).
--only NAME selects exactly the named files (e.g. `--only resnet18 resnet18_int8`);
an int8 model's fp32 source is generated too if it is missing.

The weights are random, not trained: the zoo checks that rqc computes the same function
as ONNX Runtime on real architectures, operator mixes and shapes, not accuracy.
To keep activations O(1) through deep networks without trained batch-norm statistics,
every builder runs its graph in numpy on one seeded calibration input while it is built,
and scales each layer's He-normal weights so that the layer's output has unit standard
deviation (see Net.conv / Net.gemm). BN parameters stay random (gamma, var ~ U(0.5, 1.5)).
The classifier's logits are spread (std ~2 over the classes), but with random weights
the deep features are dominated by per-channel means that do not depend on the input,
so the top-5 is nearly the same for every input image. That was kept on purpose: making
the features input-dependent (sparsifying the last activations) made the int8 models
amplify 1-step rounding differences in early layers to 10-20 steps at the output, so
that no independent implementation could match ORT within a quantization step.

Files are written atomically (tmp + os.replace) and skipped when they exist (--force to
regenerate). Exported with an explicit opset and ir_version 8 so rqc's importer (ONNX
1.12 protobuf classes) and ONNX Runtime read the same thing. See docs/models.md.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from typing import Callable

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

IR_VERSION = 8  # ONNX 1.12 (opsets up to 17): what rqc's C++ importer is built against.
# ImageNet classifiers' bias: spreads the logits (the int8 output range) so that 1-step
# rounding differences in the body, which reach the logits as ~0.3 step of noise with
# bias std 0.1, stay well below one output step (~0.15 step with 4.0); see docs/models.md.
CLASSIFIER_BIAS_STD = 4.0


# ---------------------------------------------------------------------------------------
# numpy kernels for the few ops whose values the builders need (NCHW, any float dtype):
# used while building to scale the weights, and by tests/models/numpy_reference.py.

def _pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def np_conv(x, w, b, stride, pad, group):
    n, _, h, wd = x.shape
    co, cig, kh, kw = w.shape
    sh, sw = stride
    ph, pw = pad
    oh, ow = (h + 2 * ph - kh) // sh + 1, (wd + 2 * pw - kw) // sw + 1
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw))).transpose(1, 0, 2, 3)  # C N H W
    xg = xp.reshape(group, cig, n, xp.shape[2], xp.shape[3])
    wg = w.reshape(group, co // group, cig, kh, kw)
    out = np.zeros((group, co // group, n * oh * ow), x.dtype)
    depthwise = cig == 1 and co == group
    for i in range(kh):
        for j in range(kw):
            patch = xg[..., i:i + sh * (oh - 1) + 1:sh, j:j + sw * (ow - 1) + 1:sw]
            patch = patch.reshape(group, cig, n * oh * ow)
            if depthwise:
                out += wg[:, :, 0, i, j][:, :, None] * patch
            else:
                out += np.matmul(wg[:, :, :, i, j], patch)
    out = out.reshape(co, n, oh, ow).transpose(1, 0, 2, 3)
    if b is not None:
        out = out + b[None, :, None, None]
    return np.ascontiguousarray(out)


def np_pool(x, kernel, stride, pad, mode, count_include_pad=False):
    kh, kw = kernel
    ph, pw = pad
    fill = -np.inf if mode == "max" else 0.0
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=fill)
    win = np.lib.stride_tricks.sliding_window_view(xp, (kh, kw), axis=(2, 3))
    win = win[:, :, ::stride[0], ::stride[1]]
    if mode == "max":
        return win.max(axis=(-2, -1))
    s = win.sum(axis=(-2, -1))
    if count_include_pad or (ph == 0 and pw == 0):
        return (s / (kh * kw)).astype(x.dtype)
    ones = np.pad(np.ones(x.shape[2:], np.float32), ((ph, ph), (pw, pw)))
    cnt = np.lib.stride_tricks.sliding_window_view(ones, (kh, kw))[::stride[0], ::stride[1]]
    return (s / cnt.sum(axis=(-2, -1))).astype(x.dtype)


def np_lrn(x, size, alpha, beta, bias):
    c = x.shape[1]
    sq = np.pad(x * x, ((0, 0), ((size - 1) // 2, size // 2), (0, 0), (0, 0)))
    csum = np.concatenate([np.zeros_like(sq[:, :1]), np.cumsum(sq, axis=1)], axis=1)
    s = csum[:, size:size + c] - csum[:, :c]
    return (x / (bias + alpha / size * s) ** beta).astype(x.dtype)


# ---------------------------------------------------------------------------------------
# Graph builder

class Net:
    """Builds an ONNX graph node by node, evaluating it in numpy as it goes (self.val) on
    one seeded standard-normal calibration image, so that each layer's weights can be
    scaled to unit output std."""

    def __init__(self, name: str, seed: int, input_hw: int, opset: int):
        self.name, self.opset = name, opset
        self.rng = np.random.default_rng(seed)
        self.nodes: list[onnx.NodeProto] = []
        self.inits: list[onnx.TensorProto] = []
        self.val: dict[str, np.ndarray] = {}
        self.input_shape = (1, 3, input_hw, input_hw)
        calib = np.random.default_rng(seed + 1_000_003).standard_normal(self.input_shape)
        self.val["input"] = calib.astype(np.float32)
        self._names: set[str] = set()

    # -- plumbing
    def _unique(self, name: str) -> str:
        base, i = name, 1
        while name in self._names:
            i += 1
            name = f"{base}_{i}"
        self._names.add(name)
        return name

    def init(self, name: str, arr: np.ndarray) -> str:
        name = self._unique(name)
        self.inits.append(numpy_helper.from_array(np.ascontiguousarray(arr), name))
        return name

    def const(self, name: str, arr: np.ndarray) -> str:
        """A Constant node (as PyTorch's exporter emits for shape arithmetic)."""
        out = self._unique(name)
        self.nodes.append(helper.make_node("Constant", [], [out], name=out,
                                           value=numpy_helper.from_array(arr, out)))
        self.val[out] = arr
        return out

    def node(self, op: str, inputs: list[str], name: str, value: np.ndarray, **attrs) -> str:
        out = self._unique(name)
        self.nodes.append(helper.make_node(op, inputs, [out], name=out, **attrs))
        self.val[out] = value
        return out

    def shape(self, x: str) -> tuple:
        return self.val[x].shape

    # -- layers
    def conv(self, x, cout, k, stride=1, pad=0, group=1, bias=False, name="conv"):
        k, stride, pad = _pair(k), _pair(stride), _pair(pad)
        cin = self.shape(x)[1]
        fan_in = cin // group * k[0] * k[1]
        w = self.rng.standard_normal((cout, cin // group, *k), dtype=np.float32)
        w *= np.float32(np.sqrt(2.0 / fan_in))  # He-normal ...
        y = np_conv(self.val[x], w, None, stride, pad, group)
        scale = np.float32(1.0 / max(float(y.std()), 1e-6))  # ... scaled to unit output std
        w *= scale
        y *= scale
        inputs = [x, self.init(f"{name}.weight", w)]
        if bias:
            b = (0.1 * self.rng.standard_normal(cout)).astype(np.float32)
            inputs.append(self.init(f"{name}.bias", b))
            y += b[None, :, None, None]
        return self.node("Conv", inputs, name, y, kernel_shape=list(k), strides=list(stride),
                         pads=[pad[0], pad[1], pad[0], pad[1]], dilations=[1, 1], group=group)

    def bn(self, x, name="bn", eps=1e-5):
        c = self.shape(x)[1]
        gamma = self.rng.uniform(0.5, 1.5, c).astype(np.float32)
        beta = (0.1 * self.rng.standard_normal(c)).astype(np.float32)
        mean = (0.1 * self.rng.standard_normal(c)).astype(np.float32)
        var = self.rng.uniform(0.5, 1.5, c).astype(np.float32)
        r = lambda a: a[None, :, None, None]
        y = (self.val[x] - r(mean)) / np.sqrt(r(var) + eps) * r(gamma) + r(beta)
        ins = [x] + [self.init(f"{name}.{p}", a) for p, a in
                     (("weight", gamma), ("bias", beta), ("running_mean", mean), ("running_var", var))]
        return self.node("BatchNormalization", ins, name, y.astype(np.float32), epsilon=eps, momentum=0.9)

    def relu(self, x, name="relu"):
        return self.node("Relu", [x], name, np.maximum(self.val[x], 0))

    def relu6(self, x, name="relu6"):
        """PyTorch's ReLU6 export: Clip with min/max as (shared) inputs."""
        if "clip_min" not in self._names:
            self.init("clip_min", np.array(0.0, np.float32))
            self.init("clip_max", np.array(6.0, np.float32))
        return self.node("Clip", [x, "clip_min", "clip_max"], name, np.clip(self.val[x], 0, 6))

    def conv_bn(self, x, cout, k, stride=1, pad=0, group=1, name="conv"):
        return self.bn(self.conv(x, cout, k, stride, pad, group, name=name), name=f"{name}.bn")

    def conv_bn_relu(self, x, cout, k, stride=1, pad=0, group=1, name="conv", eps=1e-5):
        y = self.bn(self.conv(x, cout, k, stride, pad, group, name=name), name=f"{name}.bn", eps=eps)
        return self.relu(y, name=f"{name}.relu")

    def conv_bn_relu6(self, x, cout, k, stride=1, pad=0, group=1, name="conv"):
        y = self.bn(self.conv(x, cout, k, stride, pad, group, name=name), name=f"{name}.bn")
        return self.relu6(y, name=f"{name}.relu6")

    def conv_relu(self, x, cout, k, stride=1, pad=0, group=1, name="conv"):
        y = self.conv(x, cout, k, stride, pad, group, bias=True, name=name)
        return self.relu(y, name=f"{name}.relu")

    def maxpool(self, x, k, stride, pad=0, name="maxpool"):
        k, stride, pad = _pair(k), _pair(stride), _pair(pad)
        y = np_pool(self.val[x], k, stride, pad, "max")
        return self.node("MaxPool", [x], name, y, kernel_shape=list(k), strides=list(stride),
                         pads=[pad[0], pad[1], pad[0], pad[1]])

    def avgpool(self, x, k, stride, pad=0, name="avgpool"):
        k, stride, pad = _pair(k), _pair(stride), _pair(pad)
        y = np_pool(self.val[x], k, stride, pad, "avg", count_include_pad=False)
        return self.node("AveragePool", [x], name, y, kernel_shape=list(k), strides=list(stride),
                         pads=[pad[0], pad[1], pad[0], pad[1]], count_include_pad=0)

    def gap(self, x, name="gap"):
        return self.node("GlobalAveragePool", [x], name, self.val[x].mean(axis=(2, 3), keepdims=True))

    def add(self, a, b, name="add"):
        return self.node("Add", [a, b], name, self.val[a] + self.val[b])

    def concat(self, xs, name="concat"):
        return self.node("Concat", list(xs), name, np.concatenate([self.val[x] for x in xs], axis=1), axis=1)

    def flatten(self, x, name="flatten"):
        v = self.val[x]
        return self.node("Flatten", [x], name, v.reshape(v.shape[0], -1), axis=1)

    def torch_flatten(self, x, name="flatten"):
        """`x.view(x.size(0), -1)` as PyTorch exports it:
        Shape -> Gather(axis 0, scalar index 0) -> Unsqueeze -> Concat([-1]) -> Reshape."""
        shape = np.array(self.shape(x), np.int64)
        shp = self.node("Shape", [x], f"{name}.shape", shape)
        idx = self.const(f"{name}.index", np.array(0, np.int64))
        n = self.node("Gather", [shp, idx], f"{name}.gather", shape[0], axis=0)
        axes = self.const(f"{name}.axes", np.array([0], np.int64))
        n1 = self.node("Unsqueeze", [n, axes], f"{name}.unsqueeze", shape[:1])
        minus1 = self.const(f"{name}.minus1", np.array([-1], np.int64))
        tgt = self.node("Concat", [n1, minus1], f"{name}.concat", np.array([shape[0], -1], np.int64), axis=0)
        v = self.val[x]
        return self.node("Reshape", [x, tgt], f"{name}.reshape", v.reshape(v.shape[0], -1))

    def gemm(self, x, nout, name="fc", out_std=1.0, bias_std=0.1):
        """Linear layer as PyTorch exports it: Gemm(x, W[out, in], b, transB=1).
        W x is scaled to std out_std; the bias is N(0, bias_std)."""
        nin = self.shape(x)[1]
        w = self.rng.standard_normal((nout, nin), dtype=np.float32) * np.float32(np.sqrt(2.0 / nin))
        y = self.val[x] @ w.T
        scale = np.float32(out_std / max(float(y.std()), 1e-6))
        w *= scale
        b = (bias_std * self.rng.standard_normal(nout)).astype(np.float32)
        y = y * scale + b
        ins = [x, self.init(f"{name}.weight", w), self.init(f"{name}.bias", b)]
        return self.node("Gemm", ins, name, y.astype(np.float32), alpha=1.0, beta=1.0, transB=1)

    def lrn(self, x, size=5, alpha=1e-4, beta=0.75, bias=1.0, name="lrn"):
        y = np_lrn(self.val[x], size, alpha, beta, bias)
        return self.node("LRN", [x], name, y, size=size, alpha=alpha, beta=beta, bias=bias)

    def dropout(self, x, ratio=0.5, name="dropout"):
        if self.opset < 12:
            return self.node("Dropout", [x], name, self.val[x], ratio=ratio)
        r = self.init(f"{name}.ratio", np.array(ratio, np.float32))
        return self.node("Dropout", [x, r], name, self.val[x])

    def softmax(self, x, name="softmax"):
        v = self.val[x]
        e = np.exp(v - v.max(axis=-1, keepdims=True))
        return self.node("Softmax", [x], name, e / e.sum(axis=-1, keepdims=True), axis=-1)

    # -- finish
    def model(self, out: str) -> onnx.ModelProto:
        """Renames the final tensor to "output" and wraps the graph in a model."""
        for n in self.nodes:
            n.output[:] = ["output" if o == out else o for o in n.output]
        y = self.val[out]
        assert np.isfinite(y).all(), f"{self.name}: non-finite calibration output"
        graph = helper.make_graph(
            self.nodes, self.name,
            [helper.make_tensor_value_info("input", TensorProto.FLOAT, list(self.input_shape))],
            [helper.make_tensor_value_info("output", TensorProto.FLOAT, list(y.shape))],
            initializer=self.inits)
        m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", self.opset)],
                              producer_name="rqc-make_zoo", producer_version="1")
        m.ir_version = IR_VERSION
        m.doc_string = f"{self.name}: seeded random weights (not trained), generated by scripts/make_zoo.py"
        return m


# ---------------------------------------------------------------------------------------
# Architectures

def resnet(depth: int, seed: int, opset: int = 13, width: float = 1.0, name: str | None = None) -> onnx.ModelProto:
    """torchvision ResNet-18/34 (BasicBlock) / ResNet-50 v1.5 (Bottleneck, stride in the 3x3);
    ResNet-10 is ResNet-18 with one block per stage. `width` scales every layer's channels
    (max(8, int(c * width)), as MobileNet's multiplier): the narrow ResNet-18s of the split
    network study (../shared/seeds/003_*)."""
    name = name or f"resnet{depth}"
    blocks, bottleneck = {10: ([1, 1, 1, 1], False), 18: ([2, 2, 2, 2], False), 34: ([3, 4, 6, 3], False),
                          50: ([3, 4, 6, 3], True)}[depth]

    def c(n):
        return max(8, int(n * width))

    net = Net(name, seed, 224, opset)
    x = net.conv_bn_relu("input", c(64), 7, 2, 3, name="conv1")
    x = net.maxpool(x, 3, 2, 1, name="maxpool")
    cin = c(64)
    for stage, (n, w) in enumerate(zip(blocks, [c(64), c(128), c(256), c(512)]), start=1):
        for i in range(n):
            p = f"layer{stage}.{i}"
            stride = 2 if (i == 0 and stage > 1) else 1
            cout = w * 4 if bottleneck else w
            if bottleneck:
                y = net.conv_bn_relu(x, w, 1, name=f"{p}.conv1")
                y = net.conv_bn_relu(y, w, 3, stride, 1, name=f"{p}.conv2")
                y = net.conv_bn(y, cout, 1, name=f"{p}.conv3")
            else:
                y = net.conv_bn_relu(x, w, 3, stride, 1, name=f"{p}.conv1")
                y = net.conv_bn(y, w, 3, 1, 1, name=f"{p}.conv2")
            sc = x
            if stride != 1 or cin != cout:
                sc = net.conv_bn(x, cout, 1, stride, name=f"{p}.downsample")
            x = net.relu(net.add(y, sc, name=f"{p}.add"), name=f"{p}.relu")
            cin = cout
    x = net.gap(x, name="avgpool")
    x = net.torch_flatten(x) if depth == 18 else net.flatten(x)
    return net.model(net.gemm(x, 1000, name="fc", out_std=2.0, bias_std=CLASSIFIER_BIAS_STD))


def resnet18(seed=18):
    return resnet(18, seed)


def resnet34(seed=34):
    return resnet(34, seed)


def resnet50(seed=50):
    return resnet(50, seed)


def mobilenet_v1(seed=1, alpha=1.0, resolution=224, name="mobilenet_v1"):
    """MobileNet-v1 alpha/resolution (Howard et al. 2017), ReLU6 as in the TF reference;
    channels max(8, int(c * alpha)) as TF-slim's depth multiplier."""
    net = Net(name, seed, resolution, 13)

    def width(c):
        return max(8, int(c * alpha))

    x = net.conv_bn_relu6("input", width(32), 3, 2, 1, name="conv0")
    cfg = [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2),
           (512, 1), (512, 1), (512, 1), (512, 1), (512, 1), (1024, 2), (1024, 1)]
    cfg = [(width(c), s) for c, s in cfg]
    cin = width(32)
    for i, (cout, s) in enumerate(cfg, start=1):
        x = net.conv_bn_relu6(x, cin, 3, s, 1, group=cin, name=f"conv{i}.dw")
        x = net.conv_bn_relu6(x, cout, 1, name=f"conv{i}.pw")
        cin = cout
    x = net.flatten(net.gap(x, name="avgpool"))
    return net.model(net.gemm(x, 1000, name="fc", out_std=2.0, bias_std=CLASSIFIER_BIAS_STD))


def mobilenet_v2(seed=2):
    """torchvision MobileNet-v2 1.0/224 (inverted residuals, linear bottlenecks)."""
    net = Net("mobilenet_v2", seed, 224, 13)
    x = net.conv_bn_relu6("input", 32, 3, 2, 1, name="features.0")
    cin, idx = 32, 1
    for t, c, n, s in [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2),
                       (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)]:
        for i in range(n):
            p, stride, hidden = f"features.{idx}", (s if i == 0 else 1), cin * t
            y = x
            if t != 1:
                y = net.conv_bn_relu6(y, hidden, 1, name=f"{p}.expand")
            y = net.conv_bn_relu6(y, hidden, 3, stride, 1, group=hidden, name=f"{p}.dw")
            y = net.conv_bn(y, c, 1, name=f"{p}.project")
            x = net.add(x, y, name=f"{p}.add") if (stride == 1 and cin == c) else y
            cin, idx = c, idx + 1
    x = net.conv_bn_relu6(x, 1280, 1, name=f"features.{idx}")
    x = net.flatten(net.gap(x, name="avgpool"))
    return net.model(net.gemm(x, 1000, name="classifier", out_std=2.0, bias_std=CLASSIFIER_BIAS_STD))


def resnet8(seed=8, width: float = 1.0, depth: int = 1, name: str = "resnet8"):
    """MLPerf Tiny image classification (mlcommons/tiny resnet_v1_eembc), CIFAR-10 32x32.
    As exported from Keras by tf2onnx: BN folded into the conv bias, NCHW here. `depth`
    residual blocks per stack give He et al.'s CIFAR ResNets (2: ResNet-14, 3: ResNet-20, with
    1x1 projection shortcuts); `width` scales the 16/32/64 channels."""
    net = Net(name, seed, 32, 13)
    cs = [max(4, int(n * width)) for n in (16, 32, 64)]
    x = net.conv_relu("input", cs[0], 3, 1, 1, name="conv0")
    cin = cs[0]
    for stage, cout in enumerate(cs, start=1):
        for b in range(depth):
            s = 2 if (stage > 1 and b == 0) else 1
            p = f"stack{stage}" if depth == 1 else f"stack{stage}.{b}"
            y = net.conv_relu(x, cout, 3, s, 1, name=f"{p}.conv1")
            y = net.conv(y, cout, 3, 1, 1, bias=True, name=f"{p}.conv2")
            sc = x if (s == 1 and cin == cout) else net.conv(x, cout, 1, s, 0, bias=True, name=f"{p}.shortcut")
            x = net.relu(net.add(y, sc, name=f"{p}.add"), name=f"{p}.relu")
            cin = cout
    x = net.flatten(net.avgpool(x, 8, 8, name="avgpool"))
    return net.model(net.softmax(net.gemm(x, 10, name="dense", out_std=1.0)))


def vgg16(seed=16):
    """torchvision VGG-16 (configuration D, no BN)."""
    net = Net("vgg16", seed, 224, 13)
    x = "input"
    for stage, (n, c) in enumerate([(2, 64), (2, 128), (3, 256), (3, 512), (3, 512)], start=1):
        for i in range(1, n + 1):
            x = net.conv_relu(x, c, 3, 1, 1, name=f"conv{stage}_{i}")
        x = net.maxpool(x, 2, 2, name=f"pool{stage}")
    x = net.flatten(x)
    x = net.relu(net.gemm(x, 4096, name="fc6"), name="relu6")
    x = net.relu(net.gemm(x, 4096, name="fc7"), name="relu7")
    return net.model(net.gemm(x, 1000, name="fc8", out_std=2.0, bias_std=CLASSIFIER_BIAS_STD))


def alexnet(seed=11):
    """Caffe bvlc_alexnet (Krizhevsky et al. 2012): 227x227, LRN, two-tower group=2 convs."""
    net = Net("alexnet", seed, 227, 11)
    x = net.conv_relu("input", 96, 11, 4, 0, name="conv1")
    x = net.maxpool(net.lrn(x, name="norm1"), 3, 2, name="pool1")
    x = net.conv_relu(x, 256, 5, 1, 2, group=2, name="conv2")
    x = net.maxpool(net.lrn(x, name="norm2"), 3, 2, name="pool2")
    x = net.conv_relu(x, 384, 3, 1, 1, name="conv3")
    x = net.conv_relu(x, 384, 3, 1, 1, group=2, name="conv4")
    x = net.conv_relu(x, 256, 3, 1, 1, group=2, name="conv5")
    x = net.flatten(net.maxpool(x, 3, 2, name="pool5"))
    x = net.dropout(net.relu(net.gemm(x, 4096, name="fc6"), name="relu6"), name="drop6")
    x = net.dropout(net.relu(net.gemm(x, 4096, name="fc7"), name="relu7"), name="drop7")
    return net.model(net.gemm(x, 1000, name="fc8", out_std=2.0, bias_std=CLASSIFIER_BIAS_STD))


def inception_v3(seed=3):
    """torchvision Inception-v3 (eval: no aux logits), 299x299, BN eps 1e-3.
    The 3x3/s1 average pools exclude padding (count_include_pad=0), as in the TF original."""
    net = Net("inception_v3", seed, 299, 17)

    def cbr(x, c, k, s=1, p=0, name="conv"):
        return net.conv_bn_relu(x, c, k, s, p, name=name, eps=1e-3)

    def pool_branch(x, c, p):
        return cbr(net.avgpool(x, 3, 1, 1, name=f"{p}.pool"), c, 1, name=f"{p}.branch_pool")

    def block_a(x, pool_features, p):
        b1 = cbr(x, 64, 1, name=f"{p}.branch1x1")
        b5 = cbr(cbr(x, 48, 1, name=f"{p}.branch5x5_1"), 64, 5, p=2, name=f"{p}.branch5x5_2")
        b3 = cbr(x, 64, 1, name=f"{p}.branch3x3dbl_1")
        b3 = cbr(cbr(b3, 96, 3, p=1, name=f"{p}.branch3x3dbl_2"), 96, 3, p=1, name=f"{p}.branch3x3dbl_3")
        return net.concat([b1, b5, b3, pool_branch(x, pool_features, p)], name=f"{p}.concat")

    def block_b(x, p):
        b3 = cbr(x, 384, 3, 2, name=f"{p}.branch3x3")
        bd = cbr(x, 64, 1, name=f"{p}.branch3x3dbl_1")
        bd = cbr(cbr(bd, 96, 3, p=1, name=f"{p}.branch3x3dbl_2"), 96, 3, 2, name=f"{p}.branch3x3dbl_3")
        return net.concat([b3, bd, net.maxpool(x, 3, 2, name=f"{p}.pool")], name=f"{p}.concat")

    def block_c(x, c7, p):
        b1 = cbr(x, 192, 1, name=f"{p}.branch1x1")
        b7 = cbr(x, c7, 1, name=f"{p}.branch7x7_1")
        b7 = cbr(b7, c7, (1, 7), p=(0, 3), name=f"{p}.branch7x7_2")
        b7 = cbr(b7, 192, (7, 1), p=(3, 0), name=f"{p}.branch7x7_3")
        bd = cbr(x, c7, 1, name=f"{p}.branch7x7dbl_1")
        bd = cbr(bd, c7, (7, 1), p=(3, 0), name=f"{p}.branch7x7dbl_2")
        bd = cbr(bd, c7, (1, 7), p=(0, 3), name=f"{p}.branch7x7dbl_3")
        bd = cbr(bd, c7, (7, 1), p=(3, 0), name=f"{p}.branch7x7dbl_4")
        bd = cbr(bd, 192, (1, 7), p=(0, 3), name=f"{p}.branch7x7dbl_5")
        return net.concat([b1, b7, bd, pool_branch(x, 192, p)], name=f"{p}.concat")

    def block_d(x, p):
        b3 = cbr(cbr(x, 192, 1, name=f"{p}.branch3x3_1"), 320, 3, 2, name=f"{p}.branch3x3_2")
        b7 = cbr(x, 192, 1, name=f"{p}.branch7x7x3_1")
        b7 = cbr(b7, 192, (1, 7), p=(0, 3), name=f"{p}.branch7x7x3_2")
        b7 = cbr(b7, 192, (7, 1), p=(3, 0), name=f"{p}.branch7x7x3_3")
        b7 = cbr(b7, 192, 3, 2, name=f"{p}.branch7x7x3_4")
        return net.concat([b3, b7, net.maxpool(x, 3, 2, name=f"{p}.pool")], name=f"{p}.concat")

    def block_e(x, p):
        b1 = cbr(x, 320, 1, name=f"{p}.branch1x1")
        b3 = cbr(x, 384, 1, name=f"{p}.branch3x3_1")
        b3 = net.concat([cbr(b3, 384, (1, 3), p=(0, 1), name=f"{p}.branch3x3_2a"),
                         cbr(b3, 384, (3, 1), p=(1, 0), name=f"{p}.branch3x3_2b")], name=f"{p}.concat3x3")
        bd = cbr(cbr(x, 448, 1, name=f"{p}.branch3x3dbl_1"), 384, 3, p=1, name=f"{p}.branch3x3dbl_2")
        bd = net.concat([cbr(bd, 384, (1, 3), p=(0, 1), name=f"{p}.branch3x3dbl_3a"),
                         cbr(bd, 384, (3, 1), p=(1, 0), name=f"{p}.branch3x3dbl_3b")], name=f"{p}.concat3x3dbl")
        return net.concat([b1, b3, bd, pool_branch(x, 192, p)], name=f"{p}.concat")

    x = cbr("input", 32, 3, 2, name="Conv2d_1a_3x3")
    x = cbr(x, 32, 3, name="Conv2d_2a_3x3")
    x = cbr(x, 64, 3, p=1, name="Conv2d_2b_3x3")
    x = net.maxpool(x, 3, 2, name="maxpool1")
    x = cbr(x, 80, 1, name="Conv2d_3b_1x1")
    x = cbr(x, 192, 3, name="Conv2d_4a_3x3")
    x = net.maxpool(x, 3, 2, name="maxpool2")
    x = block_a(x, 32, "Mixed_5b")
    x = block_a(x, 64, "Mixed_5c")
    x = block_a(x, 64, "Mixed_5d")
    x = block_b(x, "Mixed_6a")
    for p, c7 in [("Mixed_6b", 128), ("Mixed_6c", 160), ("Mixed_6d", 160), ("Mixed_6e", 192)]:
        x = block_c(x, c7, p)
    x = block_d(x, "Mixed_7a")
    x = block_e(x, "Mixed_7b")
    x = block_e(x, "Mixed_7c")
    x = net.flatten(net.gap(x, name="avgpool"))
    return net.model(net.gemm(x, 1000, name="fc", out_std=2.0, bias_std=CLASSIFIER_BIAS_STD))


@dataclass
class Spec:
    build: Callable[[], onnx.ModelProto]
    published_macs: float  # conv + gemm multiply-accumulates: the papers / torchvision, or resnet_basic_macs for variants no paper counts
    per_channel: bool      # int8 weights quantized per output channel
    default: bool          # in the default (CI) set


ZOO: dict[str, Spec] = {
    "resnet18": Spec(resnet18, 1.81e9, False, True),           # torchvision
    "mobilenet_v1": Spec(mobilenet_v1, 569e6, True, True),     # Howard et al. 2017, table 8
    "mobilenet_v2": Spec(mobilenet_v2, 300e6, True, True),     # Sandler et al. 2018, table 4
    "resnet8": Spec(resnet8, 12.5e6, False, True),             # MLPerf Tiny IC
    "resnet34": Spec(resnet34, 3.66e9, False, False),          # torchvision: ResNet-18's depth variant
    "resnet50": Spec(resnet50, 4.09e9, True, False),           # torchvision (v1.5)
    "vgg16": Spec(vgg16, 15.47e9, False, False),               # torchvision
    "alexnet": Spec(alexnet, 0.72e9, False, False),            # bvlc_alexnet, 227x227
    "inception_v3": Spec(inception_v3, 5.71e9, False, False),  # torchvision
}

# The MobileNet-v1 family of the ReQuEST study (../shared/seeds/000_*): every width multiplier
# and resolution TF's model zoo publishes. Multiply-adds: Howard et al. 2017, Table 6 (width
# multipliers at 224) and Table 7 (resolutions at width 1.0); the other points scale Table 6
# by (resolution / 224)^2, exact for the convolutions (the classifier does not scale; its
# share stays under 2%). Not in the default set: `make_zoo.py --only mobilenet_v1_0.25_128
# ...`, or `--mobilenet-v1-family` for all 16.
_WIDTH_MACS = {1.0: 569e6, 0.75: 325e6, 0.5: 149e6, 0.25: 41e6}
_RESOLUTION_MACS = {224: 569e6, 192: 418e6, 160: 290e6, 128: 186e6}
MOBILENET_V1_MACS = {(a, r): (_RESOLUTION_MACS[r] if a == 1.0 else _WIDTH_MACS[a] * (r / 224) ** 2)
                     for a in _WIDTH_MACS for r in _RESOLUTION_MACS}
for (_alpha, _res), _macs in MOBILENET_V1_MACS.items():
    _name = f"mobilenet_v1_{_alpha}_{_res}"
    ZOO[_name] = Spec(lambda a=_alpha, r=_res, n=_name: mobilenet_v1(1, a, r, n), _macs, True, False)
MOBILENET_V1_FAMILY = [f"mobilenet_v1_{a}_{r}" for a, r in MOBILENET_V1_MACS]


# ResNet depth and width variants (issue 15): ResNet-18 at width 0.25/0.5/0.75 (the narrow
# sub-networks of the split ResNet-18, ../shared/seeds/003_*) and at depth 10 (34 and 50 are
# above); MLPerf Tiny's ResNet-8 at depth 14 and 20 (He et al. 2016's CIFAR ResNets: ResNet-20
# is published at 41M multiply-adds) and at width 0.5 and 2. Not in the default set:
# `--resnet-family` for all. Expected multiply-adds of the width variants come from the
# closed form below, written apart from the graph builder so that one checks the other.


def resnet_basic_macs(blocks: list[int], chans: list[int], stem: tuple[int, int, int, int], hw: list[int],
                      classes: int) -> float:
    """Multiply-adds of a BasicBlock ResNet: stem (cin, cout, k, output side), stages with
    `blocks` blocks of `chans` channels at output sides `hw` (a block that changes the channel
    count has a 1x1 projection shortcut), and the classifier."""
    cin, c0, k, side = stem
    macs = side * side * c0 * cin * k * k
    prev = c0
    for n, c, s in zip(blocks, chans, hw):
        for i in range(n):
            a = prev if i == 0 else c
            macs += s * s * c * a * 9 + s * s * c * c * 9 + (s * s * c * a if a != c else 0)
        prev = c
    return macs + chans[-1] * classes


def _resnet18_width_macs(w: float) -> float:
    c = [max(8, int(n * w)) for n in (64, 128, 256, 512)]
    return resnet_basic_macs([2, 2, 2, 2], c, (3, max(8, int(64 * w)), 7, 112), [56, 28, 14, 7], 1000)


def _resnet8_macs(w: float, d: int) -> float:
    c = [max(4, int(n * w)) for n in (16, 32, 64)]
    return resnet_basic_macs([d, d, d], c, (3, c[0], 3, 32), [32, 16, 8], 10)


RESNET_FAMILY_SPECS = {
    "resnet10": Spec(lambda: resnet(10, 10), resnet_basic_macs([1] * 4, [64, 128, 256, 512], (3, 64, 7, 112),
                                                                [56, 28, 14, 7], 1000), False, False),
    "resnet14": Spec(lambda: resnet8(14, 1.0, 2, "resnet14"), _resnet8_macs(1.0, 2), False, False),
    "resnet20": Spec(lambda: resnet8(20, 1.0, 3, "resnet20"), 41e6, False, False),  # He et al. 2016, CIFAR
    "resnet8_w0.5": Spec(lambda: resnet8(8, 0.5, 1, "resnet8_w0.5"), _resnet8_macs(0.5, 1), False, False),
    "resnet8_w2.0": Spec(lambda: resnet8(8, 2.0, 1, "resnet8_w2.0"), _resnet8_macs(2.0, 1), False, False),
}
for _w in (0.25, 0.5, 0.75):
    RESNET_FAMILY_SPECS[f"resnet18_w{_w}"] = Spec(
        lambda w=_w: resnet(18, 18, width=w, name=f"resnet18_w{w}"), _resnet18_width_macs(_w), False, False)
ZOO.update(RESNET_FAMILY_SPECS)
RESNET_FAMILY = list(RESNET_FAMILY_SPECS)
# The closed form must agree with torchvision's published ResNet-18 and MLPerf Tiny's ResNet-8.
assert abs(_resnet18_width_macs(1.0) / ZOO["resnet18"].published_macs - 1) < 0.02
assert abs(_resnet8_macs(1.0, 1) / ZOO["resnet8"].published_macs - 1) < 0.02


# ---------------------------------------------------------------------------------------
# MAC counting (conv + gemm/matmul), shared with scripts/check_macs.py

def count_macs(model: onnx.ModelProto) -> int:
    """Multiply-accumulates of Conv, ConvTranspose, Gemm and MatMul nodes, batch as given.
    Works on fp32 and QDQ models (weight shapes come from shape inference)."""
    return sum(layer_macs(model).values())


def layer_macs(model: onnx.ModelProto) -> dict[str, int]:
    """MACs per Conv/ConvTranspose/Gemm/MatMul node, keyed by node name (or first output)."""
    m = onnx.shape_inference.infer_shapes(model, data_prop=True)
    shapes: dict[str, list[int]] = {}
    for vi in list(m.graph.input) + list(m.graph.value_info) + list(m.graph.output):
        t = vi.type.tensor_type
        if t.HasField("shape"):
            shapes[vi.name] = [d.dim_value if d.HasField("dim_value") else -1 for d in t.shape.dim]
    for t in m.graph.initializer:
        shapes[t.name] = list(t.dims)
    for n in m.graph.node:
        if n.op_type == "Constant":
            for a in n.attribute:
                if a.name == "value":
                    shapes[n.output[0]] = list(a.t.dims)

    def shape_of(name):
        s = shapes.get(name)
        if s is None or any(d < 0 for d in s):
            raise ValueError(f"count_macs: unknown shape for {name!r}")
        return s

    layers: dict[str, int] = {}
    for n in m.graph.node:
        attrs = {a.name: helper.get_attribute_value(a) for a in n.attribute}
        if n.op_type == "Conv":
            w, y = shape_of(n.input[1]), shape_of(n.output[0])
            macs = int(np.prod(y)) * int(np.prod(w[1:]))  # w[1] is already Cin/group
        elif n.op_type == "ConvTranspose":
            x, w = shape_of(n.input[0]), shape_of(n.input[1])
            macs = int(np.prod(x)) * int(np.prod(w[1:]))
        elif n.op_type == "Gemm":
            b, y = shape_of(n.input[1]), shape_of(n.output[0])
            macs = int(np.prod(y)) * (b[1] if attrs.get("transB", 0) else b[0])
        elif n.op_type == "MatMul":
            a, y = shape_of(n.input[0]), shape_of(n.output[0])
            macs = int(np.prod(y)) * a[-1]
        else:
            continue
        layers[n.name or n.output[0]] = macs
    return layers


def fmt_macs(macs: float) -> str:
    return f"{macs / 1e9:.3f} G" if macs >= 1e9 else f"{macs / 1e6:.1f} M"


# ---------------------------------------------------------------------------------------
# int8 (QDQ) variants

def quantize(fp32_path: str, out_path: str, per_channel: bool, seed: int, samples=None) -> None:
    """ONNX Runtime static quantization, QDQ format, uint8 activations, int8 weights,
    MinMax calibration on `samples` (default: 8 seeded standard-normal inputs)."""
    from onnxruntime.quantization import (CalibrationDataReader, CalibrationMethod, QuantFormat,
                                          QuantType, quant_pre_process, quantize_static)
    from onnx import version_converter

    model = onnx.load(fp32_path)
    shape = [d.dim_value for d in model.graph.input[0].type.tensor_type.shape.dim]
    inp_name = model.graph.input[0].name
    if samples is None:
        rng = np.random.default_rng(seed)
        samples = [rng.standard_normal(shape).astype(np.float32) for _ in range(8)]

    class Reader(CalibrationDataReader):
        def __init__(self):
            self.it = iter(samples)

        def get_next(self):
            x = next(self.it, None)
            return None if x is None else {inp_name: x}

    with tempfile.TemporaryDirectory(prefix="rqc-zoo-") as tmp:
        src = fp32_path
        opset = next(o.version for o in model.opset_import if o.domain in ("", "ai.onnx"))
        if opset < 13:  # QDQ models must have an opset in 13..17 (per-axis Q/DQ, etc.)
            model = version_converter.convert_version(model, 13)
            model.ir_version = IR_VERSION
            src = os.path.join(tmp, "opset13.onnx")
            onnx.save(model, src)
        del model
        pre = os.path.join(tmp, "pre.onnx")
        # Shape inference + ORT basic graph optimizations (BN folded into Conv, constant
        # shape arithmetic folded, Dropout removed), as ORT's quantization guide recommends.
        quant_pre_process(src, pre, skip_symbolic_shape=True)
        quantize_static(pre, out_path, Reader(), quant_format=QuantFormat.QDQ,
                        activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8,
                        per_channel=per_channel, calibrate_method=CalibrationMethod.MinMax,
                        calibration_providers=["CPUExecutionProvider"])
    q = onnx.load(out_path)
    q.ir_version = IR_VERSION
    for o in q.opset_import:
        if o.domain in ("", "ai.onnx"):
            assert 13 <= o.version <= 17, f"int8 opset {o.version} outside 13..17"
    domains = {n.domain for n in q.graph.node} - {"", "ai.onnx"}
    assert not domains, f"int8 model uses non-standard domains {domains}"
    # The quantizer may import the com.microsoft domain without using it: keep only ai.onnx.
    del q.opset_import[:]
    q.opset_import.extend([helper.make_opsetid("", max(13, opset))])
    q.producer_name, q.producer_version = "rqc-make_zoo", "1"
    onnx.save(q, out_path)


# ---------------------------------------------------------------------------------------
# driver

def _tmp_path(directory: str) -> str:
    """A fresh temporary file next to the destination (same file system for os.replace),
    with the permissions an ordinary new file gets (mkstemp's are 0600)."""
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".onnx", dir=directory)
    os.close(fd)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)
    return tmp


def atomic_save(model: onnx.ModelProto, path: str) -> None:
    d = os.path.dirname(os.path.abspath(path))
    tmp = _tmp_path(d)
    try:
        onnx.save(model, tmp)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def report(name: str, path: str, macs: int, published: float, opset: int, secs: float) -> None:
    size = os.path.getsize(path) / 1e6
    dev = 100.0 * (macs / published - 1.0)
    print(f"{name:20s} {path}  {size:7.1f} MB  opset {opset}  MACs {fmt_macs(macs)} "
          f"(expected {fmt_macs(published)}, {dev:+.1f}%)  {secs:.1f} s", flush=True)


def model_opset(m: onnx.ModelProto) -> int:
    return next(o.version for o in m.opset_import if o.domain in ("", "ai.onnx"))


def generate_fp32(name: str, path: str) -> None:
    t0 = time.time()
    spec = ZOO[name]
    m = spec.build()
    onnx.checker.check_model(m)
    macs = count_macs(m)
    if abs(macs / spec.published_macs - 1.0) > 0.02:
        raise RuntimeError(f"{name}: {macs} MACs is more than 2% from published {spec.published_macs:.4g}")
    atomic_save(m, path)
    report(name, path, macs, spec.published_macs, model_opset(m), time.time() - t0)


def generate_int8(name: str, fp32_path: str, path: str) -> None:
    t0 = time.time()
    spec = ZOO[name]
    d = os.path.dirname(os.path.abspath(path))
    tmp = _tmp_path(d)
    try:
        quantize(fp32_path, tmp, spec.per_channel, seed=hash_seed(name))
        m = onnx.load(tmp)
        onnx.checker.check_model(m)
        macs = count_macs(m)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    report(f"{name}_int8", path, macs, spec.published_macs, model_opset(m), time.time() - t0)


def hash_seed(name: str) -> int:
    """Stable per-model seed for the calibration inputs (Python's hash() is salted)."""
    return 7_000 + sum((i + 1) * ord(c) for i, c in enumerate(name))


FASHION_MNIST = "/usr/share/datasets/fashion-mnist"


def quantize_fashion(fp32_path: str, out_path: str) -> None:
    """The trained Fashion-MNIST ResNet-8 (scripts/train_fashion_mnist.py) through ONNX
    Runtime's static quantizer, per-channel weights, calibrated on the first 256 training
    images (pixel / 255, as the model takes them): the int8 peer of rqc's own quantizer."""
    import gzip
    raw = gzip.open(os.path.join(FASHION_MNIST, "train-images-idx3-ubyte.gz"), "rb").read()
    images = np.frombuffer(raw, dtype=np.uint8, offset=16).reshape(-1, 1, 1, 28, 28)[:256]
    tmp = _tmp_path(os.path.dirname(os.path.abspath(out_path)))
    try:
        quantize(fp32_path, tmp, per_channel=True, seed=0, samples=[(x / 255.0).astype(np.float32) for x in images])
        os.replace(tmp, out_path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default="models", help="output directory (default: models)")
    ap.add_argument("--all", action="store_true", help="also resnet50, vgg16, alexnet, inception_v3")
    ap.add_argument("--only", nargs="+", metavar="NAME", help="generate only these (e.g. resnet18 resnet18_int8)")
    ap.add_argument("--force", action="store_true", help="regenerate even if the file exists")
    ap.add_argument("--list", action="store_true", help="list model names and exit")
    ap.add_argument("--mobilenet-v1-family", action="store_true",
                    help="generate the 16 MobileNet-v1 width x resolution variants (fp32)")
    ap.add_argument("--resnet-family", action="store_true",
                    help="generate the ResNet depth and width variants (fp32: resnet10/14/20, resnet18_w*, resnet8_w*)")
    ap.add_argument("--fashion-int8", metavar="FP32",
                    help="only write FP32's int8 QDQ variant (FP32 minus .onnx, plus _int8.onnx), quantized by ONNX "
                         "Runtime on Fashion-MNIST training images")
    args = ap.parse_args(argv)
    if args.fashion_int8:
        out = args.fashion_int8.removesuffix(".onnx") + "_int8.onnx"
        if os.path.exists(out) and not args.force:
            print(f"make_zoo: {out} already present")
        else:
            quantize_fashion(args.fashion_int8, out)
            print(f"make_zoo: {out} written")
        return 0

    all_names = [n for base in ZOO for n in (base, f"{base}_int8")]
    if args.list:
        for n in all_names:
            base = n.removesuffix("_int8")
            family = base in MOBILENET_V1_FAMILY or base in RESNET_FAMILY
            group = ("default" if ZOO[base].default else f"--only {n}" if family and n != base
                     else "--mobilenet-v1-family" if base in MOBILENET_V1_FAMILY
                     else "--resnet-family" if base in RESNET_FAMILY else "--all")
            print(f"{n:26s} {group}")
        return 0
    if args.only:
        unknown = [n for n in args.only if n not in all_names]
        if unknown:
            print(f"make_zoo: unknown model(s) {', '.join(unknown)}; known: {', '.join(all_names)}", file=sys.stderr)
            return 2
        wanted = [n for n in all_names if n in args.only]
    elif args.mobilenet_v1_family or args.resnet_family:
        wanted = (MOBILENET_V1_FAMILY if args.mobilenet_v1_family else []) + (RESNET_FAMILY if args.resnet_family else [])
    else:
        wanted = [n for n in all_names if ZOO[n.removesuffix("_int8")].default or
                  (args.all and n.removesuffix("_int8") not in MOBILENET_V1_FAMILY + RESNET_FAMILY)]

    os.makedirs(args.out, exist_ok=True)
    generated = skipped = 0
    done_fp32: set[str] = set()
    for n in wanted:
        base = n.removesuffix("_int8")
        path = os.path.join(args.out, f"{n}.onnx")
        fp32_path = os.path.join(args.out, f"{base}.onnx")
        if os.path.exists(path) and not args.force:
            skipped += 1
            continue
        if n == base:
            generate_fp32(base, path)
            done_fp32.add(base)
        else:
            if not os.path.exists(fp32_path) and base not in done_fp32:
                generate_fp32(base, fp32_path)  # the int8 model's source
                done_fp32.add(base)
                generated += 1
            generate_int8(base, fp32_path, path)
        generated += 1
    print(f"make_zoo: {generated} generated, {skipped} already present in {args.out}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
