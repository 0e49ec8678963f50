#!/usr/bin/env python3
"""Run one whole network through rqc and ONNX Runtime, and compare.

    python tests/models/compare_with_ort.py --rqc build/compiler/driver/rqc --model models/resnet18.onnx [--seed 0] [--compiled]
    python tests/models/compare_with_ort.py --self-test --model models/resnet18_int8.onnx

1. A seeded standard-normal input per graph input, saved as in.npz keyed by input name.
2. ONNX Runtime, CPUExecutionProvider, 1 thread. fp32 models: default optimizations.
   *_int8 (QDQ) models: twice, with ORT_DISABLE_ALL (QDQ executed as float
   DequantizeLinear -> op -> QuantizeLinear, the semantics rqc's reference executor
   implements) and with the default optimizations (QDQ fused into integer kernels).
3. `RQC run MODEL --reference --inputs in.npz --outputs out.npz` (out.npz keyed by the
   ONNX output names), or with --compiled `RQC compile` for the host and `RQC run` of the
   package. int8 models: the same for early.onnx, a copy of the model cut after its first
   four activation QuantizeLinear nodes, whose integer outputs are its outputs.
4. fp32: PASS if max|rqc - ort| <= 1e-4 * (max(ort) - min(ort)), and the shapes are equal.
   int8: against ORT_DISABLE_ALL, tests/models/int8_check.py: every output within one
   quantization step of the output (--int8-tol-steps N to change), at most 25% of its
   elements off at all, |mean signed difference| <= 0.1 step; every early-layer output
   within 3 steps, at most 1% of its elements off, |mean| <= 0.01 step. The difference to
   the optimized ORT run is printed, not asserted. Both print the top-5 of ORT and rqc.

--self-test tests this script, not rqc: step 3 is done by a stand-in whose output goes
through out.npz exactly as rqc's would, and it must pass; an output perturbed by twice the
tolerance must be reported as a failure. `--self-test` / `--self-test ort`: the stand-in
is ORT with ORT_ENABLE_BASIC. `--self-test numpy`: tests/models/numpy_reference.py, an
independent fp32 implementation (different summation order), i.e. what a correct rqc can
expect. For int8 models three emulated rqc bugs must fail as well: the input's zero point
off by one (ORT fed x + s_in, s_in the input's quantization step), the input's scale 10%
off (ORT fed 0.9 x), and every output element one step high.

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
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # int8_check, numpy_reference


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


def top5(a: np.ndarray) -> list[int] | None:
    """Top-5 class indices of a [N] or [1, N] score vector (None for other shapes)."""
    if a.size < 5 or a.ndim > 2 or (a.ndim == 2 and a.shape[0] != 1):
        return None
    return [int(i) for i in np.argsort(-a.ravel(), kind="stable")[:5]]


def compare(name: str, got: np.ndarray, ref: np.ndarray, tol: float) -> tuple[bool, float, str]:
    """fp32: returns (ok, max_abs_diff, problem). The shape must be ORT's exactly."""
    if got.shape != ref.shape:
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
    package = out_npz.removesuffix(".npz") + ".rqc"  # out.rqc, out_early.rqc
    run_command([rqc, "compile", model, "--target=llvm", "-o", package], timeout)
    run_command([rqc, "run", package, "--inputs", in_npz, "--outputs", out_npz], timeout)


def self_test_stand_in(kind: str, model_path: str, feeds: dict, out_npz: str) -> None:
    """What rqc would do, done by ORT (basic optimizations) or the numpy reference."""
    if kind == "numpy":
        import onnx
        import numpy_reference
        outs = numpy_reference.run(onnx.load(model_path), feeds)  # with external data, if any
    else:
        outs = run_ort(model_path, feeds, "ORT_ENABLE_BASIC")
    np.savez(out_npz, **outs)


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
    """Steps 2-4, with in.npz, out.npz (and for int8 early.onnx) in the directory `work`."""
    import onnx
    import int8_check
    label = os.path.basename(args.model).removesuffix(".onnx")
    quant = int8_check.is_quantized(model)
    in_npz = os.path.join(work, "in.npz")
    np.savez(in_npz, **feeds)

    t0 = time.time()
    early_model = early_path = early_ref = None
    if quant:
        ref = run_ort(args.model, feeds, "ORT_DISABLE_ALL")
        opt = run_ort(args.model, feeds, "ORT_ENABLE_ALL")
        ref_desc = "ORT (ORT_DISABLE_ALL, QDQ in float)"
        early_model = int8_check.early_layer_model(onnx.load(args.model))
        early_path = os.path.join(work, "early.onnx")
        onnx.save(early_model, early_path)
        early_ref = run_ort(early_path, feeds, "ORT_DISABLE_ALL")
    else:
        ref = run_ort(args.model, feeds, "ORT_ENABLE_ALL")
        ref_desc = "ORT (default optimizations)"
    print(f"{label}: {'int8 QDQ' if quant else 'fp32'} model, inputs "
          + ", ".join(f"{k}{list(v.shape)}" for k, v in feeds.items())
          + f", seed {args.seed}; ORT took {time.time() - t0:.1f} s")
    if args.keep:
        np.savez(os.path.join(work, "ort.npz"), **ref)
        if quant:
            np.savez(os.path.join(work, "ort_early.npz"), **early_ref)
    who = {"ort": "ort-basic", "numpy": "numpy-ref", None: "rqc"}[args.self_test]

    def produce(path: str, stem: str) -> dict[str, np.ndarray]:
        """rqc's (or the stand-in's) outputs for the model at `path`, read back from STEM.npz."""
        out_npz = os.path.join(work, stem + ".npz")
        if os.path.exists(out_npz):
            os.unlink(out_npz)
        if args.self_test:
            self_test_stand_in(args.self_test, path, feeds, out_npz)
        else:
            run_rqc(args.rqc, path, in_npz, out_npz, args.timeout, args.compiled)
        if not os.path.isfile(out_npz):
            raise RuntimeError(f"rqc wrote no {out_npz}")
        with np.load(out_npz) as z:
            return {k: z[k] for k in z.files}

    try:
        got = produce(args.model, "out")
        early_got = produce(early_path, "out_early") if quant else None
    except RuntimeError as e:
        print(f"{label}: FAIL {e}")
        return EXIT_FAIL

    worst, worst_tol = 0.0, 0.0
    if quant:
        print(f"  vs {ref_desc}:")
        ok_all = int8_check.judge(model, early_model, ref, got, early_ref, early_got, who, args.int8_tol_steps)
        for name, r in ref.items():
            g = got.get(name)
            if g is None or g.shape != r.shape:
                continue
            step = int8_check.output_step(model, name)[0]
            print(f"    {name}: {who} vs ORT optimized (integer kernels), informational: {steps_summary(g, opt[name], step)}")
            print(f"    {name}: ORT_DISABLE_ALL vs ORT optimized, informational: {steps_summary(r, opt[name], step)}")
            print_top5(r, g, who)
    else:
        ok_all = True
        for name, r in ref.items():
            rng = float(r.max() - r.min()) if r.size else 0.0
            tol = 1e-4 * rng
            if name not in got:
                print(f"  {name}: missing from {who}'s output (has: {', '.join(got) or 'nothing'})")
                ok_all = False
                continue
            ok, diff, problem = compare(name, got[name], r, tol)
            print(f"  {name}{list(r.shape)}: max_abs_diff={diff:.6g} vs {ref_desc}, tol={tol:.6g} (1e-4 * range {rng:.6g})"
                  + (f" -- {problem}" if problem else ""))
            if not problem:
                print_top5(r, got[name], who)
            ok_all &= ok
            if diff >= worst:
                worst, worst_tol = diff, tol
    extra = [k for k in got if k not in ref]
    if extra:
        print(f"  note: {who} wrote extra arrays {extra}")

    if args.self_test:
        ok_all &= self_test_catches(args, model, feeds, ref, got, early_model, early_path, early_ref, early_got)

    status = "PASS" if ok_all else "FAIL"
    result = f"max_abs_diff={worst:.6g} tol={worst_tol:.6g}" if not quant else "int8 criterion (tests/models/int8_check.py)"
    print(f"{label}: {status} {result}" + (" (self-test)" if args.self_test else ""))
    return EXIT_PASS if ok_all else EXIT_FAIL


def print_top5(ref: np.ndarray, got: np.ndarray, who: str) -> None:
    t_ref, t_got = top5(ref), top5(got)
    if t_ref is not None:
        print(f"    top-5 ort: {t_ref}  {who}: {t_got}" + ("" if t_ref == t_got else "  (differ)"))


def self_test_catches(args, model, feeds, ref, got, early_model, early_path, early_ref, early_got) -> bool:
    """The comparison must also catch wrong answers: one element off by twice the
    tolerance, and for int8 models three emulated rqc bugs (ORT stands in for the buggy
    rqc). True if every one of them is reported as a failure."""
    import int8_check
    name, r = next(iter(ref.items()))
    bad = r.copy().reshape(-1)
    if early_model is None:
        tol = 1e-4 * float(r.max() - r.min())
        bad[bad.size // 2] += np.float32(2 * tol)
        caught = not compare(name, bad.reshape(r.shape), r, tol)[0]
    else:
        step = int8_check.output_step(model, name)[0]
        bad[bad.size // 2] += np.float32(2 * args.int8_tol_steps * step)
        caught = not int8_check.check(bad.reshape(r.shape), r, step, **dict(int8_check.FINAL, max_steps=args.int8_tol_steps))[0]
    print(f"  self-test: one element off by 2x the tolerance: {'detected' if caught else 'NOT detected'}")
    all_caught = caught
    if early_model is None:
        return all_caught

    # The input's quantization: a QuantizeLinear reading a graph input.
    graph_inputs = {vi.name for vi in model.graph.input}
    q_in = next((n for n in early_model.graph.node if n.op_type == "QuantizeLinear" and n.input[0] in graph_inputs), None)
    if q_in is None:
        raise SetupError("no QuantizeLinear reads a graph input: cannot emulate the input quantization bugs")
    x = q_in.input[0]
    s_in = np.float32(np.max(int8_check.constant_value(early_model, q_in.input[1])))
    bugs = [
        (f"input zero point off by one (ORT fed {x} + {s_in:.4g}, one input step)", {**feeds, x: feeds[x] + s_in}),
        (f"input scale 10% off (ORT fed 0.9 * {x})", {**feeds, x: feeds[x] * np.float32(0.9)}),
        ("every output element one step high", None),
    ]
    for desc, bug_feeds in bugs:
        print(f"  self-test, emulated bug: {desc}")
        if bug_feeds is not None:
            bgot = run_ort(args.model, bug_feeds, "ORT_ENABLE_BASIC")
            bearly = run_ort(early_path, bug_feeds, "ORT_ENABLE_BASIC")
        else:  # the early layers are right; only the outputs' criterion can catch it
            bgot = {k: v + np.float32(int8_check.output_step(model, k)[0]) for k, v in got.items()}
            bearly = early_got
        caught = not int8_check.judge(model, early_model, ref, bgot, early_ref, bearly, "bug",
                                      args.int8_tol_steps, log=lambda line: print("  " + line))
        print(f"  self-test: {desc}: {'detected' if caught else 'NOT detected'}")
        all_caught &= caught
    return all_caught


if __name__ == "__main__":
    sys.exit(main())
