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
echo "== rqc compile models/resnet18.onnx --target=llvm -o build/resnet18.rqc"
build/compiler/driver/rqc compile models/resnet18.onnx --target=llvm -o build/resnet18.rqc
echo
echo "== rqc run build/resnet18.rqc   (seeded random input)"
build/compiler/driver/rqc run build/resnet18.rqc --outputs build/resnet18_out.npz
echo
echo "== rqc bench build/resnet18.rqc"
build/compiler/driver/rqc bench build/resnet18.rqc --repeat 20
echo
echo "== rqc validate models/fashion_resnet8.onnx --dataset fashion-mnist   (trained ResNet-8, 10,000 real test images)"
build/compiler/driver/rqc validate models/fashion_resnet8.onnx --dataset fashion-mnist
echo
echo "== rqc quantize models/fashion_resnet8.onnx --calibration fashion-mnist-train --calibration-limit 1000 -o build/fashion_resnet8_int8.onnx"
build/compiler/driver/rqc quantize models/fashion_resnet8.onnx --calibration fashion-mnist-train --calibration-limit 1000 \
    -o build/fashion_resnet8_int8.onnx
echo
echo "== rqc validate build/fashion_resnet8_int8.onnx --dataset fashion-mnist   (the same network, quantized by rqc to int8)"
build/compiler/driver/rqc validate build/fashion_resnet8_int8.onnx --dataset fashion-mnist
echo
echo "== rqc compile models/fashion_resnet8.onnx --target=vta --target-host=llvm --calibration fashion-mnist-train --calibration-limit 1000 -o build/fashion_resnet8_vta.rqc"
echo "   (power-of-two int8; the convolutions on the VTA accelerator's simulator, the rest on this CPU)"
build/compiler/driver/rqc compile models/fashion_resnet8.onnx --target=vta --target-host=llvm \
    --calibration fashion-mnist-train --calibration-limit 1000 -o build/fashion_resnet8_vta.rqc
echo
echo "== rqc validate build/fashion_resnet8_vta.rqc --dataset fashion-mnist --limit 2000   (on VTA, simulated)"
build/compiler/driver/rqc validate build/fashion_resnet8_vta.rqc --dataset fashion-mnist --limit 2000
echo
echo "== rqc bench build/fashion_resnet8_vta.rqc --profile   (VTA time from the simulator's cycle model)"
build/compiler/driver/rqc bench build/fashion_resnet8_vta.rqc --repeat 5 --profile | grep -E "^(vta|estimate):"
