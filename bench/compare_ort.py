"""rqc against ONNX Runtime, side by side in one run (the machine is shared: absolute
times drift, the ratio is the result).

usage: python bench/compare_ort.py --rqc build/compiler/driver/rqc [--models resnet18 mobilenet_v1]
       [--threads 1 2] [--repeat 30] [--rounds 2] [--json out.json]

For each model: `rqc compile` once (compile time recorded), then for each thread count,
alternating rounds of `rqc bench --json` and an ONNX Runtime session (all graph
optimizations, intra-op threads = T) on the same seeded input; per engine the best p50 over
the rounds is kept. Prints a table with the ratio rqc/ORT (< 1: rqc is faster).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import onnxruntime as ort

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def ort_p50(model, threads, repeat, warmup=5):
    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    sess = ort.InferenceSession(model, so, providers=["CPUExecutionProvider"])
    feeds = {}
    rng = np.random.default_rng(0)
    for i in sess.get_inputs():
        shape = [d if isinstance(d, int) else 1 for d in i.shape]
        feeds[i.name] = rng.standard_normal(shape).astype(np.float32)
    for _ in range(warmup):
        sess.run(None, feeds)
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        sess.run(None, feeds)
        times.append((time.perf_counter() - t) * 1e3)
    times.sort()
    return times[len(times) // 2]


def rqc_bench(rqc, package, threads, repeat):
    out = subprocess.run([rqc, "bench", package, "--threads", str(threads), "--repeat", str(repeat), "--json"],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rqc", required=True)
    ap.add_argument("--models", nargs="+", default=["resnet18", "mobilenet_v1"])
    ap.add_argument("--threads", nargs="+", type=int, default=[1, 2])
    ap.add_argument("--repeat", type=int, default=30)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--json", help="write the results here")
    args = ap.parse_args()

    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.models:
            model = os.path.join(ROOT, "models", name + ".onnx")
            if not os.path.exists(model):
                print(f"error: {model} is missing (run scripts/setup.sh)", file=sys.stderr)
                return 2
            package = os.path.join(tmp, name + ".rqc")
            t = time.perf_counter()
            subprocess.run([args.rqc, "compile", model, "--target=llvm", "-o", package], check=True,
                           capture_output=True)
            compile_s = time.perf_counter() - t
            for threads in args.threads:
                rqc_best, ort_best, memory = float("inf"), float("inf"), None
                for _ in range(args.rounds):
                    r = rqc_bench(args.rqc, package, threads, args.repeat)
                    rqc_best = min(rqc_best, r["latency_ms"]["p50"])
                    memory = r["memory_bytes"]
                    ort_best = min(ort_best, ort_p50(model, threads, args.repeat))
                results.append({"model": name, "threads": threads, "rqc_p50_ms": rqc_best, "ort_p50_ms": ort_best,
                                "ratio_rqc_over_ort": rqc_best / ort_best, "compile_s": compile_s,
                                "rqc_arena_bytes": memory["arena"], "rqc_arena_without_reuse_bytes": memory["arena_without_reuse"],
                                "rqc_process_peak_rss_bytes": memory["process_peak_rss"]})
                print(f"{name:14s} threads={threads}  rqc p50 {rqc_best:8.2f} ms   ORT p50 {ort_best:8.2f} ms"
                      f"   rqc/ORT {rqc_best / ort_best:5.2f}   (compile {compile_s:.1f} s)", flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"onnxruntime": ort.__version__, "results": results}, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
