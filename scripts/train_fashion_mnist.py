#!/usr/bin/python3
"""Train MLPerf Tiny's ResNet-8 (or a MobileNet-v1 variant) on Fashion-MNIST and export it to
ONNX: networks with real trained weights, so that accuracy is measurable (`rqc validate`,
docs/accuracy.md; `rqc experiment`, docs/experiments.md).

    /usr/bin/python3 scripts/train_fashion_mnist.py --out models/fashion_resnet8.onnx
    /usr/bin/python3 scripts/train_fashion_mnist.py --arch mobilenet_v1 --width 0.25 --resolution 16 \
        --epochs 2 --out models/fashion_mobilenet_v1_0.25_16.onnx
    /usr/bin/python3 scripts/train_fashion_mnist.py --width 0.5 --depth 2 --out models/fashion_resnet14_w0.5.onnx
    /usr/bin/python3 scripts/train_fashion_mnist.py --arch resnet18 --width 0.25 --epochs 2 \
        --out models/fashion_resnet18_w0.25.onnx

Runs with Debian's python3-torch (the system Python, not .venv) on Debian's
dataset-fashion-mnist (/usr/share/datasets/fashion-mnist: 60,000 training and 10,000 test
images, 28x28 grayscale, 10 classes). Seeded and deterministic on the CPU; about 5 minutes
on 2 cores. Skipped when the output exists (--force retrains).

The topology is MLPerf Tiny's image-classification ResNet-8 (a 16-channel 3x3 stem, three
residual stacks of 16, 32 and 64 channels, the last two at stride 2 with a 1x1 projection,
global average pooling, a dense classifier) with the stem adapted to one input channel:
28x28 -> 14x14 -> 7x7 instead of 32x32 -> 8x8.

Input: float32 [1, 1, 28, 28], pixel / 255 (the model itself subtracts the training mean
and divides by the standard deviation, so nothing but the scaling is left to its users).
Output: float32 [1, 10] logits, classes in the dataset's order (0 T-shirt/top ... 9 Ankle
boot). Exported with opset 13 and ir_version 8 (rqc's importer and ONNX Runtime read it);
BatchNormalization in inference form, which rqc folds into the convolutions.

--width and --depth make ResNet-8's family: channels scaled by the width, and --depth
residual blocks per stack (ResNet-14 and -20 at 2 and 3, as He et al.'s CIFAR networks).

--arch resnet18 is ResNet-18 (BasicBlocks, 2 per stage, 64/128/256/512 channels x --width,
at least 8) with a CIFAR-style stem for the small images: a 3x3 convolution at stride 1
and no max pooling, so 28x28 -> 14 -> 7 -> 4 over the four stages; --depth 1 is ResNet-10.

--arch mobilenet_v1 is MobileNet-v1 (Howard et al. 2017: a 3x3 stem, 13 depthwise-separable
blocks, ReLU6, global average pooling, a dense classifier) with channels max(8, int(c *
width)) as TF-slim's depth multiplier, and the stem at stride 1 for the small images. Its
input is the same 1x28x28 image; the model first resizes it to --resolution (bilinear, two
constant MatMuls), so that width and resolution vary as in the seed study's MobileNet
family (../shared/seeds/000_*) while every variant reads the same data.

Next to the model, NAME.json records the seed, epochs, the test-set top-1 and top-5 that
torch computed, and the training time.
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import sys
import tempfile
import time

import numpy as np
import torch
from torch import nn

DATA = "/usr/share/datasets/fashion-mnist"


def read_idx(path: str) -> np.ndarray:
    """An IDX file (the MNIST format: big-endian magic, dimensions, then uint8 data)."""
    with gzip.open(path, "rb") as f:
        raw = f.read()
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    if raw[2] != 0x08 or data.size != int(np.prod(dims)):
        sys.exit(f"train_fashion_mnist: {path} is not an IDX file of uint8")
    return data.reshape(dims)


def load_split(data: str, prefix: str) -> tuple[np.ndarray, np.ndarray]:
    images = read_idx(os.path.join(data, f"{prefix}-images-idx3-ubyte.gz"))
    labels = read_idx(os.path.join(data, f"{prefix}-labels-idx1-ubyte.gz"))
    return images.astype(np.float32)[:, None] / 255.0, labels.astype(np.int64)


class SplitConv2d(nn.Conv2d):
    """A convolution whose weights between different ones of `split` channel groups are
    held at zero (a mask on the weights): the split network of rqc compile --split. Kept a
    dense convolution, rather than torch's grouped one, because that trains several times
    slower on the CPU; the exported weights have exact zeros between groups."""

    def __init__(self, cin, cout, k, stride=1, padding=0, bias=False, split=1):
        super().__init__(cin, cout, k, stride, padding, bias=bias)
        mask = torch.zeros(cout, cin, 1, 1)
        for g in range(split):
            mask[g * cout // split:(g + 1) * cout // split, g * cin // split:(g + 1) * cin // split] = 1
        self.register_buffer("mask", mask)

    def forward(self, x):
        if self.baked:
            return self._conv_forward(x, self.weight, self.bias)
        return self._conv_forward(x, self.weight * self.mask, self.bias)

    baked = False

    def bake(self):
        """Zeros the masked weights themselves, before export: the exported graph is then an
        ordinary convolution (batch norms fold into it), with exact zeros between groups."""
        with torch.no_grad():
            self.weight.mul_(self.mask)
        self.baked = True


class Block(nn.Module):
    """`split` > 1: every convolution keeps to its own of `split` channel groups."""

    def __init__(self, cin: int, cout: int, stride: int, split: int = 1):
        super().__init__()
        # Plain convolutions unless split: the whole network trains exactly as before.
        def conv(cin, cout, k, stride, padding):
            if split > 1:
                return SplitConv2d(cin, cout, k, stride, padding, split=split)
            return nn.Conv2d(cin, cout, k, stride, padding, bias=False)
        self.conv1 = conv(cin, cout, 3, stride, 1)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = conv(cout, cout, 3, 1, 1)
        self.bn2 = nn.BatchNorm2d(cout)
        self.project = None
        if stride != 1 or cin != cout:
            self.project = nn.Sequential(conv(cin, cout, 1, stride, 0), nn.BatchNorm2d(cout))

    def forward(self, x):
        y = torch.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return torch.relu(y + (self.project(x) if self.project is not None else x))


class ResNet(nn.Module):
    """ResNet-8 by default; `width` scales the 16/32/64 channels, `depth` is the residual
    blocks per stack (1: ResNet-8, 2: ResNet-14, 3: ResNet-20, as in He et al.'s CIFAR nets).
    With RESNET18_STAGES, ResNet-18 with a CIFAR-style stem (a 3x3 convolution at stride 1,
    no max pooling: the 28x28 image goes 28 -> 14 -> 7 -> 4), depth 2 (1: ResNet-10).
    `split` N > 1: the split network of ../shared/seeds/003_* (rqc compile --split=N): past
    the stem every convolution keeps to its own of N channel groups, so the N narrow
    networks are independent until the classifier, which sees all their channels."""

    def __init__(self, mean: float, std: float, width: float = 1.0, depth: int = 1,
                 stages: tuple = ((16, 1), (32, 2), (64, 2)), min_channels: int = 4, split: int = 1):
        super().__init__()
        self.register_buffer("mean", torch.tensor(mean))
        self.register_buffer("inv_std", torch.tensor(1.0 / std))
        c = [max(min_channels, int(n * width)) for n, _ in stages]
        self.stem = nn.Sequential(nn.Conv2d(1, c[0], 3, 1, 1, bias=False), nn.BatchNorm2d(c[0]), nn.ReLU())
        blocks, cin = [], c[0]
        for cout, (_, stride) in zip(c, stages):
            for b in range(depth):
                blocks.append(Block(cin, cout, stride if b == 0 else 1, split))
                cin = cout
        self.stacks = nn.Sequential(*blocks)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(c[-1], 10)

    def forward(self, x):
        x = (x - self.mean) * self.inv_std
        x = self.stacks(self.stem(x))
        return self.fc(torch.flatten(self.pool(x), 1))


RESNET18_STAGES = ((64, 1), (128, 2), (256, 2), (512, 2))


def resize_matrix(size_out: int, size_in: int) -> np.ndarray:
    """[size_out, size_in]: bilinear interpolation along one axis (half-pixel centres, as
    torch's interpolate with align_corners=False), so that resizing is A x A^T."""
    a = np.zeros((size_out, size_in), np.float32)
    scale = size_in / size_out
    for i in range(size_out):
        src = min(max((i + 0.5) * scale - 0.5, 0.0), size_in - 1.0)
        lo = int(np.floor(src))
        hi = min(lo + 1, size_in - 1)
        a[i, lo] += 1.0 - (src - lo)
        a[i, hi] += src - lo
    return a


class MobileNetV1(nn.Module):
    def __init__(self, mean: float, std: float, width: float, resolution: int):
        super().__init__()
        self.register_buffer("mean", torch.tensor(mean))
        self.register_buffer("inv_std", torch.tensor(1.0 / std))
        self.resolution = resolution
        self.register_buffer("resize_t", torch.from_numpy(resize_matrix(resolution, 28).T.copy()))

        def c(n):
            return max(8, int(n * width))

        layers = [nn.Conv2d(1, c(32), 3, 1, 1, bias=False), nn.BatchNorm2d(c(32)), nn.ReLU6()]
        cin = c(32)
        for cout, stride in [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2), (512, 1), (512, 1),
                             (512, 1), (512, 1), (512, 1), (1024, 2), (1024, 1)]:
            layers += [nn.Conv2d(cin, cin, 3, stride, 1, groups=cin, bias=False), nn.BatchNorm2d(cin), nn.ReLU6(),
                       nn.Conv2d(cin, c(cout), 1, bias=False), nn.BatchNorm2d(c(cout)), nn.ReLU6()]
            cin = c(cout)
        self.features = nn.Sequential(*layers)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(cin, 10)

    def forward(self, x):
        x = (x - self.mean) * self.inv_std
        if self.resolution != 28:
            x = torch.matmul(x, self.resize_t)                                  # columns: 28 -> R
            x = torch.matmul(x.transpose(2, 3), self.resize_t).transpose(2, 3)  # rows: 28 -> R
        return self.fc(torch.flatten(self.pool(self.features(x)), 1))


def evaluate(model: nn.Module, images: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
    model.eval()
    top1 = top5 = 0
    with torch.no_grad():
        for i in range(0, len(images), 500):
            logits = model(torch.from_numpy(images[i:i + 500]))
            best5 = logits.topk(5, dim=1).indices.numpy()
            y = labels[i:i + 500]
            top1 += int((best5[:, 0] == y).sum())
            top5 += int((best5 == y[:, None]).any(axis=1).sum())
    return top1 / len(images), top5 / len(images)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    ap.add_argument("--out", required=True, help="the .onnx file to write (NAME.json next to it)")
    ap.add_argument("--data", default=DATA, help=f"the Fashion-MNIST IDX files (default {DATA})")
    ap.add_argument("--epochs", type=int, default=6)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=min(2, os.cpu_count() or 1))
    ap.add_argument("--force", action="store_true", help="retrain even if --out exists")
    ap.add_argument("--arch", choices=["resnet8", "resnet18", "mobilenet_v1"], default="resnet8")
    ap.add_argument("--width", type=float, default=1.0, help="width multiplier of the channels")
    ap.add_argument("--depth", type=int, help="residual blocks per stack: resnet8 (default 1: ResNet-8, 2: -14, "
                                             "3: -20), resnet18 (default 2: ResNet-18, 1: -10)")
    ap.add_argument("--split", type=int, default=1,
                    help="resnet8/resnet18: train the split network of N channel groups (rqc compile --split=N "
                         "divides it without changing what it computes)")
    ap.add_argument("--resolution", type=int, default=28, help="mobilenet_v1: input resolution the image is resized to")
    args = ap.parse_args()
    if args.arch != "mobilenet_v1" and args.resolution != 28:
        sys.exit("train_fashion_mnist: --resolution is for --arch mobilenet_v1")
    if args.arch == "mobilenet_v1" and args.depth is not None:
        sys.exit("train_fashion_mnist: --depth is for --arch resnet8 and resnet18")
    if args.depth is None:
        args.depth = 2 if args.arch == "resnet18" else 1
    if not 1 <= args.depth <= 8:
        sys.exit("train_fashion_mnist: --depth must be in [1, 8]")
    if not 0 < args.width <= 4:  # also refuses nan
        sys.exit(f"train_fashion_mnist: --width must be in (0, 4], not {args.width}")
    if not 8 <= args.resolution <= 224:
        sys.exit(f"train_fashion_mnist: --resolution must be in [8, 224], not {args.resolution}")
    if args.split < 1 or args.split > 8:
        sys.exit(f"train_fashion_mnist: --split must be in [1, 8], not {args.split}")
    if args.split > 1 and args.arch == "mobilenet_v1":
        sys.exit("train_fashion_mnist: --split is for --arch resnet8 and resnet18")
    if args.epochs < 1:
        sys.exit(f"train_fashion_mnist: --epochs must be at least 1, not {args.epochs}")
    if os.path.exists(args.out) and not args.force:
        print(f"train_fashion_mnist: {args.out} exists (--force retrains)")
        return 0
    for name in ("train-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"):
        if not os.path.exists(os.path.join(args.data, name)):
            sys.exit(f"train_fashion_mnist: {os.path.join(args.data, name)} is missing "
                     "(apt-get install dataset-fashion-mnist)")

    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    torch.use_deterministic_algorithms(True)
    x_train, y_train = load_split(args.data, "train")
    x_test, y_test = load_split(args.data, "t10k")
    if args.arch == "resnet8":
        model = ResNet(float(x_train.mean()), float(x_train.std()), args.width, args.depth, split=args.split)
        description = (f"resnet{6 * args.depth + 2} width {args.width} (MLPerf Tiny's ResNet-8 family), 1x28x28 input"
                       if (args.width, args.depth) != (1.0, 1) else "resnet8 (MLPerf Tiny), 1x28x28 input")
    elif args.arch == "resnet18":
        model = ResNet(float(x_train.mean()), float(x_train.std()), args.width, args.depth, RESNET18_STAGES, 8,
                       split=args.split)
        description = f"resnet{8 * args.depth + 2} width {args.width} (ResNet-18's family, CIFAR-style stem), 1x28x28 input"
    else:
        model = MobileNetV1(float(x_train.mean()), float(x_train.std()), args.width, args.resolution)
        description = f"mobilenet_v1 width {args.width}, resolution {args.resolution} (resized from 1x28x28)"

    batch = 128
    steps = args.epochs * ((len(x_train) + batch - 1) // batch)
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=1e-4)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=3e-3, total_steps=steps)
    loss_fn = nn.CrossEntropyLoss()
    order_rng = np.random.default_rng(args.seed)
    start = time.time()
    for epoch in range(args.epochs):
        model.train()
        order = order_rng.permutation(len(x_train))
        total = 0.0
        for i in range(0, len(order), batch):
            idx = order[i:i + batch]
            x = torch.from_numpy(x_train[idx])
            # Random horizontal flips: clothes look the same mirrored.
            flip = torch.from_numpy(order_rng.random(len(idx)) < 0.5)
            x[flip] = x[flip].flip(3)
            loss = loss_fn(model(x), torch.from_numpy(y_train[idx]))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            schedule.step()
            total += float(loss) * len(idx)
        top1, _ = evaluate(model, x_test, y_test)
        print(f"epoch {epoch + 1}/{args.epochs}: loss {total / len(x_train):.4f}, test top-1 {top1:.4f} "
              f"({time.time() - start:.0f} s)", flush=True)
    top1, top5 = evaluate(model, x_test, y_test)

    model.eval()
    for m in model.modules():
        if isinstance(m, SplitConv2d):
            m.bake()
    out_dir = os.path.dirname(os.path.abspath(args.out))
    os.makedirs(out_dir, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=out_dir, prefix=".fashion-", suffix=".onnx")
    os.close(fd)
    torch.onnx.export(model, torch.zeros(1, 1, 28, 28), tmp, opset_version=13, input_names=["image"],
                      output_names=["logits"], do_constant_folding=True,
                      training=torch.onnx.TrainingMode.EVAL)
    # ir_version 8: the newest rqc's importer (ONNX 1.12 classes) and ONNX Runtime both read.
    if args.split > 1:
        description += f", split into {args.split} channel groups (rqc compile --split={args.split})"
    meta = {"model": description, "arch": args.arch, "width": args.width, "depth": args.depth, "split": args.split,
            "resolution": args.resolution,
            "dataset": "fashion-mnist", "seed": args.seed,
            "epochs": args.epochs, "threads": args.threads, "torch": torch.__version__,
            "torch_test_top1": top1, "torch_test_top5": top5, "test_images": int(len(x_test)),
            "train_seconds": round(time.time() - start, 1)}
    with open(tmp + ".json", "w") as f:
        json.dump(meta, f, indent=2)
    os.replace(tmp + ".json", os.path.splitext(args.out)[0] + ".json")
    umask = os.umask(0)  # mkstemp's file is 0600: give the model an ordinary new file's mode
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)
    os.replace(tmp, args.out)
    print(f"train_fashion_mnist: {args.out}: test top-1 {top1:.4f}, top-5 {top5:.4f} "
          f"({meta['train_seconds']:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
