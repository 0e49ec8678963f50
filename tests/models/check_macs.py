"""Checks `rqc inspect --json` MAC totals against the published counts (within 2%). The
zoo's family variants (MobileNet-v1 widths and resolutions, ResNet depths and widths) take
scripts/make_zoo.py's expected count: the paper's, or its closed form where no paper counts.

usage: check_macs.py RQC MODEL_PATH NAME
"""
import json
import os
import subprocess
import sys

# Published multiply-accumulates per image (conv + fully connected layers).
PUBLISHED = {
    "resnet18": 1.81e9,      # torchvision ResNet18_Weights
    "resnet50": 4.09e9,      # torchvision (v1.5)
    "mobilenet_v1": 569e6,   # tensorflow/models slim mobilenet_v1.md (1.0/224)
    "mobilenet_v2": 300e6,   # tensorflow/models slim mobilenet README (1.0/224)
    "vgg16": 15.47e9,        # torchvision VGG16_Weights (15.47 GFLOPS = GMACs)
    "alexnet": 0.72e9,       # bvlc_alexnet (two-tower, 227x227)
    "inception_v3": 5.71e9,  # torchvision Inception_V3_Weights (5.71 GFLOPS = GMACs)
    "resnet8": 12.5e6,       # MLPerf Tiny ResNet-8, computed from the architecture
}


def main():
    rqc, model, name = sys.argv[1:4]
    base = name[:-5] if name.endswith("_int8") else name
    out = subprocess.run([rqc, "inspect", model, "--json"], capture_output=True, text=True)
    if out.returncode != 0:
        print(out.stderr.strip())
        return 1
    macs = json.loads(out.stdout)["macs"]
    if base in PUBLISHED:
        want = PUBLISHED[base]
    else:
        sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
        from make_zoo import ZOO
        want = ZOO[base].published_macs
    err = abs(macs - want) / want
    status = "PASS" if err <= 0.02 else "FAIL"
    print(f"{name}: {status} rqc={macs / 1e6:.1f}M published={want / 1e6:.1f}M ({err * 100:.2f}% off)")
    return 0 if status == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
