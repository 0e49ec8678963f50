#!/usr/bin/env python3
"""Print the multiply-accumulates (Conv/Gemm/MatMul) of zoo models, counted by
make_zoo.count_macs, next to the published numbers; optionally cross-check `rqc inspect`.

    python scripts/check_macs.py [--models models] [MODEL.onnx ...] [--rqc PATH [--layers]] [--json]

Without MODEL arguments, every *.onnx in --models is listed. With --rqc, each model is
also run through `rqc inspect MODEL --json` and its "macs" total must equal ours exactly
(--layers: also each layer's, matched by node name); exit status 1 on any mismatch.
(tests/models/check_macs.py is the CTest check of `rqc inspect` against the published
counts within 2%; this script is the independent count behind those numbers.)
"""
from __future__ import annotations

import argparse
import glob
import json
import os
import subprocess
import sys

import onnx

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_zoo import ZOO, fmt_macs, layer_macs  # noqa: E402


def rqc_inspect(rqc: str, path: str) -> dict:
    p = subprocess.run([rqc, "inspect", path, "--json"], capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError(p.stderr.strip() or f"rqc inspect exited with {p.returncode}")
    return json.loads(p.stdout)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("paths", nargs="*", metavar="MODEL.onnx")
    ap.add_argument("--models", default="models", help="directory to list when no MODEL is given (default: models)")
    ap.add_argument("--rqc", metavar="PATH", help="also compare with `PATH inspect MODEL --json`")
    ap.add_argument("--layers", action="store_true", help="with --rqc: compare every layer's MACs too")
    ap.add_argument("--json", action="store_true", help="print one JSON object per model")
    args = ap.parse_args(argv)

    paths = args.paths or sorted(glob.glob(os.path.join(args.models, "*.onnx")))
    if not paths:
        print(f"check_macs: no models in {args.models}/ (python scripts/make_zoo.py --out {args.models})", file=sys.stderr)
        return 2
    status = 0
    for path in paths:
        name = os.path.basename(path).removesuffix(".onnx")
        base = name.removesuffix("_int8")
        try:
            layers = layer_macs(onnx.load(path, load_external_data=False))
        except Exception as e:  # noqa: BLE001
            print(f"{name}: cannot count MACs: {e}", file=sys.stderr)
            status = max(status, 2)
            continue
        macs = sum(layers.values())
        rec = {"model": name, "path": path, "macs": macs, "layers": len(layers)}
        line = f"{name:20s} {macs:>14,d} MACs  ({fmt_macs(macs)}, {len(layers)} conv/gemm layers)"
        if base in ZOO:
            pub = ZOO[base].published_macs
            rec.update(published=pub, deviation=macs / pub - 1)
            line += f"  published {fmt_macs(pub)} ({100 * (macs / pub - 1):+.2f}%)"
        if args.rqc:
            try:
                info = rqc_inspect(args.rqc, path)
            except (RuntimeError, OSError, ValueError) as e:
                print(f"{name}: rqc inspect failed: {e}", file=sys.stderr)
                status = 1
                continue
            ok = info.get("macs") == macs
            rec["rqc_macs"] = info.get("macs")
            line += f"  rqc {info.get('macs')} {'OK' if ok else 'MISMATCH'}"
            if args.layers:
                theirs = {layer["name"]: layer["macs"] for layer in info.get("layers", [])}
                bad = [(k, v, theirs.get(k)) for k, v in layers.items() if theirs.get(k) != v]
                rec["layer_mismatches"] = len(bad)
                for k, v, t in bad[:20]:
                    print(f"  {name} layer {k}: ours {v}, rqc {t}", file=sys.stderr)
                ok = ok and not bad
            if not ok:
                status = 1
        print(json.dumps(rec) if args.json else line, flush=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
