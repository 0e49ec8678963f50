#!/usr/bin/env python3
"""rqc experiment end to end on the trained Fashion-MNIST ResNet-8 (fp32 and int8, 1 and 2
threads): every point's record against the CSV, a sweep killed after its first point
resumes without redoing it, the report's Pareto frontier against one computed here from the
records, the comparison with a baseline flags a regression, a locked results folder is
refused, and bad SPECs fail at once with one error line and no results folder.

    experiment_test.py RQC MODEL.onnx [EXAMPLES_DIR]

YAML SPECs are checked against their JSON twins, and the shipped examples in EXAMPLES_DIR
list their points.
"""
from __future__ import annotations

import csv
import fcntl
import itertools
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import yaml

KEYS = {"id", "experiment", "model", "variant", "model_path", "model_bytes", "target", "dtype", "threads", "device",
        "dataset", "images", "top1", "top5", "latency_ms", "images_per_second", "batch", "compile_seconds",
        "rqc_version", "commands", "settings", "finished"}


def fail(message: str) -> None:
    sys.exit(f"FAIL: {message}")


def write_spec(path: str, **fields) -> str:
    spec = {"name": "resnet8-test", "dataset": "fashion-mnist", "images": 300, "repeat": 10,
            "models": [{"name": "resnet8", "path": fields.pop("model")}],
            "dtypes": ["float32", "int8"], "threads": [1, 2], "int8_kernels": "on",
            "quantize": {"calibration": "fashion-mnist-train", "limit": 50}}
    spec.update(fields)
    with open(path, "w") as f:
        json.dump(spec, f)
    return path


def records(results: str) -> dict[str, dict]:
    out = {}
    for name in sorted(os.listdir(os.path.join(results, "points"))):
        if name.endswith(".json") and not name.startswith("."):
            with open(os.path.join(results, "points", name)) as f:
                r = json.load(f)
            out[r["id"]] = r
    return out


def frontier(points: list[tuple[str, float, float]]) -> set[str]:
    """Pareto-efficient ids of (id, latency, top1), by the definition, in O(n^2)."""
    return {i for i, ms, t in points
            if not any((ms2 <= ms and t2 >= t) and (ms2 < ms or t2 > t) for _, ms2, t2 in points)}


def check_sweep(rqc: str, model: str, tmp: str) -> str:
    spec = write_spec(os.path.join(tmp, "spec.json"), model=model)
    results = os.path.join(tmp, "results")
    r = subprocess.run([rqc, "experiment", spec, "-o", results], capture_output=True, text=True)
    if r.returncode != 0:
        fail(f"rqc experiment: exit {r.returncode}\n{r.stderr}")
    recs = records(results)
    want = {"resnet8-llvm-float32-t1", "resnet8-llvm-float32-t2", "resnet8-llvm-int8-t1", "resnet8-llvm-int8-t2"}
    if set(recs) != want:
        fail(f"records {sorted(recs)}, expected {sorted(want)}")
    for rid, rec in recs.items():
        if set(rec) != KEYS:
            fail(f"{rid}: keys {sorted(set(rec) ^ KEYS)} missing or unexpected")
        if rec["images"] != 300 or not 0.85 <= rec["top1"] <= 1.0 or rec["top5"] < rec["top1"]:
            fail(f"{rid}: implausible scores {rec['images']} images, top-1 {rec['top1']}, top-5 {rec['top5']}")
        lat = rec["latency_ms"]
        if not 0 < lat["p50"] <= lat["p90"] or lat["mean"] <= 0:
            fail(f"{rid}: implausible latency {lat}")
        joined = "\n".join(rec["commands"])
        if ("--int8-kernels on" in joined) != (rec["dtype"] == "int8"):
            fail(f"{rid}: \"int8_kernels\": \"on\" must reach the int8 points' rqc compile, and only them:\n{joined}")
        for step in ("compile", "validate", "bench") + (("quantize",) if rec["dtype"] == "int8" else ()):
            if f" {step} " not in joined:
                fail(f"{rid}: no rqc {step} among its commands:\n{joined}")
        if not rec["device"]["cpu"] or rec["device"]["cores"] < 1:
            fail(f"{rid}: no device fingerprint: {rec['device']}")
    if recs["resnet8-llvm-int8-t1"]["model_bytes"] * 2 > recs["resnet8-llvm-float32-t1"]["model_bytes"]:
        fail("the int8 model is not smaller than half the float one")
    with open(os.path.join(results, "results.csv")) as f:
        rows = list(csv.DictReader(f))
    if len(rows) != 4:
        fail(f"results.csv has {len(rows)} rows")
    for row in rows:
        rec = recs[row["id"]]
        if abs(float(row["top1"]) - rec["top1"]) > 1e-6 or abs(float(row["latency_mean_ms"]) - rec["latency_ms"]["mean"]) > 1e-6:
            fail(f"results.csv row {row['id']} disagrees with its record")
    print(f"ok sweep: 4 records with every key, commands and device, matching results.csv")
    return results


def check_resume(rqc: str, model: str, tmp: str) -> None:
    spec = write_spec(os.path.join(tmp, "resume.json"), model=model)
    results = os.path.join(tmp, "resumed")
    p = subprocess.Popen([rqc, "experiment", spec, "-o", results], stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.time() + 300
    first = None
    while time.time() < deadline and p.poll() is None:
        done = records(results) if os.path.isdir(os.path.join(results, "points")) else {}
        if done:
            first = next(iter(done))
            break
        time.sleep(0.05)
    if first is None:
        fail("the sweep to kill finished or stalled before its first record")
    os.killpg(p.pid, signal.SIGKILL)
    p.wait()
    killed_with = set(records(results))
    with open(os.path.join(results, "points", first + ".json"), "rb") as f:
        before = f.read()
    if len(killed_with) >= 4:
        fail("the sweep finished before it was killed; nothing to resume")
    r = subprocess.run([rqc, "experiment", spec, "-o", results], capture_output=True, text=True)
    if r.returncode != 0:
        fail(f"resuming: exit {r.returncode}\n{r.stderr}")
    with open(os.path.join(results, "points", first + ".json"), "rb") as f:
        if f.read() != before:
            fail(f"resuming measured {first} again")
    m = re.search(r"(\d+) measured now, (\d+) recorded earlier, 0 failed", r.stderr)
    if not m or int(m.group(2)) != len(killed_with) or int(m.group(1)) != 4 - len(killed_with):
        fail(f"resume summary does not match the {len(killed_with)} records left by the kill:\n{r.stderr}")
    if len(records(results)) != 4:
        fail("resuming did not complete the sweep")
    print(f"ok resume: killed after {len(killed_with)} of 4 points, the rerun measured only the other "
          f"{4 - len(killed_with)}")

    # A record that is unreadable, or was made with other settings, is measured again.
    victim = os.path.join(results, "points", first + ".json")
    with open(victim, "w") as f:
        f.write('{"id": "trunc')
    write_spec(spec, model=model, images=200)
    r = subprocess.run([rqc, "experiment", spec, "-o", results], capture_output=True, text=True)
    recs = records(results)
    if r.returncode != 0 or "4 measured now, 0 recorded earlier" not in r.stderr or \
            any(x["images"] != 200 for x in recs.values()) or "record is unreadable" not in r.stderr or \
            "images changed since it was recorded" not in r.stderr:
        fail(f"a changed SPEC or an unreadable record was not measured again:\n{r.stderr}")
    print("ok a changed SPEC and an unreadable record are measured again, with a warning naming why")


def check_report(rqc: str, results: str, tmp: str) -> None:
    out = os.path.join(tmp, "report")
    r = subprocess.run([rqc, "experiment", "report", results, "-o", out], capture_output=True, text=True)
    if r.returncode != 0:
        fail(f"rqc experiment report: {r.stderr}")
    recs = records(results)
    want = frontier([(i, x["latency_ms"]["mean"], x["top1"]) for i, x in recs.items()])
    page = open(os.path.join(out, "index.html")).read()
    marked = set(re.findall(r'<tr class="f"><td class="t">([^<]+)</td>', page))
    if marked != want:
        fail(f"the report's frontier {sorted(marked)} is not the records' {sorted(want)}")
    for rid in recs:
        if rid not in page:
            fail(f"{rid} is not in index.html")
    svg = os.path.join(out, "latency_top1_llvm.svg")
    if not os.path.getsize(svg) or "<svg" not in open(svg).read():
        fail("no latency/top-1 plot")
    print(f"ok report: frontier {sorted(want)} as computed from the records; plot and table written")

    baseline = os.path.join(tmp, "baseline")
    shutil.copytree(results, baseline)
    victim = sorted(recs)[0]
    path = os.path.join(baseline, "points", victim + ".json")
    rec = json.load(open(path))
    rec["latency_ms"]["mean"] /= 2  # the baseline was twice as fast: the current run regressed
    json.dump(rec, open(path, "w"))
    r = subprocess.run([rqc, "experiment", "report", results, "-o", out, "--baseline", baseline], capture_output=True,
                       text=True)
    if r.returncode != 0 or f"regression: {victim}:" not in r.stdout or "1 of 4 points in both runs regressed" not in r.stdout:
        fail(f"--baseline did not flag exactly {victim}:\n{r.stdout}{r.stderr}")
    r = subprocess.run([rqc, "experiment", "report", results, "-o", out, "--baseline", baseline,
                        "--fail-on-regression"], capture_output=True, text=True)
    if r.returncode != 1 or not r.stderr.startswith("rqc: error: 1 points regressed"):
        fail(f"--fail-on-regression: exit {r.returncode}\n{r.stderr}")
    unrelated = os.path.join(tmp, "unrelated")
    shutil.copytree(baseline, unrelated)
    for name in os.listdir(os.path.join(unrelated, "points")):
        rec = json.load(open(os.path.join(unrelated, "points", name)))
        rec["id"] = "other-" + rec["id"]
        os.remove(os.path.join(unrelated, "points", name))
        json.dump(rec, open(os.path.join(unrelated, "points", "other-" + name), "w"))
    r = subprocess.run([rqc, "experiment", "report", results, "-o", out, "--baseline", unrelated,
                        "--fail-on-regression"], capture_output=True, text=True)
    if r.returncode == 0 or "has no point in common" not in r.stderr:
        fail(f"a baseline sharing no point passed:\n{r.stdout}{r.stderr}")
    print(f"ok baseline: {victim} flagged as slower, --fail-on-regression exits 1")


def expect_refusal(rqc: str, spec: str, results: str, needle: str) -> None:
    r = subprocess.run([rqc, "experiment", spec, "-o", results], capture_output=True, text=True)
    lines = r.stderr.strip().splitlines()
    if r.returncode == 0 or len(lines) != 1 or needle not in lines[0] or not lines[0].startswith("rqc: error:"):
        fail(f"expected one error line with '{needle}', got exit {r.returncode}:\n{r.stderr}")
    if os.path.exists(results):
        fail(f"a refused SPEC created {results}")
    print(f"ok refused: {lines[0]}")


def check_refusals(rqc: str, model: str, tmp: str, int8_model: str | None) -> None:
    nowhere = os.path.join(tmp, "never")
    spec = os.path.join(tmp, "bad.json")
    cases = [
        ({"models": [{"name": "x", "path": "missing.onnx"}]}, "missing.onnx: no such file"),
        ({"targets": ["cuda"]}, "target \"cuda\": rqc experiment measures on this machine"),
        ({"targets": ["arm_cpu"]}, "target \"arm_cpu\""),
        ({"thread": [1]}, "unknown key \"thread\""),
        ({"dtypes": ["int4"]}, "dtype \"int4\" is not float32 or int8"),
        ({"threads": [0]}, "\"threads\" must be a non-empty list of positive integers"),
        ({"dataset": "no-such-folder"}, "no-such-folder: no such file or folder"),
        ({"models": [{"name": "m", "path": "m_{width}.onnx", "grid": {"depth": [1]}}], "quantize": None},
         "\"grid\" entry \"depth\" of model \"m\" is not a {depth} placeholder of its path"),
        ({"models": [{"name": "m", "path": "m_{width}.onnx"}]}, "names a placeholder its \"grid\" does not give"),
        ({"models": [{"name": ".hidden", "path": model}]}, "must be letters, digits"),
        ({"dtypes": ["float32", "float32"]}, "\"dtypes\" lists \"float32\" twice"),
        ({"repeat": 1099511627776}, "\"repeat\" must be an integer from 1 to 1000000"),
        ({"int8_kernels": "yes"}, "\"int8_kernels\" must be \"auto\", \"on\" or \"off\""),
    ]
    for fields, needle in cases:
        with open(spec, "w") as f:
            base = {"dataset": "fashion-mnist", "models": [{"name": "resnet8", "path": model}]}
            base.update(fields)
            json.dump({k: v for k, v in base.items() if v is not None}, f)
        expect_refusal(rqc, spec, nowhere, needle)
    with open(spec, "w") as f:
        json.dump({"dataset": "fashion-mnist", "dtypes": ["int8"], "models": [{"name": "resnet8", "path": model}]}, f)
    expect_refusal(rqc, spec, nowhere, "dtype int8 needs a \"quantize\" section")
    if int8_model:
        with open(spec, "w") as f:
            json.dump({"dataset": "fashion-mnist", "models": [{"name": "q", "path": int8_model}]}, f)
        expect_refusal(rqc, spec, nowhere, "is already int8, so its float32 points would measure int8")
    with open(spec, "w") as f:
        f.write("{\"dataset\": ")
    expect_refusal(rqc, spec, nowhere, "not valid JSON")
    with open(spec, "w") as f:  # JSON would let the last one win; a SPEC refuses it, as YAML does
        f.write(f'{{"dataset": "fashion-mnist", "repeat": 10, "repeat": 20, "models": [{{"name": "r", "path": "{model}"}}]}}')
    expect_refusal(rqc, spec, nowhere, "key \"repeat\" appears twice")

    locked = os.path.join(tmp, "locked")
    os.makedirs(locked)
    good = write_spec(os.path.join(tmp, "good.json"), model=model)
    with open(os.path.join(locked, ".lock"), "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        r = subprocess.run([rqc, "experiment", good, "-o", locked], capture_output=True, text=True)
    if r.returncode == 0 or "another rqc experiment is writing these results" not in r.stderr or \
            os.listdir(os.path.join(locked, "points")):
        fail(f"a locked results folder was not refused:\n{r.stderr}")
    print("ok refused: a results folder another sweep holds")


def check_example(rqc: str, model: str, example: str, tmp: str, points: int, one_id: str) -> None:
    """A shipped example SPEC is well-formed: with stand-ins for its trained variants
    (scripts/fashion_study.sh trains them; set-up does not), --list names its points."""
    spec_dir = os.path.join(tmp, "examples", "experiments")
    os.makedirs(spec_dir, exist_ok=True)
    shutil.copy(example, spec_dir)
    models = os.path.join(tmp, "models")
    os.makedirs(models, exist_ok=True)
    spec = yaml.safe_load(open(example))  # JSON is YAML too
    for m in spec["models"]:
        grid = m.get("grid", {})
        for values in itertools.product(*grid.values()):
            path = os.path.basename(m["path"])
            for k, v in zip(grid, values):
                path = path.replace("{" + k + "}", json.dumps(v))
            if not os.path.exists(os.path.join(models, path)):
                os.symlink(model, os.path.join(models, path))
    r = subprocess.run([rqc, "experiment", os.path.join(spec_dir, os.path.basename(example)), "--list"],
                       capture_output=True, text=True)
    if r.returncode != 0 or not r.stdout.strip().endswith(f"{points} points") or one_id not in r.stdout:
        fail(f"the example SPEC {os.path.basename(example)} does not list its {points} points:\n{r.stdout}{r.stderr}")
    print(f"ok the example SPEC {os.path.basename(example)} lists its {points} points")


YAML_SPEC = """\
# the test's SPEC, in YAML
name: resnet8-test
dataset: fashion-mnist
images: 300
repeat: 10
models:
  - name: resnet8
    path: {model}
dtypes: [float32, int8]
threads:
  - 1
  - 2
int8_kernels: on                 # YAML 1.2: the string "on", as JSON's "on"
quantize: {{calibration: fashion-mnist-train, limit: 50}}
"""


def check_yaml(rqc: str, model: str, tmp: str) -> None:
    """A YAML SPEC means what the same keys in JSON mean (the same points, paths and settings
    in --list); YAML's own mistakes, and the validator's, are refused with one line."""
    as_json = write_spec(os.path.join(tmp, "same.json"), model=model)
    as_yaml = os.path.join(tmp, "same.yaml")
    with open(as_yaml, "w") as f:
        f.write(YAML_SPEC.format(model=model))
    lists = [subprocess.run([rqc, "experiment", s, "--list"], capture_output=True, text=True) for s in (as_json, as_yaml)]
    if any(r.returncode != 0 for r in lists) or lists[0].stdout != lists[1].stdout or "4 points" not in lists[0].stdout:
        fail(f"the YAML SPEC lists other points than the JSON one:\n{lists[0].stdout}{lists[0].stderr}"
             f"---\n{lists[1].stdout}{lists[1].stderr}")
    print("ok a YAML SPEC lists the same 4 points as its JSON twin")
    # YAML 1.2 core-schema numbers: 0x10 is 16, as the JSON twin's 16.
    with open(as_yaml, "w") as f:
        f.write(YAML_SPEC.format(model=model).replace("repeat: 10", "repeat: 0x10"))
    write_spec(as_json, model=model, repeat=16)
    lists = [subprocess.run([rqc, "experiment", s, "--list"], capture_output=True, text=True) for s in (as_json, as_yaml)]
    if any(r.returncode != 0 for r in lists) or lists[0].stdout != lists[1].stdout:
        fail(f"repeat: 0x10 in YAML is not JSON's 16:\n{lists[0].stdout}{lists[0].stderr}---\n{lists[1].stdout}{lists[1].stderr}")
    nowhere = os.path.join(tmp, "never")
    bad = os.path.join(tmp, "bad.yaml")
    cases = [
        (YAML_SPEC.format(model=model) + "dataset: fashion-mnist\n", "key \"dataset\" appears twice"),
        (YAML_SPEC.format(model=model).replace("  - 2\n", "  - \"2\"\n"),
         "\"threads\" must be a non-empty list of positive integers"),  # quoted: a string, not a number
        (YAML_SPEC.format(model=model).replace("[float32, int8]", "[float32, int8"), "not valid YAML"),
        ("- dataset: fashion-mnist\n", "a SPEC is a mapping of keys"),
        (YAML_SPEC.format(model=model).replace("repeat: 10", "repaet: 10"), "unknown key \"repaet\""),
        (YAML_SPEC.format(model=model) + "---\nrepeat: 20\n", "holds 2 YAML documents; a SPEC is one"),
        ("dataset: fashion-mnist\nmodels: &a [*a]\n", "(a recursive alias?)"),
        (YAML_SPEC.format(model=model).replace("repeat: 10", "repeat: !!int ten"), "is tagged !!int but is not an integer"),
    ]
    for text, needle in cases:
        with open(bad, "w") as f:
            f.write(text)
        expect_refusal(rqc, bad, nowhere, needle)


def main() -> int:
    rqc, model = sys.argv[1], os.path.abspath(sys.argv[2])
    examples = sys.argv[3] if len(sys.argv) > 3 else None
    with tempfile.TemporaryDirectory() as tmp:
        if examples:
            check_example(rqc, model, os.path.join(examples, "fashion_mobilenet_v1.json"), tmp, 10,
                          "mobilenet_v1-resolution16-width0.25-llvm-int8-t1")
            check_example(rqc, model, os.path.join(examples, "fashion_resnet8_family.yaml"), tmp, 16,
                          "resnet8-depth2-width0.5-llvm-int8-t2")
        check_yaml(rqc, model, tmp)
        results = check_sweep(rqc, model, tmp)
        check_report(rqc, results, tmp)
        check_resume(rqc, model, tmp)
        quantized = [os.path.join(results, "work", f) for f in os.listdir(os.path.join(results, "work"))
                     if f.endswith(".onnx")]
        check_refusals(rqc, model, tmp, quantized[0] if quantized else None)
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
