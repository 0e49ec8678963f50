#!/usr/bin/env bash
# The seed's MobileNet-v1 study (../shared/seeds/000_*: width multiplier x input resolution,
# fp32 and int8, latency against top-1) on this machine's CPU, with networks trained on
# Fashion-MNIST so that accuracy is real: trains the variants that are missing (Debian's
# torch, scripts/train_fashion_mnist.py; cached in models/), then runs
# examples/experiments/fashion_mobilenet_v1.json and its report. docs/experiments.md.
#
#   scripts/fashion_mobilenet_study.sh [RESULTS_DIR]     (default build/fashion_mobilenet_v1)
#
# WIDTHS, RESOLUTIONS and EPOCHS (environment) change the grid; the SPEC's grid must match.
# Training time grows with width^2 x resolution^2: about 1 minute per epoch for width 0.25 at
# 16x16 on 2 cores, 15 minutes for 0.5 at 28x28.
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
build/compiler/driver/rqc experiment examples/experiments/fashion_mobilenet_v1.json -o "$results"
build/compiler/driver/rqc experiment report "$results" -o "$results/report"
