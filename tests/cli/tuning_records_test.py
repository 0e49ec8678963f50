"""rqc compile --tuning-records with a hand-written log for ResNet-18.

A record for one ResNet-18 task (the 64 -> 64 3x3 convolutions of layer1) must change
those kernels' schedules (--dump=scheduled) and keep the outputs exact (against the
reference executor); a malformed line, a TVM line for a template rqc does not have, an
old v0.1 line and a record outside the template's space are skipped, each with a warning
naming its line, and the summary line counts the untuned tasks. The same record in a
tophub log (RQC_TOPHUB_LOCATION) is used without --tuning-records, and a user's record
for the workload wins over it even when its cost is higher (ApplyHistoryBest's order).

usage: tuning_records_test.py RQC MODELS_DIR
"""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

ARGS = [["TENSOR", [1, 64, 56, 56], "float32"], ["TENSOR", [64, 64, 3, 3], "float32"], [1, 1], [1, 1, 1, 1],
        [1, 1], "NCHW", "NCHW", "float32"]
# index 179 of conv2d_NCHWc.x86's space for this workload (the unit tests check the map).
ENTITY = [["tile_ic", "sp", [4, 16]], ["tile_oc", "sp", [4, 16]], ["tile_ow", "sp", [8, 7]], ["unroll_kw", "ot", True]]
TVM_LINE = ('{"input": ["llvm -device=arm_cpu -model=rk3399 -mtriple=aarch64-linux-gnu -mattr=+neon", '
            '"depthwise_conv2d_nchw.arm_cpu", [["TENSOR", [1, 960, 7, 7], "float32"], ["TENSOR", [960, 1, 3, 3], '
            '"float32"], [1, 1], [1, 1, 1, 1], [1, 1], "float32"], {}], "config": {"index": 1485, "code_hash": null, '
            '"entity": [["tile_c", "sp", [480, 2]], ["tile_h", "sp", [1, 7]], ["tile_w", "sp", [7, 1]], '
            '["ann", "an", ["unroll", "unroll", "vec"]]]}, "result": [[0.00014667120321637428], 0, 0.899038553237915, '
            '1535931360.572654], "version": 0.2, "tvm_version": "0.7.dev0"}')


def record(entity, index, cost):
    return json.dumps({"input": ["llvm", "conv2d_NCHWc.x86", ARGS, {}],
                       "config": {"index": index, "code_hash": None, "entity": entity},
                       "result": [[cost], 0, 1.0, 1764000000.0], "version": 0.2, "tvm_version": "0.8.dev0"})


failures = []


def check(what, ok, detail=""):
    print(("ok   " if ok else "FAIL ") + what + ("" if ok else ": " + detail))
    if not ok:
        failures.append(what)


def main():
    rqc, models = sys.argv[1], sys.argv[2]
    model = os.path.join(models, "resnet18.onnx")
    env = dict(os.environ, RQC_TOPHUB_LOCATION="NONE")
    with tempfile.TemporaryDirectory() as tmp:
        log = os.path.join(tmp, "resnet18.log")
        outside = [e if e[0] != "tile_ow" else ["tile_ow", "sp", [3, 19]] for e in ENTITY]
        with open(log, "w") as f:
            f.write("\n".join(["# hand-written", '{"input": [', TVM_LINE,
                               '{"i": ["llvm", "topi_nn_conv2d", [], {}], "r": [[1], 0, 1, 1], "v": 0.1}',
                               record(ENTITY, 179, 2e-3), record(outside, 0, 1e-3)]) + "\n")

        dump = subprocess.run([rqc, "compile", model, "--tuning-records", log, "--dump=scheduled"],
                              capture_output=True, text=True, env=env)
        check("compile with the log succeeds", dump.returncode == 0, dump.stderr[-500:])
        err = dump.stderr
        for line, why in [(2, "not JSON"), (3, "template 'depthwise_conv2d_nchw.arm_cpu', which rqc does not have"),
                          (4, "log format version 0.1 is not supported"),
                          (6, "knob 'tile_ow' value [3,19] is outside the space")]:
            check(f"warning names line {line}", any(f"{log}:{line}" in l or f"(line {line})" in l for l in err.splitlines()
                                                    if why in l), err)
        check("summary line", "12 of 13 tasks untuned: fallback configs used" in err, err)
        headers = [l for l in dump.stdout.splitlines() if l.startswith("// kernel_") and "conv2d_NCHWc" in l]
        layer1 = [l for l in headers if "layer1" in l]
        check("the four layer1 3x3 convolutions use the record",
              len(layer1) == 4 and all(f"({log}:5) tile_ic=[4,16] tile_oc=[4,16] tile_ow=[8,7] unroll_kw=true" in l
                                       for l in layer1), "\n".join(layer1))
        check("their steps follow the record", "//   tile output [1, 1, 1, 7, 0]" in dump.stdout
              and "//   tensorize root conv2d_nchwc [1, 8, 1]" in dump.stdout)
        others = [l for l in headers if "layer1" not in l]
        check("the other convolutions keep their fallbacks", others and all("(fallback)" in l for l in others))

        hub = os.path.join(tmp, "hub")
        os.mkdir(hub)
        with open(os.path.join(hub, "x86_v0.01.log"), "w") as f:
            f.write("# a tophub log\n" + record(ENTITY, 179, 2e-3) + "\n")
        hub_env = dict(os.environ, RQC_TOPHUB_LOCATION=hub)
        hub_dump = subprocess.run([rqc, "compile", model, "--dump=scheduled"], capture_output=True, text=True, env=hub_env)
        hub_layer1 = [l for l in hub_dump.stdout.splitlines() if l.startswith("// kernel_") and "layer1" in l
                      and "conv2d_NCHWc" in l]
        check("a tophub record is used without --tuning-records",
              len(hub_layer1) == 4 and all("x86_v0.01.log:2) tile_ic=[4,16]" in l for l in hub_layer1), hub_dump.stderr[-500:])
        # A faster tophub record in other layouts (NCHW32c) must not win over the user's
        # record either: the graph tuner chooses among the preferred source's records only.
        other_layout = [["tile_ic", "sp", [2, 32]], ["tile_oc", "sp", [2, 32]], ["tile_ow", "sp", [8, 7]],
                        ["unroll_kw", "ot", True]]
        with open(os.path.join(hub, "x86_v0.01.log"), "a") as f:
            f.write(record(other_layout, 187, 1e-4) + "\n")
        # With records in two layouts the graph tuner plans; the plan is the same in every run.
        dumps = [subprocess.run([rqc, "compile", model, "--dump=scheduled"], capture_output=True, text=True,
                                env=hub_env).stdout for _ in range(2)]
        check("the graph tuner's plan is the same in two runs", dumps[0] == dumps[1]
              and "layer1_0_conv1: conv2d_NCHWc.x86" in dumps[0], dumps[0][:300])
        user = os.path.join(tmp, "user.log")
        user_entity = [e if e[0] != "tile_ow" else ["tile_ow", "sp", [4, 14]] for e in ENTITY]
        with open(user, "w") as f:
            f.write(record(user_entity, 0, 9e-3) + "\n")
        both = subprocess.run([rqc, "compile", model, "--dump=scheduled", "--tuning-records", user], capture_output=True,
                              text=True, env=hub_env)
        index = [l for l in both.stderr.splitlines() if "names another point" in l]
        if index:  # the index of user_entity, from the warning, then again
            idx = int(index[0].split("(index ")[1].split(")")[0])
            with open(user, "w") as f:
                f.write(record(user_entity, idx, 9e-3) + "\n")
            both = subprocess.run([rqc, "compile", model, "--dump=scheduled", "--tuning-records", user],
                                  capture_output=True, text=True, env=hub_env)
        both_layer1 = [l for l in both.stdout.splitlines() if l.startswith("// kernel_") and "layer1" in l
                       and "conv2d_NCHWc" in l]
        check("a user's record wins over tophub's",
              len(both_layer1) == 4 and all(f"({user}:1) tile_ic=[4,16] tile_oc=[4,16] tile_ow=[4,14]" in l
                                            for l in both_layer1), both.stderr[-500:] + "\n".join(both_layer1))

        outs = {}
        for name, extra in [("tuned", ["--tuning-records", log]), ("fallback", [])]:
            pkg = os.path.join(tmp, name + ".rqc")
            subprocess.run([rqc, "compile", model, "-o", pkg] + extra, check=True, capture_output=True, env=env)
            out = os.path.join(tmp, name + ".npz")
            subprocess.run([rqc, "run", pkg, "--seed", "5", "--outputs", out], check=True, capture_output=True)
            outs[name] = np.load(out)
        ref = os.path.join(tmp, "ref.npz")
        subprocess.run([rqc, "run", model, "--reference", "--seed", "5", "--outputs", ref], check=True,
                       capture_output=True)
        r = np.load(ref)
        for name, o in outs.items():
            for key in r.files:
                tol = 1e-4 * float(r[key].max() - r[key].min())
                diff = float(np.abs(o[key] - r[key]).max())
                check(f"{name} output '{key}' matches the reference ({diff:.3g} <= {tol:.3g})",
                      o[key].shape == r[key].shape and diff <= tol)
    if failures:
        print(f"{len(failures)} check(s) failed")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
