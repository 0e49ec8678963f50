#!/usr/bin/env python3
"""The trained Fashion-MNIST ResNet-8 (scripts/train_fashion_mnist.py) on the 10,000 real
test images: `rqc validate` through compiled code reaches at least 90% top-1 and agrees
with ONNX Runtime's top-1 and top-5 on the same images (at most 0.1 point apart: float
rounding can flip an image whose two best scores nearly tie); the reference executor agrees
on the first 300; the int8 QDQ model (ONNX Runtime's quantizer, scripts/make_zoo.py
--fashion-int8) through rqc's compiled int8 path stays within one point of fp32 and within
0.2 point of ONNX Runtime's int8 (the two round a few activations one step apart); and bad
datasets get one error line, a non-zero exit and no output.

    fashion_accuracy.py RQC MODEL.onnx MODEL_int8.onnx [IDX_DIR]
"""
from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import onnxruntime as ort

FASHION = "/usr/share/datasets/fashion-mnist"


def idx(path: str) -> np.ndarray:
    raw = gzip.open(path, "rb").read()
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def validate(rqc: str, *args: str) -> dict:
    r = subprocess.run([rqc, "validate", *args, "--json"], capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"FAIL: rqc validate {' '.join(args)}: exit {r.returncode}\n{r.stderr}")
    return json.loads(r.stdout)


def ort_scores(model: str, images: np.ndarray, labels: np.ndarray) -> tuple[int, int]:
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    session = ort.InferenceSession(model, opts, providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    top1 = top5 = 0
    for image, label in zip(images, labels):
        logits = session.run(None, {name: image[None, None]})[0][0]
        order = np.argsort(-logits, kind="stable")
        top1 += int(order[0] == label)
        top5 += int(label in order[:5])
    return top1, top5


def expect_refusal(rqc: str, args: list[str], needle: str) -> None:
    r = subprocess.run([rqc, "validate", *args], capture_output=True, text=True)
    lines = r.stderr.strip().splitlines()
    if r.returncode == 0 or len(lines) != 1 or needle not in lines[0] or r.stdout:
        sys.exit(f"FAIL: rqc validate {' '.join(args)}: expected one error line with '{needle}', "
                 f"got exit {r.returncode}\nstdout: {r.stdout}\nstderr: {r.stderr}")
    print(f"ok refused: {lines[0]}")


def main() -> int:
    rqc, model, int8_model = sys.argv[1], sys.argv[2], sys.argv[3]
    data = sys.argv[4] if len(sys.argv) > 4 else FASHION
    images = idx(os.path.join(data, "t10k-images-idx3-ubyte.gz")).astype(np.float32) / 255.0
    labels = idx(os.path.join(data, "t10k-labels-idx1-ubyte.gz")).astype(np.int64)
    n = len(labels)

    compiled = validate(rqc, model, "--dataset", data, "--threads", "1")
    ort_top1, ort_top5 = ort_scores(model, images, labels)
    print(f"compiled rqc: top-1 {compiled['top1']:.4f} top-5 {compiled['top5']:.4f}; "
          f"ONNX Runtime: top-1 {ort_top1 / n:.4f} top-5 {ort_top5 / n:.4f} ({n} images)")
    if compiled["images"] != n:
        sys.exit(f"FAIL: rqc validated {compiled['images']} images, the test split has {n}")
    if compiled["top1"] < 0.90:
        sys.exit(f"FAIL: compiled top-1 {compiled['top1']:.4f} is below 90%")
    for what, ours, theirs in (("top-1", compiled["top1"], ort_top1 / n), ("top-5", compiled["top5"], ort_top5 / n)):
        if abs(ours - theirs) > 0.001:
            sys.exit(f"FAIL: compiled {what} {ours:.4f} differs from ONNX Runtime's {theirs:.4f} by more than 0.1 point")

    q = validate(rqc, int8_model, "--dataset", data, "--threads", "1")
    q_top1, _ = ort_scores(int8_model, images, labels)
    print(f"int8 compiled rqc: top-1 {q['top1']:.4f}; ONNX Runtime int8: top-1 {q_top1 / n:.4f}")
    if abs(q["top1"] - compiled["top1"]) > 0.01:
        sys.exit(f"FAIL: int8 top-1 {q['top1']:.4f} is more than one point from fp32's {compiled['top1']:.4f}")
    if abs(q["top1"] - q_top1 / n) > 0.002:
        sys.exit(f"FAIL: int8 top-1 {q['top1']:.4f} is more than 0.2 point from ONNX Runtime's int8 {q_top1 / n:.4f}")

    reference = validate(rqc, model, "--dataset", data, "--reference", "--limit", "300")
    ref_top1, _ = ort_scores(model, images[:300], labels[:300])
    print(f"reference executor: top-1 {reference['top1']:.4f}; ONNX Runtime {ref_top1 / 300:.4f} (300 images)")
    if abs(reference["top1"] * 300 - ref_top1) > 1:
        sys.exit("FAIL: the reference executor and ONNX Runtime disagree on more than one of 300 images")

    with tempfile.TemporaryDirectory() as tmp:
        expect_refusal(rqc, [model, "--dataset", os.path.join(tmp, "nowhere")], "no such file or folder")
        os.mkdir(os.path.join(tmp, "empty"))
        expect_refusal(rqc, [model, "--dataset", os.path.join(tmp, "empty")], "has no t10k-images-idx3-ubyte")
        bad = os.path.join(tmp, "bad")
        os.mkdir(bad)
        with gzip.open(os.path.join(bad, "t10k-images-idx3-ubyte.gz"), "wb") as f:
            f.write(b"\x00\x00\x08\x03" + (10).to_bytes(4, "big") + (28).to_bytes(4, "big") * 2 + b"\x00" * 100)
        with gzip.open(os.path.join(bad, "t10k-labels-idx1-ubyte.gz"), "wb") as f:
            f.write(b"\x00\x00\x08\x01" + (10).to_bytes(4, "big") + bytes(10))
        expect_refusal(rqc, [model, "--dataset", bad], "IDX header promises 7840 bytes of data, the file has 100")
        wrong = os.path.join(tmp, "wrong.npz")
        np.savez(wrong, images=np.zeros((4, 3, 32, 32), np.float32), labels=np.zeros(4, np.int64))
        expect_refusal(rqc, [model, "--dataset", wrong], "is 1x1x28x28, the images of")
        unlabelled = os.path.join(tmp, "unlabelled.npz")
        np.savez(unlabelled, images=np.zeros((4, 1, 28, 28), np.float32))
        expect_refusal(rqc, [model, "--dataset", unlabelled], "has no array 'labels'")
        expect_refusal(rqc, [model, "--dataset", data, "--limit=-3"], "--limit must be at least 1")
        expect_refusal(rqc, [model, "--dataset", data, "--reference", "--threads", "2"],
                       "--threads applies to compiled code, not to the reference executor")
        labelled = np.zeros((4, 1, 28, 28), np.float32)
        out_of_range = os.path.join(tmp, "label12.npz")
        np.savez(out_of_range, images=labelled, labels=np.array([0, 1, 12, 3]))
        expect_refusal(rqc, [model, "--dataset", out_of_range], "label 12 of image 2 is not one of the model's 10 classes")
        import onnx
        from onnx import TensorProto, helper
        x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1, 28, 28])
        y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 1, 28, 28])
        relu = helper.make_model(helper.make_graph([helper.make_node("Relu", ["x"], ["y"])], "g", [x], [y]),
                                 opset_imports=[helper.make_opsetid("", 13)], ir_version=8)
        onnx.save(relu, os.path.join(tmp, "relu.onnx"))
        good = os.path.join(tmp, "good.npz")
        np.savez(good, images=labelled, labels=np.array([0, 1, 2, 3]))
        expect_refusal(rqc, [os.path.join(tmp, "relu.onnx"), "--dataset", good], "not float32 class scores")
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
