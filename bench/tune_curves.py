"""Tuning curves of random, ga and xgb on ResNet-18's host tasks, from one run.

usage: python bench/tune_curves.py --rqc build/compiler/driver/rqc [--model models/resnet18.onnx]
       [--tasks 2,5] [--trials 300] [--random-trials 2000] [--out bench-tune] [--seed 0]

For each tuner, `rqc tune MODEL --tuner T --tasks LIST -o OUT/T.log` (random with
--random-trials, the others with --trials; a rerun resumes each log). Then, per task, the
reference is the best time of all random trials (AutoTVM's baseline: the best of a long
random search), and for each tuner it prints the best GFLOP/s after 50/100/200/300 trials
and the trials it needed to come within 5% of the reference ("-" when it never did). The
criterion of the tuner issue: xgb within 5% in at most 300 trials on every task. The
curves are drawn by `rqc tune report` into OUT/report/index.html. Tuning time is the
machine's: on a shared machine the measured times are noisy, so a tuner can "beat" the
reference by a few percent.
"""
import argparse
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def records(path):
    out = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            try:
                out.append(json.loads(line))
            except ValueError:
                pass  # a cut last line: rqc tune reports it
    return out


def task_key(r):
    return r["input"][1] + " " + json.dumps(r["input"][2])


def macs(template, args):
    """The direct algorithm's multiply-adds (as rqc tune report counts them)."""
    data, weight = args[0][1], args[1][1]
    if template.startswith("dense"):
        return data[0] * weight[0] * data[1]
    (sh, sw), (pt, pl, pb, pr), (dh, dw) = args[2], args[3], args[4]
    oh = (data[2] + pt + pb - dh * (weight[2] - 1) - 1) // sh + 1
    ow = (data[3] + pl + pr - dw * (weight[3] - 1) - 1) // sw + 1
    return data[0] * weight[0] * oh * ow * weight[1] * weight[2] * weight[3]


def curve(recs):
    """Best cost (s) after each trial, in log order."""
    best, out = float("inf"), []
    for r in recs:
        if r["result"][1] == 0:
            best = min(best, sum(r["result"][0]) / len(r["result"][0]))
        out.append(best)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rqc", required=True)
    ap.add_argument("--model", default=os.path.join(ROOT, "models", "resnet18.onnx"))
    ap.add_argument("--tasks", default=None, help="rqc tune --tasks (default: all the model's tasks)")
    ap.add_argument("--tuners", nargs="+", default=["random", "ga", "xgb"])
    ap.add_argument("--trials", type=int, default=300)
    ap.add_argument("--random-trials", type=int, default=2000)
    ap.add_argument("--out", default="bench-tune")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--tune-args", default="", help="extra rqc tune flags, e.g. '--min-repeat-ms 20'")
    args = ap.parse_args()

    os.makedirs(args.out, exist_ok=True)
    env = dict(os.environ, RQC_TOPHUB_LOCATION="NONE")
    logs = {}
    for tuner in args.tuners:
        logs[tuner] = os.path.join(args.out, tuner + ".log")
        trials = args.random_trials if tuner == "random" else args.trials
        cmd = [args.rqc, "tune", args.model, "--tuner", tuner, "--trials", str(trials), "-o", logs[tuner],
               "--seed", str(args.seed)] + (["--tasks", args.tasks] if args.tasks else []) + args.tune_args.split()
        if os.path.exists(logs[tuner]) and os.path.getsize(logs[tuner]) > 0:
            cmd.append("--resume")
        print("$ " + " ".join(cmd), flush=True)
        subprocess.run(cmd, check=True, env=env)

    by_task = {}
    for tuner, log in logs.items():
        for r in records(log):
            by_task.setdefault(task_key(r), {}).setdefault(tuner, []).append(r)
    marks = [m for m in (50, 100, 200, 300) if m <= args.trials]
    print(f"\nbest GFLOP/s after N trials; 'to 5%': trials to come within 5% of the best of "
          f"{args.random_trials} random trials")
    print(f"{'task':58s} {'tuner':7s} " + " ".join(f"{'@' + str(m):>7s}" for m in marks) +
          f" {'best':>7s} {'to 5%':>6s}")
    met, tasks = 0, 0
    summary = []
    for key, per in by_task.items():
        if "random" not in per:
            continue
        first = next(iter(per.values()))[0]
        template, targs = first["input"][1], first["input"][2]
        flop = 2 * macs(template, targs)
        reference = curve(per["random"])[-1]
        label = template + " " + " ".join("x".join(map(str, a[1])) for a in targs[:2]) + " " + json.dumps(targs[2])
        tasks += 1
        for tuner in args.tuners:
            c = curve(per.get(tuner, []))
            gf = lambda s: flop / s / 1e9 if s != float("inf") else 0.0
            within = next((i + 1 for i, s in enumerate(c) if s <= reference / 0.95), None)
            if tuner == "xgb" and within is not None and within <= 300:
                met += 1
            summary.append({"task": label, "tuner": tuner, "trials": len(c), "best_gflops": gf(c[-1]) if c else 0,
                            "reference_gflops": gf(reference), "trials_to_5pct": within,
                            "at": {m: gf(c[m - 1]) for m in marks if len(c) >= m}})
            print(f"{label[:58]:58s} {tuner:7s} " +
                  " ".join(f"{gf(c[m - 1]):7.1f}" if len(c) >= m else f"{'':7s}" for m in marks) +
                  f" {gf(c[-1]) if c else 0:7.1f} {within if within else '-':>6}")
    if "xgb" in args.tuners:
        print(f"\nxgb within 5% of the best random trial in <= 300 trials on {met} of {tasks} task(s)")
    with open(os.path.join(args.out, "summary.json"), "w") as f:
        json.dump({"model": args.model, "random_trials": args.random_trials, "trials": args.trials,
                   "tasks": summary}, f, indent=2)
    report = os.path.join(args.out, "report")
    subprocess.run([args.rqc, "tune", "report"] + list(logs.values()) + ["-o", report], check=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
