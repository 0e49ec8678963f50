"""Accuracy and speed on real labelled images, rqc and ONNX Runtime side by side in one run:
the ReQuEST metrics (top-1, top-5, latency, images/s, model size) for every way rqc runs a
classifier, next to ONNX Runtime on the same images. Prints a Markdown table (docs/accuracy.md).

usage: python bench/accuracy.py --rqc build/compiler/driver/rqc
       [--models models/fashion_resnet8.onnx models/fashion_resnet8_int8.onnx]
       [--dataset fashion-mnist] [--threads 1] [--reference-limit 1000] [--json out.json]
       [--rqc-quantize minmax percentile entropy power-of-two [--calibration-limit 1000]]

For each model: `rqc validate MODEL --json` (compiled in memory for this machine), the same
with --reference on the first --reference-limit images (the reference executor is plain
loops, about a hundred times slower), and an ONNX Runtime session (all graph optimizations,
intra-op threads = --threads) scored image by image on the same images, timed the same way
(one image per run, mean of the per-image times). The machine is shared: compare within a
row, not between runs.

--rqc-quantize adds, for each named variant, the first model quantized by rqc's own quantizer
(`rqc quantize --calibration fashion-mnist-train`, the first --calibration-limit training
images; power-of-two is minmax with --power-of-two) to the models scored.
"""
import argparse
import gzip
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import onnxruntime as ort

FASHION = "/usr/share/datasets/fashion-mnist"


def idx(path):
    raw = gzip.open(path, "rb").read()
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def rqc_validate(rqc, model, dataset, threads, extra=()):
    # The reference executor has no threads (rqc validate refuses --threads with it).
    threading = [] if "--reference" in extra else ["--threads", str(threads)]
    cmd = [rqc, "validate", model, "--dataset", dataset, *threading, "--json", *extra]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"accuracy.py: {' '.join(cmd)} failed:\n{r.stderr}")
    return json.loads(r.stdout)


def ort_validate(model, images, labels, threads):
    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    session = ort.InferenceSession(model, so, providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    top1 = top5 = 0
    times = []
    for image, label in zip(images, labels):
        x = image[None, None]
        start = time.perf_counter()
        logits = session.run(None, {name: x})[0][0]
        times.append((time.perf_counter() - start) * 1e3)
        order = np.argsort(-logits, kind="stable")
        top1 += int(order[0] == label)
        top5 += int(label in order[:5])
    times = np.array(times)
    return {"top1": top1 / len(labels), "top5": top5 / len(labels), "images": len(labels),
            "latency_ms": {"mean": float(times.mean()), "p90": float(np.percentile(times, 90))},
            "images_per_second": len(labels) / (times.sum() / 1e3), "model_bytes": os.path.getsize(model)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rqc", required=True)
    ap.add_argument("--models", nargs="+", default=["models/fashion_resnet8.onnx", "models/fashion_resnet8_int8.onnx"])
    ap.add_argument("--dataset", default=FASHION, help="a folder with the IDX test split (default: Fashion-MNIST)")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--reference-limit", type=int, default=1000)
    ap.add_argument("--json", help="also write every row as JSON here")
    ap.add_argument("--rqc-quantize", nargs="*", default=[],
                    choices=["minmax", "percentile", "entropy", "power-of-two"])
    ap.add_argument("--calibration-limit", type=int, default=1000)
    args = ap.parse_args()
    scratch = tempfile.TemporaryDirectory()
    for variant in args.rqc_quantize:
        base = os.path.basename(args.models[0]).removesuffix(".onnx")
        out = os.path.join(scratch.name, f"{base}_rqc_{variant.replace('-', '')}.onnx")
        flags = ["--power-of-two"] if variant == "power-of-two" else ["--calibrate-method", variant]
        cmd = [args.rqc, "quantize", args.models[0], "--calibration", "fashion-mnist-train",
               "--calibration-limit", str(args.calibration_limit), "-o", out, *flags]
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0:
            sys.exit(f"accuracy.py: {' '.join(cmd)} failed:\n{r.stderr}")
        args.models.append(out)
    images = idx(os.path.join(args.dataset, "t10k-images-idx3-ubyte.gz")).astype(np.float32) / 255.0
    labels = idx(os.path.join(args.dataset, "t10k-labels-idx1-ubyte.gz")).astype(np.int64)

    rows = []
    for model in args.models:
        name = os.path.basename(model).removesuffix(".onnx")
        ref = rqc_validate(args.rqc, model, args.dataset, args.threads,
                           ["--reference", "--limit", str(args.reference_limit)])
        ref_peer = ort_validate(model, images[:args.reference_limit], labels[:args.reference_limit], args.threads)
        compiled = rqc_validate(args.rqc, model, args.dataset, args.threads)
        peer = ort_validate(model, images, labels, args.threads)
        rows += [(name, "rqc reference executor", ref), (name, "ONNX Runtime (same images)", ref_peer),
                 (name, f"rqc compiled, {args.threads} thread(s)", compiled),
                 (name, f"ONNX Runtime, {args.threads} thread(s)", peer)]
        print(f"{name}: compiled/ORT mean latency {compiled['latency_ms']['mean'] / peer['latency_ms']['mean']:.2f}",
              file=sys.stderr)

    print("| model | engine | images | top-1 | top-5 | mean latency (ms) | p90 (ms) | images/s | model size (KB) |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, engine, r in rows:
        print(f"| {name} | {engine} | {r['images']} | {100 * r['top1']:.2f}% | {100 * r['top5']:.2f}% | "
              f"{r['latency_ms']['mean']:.3f} | {r['latency_ms']['p90']:.3f} | {r['images_per_second']:.0f} | "
              f"{r['model_bytes'] / 1024:.0f} |")
    if args.json:
        with open(args.json, "w") as f:
            json.dump([{"model": n, "engine": e, **r} for n, e, r in rows], f, indent=2)


if __name__ == "__main__":
    main()
