#!/usr/bin/env bash
# The seed's MobileNet-v1 study (../shared/seeds/000_*: width multiplier x input resolution,
# fp32 and int8, latency against top-1) on this machine's CPU, with networks trained on
# Fashion-MNIST so that accuracy is real: trains the variants that are missing (Debian's
# torch, scripts/train_fashion_mnist.py; cached in models/), then runs
# examples/experiments/fashion_mobilenet_v1.json and its report. docs/experiments.md.
#
#   scripts/fashion_mobilenet_study.sh [RESULTS_DIR]     (default build/fashion_mobilenet_v1)
#
# WIDTHS, RESOLUTIONS and EPOCHS (environment) change the grid: the seed's 16 points are
#   WIDTHS="0.25 0.5 0.75 1.0" RESOLUTIONS="16 20 24 28" scripts/fashion_mobilenet_study.sh
# (the SPEC run is the example's with its grid replaced, written next to the results).
# Training time grows with width^2 x resolution^2: about half a minute per epoch for width
# 0.25 at 16x16 on 2 idle cores, 7 minutes for 0.5 at 28x28, over an hour for 1.0 at 28x28.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
results="${1:-build/fashion_mobilenet_v1}"
widths="${WIDTHS:-0.25 0.5}"
resolutions="${RESOLUTIONS:-16 28}"
epochs="${EPOCHS:-2}"
for w in $widths; do
  for r in $resolutions; do
    /usr/bin/python3 scripts/train_fashion_mnist.py --arch mobilenet_v1 --width "$w" --resolution "$r" \
      --epochs "$epochs" --out "models/fashion_mobilenet_v1_${w}_${r}.onnx"
  done
done
mkdir -p "$results"
spec="$(cd "$results" && pwd)/spec-grid.json"
.venv/bin/python - "$spec" "$widths" "$resolutions" <<'PY'
import json, os, sys
out, widths, resolutions = sys.argv[1], sys.argv[2].split(), sys.argv[3].split()
spec = json.load(open("examples/experiments/fashion_mobilenet_v1.json"))
spec["models"][0]["grid"] = {"width": [float(w) for w in widths], "resolution": [int(r) for r in resolutions]}
models = os.path.abspath("models")
for m in spec["models"]:  # the SPEC is written elsewhere: absolute model paths
    m["path"] = os.path.join(models, os.path.basename(m["path"]))
json.dump(spec, open(out, "w"), indent=2)
PY
build/compiler/driver/rqc experiment "$spec" -o "$results"
build/compiler/driver/rqc experiment report "$results" -o "$results/report"
