#!/usr/bin/env python3
"""Run one whole network through rqc's reference executor and ONNX Runtime, and compare.

    python tests/models/compare_with_ort.py --rqc build/compiler/driver/rqc --model models/resnet18.onnx [--seed 0]
    python tests/models/compare_with_ort.py --self-test --model models/resnet18_int8.onnx

1. A seeded standard-normal input per graph input, saved as in.npz keyed by input name.
2. ONNX Runtime, CPUExecutionProvider, 1 thread. fp32 models: default optimizations.
   *_int8 (QDQ) models: twice, with ORT_DISABLE_ALL (QDQ executed as float
   DequantizeLinear -> op -> QuantizeLinear, the semantics rqc's reference executor
   implements) and with the default optimizations (QDQ fused into integer kernels).
3. `RQC run MODEL --reference --inputs in.npz --outputs out.npz` (out.npz keyed by the
   ONNX output names, float32).
4. fp32: PASS if max|rqc - ort| <= 1e-4 * (max(ort) - min(ort)).
   int8: PASS if max|rqc - ort_noopt| <= 1 quantization step of the final output (the
   scale of the nearest DequantizeLinear/QuantizeLinear upstream of the output;
   --int8-tol-steps N to change); the difference to the optimized ORT run is printed,
   not asserted. Both print the top-5 of ORT and rqc.

--self-test tests this script, not rqc: step 3 is done by a stand-in whose output goes
through out.npz exactly as rqc's would, and an output perturbed by twice the tolerance
must be reported as a failure. `--self-test` / `--self-test ort`: the stand-in is ORT with
ORT_ENABLE_BASIC. `--self-test numpy`: tests/models/numpy_reference.py, an independent
fp32 implementation (different summation order), i.e. what a correct rqc can expect.

Exit status: 0 pass, 1 fail (numerical mismatch, rqc error, missing output),
2 setup error (missing model or rqc binary, bad arguments, onnxruntime not importable).
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

EXIT_PASS, EXIT_FAIL, EXIT_SETUP = 0, 1, 2


class SetupError(Exception):
    pass


def onnx_dtype_to_numpy(elem_type: int):
    import onnx
    return onnx.helper.tensor_dtype_to_np_dtype(elem_type)


def make_inputs(model, seed: int) -> dict[str, np.ndarray]:
    """Seeded standard-normal data for every graph input that is not an initializer."""
    inits = {t.name for t in model.graph.initializer}
    rng = np.random.default_rng(seed)
    feeds = {}
    for vi in model.graph.input:
        if vi.name in inits:
            continue
        tt = vi.type.tensor_type
        dtype = onnx_dtype_to_numpy(tt.elem_type)
        if not np.issubdtype(dtype, np.floating):
            raise SetupError(f"input {vi.name!r} has non-float type {dtype}; only float inputs are generated")
        # symbolic dims (e.g. batch "N") become 1
        shape = [d.dim_value if d.HasField("dim_value") and d.dim_value > 0 else 1 for d in tt.shape.dim]
        feeds[vi.name] = rng.standard_normal(shape).astype(dtype)
    return feeds


def run_ort(model_path: str, feeds: dict, level: str) -> dict[str, np.ndarray]:
    import onnxruntime as ort
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    so.graph_optimization_level = getattr(ort.GraphOptimizationLevel, level)
    sess = ort.InferenceSession(model_path, so, providers=["CPUExecutionProvider"])
    names = [o.name for o in sess.get_outputs()]
    return dict(zip(names, sess.run(names, feeds)))


def is_quantized(model) -> bool:
    return any(n.op_type in ("QuantizeLinear", "DequantizeLinear", "QLinearConv") for n in model.graph.node)


def constant_value(model, name: str):
    from onnx import numpy_helper
    for t in model.graph.initializer:
        if t.name == name:
            return numpy_helper.to_array(t)
    for n in model.graph.node:
        if n.op_type == "Constant" and n.output[0] == name:
            for a in n.attribute:
                if a.name == "value":
                    return numpy_helper.to_array(a.t)
    return None


def output_quant_step(model, output: str) -> tuple[float, str]:
    """Scale of the nearest DequantizeLinear/QuantizeLinear upstream of `output` (breadth
    first, so the last one before the output wins). Per-channel scales: the largest."""
    producer = {o: n for n in model.graph.node for o in n.output}
    seen, frontier = set(), [output]
    while frontier:
        nxt = []
        for t in frontier:
            n = producer.get(t)
            if n is None or id(n) in seen:
                continue
            seen.add(id(n))
            if n.op_type in ("DequantizeLinear", "QuantizeLinear"):
                scale = constant_value(model, n.input[1])
                if scale is None:
                    raise SetupError(f"scale {n.input[1]!r} of {n.op_type} {n.name!r} is not a constant")
                return float(np.max(np.abs(scale))), f"{n.op_type} {n.name or n.output[0]!r}"
            nxt.extend(i for i in n.input if i)
        frontier = nxt
    raise SetupError(f"no QuantizeLinear/DequantizeLinear upstream of output {output!r}")


def top5(a: np.ndarray) -> list[int] | None:
    """Top-5 class indices of a [N] or [1, N] score vector (None for other shapes)."""
    if a.size < 5 or a.ndim > 2 or (a.ndim == 2 and a.shape[0] != 1):
        return None
    return [int(i) for i in np.argsort(-a.ravel(), kind="stable")[:5]]


def compare(name: str, got: np.ndarray, ref: np.ndarray, tol: float) -> tuple[bool, float, str]:
    """Returns (ok, max_abs_diff, problem)."""
    if got.shape != ref.shape:
        if got.size == ref.size:
            got = got.reshape(ref.shape)  # e.g. a dropped unit dim; the values still must match
        else:
            return False, float("inf"), f"shape {list(got.shape)} != ort {list(ref.shape)}"
    if not np.isfinite(got).all():
        return False, float("inf"), f"{int((~np.isfinite(got)).sum())} non-finite values"
    diff = float(np.max(np.abs(got.astype(np.float64) - ref.astype(np.float64)))) if ref.size else 0.0
    return diff <= tol, diff, ""


def steps_summary(a: np.ndarray, b: np.ndarray, step: float) -> str:
    d = np.rint(np.abs(a.astype(np.float64) - b.astype(np.float64)) / step).astype(np.int64)
    hist = np.bincount(d.ravel())
    parts = ", ".join(f"{k} step{'s' if k != 1 else ''}: {c}" for k, c in enumerate(hist) if c and k > 0)
    return f"{int((d > 0).sum())}/{d.size} elements differ, max {int(d.max())} steps" + (f" ({parts})" if parts else "")


def run_command(cmd: list, timeout: float) -> None:
    print("+ " + " ".join(cmd), flush=True)
    t0 = time.time()
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise RuntimeError(f"rqc timed out after {timeout:.0f} s")
    except OSError as e:
        raise SetupError(f"cannot run {cmd[0]}: {e}")
    if p.stdout.strip():
        print("\n".join("  rqc| " + line for line in p.stdout.rstrip().splitlines()[-20:]))
    if p.returncode != 0:
        tail = "\n".join(p.stderr.rstrip().splitlines()[-20:]) or "(nothing on stderr)"
        raise RuntimeError(f"rqc exited with status {p.returncode}:\n{tail}")
    print(f"  took {time.time() - t0:.1f} s")


def run_rqc(rqc: str, model: str, in_npz: str, out_npz: str, timeout: float, compiled: bool = False) -> None:
    """The reference executor, or (compiled) `rqc compile` for the host + `rqc run` of the package."""
    if not compiled:
        run_command([rqc, "run", model, "--reference", "--inputs", in_npz, "--outputs", out_npz], timeout)
        return
    package = os.path.join(os.path.dirname(out_npz), "model.rqc")
    run_command([rqc, "compile", model, "--target=llvm", "-o", package], timeout)
    run_command([rqc, "run", package, "--inputs", in_npz, "--outputs", out_npz], timeout)


def self_test_stand_in(kind: str, model_path: str, model, feeds: dict, out_npz: str) -> None:
    """What rqc would do, done by ORT (basic optimizations) or the numpy reference."""
    if kind == "numpy":
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        import numpy_reference
        outs = numpy_reference.run(model, feeds)
    else:
        outs = run_ort(model_path, feeds, "ORT_ENABLE_BASIC")
    np.savez(out_npz, **{k: v.astype(np.float32) for k, v in outs.items()})


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    ap.add_argument("--rqc", help="path to the rqc binary")
    ap.add_argument("--model", required=True, help="ONNX model (an *_int8 / QDQ model is compared per quantization step)")
    ap.add_argument("--seed", type=int, default=0, help="input seed (default 0)")
    ap.add_argument("--compiled", action="store_true",
                    help="compile the model for the host and run the package instead of the reference executor")
    ap.add_argument("--timeout", type=float, default=3600, help="seconds allowed for `rqc run` (default 3600)")
    ap.add_argument("--keep", metavar="DIR", help="write in.npz / out.npz / ort.npz here instead of a temp dir")
    ap.add_argument("--int8-tol-steps", type=float, default=1.0, metavar="N",
                    help="int8 tolerance in quantization steps of the output (default 1)")
    ap.add_argument("--self-test", nargs="?", const="ort", choices=["ort", "numpy"],
                    help="test this script: ORT (default) or the numpy reference stands in for rqc")
    args = ap.parse_args(argv)
    try:
        return run(args)
    except SetupError as e:
        print(f"compare_with_ort: setup error: {e}", file=sys.stderr)
        return EXIT_SETUP


def run(args) -> int:
    if not os.path.isfile(args.model):
        raise SetupError(f"model file {args.model} not found (generate it: python scripts/make_zoo.py --out models)")
    if not args.self_test:
        if not args.rqc:
            raise SetupError("--rqc PATH is required (or --self-test)")
        if not (os.path.isfile(args.rqc) and os.access(args.rqc, os.X_OK)):
            raise SetupError(f"rqc binary {args.rqc} not found or not executable")
    try:
        import onnx
        import onnxruntime  # noqa: F401
    except ImportError as e:
        raise SetupError(f"{e} (use the venv: .venv/bin/python, see scripts/requirements.txt)")

    try:
        model = onnx.load(args.model, load_external_data=False)
    except Exception as e:  # noqa: BLE001 - any parse failure is a setup error
        raise SetupError(f"cannot read {args.model}: {e}")
    feeds = make_inputs(model, args.seed)

    if args.keep:
        os.makedirs(args.keep, exist_ok=True)
        return compare_in(args, model, feeds, args.keep)
    with tempfile.TemporaryDirectory(prefix="rqc-cmp-") as work:
        return compare_in(args, model, feeds, work)


def compare_in(args, model, feeds: dict, work: str) -> int:
    """Steps 2-4, with in.npz / out.npz in the directory `work`."""
    import onnx
    label = os.path.basename(args.model).removesuffix(".onnx")
    quant = is_quantized(model)
    in_npz, out_npz = os.path.join(work, "in.npz"), os.path.join(work, "out.npz")
    np.savez(in_npz, **feeds)
    if os.path.exists(out_npz):
        os.unlink(out_npz)

    t0 = time.time()
    if quant:
        ref = run_ort(args.model, feeds, "ORT_DISABLE_ALL")
        opt = run_ort(args.model, feeds, "ORT_ENABLE_ALL")
        ref_desc = "ORT (ORT_DISABLE_ALL, QDQ in float)"
    else:
        ref = run_ort(args.model, feeds, "ORT_ENABLE_ALL")
        opt = None
        ref_desc = "ORT (default optimizations)"
    print(f"{label}: {'int8 QDQ' if quant else 'fp32'} model, inputs "
          + ", ".join(f"{k}{list(v.shape)}" for k, v in feeds.items())
          + f", seed {args.seed}; ORT took {time.time() - t0:.1f} s")
    if args.keep:
        np.savez(os.path.join(work, "ort.npz"), **ref)

    try:
        if args.self_test:
            if args.self_test == "numpy":
                model = onnx.load(args.model)  # with external data, if any
            self_test_stand_in(args.self_test, args.model, model, feeds, out_npz)
        else:
            run_rqc(args.rqc, args.model, in_npz, out_npz, args.timeout, args.compiled)
    except RuntimeError as e:
        print(f"{label}: FAIL {e}")
        return EXIT_FAIL
    if not os.path.isfile(out_npz):
        print(f"{label}: FAIL rqc wrote no {out_npz}")
        return EXIT_FAIL
    with np.load(out_npz) as z:
        got = {k: z[k] for k in z.files}
    who = {"ort": "ort-basic", "numpy": "numpy-ref", None: "rqc"}[args.self_test]

    ok_all, worst, worst_tol = True, 0.0, 0.0
    for name, r in ref.items():
        if quant:
            step, src = output_quant_step(model, name)
            tol = args.int8_tol_steps * step * (1 + 1e-5)  # outputs are on the grid; allow float slop
            tol_desc = f"{args.int8_tol_steps:g} step of {step:.6g} ({src})"
        else:
            rng = float(r.max() - r.min()) if r.size else 0.0
            tol = 1e-4 * rng
            tol_desc = f"1e-4 * range {rng:.6g}"
        if name not in got:
            print(f"  {name}: missing from {who}'s output (has: {', '.join(got) or 'nothing'})")
            ok_all = False
            continue
        g = got[name]
        ok, diff, problem = compare(name, g, r, tol)
        print(f"  {name}{list(r.shape)}: max_abs_diff={diff:.6g} vs {ref_desc}, tol={tol:.6g} ({tol_desc})"
              + (f" -- {problem}" if problem else ""))
        if quant and not problem:
            g2 = g.reshape(r.shape).astype(np.float64)
            for a, b, what in ((g2, r, f"{who} vs ORT_DISABLE_ALL"),
                               (g2, opt[name], f"{who} vs ORT optimized (integer kernels), informational"),
                               (r, opt[name], "ORT_DISABLE_ALL vs ORT optimized, informational")):
                print(f"    {what}: {steps_summary(a, b, step)}")
        t_ref, t_got = top5(r), (top5(g.reshape(r.shape)) if not problem else None)
        if t_ref is not None:
            print(f"    top-5 ort: {t_ref}  {who}: {t_got}" + ("" if t_ref == t_got else "  (differ)"))
        if not ok:
            ok_all = False
        if diff >= worst:
            worst, worst_tol = diff, tol
    extra = [k for k in got if k not in ref]
    if extra:
        print(f"  note: {who} wrote extra arrays {extra}")

    if args.self_test:
        # The comparison must also catch a wrong answer: perturb one element by 2x tolerance.
        name, r = next(iter(ref.items()))
        if quant:
            tol = args.int8_tol_steps * output_quant_step(model, name)[0] * (1 + 1e-5)
        else:
            tol = 1e-4 * float(r.max() - r.min())
        bad = r.copy().reshape(-1)
        bad[bad.size // 2] += np.float32(2 * tol)
        caught = not compare(name, bad.reshape(r.shape), r, tol)[0]
        print(f"  self-test: a 2x-tolerance perturbation is {'detected' if caught else 'NOT detected'}")
        ok_all = ok_all and caught

    status = "PASS" if ok_all else "FAIL"
    print(f"{label}: {status} max_abs_diff={worst:.6g} tol={worst_tol:.6g}" + (" (self-test)" if args.self_test else ""))
    return EXIT_PASS if ok_all else EXIT_FAIL


if __name__ == "__main__":
    sys.exit(main())
