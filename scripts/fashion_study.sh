#!/usr/bin/env bash
# The seed's studies (../shared/seeds/000_*: model variants, fp32 and int8, latency against
# top-1) on this machine's CPU, with networks trained on Fashion-MNIST so that accuracy is
# real. Trains the variants of the example SPEC that are missing (Debian's torch,
# scripts/train_fashion_mnist.py; cached in models/), then runs the SPEC and its report.
# docs/experiments.md.
#
#   scripts/fashion_study.sh mobilenet_v1 [RESULTS_DIR]   examples/experiments/fashion_mobilenet_v1.json
#   scripts/fashion_study.sh resnet8 [RESULTS_DIR]        examples/experiments/fashion_resnet8_family.yaml
#                                                         (default RESULTS_DIR: build/fashion_STUDY)
#
# WIDTHS, RESOLUTIONS (mobilenet_v1), DEPTHS (resnet8) and EPOCHS (environment) replace the
# example's grid; the seed's 16 MobileNet points are
#   WIDTHS="0.25 0.5 0.75 1.0" RESOLUTIONS="16 20 24 28" scripts/fashion_study.sh mobilenet_v1
# (the SPEC run is the example's with its grid replaced and absolute model paths, written
# next to the results). Training time grows with width^2 x resolution^2: about half a minute
# per epoch for MobileNet-v1 width 0.25 at 16x16 on 2 idle cores, 7 minutes for 0.5 at 28x28,
# over an hour for 1.0 at 28x28; ResNet-8 about half a minute per epoch.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
study="${1:-}"
case "$study" in
  mobilenet_v1) example=examples/experiments/fashion_mobilenet_v1.json ;;
  resnet8) example=examples/experiments/fashion_resnet8_family.yaml ;;
  *) echo "fashion_study: first argument must be mobilenet_v1 or resnet8, not '$study'" >&2; exit 2 ;;
esac
results="${2:-build/fashion_$study}"
mkdir -p "$results"
spec="$(cd "$results" && pwd)/spec-grid.json"
# The system Python: it has Debian's torch (for training) and python3-yaml (a JSON file is
# YAML too, so one reader takes both examples).
/usr/bin/python3 - "$study" "$example" "$spec" "${EPOCHS:-2}" <<'PY'
import itertools, json, os, subprocess, sys
import yaml
study, example, out, epochs = sys.argv[1:5]
spec = yaml.safe_load(open(example))
model = spec["models"][0]
grid = model["grid"]
for key, env, kind in (("width", "WIDTHS", float), ("resolution", "RESOLUTIONS", int), ("depth", "DEPTHS", int)):
    if os.environ.get(env):
        if key not in grid:
            sys.exit(f"fashion_study: {env} does not apply to {study} (its grid is {', '.join(grid)})")
        grid[key] = [kind(v) for v in os.environ[env].split()]
models = os.path.abspath("models")
for m in spec["models"]:  # the SPEC is written elsewhere: absolute model paths
    m["path"] = os.path.join(models, os.path.basename(m["path"]))
for values in itertools.product(*grid.values()):
    v = dict(zip(grid, values))
    path = model["path"]
    for k, x in v.items():
        path = path.replace("{" + k + "}", str(x))
    args = ["--width", str(v["width"]), "--epochs", epochs, "--out", path]
    args += (["--arch", "mobilenet_v1", "--resolution", str(v["resolution"])] if study == "mobilenet_v1"
             else ["--depth", str(v["depth"])])
    subprocess.run([sys.executable, "scripts/train_fashion_mnist.py"] + args, check=True)
json.dump(spec, open(out, "w"), indent=2)
PY
build/compiler/driver/rqc experiment "$spec" -o "$results"
build/compiler/driver/rqc experiment report "$results" -o "$results/report"
