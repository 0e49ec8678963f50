"""What the frontend scripts (exporter_forms.py, op_forms.py) do with each one-node model, and
their main loop (run_cases):
refuse it through `rqc compile` with one error line and no package, or run it through the
reference executor and through a compiled package and compare with an expected value."""
from __future__ import annotations

import os
import subprocess
import tempfile

import numpy as np


def run(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    return p.returncode, p.stderr.strip()


def check_refusal(rqc, path, package, accepts):
    """`rqc compile` must exit non-zero with one 'rqc: error:' line that `accepts` and write
    no package. Returns (problems, the line)."""
    rc, err = run([rqc, "compile", path, "--target=llvm", "-o", package])
    lines = err.splitlines()
    problems = []
    if rc == 0 or len(lines) != 1 or not lines[0].startswith("rqc: error:") or not accepts(lines[0]):
        problems.append(f"expected one matching 'rqc: error:' line, got exit {rc}: {err!r}")
    if os.path.exists(package):
        problems.append("a package was written")
    return problems, lines[-1] if lines else ""


def run_reference_and_compiled(rqc, path, work, package):
    """Output 'y' of `rqc run --reference` and of the compiled package on work/in.npz, as
    {"reference": array, "compiled": array}; a failing step is a problem instead."""
    problems, got = [], {}
    steps = {"reference": [[rqc, "run", path, "--reference", "--inputs", f"{work}/in.npz", "--outputs",
                            f"{work}/ref.npz"]],
             "compiled": [[rqc, "compile", path, "--target=llvm", "-o", package],
                          [rqc, "run", package, "--inputs", f"{work}/in.npz", "--outputs", f"{work}/comp.npz"]]}
    for label, cmds in steps.items():
        for cmd in cmds:
            rc, err = run(cmd)
            if rc != 0:
                problems.append(f"{label}: {' '.join(cmd[1:2])} exited {rc}: {err}")
                break
        else:
            with np.load(f"{work}/{'ref' if label == 'reference' else 'comp'}.npz") as z:
                got[label] = z["y"]
    return problems, got


def compare(got, expected, oracle, tolerance):
    """Each of `got` against `expected`: same dtype and shape, values within `tolerance`
    (relative and absolute). Returns (problems, labels that match)."""
    problems, matched = [], []
    for label, y in got.items():
        if y.shape != expected.shape or y.dtype != expected.dtype:
            problems.append(f"{label}: {y.dtype}{list(y.shape)} != {oracle} {expected.dtype}{list(expected.shape)}")
        elif not np.allclose(y, expected, rtol=tolerance, atol=tolerance, equal_nan=True):
            diff = np.abs(y.astype(np.float64) - expected)
            problems.append(f"{label}: differs from {oracle} by up to {np.nanmax(diff):.3g} "
                            f"(got {y.ravel()[:6].tolist()}, {oracle} {expected.ravel()[:6].tolist()})")
        else:
            matched.append(label)
    return problems, matched


def run_cases(argv, cases, run_case, prefix):
    """The main() of a case table: `SCRIPT RQC [CASE...]` runs every case (or the named ones)
    in a fresh temporary directory. run_case(rqc, name, case, work) returns (problems,
    notes, opset); an exception is a problem of that case. Prints PASS/FAIL per case and a
    count; returns the exit code (2 for an unknown case name)."""
    rqc, only = argv[1], set(argv[2:])
    if only - set(cases):
        print(f"unknown case(s): {sorted(only - set(cases))}; known: {sorted(cases)}")
        return 2
    failed = 0
    for name, case in cases.items():
        if only and name not in only:
            continue
        with tempfile.TemporaryDirectory(prefix=prefix) as work:
            try:
                problems, notes, opset = run_case(rqc, name, case, work)
            except Exception as e:  # ORT or the checker refusing a case is a broken case, not a pass
                problems, notes, opset = [f"{type(e).__name__}: {e}"], [], "?"
        print(f"{'FAIL' if problems else 'PASS'} {name} (opset {opset}): " + "; ".join(notes + problems))
        failed += bool(problems)
    print(f"{failed} of {len(only or cases)} cases failed")
    return 1 if failed else 0
