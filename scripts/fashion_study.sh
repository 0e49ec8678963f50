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
# WIDTHS (both), RESOLUTIONS (mobilenet_v1), DEPTHS (resnet8) and EPOCHS (environment,
# default 2) replace the example's grid and the training length; a variant already in
# models/ is not trained again (delete it to retrain). The seed's 16 MobileNet points are
#   WIDTHS="0.25 0.5 0.75 1.0" RESOLUTIONS="16 20 24 28" scripts/fashion_study.sh mobilenet_v1
# (the SPEC run is the example's with its grid replaced and absolute model paths, written
# next to the results). Training time grows with width^2 x resolution^2: about half a minute
# per epoch for MobileNet-v1 width 0.25 at 16x16 on 2 idle cores, 7 minutes for 0.5 at 28x28,
# over an hour for 1.0 at 28x28; ResNet-8 about half a minute per epoch.
set -euo pipefail
usage="usage: scripts/fashion_study.sh mobilenet_v1|resnet8 [RESULTS_DIR]"
study="${1:-}"
case "$study" in
  mobilenet_v1) example=examples/experiments/fashion_mobilenet_v1.json ;;
  resnet8) example=examples/experiments/fashion_resnet8_family.yaml ;;
  -h|--help) echo "$usage"; exit 0 ;;
  *) echo "fashion_study: first argument must be mobilenet_v1 or resnet8, not '$study' ($usage)" >&2; exit 2 ;;
esac
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# RESULTS_DIR relative to where the script is called from; the default inside the checkout.
results="$(realpath -m "${2:-$root/build/fashion_$study}")"
cd "$root"
spec="$results/spec-grid.json"
# The system Python: it has Debian's torch (for training) and python3-yaml (a JSON file is
# YAML too, so one reader takes both examples). The grid is checked before anything is
# trained or written; rqc validates the whole SPEC when the sweep starts.
/usr/bin/python3 - "$study" "$example" "$spec" "${EPOCHS:-2}" <<'PY'
import itertools, json, os, subprocess, sys
import yaml
study, example, out, epochs = sys.argv[1:5]
if not epochs.isdigit() or int(epochs) < 1:
    sys.exit(f"fashion_study: EPOCHS must be a positive integer, not '{epochs}'")
spec = yaml.safe_load(open(example))
model = spec["models"][0]
grid = model["grid"]
for key, env, kind in (("width", "WIDTHS", float), ("resolution", "RESOLUTIONS", int), ("depth", "DEPTHS", int)):
    if os.environ.get(env):
        if key not in grid:
            sys.exit(f"fashion_study: {env} does not apply to {study} (its grid is {', '.join(grid)})")
        try:
            grid[key] = [kind(v) for v in os.environ[env].split()]
        except ValueError:
            sys.exit(f"fashion_study: {env} must be a list of {'numbers' if kind is float else 'integers'}, "
                     f"not '{os.environ[env]}'")
        if any(v <= 0 for v in grid[key]):
            sys.exit(f"fashion_study: {env} must be positive, not '{os.environ[env]}'")
os.makedirs(os.path.dirname(out), exist_ok=True)
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
