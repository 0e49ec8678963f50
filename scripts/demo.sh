#!/usr/bin/env bash
# The main job: set up, then run the bundled ResNet-18 and show its result and latency.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
scripts/setup.sh
echo
echo "== rqc inspect models/resnet18.onnx"
build/compiler/driver/rqc inspect models/resnet18.onnx
echo
echo "== rqc run models/resnet18.onnx --reference   (seeded random input)"
build/compiler/driver/rqc run models/resnet18.onnx --reference --outputs build/resnet18_out.npz
