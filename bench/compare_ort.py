"""rqc against ONNX Runtime, side by side in one run (the machine is shared: absolute
times drift, the ratio is the result), against the machine's FMA peak measured in the
same run.

usage: python bench/compare_ort.py --rqc build/compiler/driver/rqc [--models resnet18 mobilenet_v1]
       [--threads 1 2] [--repeat 30] [--rounds 2] [--tuning-records LOG] [--json out.json]

First the float32 FMA peak of T threads (bench/fma_peak.c, built here with gcc), and the
int8 dot-product peak (vpdpbusd, or AVX2's vpmaddubsw pair) when an int8 model is asked
for. For each
model: `rqc compile` once with the untuned fallback configs (compile time recorded; the
tophub logs are off) and, with --tuning-records, twice more with the tuned configs: each
op's fastest record alone (--graph-tuner=off, AutoTVM without its graph tuner) and the
records' layouts chosen over the graph (the default); then
for each thread count, alternating rounds of `rqc bench --json` of each package and an
ONNX Runtime session (all graph optimizations, intra-op threads = T) on the same
seeded input; per engine the best p50 over the rounds is kept. Prints the ratio rqc/ORT
(< 1: rqc is faster; rqc is the tuned package when there is one), tuned/fallback (and
per-op/fallback), and
each engine's share of the peak (2 x MACs / latency / peak; an int8 model's against the
int8 peak). For ResNet-18 (fp32 or int8) it then prints every 3x3 convolution's GFLOP/s
(GOP/s for int8; rqc bench --profile) and share of the peak. A Winograd convolution does fewer multiplications than the direct one: its
GFLOP/s count the direct convolution's 2 x MACs (effective GFLOP/s, as TVM and cuDNN
report), marked "(effective)", and can exceed the peak.
"""
import argparse
import json
import re
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


def rqc_bench(rqc, package, threads, repeat, profile=False):
    out = subprocess.run([rqc, "bench", package, "--threads", str(threads), "--repeat", str(repeat), "--json"]
                         + (["--profile"] if profile else []), capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def fma_peak_gflops(tmp, threads, int8=False):
    """GFLOP/s of `threads` threads of FMA chains, or with int8 GOP/s of dot-product chains,
    and the instruction measured (bench/fma_peak.c)."""
    exe = os.path.join(tmp, "fma_peak")
    if not os.path.exists(exe):
        subprocess.run(["gcc", "-O3", "-fopenmp", "-o", exe, os.path.join(ROOT, "bench", "fma_peak.c")], check=True)
    # The best of three: the machine is shared, a peak is what it can do, not an average.
    runs = [subprocess.run([exe, str(threads)] + (["int8"] if int8 else []), capture_output=True, text=True,
                           check=True).stdout.split() for _ in range(3)]
    return max(float(r[0]) for r in runs), runs[0][1]


def cpu_model():
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return "unknown"


def total_macs(rqc, model):
    out = subprocess.run([rqc, "inspect", model, "--json"], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)["macs"]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rqc", required=True)
    ap.add_argument("--models", nargs="+", default=["resnet18", "mobilenet_v1"])
    ap.add_argument("--threads", nargs="+", type=int, default=[1, 2])
    ap.add_argument("--repeat", type=int, default=30)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--tuning-records", help="compile with this tuning log (default: untuned fallback configs)")
    ap.add_argument("--json", help="write the results here")
    args = ap.parse_args()

    results, layers = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.models:
            if not os.path.exists(os.path.join(ROOT, "models", name + ".onnx")):
                print(f"error: {os.path.join(ROOT, 'models', name + '.onnx')} is missing (run scripts/setup.sh)",
                      file=sys.stderr)
                return 2
        fp32_peaks = {t: fma_peak_gflops(tmp, t)[0] for t in args.threads}
        print(f"CPU: {cpu_model()}; FMA peak: " + ", ".join(f"{fp32_peaks[t]:.0f} GFLOP/s at {t} thread(s)"
                                                            for t in args.threads), flush=True)
        int8_peaks = {}
        if any(name.endswith("_int8") for name in args.models):
            measured = {t: fma_peak_gflops(tmp, t, int8=True) for t in args.threads}
            int8_peaks = {t: m[0] for t, m in measured.items()}
            print(f"int8 peak ({measured[args.threads[0]][1]}): " + ", ".join(
                f"{int8_peaks[t]:.0f} GOP/s at {t} thread(s)" for t in args.threads), flush=True)
        for name in args.models:
            model = os.path.join(ROOT, "models", name + ".onnx")
            # Variants: the untuned fallback configs, and with --tuning-records the tuned ones
            # too (tophub off for both, so the log is the only difference).
            variants = [("fallback", [])] + ([("per-op", ["--tuning-records", args.tuning_records, "--graph-tuner=off"]),
                                              ("tuned", ["--tuning-records", args.tuning_records])]
                                             if args.tuning_records else [])
            env = dict(os.environ, RQC_TOPHUB_LOCATION="NONE")
            packages, compile_s = {}, {}
            for variant, flags in variants:
                packages[variant] = os.path.join(tmp, f"{name}.{variant}.rqc")
                t = time.perf_counter()
                subprocess.run([args.rqc, "compile", model, "--target=llvm", "-o", packages[variant]] + flags,
                               check=True, capture_output=True, env=env)
                compile_s[variant] = time.perf_counter() - t
            gflop = 2 * total_macs(args.rqc, model) / 1e9
            peaks = int8_peaks if name.endswith("_int8") else fp32_peaks
            for threads in args.threads:
                best = {v: float("inf") for v, _ in variants}
                ort_best, memory = float("inf"), None
                for _ in range(args.rounds):
                    for variant, _ in variants:
                        r = rqc_bench(args.rqc, packages[variant], threads, args.repeat)
                        best[variant] = min(best[variant], r["latency_ms"]["p50"])
                        memory = r["memory_bytes"]
                    ort_best = min(ort_best, ort_p50(model, threads, args.repeat))
                share = lambda ms: gflop / (ms / 1e3) / peaks[threads]
                main_variant = variants[-1][0]
                rqc_best = best[main_variant]
                entry = {"model": name, "threads": threads, "variant": main_variant, "rqc_p50_ms": rqc_best,
                         "ort_p50_ms": ort_best, "ratio_rqc_over_ort": rqc_best / ort_best,
                         "compile_s": compile_s[main_variant],
                         ("peak_int8_gops" if name.endswith("_int8") else "peak_gflops"): peaks[threads],
                         "rqc_share_of_peak": share(rqc_best), "ort_share_of_peak": share(ort_best),
                         "rqc_arena_bytes": memory["arena"],
                         "rqc_arena_without_reuse_bytes": memory["arena_without_reuse"],
                         "rqc_process_peak_rss_bytes": memory["process_peak_rss"]}
                if args.tuning_records:
                    entry.update({"fallback_p50_ms": best["fallback"], "per_op_p50_ms": best["per-op"],
                                  "ratio_tuned_over_fallback": rqc_best / best["fallback"],
                                  "ratio_per_op_over_fallback": best["per-op"] / best["fallback"]})
                results.append(entry)
                line = (f"{name:14s} threads={threads}  rqc p50 {rqc_best:8.2f} ms   ORT p50 {ort_best:8.2f} ms"
                        f"   rqc/ORT {rqc_best / ort_best:5.2f}   {'int8' if name.endswith('_int8') else 'FMA'} peak share"
                        f" rqc {share(rqc_best):4.0%} ORT {share(ort_best):4.0%}"
                        f"   (compile {compile_s[main_variant]:.1f} s)")
                if args.tuning_records:
                    line += (f"\n{'':14s}            fallback p50 {best['fallback']:8.2f} ms   tuned/fallback "
                             f"{rqc_best / best['fallback']:5.2f}   fallback/ORT {best['fallback'] / ort_best:5.2f}"
                             f"\n{'':14s}            per-op p50 {best['per-op']:8.2f} ms   per-op/fallback "
                             f"{best['per-op'] / best['fallback']:5.2f}   (each op's fastest record, --graph-tuner=off)")
                print(line, flush=True)
            package = packages[main_variant]
            if name in ("resnet18", "resnet18_int8"):
                for threads in args.threads:
                    prof = rqc_bench(args.rqc, package, threads, args.repeat, profile=True)["kernel_profile"]
                    print(f"  3x3 convolutions of {name}, {threads} thread(s) (rqc bench --profile):")
                    for k in prof:
                        # ResNet-18's 3x3 convolutions are its layerN.M.convK (conv1 is 7x7, the
                        # downsample convolutions 1x1).
                        if not re.fullmatch(r"layer\d\.\d\.conv\d", k["kernel"]):
                            continue
                        gflops = 2 * k["macs"] / (k["mean_ms"] / 1e3) / 1e9
                        entry = {"model": name, "threads": threads, "kernel": k["kernel"], "ops": k["ops"],
                                 "mean_ms": k["mean_ms"], "gflops": gflops, "share_of_peak": gflops / peaks[threads],
                                 "effective": "winograd" in k["ops"]}
                        layers.append(entry)
                        effective = " (effective)" if "winograd" in k["ops"] else ""
                        unit = "GOP/s" if name.endswith("_int8") else "GFLOP/s"
                        print(f"    {k['kernel']:16s} {k['ops']:26s} {k['mean_ms']:7.3f} ms {gflops:7.1f} {unit}"
                              f" {gflops / peaks[threads]:5.0%} of peak{effective}", flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"onnxruntime": ort.__version__, "cpu": cpu_model(), "fma_peak_gflops": fp32_peaks,
                       "int8_peak_gops": int8_peaks,
                       "results": results, "convolutions": layers}, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
