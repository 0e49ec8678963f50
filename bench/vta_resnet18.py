"""ResNet-18's offloaded convolutions on VTA (Pynq-Z1, pynq_1x16_i8w8a32_15_15_18_17), on
rqc's calibrated cycle model, next to the times TVM measured on a Pynq for the same layers
(the ResNet-18 lines of TVM's tophub vta_v0.10.log, kept in tests/unit/vta/data/; the
numbers of ../shared/reference/vta.md 6.2). One run prints:

  1. per layer: TVM's measured time with TVM's tuned config; rqc's stream for that same config
     on the cycle model (the calibration: within 25% of the board on every layer);
  2. per layer: rqc's fallback config with one and with two virtual threads: cycles and GEMM
     utilization (busy GEMM cycles / total), and both over the whole network (each layer
     weighted by how often ResNet-18 has it);
  3. per layer: the utilization no schedule can beat on this model (printed with section 2):
     the compute module runs GEMM (1 cycle per micro-op of 16x16 MACs) and the ALU epilogue
     (4 micro-ops per 16 outputs: bias ADD, SHR, MAX, MIN, 2 cycles each) one after the
     other, and the shared DRAM port moves every weight, input and output byte at least once
     (4.4 bytes per cycle); so utilization <= GEMM / max(GEMM + ALU, DMA), start-ups, fetch
     and imperfect overlap left out;
  4. the whole network compiled with `rqc compile --target=vta` (rqc quantize
     --power-of-two on seeded calibration data): the VTA kernels' simulated time and GEMM
     utilization from `rqc bench --json`, with the fallback configs or, given --records, tuned
     ones.

Simulated times are estimates of a board, not measurements (docs/vta.md, "Calibration").

usage: python bench/vta_resnet18.py --rqc build/compiler/driver/rqc [--records TUNED.log]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
TVM_LOG = os.path.join(HERE, "..", "tests", "unit", "vta", "data", "tvm_vta_v0.10_resnet18.log")
MODEL = os.path.join(HERE, "..", "models", "resnet18.onnx")
# How often ResNet-18 has each conv2d_packed.vta workload (reference/vta.md 6.2), by the
# workload description `rqc vta conv2d` prints.
COUNT = {
    "1x64x56x56 -> 64, 3x3/1": 4, "1x64x56x56 -> 128, 3x3/2": 1, "1x64x56x56 -> 128, 1x1/2": 1,
    "1x128x28x28 -> 128, 3x3/1": 3, "1x128x28x28 -> 256, 3x3/2": 1, "1x128x28x28 -> 256, 1x1/2": 1,
    "1x256x14x14 -> 256, 3x3/1": 3, "1x256x14x14 -> 512, 3x3/2": 1, "1x256x14x14 -> 512, 1x1/2": 1,
    "1x512x7x7 -> 512, 3x3/1": 3,
}
PEAK_GOPS = 51.2  # 16x16 int8 MACs per cycle at 100 MHz
DRAM_BYTES_PER_CYCLE = 8 * 0.55  # the calibrated model's shared 64-bit port (docs/vta.md)
ALU_UOPS_PER_OUTPUT_VECTOR = 4  # bias ADD, SHR, MAX, MIN: rqc's epilogue (docs/vta.md)


def utilization_bound(workload):
    """GEMM utilization no schedule can beat for `workload` ("1xCIxHxW -> CO, KxK/S") on the
    calibrated model: GEMM and ALU serialized in the compute module, every byte over the port once."""
    shape, rest = workload.split(" -> ")
    _, ci, h, w = (int(v) for v in shape.split("x"))
    co, window = rest.split(", ")
    co = int(co)
    k, stride = window.split("/")
    k, stride = int(k.split("x")[0]), int(stride)
    oh, ow = (h + 2 * (k // 2) - k) // stride + 1, (w + 2 * (k // 2) - k) // stride + 1
    out_vectors = oh * ow * co // 16
    gemm = out_vectors * k * k * ci // 16
    alu = out_vectors * ALU_UOPS_PER_OUTPUT_VECTOR * 2
    dma = (ci * co * k * k + ci * h * w + co * oh * ow) / DRAM_BYTES_PER_CYCLE
    return gemm, gemm / max(gemm + alu, dma)


def run(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{p.stderr}")
    return p.stdout


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rqc", required=True)
    ap.add_argument("--records", help="tuning log for the network compile (rqc tune --target=vta)")
    a = ap.parse_args()

    layers = json.loads(run([a.rqc, "vta", "conv2d", "--records", TVM_LOG, "--json"]))["layers"]
    print("1. calibration: TVM's tuned config, measured on a Pynq by TVM vs rqc's stream for it, simulated")
    print(f"{'layer':<30} {'count':>5} {'TVM ms':>8} {'rqc ms':>8} {'diff':>7}")
    worst = 0.0
    for l in layers:
        diff = l["record"]["sim_ms"] / l["log_ms"] - 1
        worst = max(worst, abs(diff))
        print(f"{l['workload']:<30} {COUNT.get(l['workload'], 1):>5} {l['log_ms']:>8.3f} {l['record']['sim_ms']:>8.3f} "
              f"{100 * diff:>+6.1f}%")
    print(f"largest difference {100 * worst:.1f}%\n")

    print("2. virtual threads: rqc's fallback with 1 and 2 threads, simulated")
    print(f"{'layer':<30} {'1: cycles':>10} {'GEMM':>6} {'2: cycles':>10} {'GEMM':>6} {'bound':>6}")
    totals = {1: [0, 0.0], 2: [0, 0.0]}
    bound_busy = bound_cycles = 0.0
    for l in layers:
        one, two = l["fallback_1_thread"], l["fallback"]
        n = COUNT.get(l["workload"], 1)
        for k, r in ((1, one), (2, two)):
            totals[k][0] += n * r["cycles"]
            totals[k][1] += n * r["cycles"] * r["gemm_utilization"]
        gemm, bound = utilization_bound(l["workload"])
        bound_busy += n * gemm
        bound_cycles += n * gemm / bound
        print(f"{l['workload']:<30} {one['cycles']:>10} {100 * one['gemm_utilization']:>5.1f}% {two['cycles']:>10} "
              f"{100 * two['gemm_utilization']:>5.1f}% {100 * bound:>5.1f}%")
    for k in (1, 2):
        c, busy = totals[k]
        print(f"ResNet-18's 19 offloaded convolutions, {k} thread(s): {c} cycles ({c / 1e5:.2f} ms), "
              f"GEMM utilization {100 * busy / c:.1f}%")
    print(f"bound over the 19 (no start-ups, perfect overlap): GEMM utilization {100 * bound_busy / bound_cycles:.1f}%")
    tvm_ms = sum(COUNT.get(l["workload"], 1) * l["log_ms"] for l in layers)
    print(f"TVM's tuned configs measured on a Pynq: {tvm_ms:.2f} ms for the same 19 convolutions\n")

    with tempfile.TemporaryDirectory() as tmp:
        calib, q, pkg = (os.path.join(tmp, n) for n in ("calib.npz", "r18_p2.onnx", "r18_vta.rqc"))
        np.savez(calib, input=np.random.default_rng(7).standard_normal((2, 3, 224, 224)).astype(np.float32))
        run([a.rqc, "quantize", MODEL, "--power-of-two", "--calibration", calib, "-o", q])
        cmd = [a.rqc, "compile", q, "--target=vta", "--target-host=llvm", "-o", pkg]
        if a.records:
            cmd += ["--tuning-records", a.records]
        run(cmd)
        vta = json.loads(run([a.rqc, "bench", pkg, "--repeat", "1", "--warmup", "0", "--json"]))["vta"]
        print(f"4. rqc compile --target=vta{' --tuning-records ' + a.records if a.records else ''}: "
              f"{vta['kernels']} VTA kernels, {vta['simulated_ms']:.2f} ms simulated, "
              f"GEMM utilization {100 * vta['gemm_utilization']:.1f}% "
              f"({PEAK_GOPS * vta['gemm_utilization']:.1f} of {PEAK_GOPS} GOPS)")


if __name__ == "__main__":
    main()
