"""rqc vta conv2d: TVM's ResNet-18 VTA configs emitted, simulated and checked bit-exact;
--trials tunes every workload on the simulator (the fallback first, so the best is never
slower than it), writing records that parse and that the command then runs again; bad
flags give one error line and a non-zero exit.

usage: vta_conv2d_test.py RQC TVM_LOG
"""
import json
import os
import subprocess
import sys
import tempfile

rqc, tvm_log = sys.argv[1], sys.argv[2]
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def run(*args):
    return subprocess.run([rqc, "vta", "conv2d", *args], capture_output=True, text=True, timeout=600)


with tempfile.TemporaryDirectory() as tmp:
    out_log = os.path.join(tmp, "tuned.log")
    p = run("--records", tvm_log, "--trials", "6", "--tuner", "xgb", "-o", out_log, "--json")
    check(p.returncode == 0, f"tuning run exits 0 (stderr: {p.stderr.strip()})")
    if p.returncode == 0:
        r = json.loads(p.stdout)
        check(r["all_exact"], "every stream bit-exact")
        check(len(r["layers"]) == 10, f"10 ResNet-18 workloads, got {len(r['layers'])}")
        # The calibrated cycle model (docs/vta.md, "Calibration"): TVM's configs simulated
        # within 25% of the time TVM measured for them on a Pynq, on every layer.
        for layer in r["layers"]:
            diff = layer["record"]["sim_ms"] / layer["log_ms"] - 1
            check(abs(diff) <= 0.25, f"{layer['workload']}: simulated {layer['record']['sim_ms']:.3f} ms vs "
                                     f"TVM's {layer['log_ms']:.3f} ms on a Pynq ({100 * diff:+.1f}%, within 25%)")
        # Virtual threads: rqc's fallback with two threads takes fewer cycles than with one.
        check(sum(l["fallback"]["cycles"] for l in r["layers"]) < sum(l["fallback_1_thread"]["cycles"] for l in r["layers"]),
              "two virtual threads take fewer cycles than one over the ten layers")
        for layer in r["layers"]:
            check(layer["tuned"]["sim_ms"] <= layer["fallback"]["sim_ms"] + 1e-12,
                  f"{layer['workload']}: tuned {layer['tuned']['sim_ms']} <= fallback {layer['fallback']['sim_ms']}")
        check(abs(r["tuned_sim_ms"] - sum(l["tuned"]["sim_ms"] for l in r["layers"])) < 1e-9, "tuned total")
    lines = [l for l in open(out_log) if l.strip()] if os.path.exists(out_log) else []
    check(len(lines) == 60, f"60 records (10 workloads x 6 trials), got {len(lines)}")
    for line in lines:
        rec = json.loads(line)
        check(rec["device"].startswith("rqc-vta-simulator/pynq_1x16_i8w8a32_15_15_18_17"), "records say simulated")
        check(rec["input"][1] == "conv2d_packed.vta" and rec["result"][1] == 0, "error-free conv2d_packed.vta records")
    # The tuned log is a log like TVM's: every record runs again, bit-exact.
    p = run("--records", out_log, "--json")
    check(p.returncode == 0 and json.loads(p.stdout)["all_exact"], f"the tuned log runs again ({p.stderr.strip()})")

    # Several records of one workload: one row, the fastest record's config.
    p = run("--records", out_log, "--json")
    if p.returncode == 0:
        check(len(json.loads(p.stdout)["layers"]) == 10, "one row per workload of the tuned log")

    # A vta_config.json is accepted where a model string is.
    cfg = os.path.join(tmp, "vta_config.json")
    with open(cfg, "w") as f:
        json.dump({"TARGET": "pynq", "LOG_INP_WIDTH": 3, "LOG_WGT_WIDTH": 3, "LOG_ACC_WIDTH": 5, "LOG_BATCH": 0,
                   "LOG_BLOCK": 4, "LOG_UOP_BUFF_SIZE": 15, "LOG_INP_BUFF_SIZE": 15, "LOG_WGT_BUFF_SIZE": 18,
                   "LOG_ACC_BUFF_SIZE": 17}, f)
    one = os.path.join(tmp, "one.log")
    with open(tvm_log) as f:
        first = next(l for l in f if l.startswith("{"))
    with open(one, "w") as f:
        f.write(first)
    p = run("--records", one, "--config", cfg, "--json")
    check(p.returncode == 0 and json.loads(p.stdout)["all_exact"], f"--config vta_config.json ({p.stderr.strip()})")

    # A record of a convolution conv2d_packed.vta does not compute (dilation 2) is refused, naming its line.
    dilated = os.path.join(tmp, "dilated.log")
    rec = json.loads(first)
    rec["input"][2][4] = [2, 2]
    with open(dilated, "w") as f:
        f.write(json.dumps(rec) + "\n")

    for args, expected in [
        (["--records", dilated], "dilated.log:1: conv2d_packed.vta computes"),
        (["--records", one, "--tuner", "random"], "only apply with --trials"),
        (["--records", one, "-o", out_log], "only apply with --trials"),
        (["--records", one, "--config", "pynq_bogus"], "pynq_bogus"),
        (["--records", tvm_log, "--trials", "3"], "-o"),
        (["--records", tvm_log, "--trials", "3", "-o", out_log, "--tuner", "nope"], "unknown tuner 'nope'"),
        (["--records", tvm_log, "--trials", "-2", "-o", out_log], "--trials"),
        (["--records", os.path.join(tmp, "missing.log")], "missing.log"),
    ]:
        p = run(*args)
        err = p.stderr.strip().splitlines()
        check(p.returncode != 0 and len(err) == 1 and expected in err[0],
              f"{' '.join(args)}: one error line naming {expected!r}, got {p.returncode} {err}")

print("vta_conv2d_test:", "FAILED" if failures else "ok", f"({len(failures)} failures)")
sys.exit(1 if failures else 0)
