"""rqc tune as a user meets it, on ResNet-8's small tasks.

- Faults: with RQC_TEST_FAULT_TEMPLATES=1 each convolution also has a test_faults task
  whose configs generate a correct kernel, one that aborts, one that spins forever and
  one that writes zeros. Grid-tuning it records all four, the faulty ones with AutoTVM's
  error numbers (4 runtime error naming the signal, 7 run timeout, 5 wrong answer), and
  only the correct one gets a time.
- Kill and resume: a run killed with SIGKILL mid-task, its log then cut in the middle of
  a line (what a full disk or a power cut leaves), continues with --resume: the cut line
  is reported and skipped, every earlier record is kept byte for byte, no config is
  measured twice and the task ends with exactly --trials records. Without --resume the
  same log is refused and left untouched.
- The tuned log drives rqc compile (rqc inspect --tasks shows the task as tuned) and the
  compiled model still matches the reference.
- The nightly job (scripts/nightly_tune.sh): two shards tune disjoint task sets covering
  the model, merge into a tophub candidate headed by device and command, and
  `rqc tophub diff` flags a slower workload.
- --int8-kernels picks an int8 model's tasks as rqc compile does.
- rqc measure times the task's kernel alone (not the layout transforms around it that
  carry its name), and with --flush-cache evicts its weights first (AutoTVM's
  enable_cpu_cache_flush).
- A log locked by another run, and bad flags, missing files and unwritable paths: one
  error line, non-zero exit, no log written.

usage: tune_test.py RQC MODELS_DIR
"""
import fcntl
import json
import os
import shutil
import signal
import subprocess
import sys
import tarfile
import tempfile
import time

import numpy as np

failures = []


def check(what, ok, detail=""):
    print(("ok   " if ok else "FAIL ") + what + ("" if ok else ": " + detail), flush=True)
    if not ok:
        failures.append(what)


def records(path):
    out = []
    with open(path) as f:
        for line in f:
            try:
                out.append(json.loads(line))
            except ValueError:
                pass
    return out


def tasks(rqc, model, env):
    p = subprocess.run([rqc, "inspect", model, "--tasks", "--json"], capture_output=True, text=True, env=env)
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout)["tasks"]


FAST = ["--min-repeat-ms", "5", "--repeat", "2", "--build-jobs", "2"]


def test_faults(rqc, model, tmp):
    env = dict(os.environ, RQC_TEST_FAULT_TEMPLATES="1", RQC_TOPHUB_LOCATION="NONE")
    index = next(i for i, t in enumerate(tasks(rqc, model, env)) if t["template"].startswith("test_faults."))
    log = os.path.join(tmp, "faults.log")
    p = subprocess.run([rqc, "tune", model, "-o", log, "--tuner", "grid", "--trials", "4", "--tasks", str(index),
                        "--timeout", "4", "--json"] + FAST, capture_output=True, text=True, env=env, timeout=300)
    check("a run with crashing, hanging and wrong candidates finishes", p.returncode == 0, p.stderr[-2000:])
    if p.returncode != 0:
        return
    by_fault = {r["config"]["entity"][0][2]: r for r in records(log)}
    check("all four candidates are recorded", sorted(by_fault) == [0, 1, 2, 3], str(sorted(by_fault)))
    if sorted(by_fault) != [0, 1, 2, 3]:
        return
    ok = by_fault[0]["result"]
    check("the correct kernel has a time and no error", ok[1] == 0 and 0 < ok[0][0] < 1, str(ok))
    expected = {1: (4, "signal 6"), 2: (7, "timed out"), 3: (5, "expected")}
    for fault, (error_no, words) in expected.items():
        r = by_fault[fault]
        check(f"fault {fault} is recorded as error {error_no} ({words})",
              r["result"][1] == error_no and words in r.get("error_msg", "") and r["result"][0][0] >= 1e9,
              json.dumps(r["result"]) + " " + r.get("error_msg", ""))
    summary = json.loads(p.stdout)
    task = summary["tasks"][0]
    check("the summary counts 4 trials, 3 errors, the correct config best",
          task["trials"] == 4 and task["errors"] == 3 and task["best_config"] == "fault=0", json.dumps(task))
    # The hanging candidate's child was killed with its process group: nothing left spinning.
    left = subprocess.run(["pgrep", "-f", "rqc measure .*faults.log.work"], capture_output=True, text=True)
    check("no measuring child outlives the run", left.stdout.strip() == "", left.stdout)


def wait_for_records(log, n, proc, limit=240):
    start = time.time()
    while time.time() - start < limit and proc.poll() is None:
        if os.path.exists(log) and len(records(log)) >= n:
            return True
        time.sleep(0.05)
    return False


def test_kill_and_resume(rqc, model, tmp):
    env = dict(os.environ, RQC_TOPHUB_LOCATION="NONE")
    log = os.path.join(tmp, "resume.log")
    trials = 10
    cmd = [rqc, "tune", model, "-o", log, "--tuner", "random", "--trials", str(trials), "--tasks", "0",
           "--batch", "2", "--seed", "3"] + FAST
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    reached = wait_for_records(log, 3, proc)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    check("the first run wrote records before it was killed", reached)
    time.sleep(0.5)
    left = subprocess.run(["pgrep", "-f", "resume.log.work"], capture_output=True, text=True)
    check("its build and measure children died with it", left.stdout.strip() == "", left.stdout)
    with open(log) as f:
        before = f.read()
    kept = records(log)
    # A record cut in the middle, as a killed writer or a full disk leaves it.
    with open(log, "a") as f:
        f.write(json.dumps(kept[0])[:70])
    with open(log) as f:
        cut = f.read()

    p = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)
    lines = p.stderr.strip().splitlines()
    check("without --resume a log with records is refused in one line",
          p.returncode != 0 and len(lines) == 1 and "--resume" in lines[0], p.stderr)
    with open(log) as f:
        check("the refused run leaves the log untouched", f.read() == cut)

    p = subprocess.run(cmd + ["--resume", "--json"], capture_output=True, text=True, env=env, timeout=300)
    check("--resume continues the run", p.returncode == 0, p.stderr[-2000:])
    if p.returncode != 0:
        return
    check("the cut line is reported with its line number",
          any("resume.log:" in l and "skipped" in l for l in p.stderr.splitlines()), p.stderr[-2000:])
    with open(log) as f:
        after = f.read()
    check("every record from before the kill is kept byte for byte", after.startswith(before))
    final = records(log)
    indices = [r["config"]["index"] for r in final]
    check(f"the task ends with exactly {trials} records", len(final) == trials, str(len(final)))
    check("no config is measured twice", len(set(indices)) == len(indices), str(indices))
    summary = json.loads(p.stdout)["tasks"][0]
    check("the summary counts the resumed trials", summary["resumed_trials"] == len(kept) and
          summary["trials"] == trials, json.dumps(summary))

    check("each record names its tuner", all(r.get("tuner") == "random" for r in final[len(kept):]))

    # The report: a plot per task with its curve, a table row per task and tuner.
    report = os.path.join(tmp, "report")
    p = subprocess.run([rqc, "tune", "report", log, os.path.join(tmp, "faults.log"), "-o", report],
                       capture_output=True, text=True, timeout=120)
    check("rqc tune report writes the report", p.returncode == 0, p.stderr)
    if p.returncode == 0:
        with open(os.path.join(report, "index.html")) as f:
            html = f.read()
        check("the table has a row per task and tuner", html.count("<tr>") == 3 and "random" in html and
              "grid" in html and "conv2d_NCHWc.x86" in html and "test_faults." in html, html[-3000:])
        svgs = sorted(n for n in os.listdir(report) if n.endswith(".svg"))
        check("a plot per task, each with its curve", svgs == ["task0.svg", "task1.svg"] and
              all("<polyline" in open(os.path.join(report, n)).read() for n in svgs), str(svgs))
    p = subprocess.run([rqc, "tune", "report", os.path.join(tmp, "none.log"), "-o", report],
                       capture_output=True, text=True)
    check("report of a missing log: one error line", p.returncode != 0 and
          len(p.stderr.strip().splitlines()) == 1 and "none.log" in p.stderr, p.stderr)

    # The log is what rqc compile reads.
    p = subprocess.run([rqc, "inspect", model, "--tasks", "--json", "--tuning-records", log],
                       capture_output=True, text=True, env=env)
    t0 = json.loads(p.stdout)["tasks"][0]
    check("rqc inspect --tasks shows the tuned task's record", t0["source"].startswith(log + ":") and t0["tuned"],
          json.dumps(t0))
    package = os.path.join(tmp, "m.rqc")
    p = subprocess.run([rqc, "compile", model, "--tuning-records", log, "-o", package], capture_output=True,
                       text=True, env=env, timeout=300)
    check("the model compiles with the tuned log", p.returncode == 0, p.stderr[-2000:])
    outs = {}
    for name, what in [("compiled", [package]), ("reference", [model, "--reference"])]:
        outs[name] = os.path.join(tmp, name + ".npz")
        subprocess.run([rqc, "run"] + what + ["--seed", "5", "--outputs", outs[name]], check=True,
                       capture_output=True, timeout=300)
    got, ref = np.load(outs["compiled"]), np.load(outs["reference"])
    for key in ref.files:
        tol = 1e-4 * float(ref[key].max() - ref[key].min())
        diff = float(np.abs(got[key] - ref[key]).max())
        check(f"and its output '{key}' matches the reference ({diff:.3g} <= {tol:.3g})", diff <= tol)


def test_lock(rqc, model, tmp):
    log = os.path.join(tmp, "locked.log")
    with open(log, "w") as holder:  # what a running rqc tune holds
        fcntl.flock(holder, fcntl.LOCK_EX)
        p = subprocess.run([rqc, "tune", model, "-o", log, "--trials", "2", "--tasks", "0"], capture_output=True,
                           text=True, timeout=120)
    lines = p.stderr.strip().splitlines()
    check("a log another run is writing is refused in one line",
          p.returncode != 0 and len(lines) == 1 and "another rqc tune" in lines[0], p.stderr)
    check("and nothing is written to it", not os.path.exists(log) or os.path.getsize(log) == 0)


def test_bad_input(rqc, model, tmp):
    log = os.path.join(tmp, "bad.log")
    cases = [
        ("an unknown tuner", ["--tuner", "annealing"], "annealing"),
        ("zero trials", ["--trials", "0"], "--trials"),
        ("a task that does not exist", ["--tasks", "99"], "99"),
        ("a shard out of range", ["--tasks", "3/2"], "3/2"),
        ("a malformed task list", ["--tasks", "1,x"], "1,x"),
        ("an unknown flag", ["--trails", "5"], "--trails"),
        ("a negative timeout", ["--timeout", "-1"], "timeout"),
        ("a timeout that is not a number", ["--timeout", "nan"], "timeout"),
        ("an empty task list", ["--tasks", ""], "--tasks"),
        ("a CPU that does not exist", ["--cpus", "999"], "999"),
        ("a negative warm-up", ["--warmup", "-1"], "--warmup"),
        ("a transfer log that does not exist", ["--transfer-from", os.path.join(tmp, "nope.log")], "nope.log"),
    ]
    for what, extra, word in cases:
        p = subprocess.run([rqc, "tune", model, "-o", log] + extra, capture_output=True, text=True, timeout=120)
        lines = p.stderr.strip().splitlines()
        check(f"{what}: one error line naming it", p.returncode != 0 and len(lines) == 1 and word in lines[0],
              p.stderr)
        check(f"{what}: no log written", not os.path.exists(log))
    # A mistyped -o naming the model or any file that is not a tuning log: refused, untouched.
    copies = []
    for source in (model, os.path.abspath(__file__)):
        copies.append(os.path.join(tmp, "copy_of_" + os.path.basename(source)))
        shutil.copyfile(source, copies[-1])
    for victim in copies:
        with open(victim, "rb") as f:
            before = f.read()
        p = subprocess.run([rqc, "tune", model, "-o", victim, "--trials", "1", "--tasks", "0"], capture_output=True,
                           text=True, timeout=120)
        with open(victim, "rb") as f:
            after = f.read()
        check(f"-o {os.path.basename(victim)} (not a tuning log): one error line, file untouched",
              p.returncode != 0 and len(p.stderr.strip().splitlines()) == 1 and "not a tuning log" in p.stderr and
              before == after, p.stderr[-500:])
    p = subprocess.run([rqc, "tune", model, "-o", tmp], capture_output=True, text=True)
    check("-o naming a directory: one error line", p.returncode != 0 and len(p.stderr.strip().splitlines()) == 1 and
          "directory" in p.stderr and not os.path.exists(tmp + ".work"), p.stderr)
    p = subprocess.run([rqc, "tune", os.path.join(tmp, "missing.onnx"), "-o", log], capture_output=True, text=True)
    check("a missing model: one error line naming it",
          p.returncode != 0 and len(p.stderr.strip().splitlines()) == 1 and "missing.onnx" in p.stderr, p.stderr)
    p = subprocess.run([rqc, "tune", model, "-o", os.path.join(tmp, "no", "dir", "x.log")], capture_output=True,
                       text=True)
    check("a log in a missing directory: one error line naming it",
          p.returncode != 0 and len(p.stderr.strip().splitlines()) == 1 and "no/dir" in p.stderr, p.stderr)
    if os.geteuid() != 0:  # root writes anywhere
        ro = os.path.join(tmp, "readonly")
        os.mkdir(ro)
        os.chmod(ro, 0o500)
        p = subprocess.run([rqc, "tune", model, "-o", os.path.join(ro, "x.log")], capture_output=True, text=True)
        check("an unwritable log: one error line", p.returncode != 0 and len(p.stderr.strip().splitlines()) == 1,
              p.stderr)


def test_measure_times_the_kernel_only(rqc, model, tmp):
    """rqc measure times the task's kernel, not the layout transforms around it."""
    log = os.path.join(tmp, "kernel.log")
    subprocess.run([rqc, "tune", model, "-o", log, "--tasks", "1", "--trials", "1", "--keep-work"] + FAST,
                   check=True, capture_output=True, env=dict(os.environ, RQC_TOPHUB_LOCATION="NONE"))
    work = os.path.join(log + ".work", "task1")
    with tarfile.open(os.path.join(work, "candidate0.rqc")) as t:
        kernels = json.load(t.extractfile("module.json"))["kernels"]
    task_ops = [k["ops"] for k in kernels if k["name"] == "task"]
    p = subprocess.run([rqc, "measure", os.path.join(work, "candidate0.rqc"), "--inputs", os.path.join(work, "in.npz"),
                        "--expected", os.path.join(work, "ref.npz")], capture_output=True, text=True)
    timed = json.loads(p.stdout).get("timed_kernels", []) if p.returncode == 0 else []
    check("the task package packs its input and output around the kernel (transforms named 'task')",
          task_ops.count("layout_transform") >= 1, str(task_ops))
    check("rqc measure times the convolution's kernel and no layout transform",
          len(timed) == 1 and timed[0].startswith("conv2d"), p.stdout + p.stderr)
    # AutoTVM's enable_cpu_cache_flush: the weights are evicted before each timed call
    # (clflush on x86-64), and the checked outputs are the same.
    p = subprocess.run([rqc, "measure", os.path.join(work, "candidate0.rqc"), "--inputs", os.path.join(work, "in.npz"),
                        "--expected", os.path.join(work, "ref.npz"), "--flush-cache"], capture_output=True, text=True)
    flushed = json.loads(p.stdout) if p.returncode == 0 else {}
    check("rqc measure --flush-cache measures with the caches flushed",
          flushed.get("error_no") == 0 and flushed.get("cache_flushed") is True and len(flushed.get("costs", [])) == 3,
          p.stdout + p.stderr)


def test_int8_kernels(rqc, models, tmp):
    """--int8-kernels decides which tasks an int8 model has, as in rqc compile: on a CPU
    without VNNI (AVX2 here) the default tunes float convolutions, `on` the integer
    template; the closing hint names the flags the compile needs."""
    model = os.path.join(models, "resnet8_int8.onnx")
    env = dict(os.environ, RQC_TOPHUB_LOCATION="NONE")
    templates = {}
    for mode in ("auto", "on"):
        log = os.path.join(tmp, f"int8_{mode}.log")
        p = subprocess.run([rqc, "tune", model, "-o", log, "--tasks", "0", "--trials", "1", "--mattr=+avx2,+fma",
                            f"--int8-kernels={mode}"] + FAST, capture_output=True, text=True, env=env)
        recs = records(log) if os.path.exists(log) else []
        templates[mode] = recs[0]["input"][1] if p.returncode == 0 and recs else p.stderr
        if mode == "on":
            check("the hint to use the records names --mattr and --int8-kernels",
                  "--mattr +avx2,+fma --int8-kernels on --tuning-records" in p.stdout, p.stdout)
    check("an int8 model's tasks follow --int8-kernels (AVX2: float by default, conv2d_NCHWc_int8 with on)",
          templates == {"auto": "conv2d_NCHWc.x86", "on": "conv2d_NCHWc_int8.x86"}, str(templates))


def test_nightly(rqc, models, tmp):
    """scripts/nightly_tune.sh: two shards, merged into a tophub candidate, diffed."""
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts", "nightly_tune.sh")
    out = os.path.join(tmp, "nightly")
    empty = os.path.join(tmp, "empty_tophub.log")
    open(empty, "w").close()
    env = dict(os.environ, RQC=rqc, TOPHUB=empty)
    for shard in ("0/2", "1/2"):
        p = subprocess.run(["bash", script, "tune", "--shard", shard, "--trials", "2", "--models", "resnet8",
                            "--out", out], capture_output=True, text=True, env=env, timeout=600)
        check(f"nightly shard {shard} runs", p.returncode == 0, p.stderr[-2000:])
    shards = [[json.dumps(r["input"][1:3]) for r in records(os.path.join(out, f"resnet8.shard{i}.log"))]
              for i in (0, 1)]
    all_tasks = {json.dumps([t["template"], t["args"]]) for t in tasks(rqc, os.path.join(models, "resnet8.onnx"),
                                                                          dict(os.environ, RQC_TOPHUB_LOCATION="NONE"))}
    check("the two shards tune disjoint task sets that together are all tasks",
          not (set(shards[0]) & set(shards[1])) and set(shards[0]) | set(shards[1]) == all_tasks,
          f"{len(set(shards[0]))} + {len(set(shards[1]))} of {len(all_tasks)}")
    p = subprocess.run(["bash", script, "merge", "--out", out], capture_output=True, text=True, env=env, timeout=120)
    check("merging into a tophub candidate passes the diff against an empty tophub", p.returncode == 0,
          p.stdout[-1000:] + p.stderr[-1000:])
    candidate = os.path.join(out, "x86_candidate.log")
    if not os.path.exists(candidate):
        return
    with open(candidate) as f:
        text = f.read()
    header = [l for l in text.splitlines() if l.startswith("#")]
    merged = records(candidate)
    check("the candidate is headed by the device, the rqc version and the command",
          any("device:" in l for l in header) and any("rqc:" in l for l in header) and
          any("tuned by:" in l and " tune " in l and "--tasks 0/2" in l for l in header), "\n".join(header))
    # One best record per task and layout (the layout knobs tile_ic/tile_oc/tile_size): the
    # graph tuner chooses among a workload's layouts at compile time.
    def layout_key(r):
        knobs = {e[0]: e[2] for e in r["config"]["entity"] if e[0] in ("tile_ic", "tile_oc", "tile_size")}
        return json.dumps([r["input"][1:3], knobs], sort_keys=True)
    keys = [layout_key(r) for r in merged]
    check("the candidate holds the best record of every task and layout, each once",
          {json.dumps(r["input"][1:3]) for r in merged} == all_tasks and len(keys) == len(set(keys)) and
          all(r["result"][1] == 0 for r in merged), f"{len(merged)} records, {len(set(keys))} distinct")
    # Tonight slower than the current tophub: the merge step's gate fails.
    fast = os.path.join(tmp, "fast_tophub.log")
    with open(fast, "w") as f:
        for r in merged:
            f.write(json.dumps(dict(r, result=[[c * 0.5 for c in r["result"][0]]] + r["result"][1:])) + "\n")
    p = subprocess.run(["bash", script, "merge", "--out", out], capture_output=True, text=True,
                       env=dict(env, TOPHUB=fast), timeout=120)
    check("the nightly gate fails when tonight is slower than the current tophub",
          p.returncode != 0 and "SLOWER" in p.stdout, p.stdout[-800:] + p.stderr[-500:])
    slower = os.path.join(tmp, "slower.log")
    with open(slower, "w") as f:
        for r in merged:
            r["result"][0] = [c * 1.5 for c in r["result"][0]]
            f.write(json.dumps(r) + "\n")
    p = subprocess.run([rqc, "tophub", "diff", candidate, slower], capture_output=True, text=True)
    check("rqc tophub diff flags a workload 50% slower and exits non-zero",
          p.returncode != 0 and "SLOWER" in p.stdout and "slower" in p.stderr, p.stdout[-500:] + p.stderr)
    with open(slower, "w") as f:
        f.write(json.dumps(merged[0]) + "\n")
    p = subprocess.run([rqc, "tophub", "diff", candidate, slower], capture_output=True, text=True)
    check("rqc tophub diff fails when workloads are missing from the new log",
          p.returncode != 0 and "GONE" in p.stdout, p.stdout[-500:] + p.stderr)


def main():
    rqc, models = sys.argv[1], sys.argv[2]
    model = os.path.join(models, "resnet8.onnx")
    with tempfile.TemporaryDirectory() as tmp:
        test_bad_input(rqc, model, tmp)
        test_lock(rqc, model, tmp)
        test_faults(rqc, model, tmp)
        test_kill_and_resume(rqc, model, tmp)
        test_measure_times_the_kernel_only(rqc, model, tmp)
        test_int8_kernels(rqc, models, tmp)
        test_nightly(rqc, models, tmp)
    if failures:
        print(f"{len(failures)} check(s) failed")
        sys.exit(1)
    print("all checks passed")


if __name__ == "__main__":
    main()
