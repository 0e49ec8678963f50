"""Farm mode with a real redis-server on loopback and real `rqc agent` processes.

- Two agents of one device key: rqc tune --runner=broker:// fans the candidates out over
  both, writes the same records as a local run (device farm/KEY), and rqc compile applies
  them; rqc farm status shows both agents and their job counts.
- An agent SIGKILLed in the middle of a job: after --claim-after another agent takes the
  job over and the run ends with exactly --trials records, none an error.
- An agent that dies after reporting a result but before acknowledging it (the testing
  hook RQC_TEST_AGENT_EXIT_BEFORE_ACK): its job is measured again by another agent, and
  the tuner records it once.
- The fault templates' crashing and hanging candidates: recorded with AutoTVM's error
  numbers, the agent lives on, and rqc farm status lists the failures.
- The nightly job (scripts/nightly_tune.sh --runner broker://...): two shards at once over
  the farm, merged into a candidate that names the farm as its device.
- No agent alive, a broker that is not there, a malformed key: one error line each.
- SIGTERM stops an agent cleanly (exit 0), and status shows it stopped.

usage: farm_test.py RQC MODELS_DIR
"""
import json
import os
import re
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from boards_testlib import Redis, check, finish, free_port, one_error_line, records, run, stop, wait_for  # noqa: E402


class Agent:
    def __init__(self, rqc, broker, key, name, tmp, extra=(), env=None):
        self.name = name
        self.log = os.path.join(tmp, name + ".log")
        self.store = os.path.join(tmp, name + "-store")
        self.proc = subprocess.Popen([rqc, "agent", "--broker", broker, "--key", key, "--name", name, "--store",
                                      self.store, *extra], stdout=open(self.log, "w"), stderr=subprocess.STDOUT,
                                     env=env)
        wait_for(self.log, "measuring jobs of key", self.proc, 10)

    def text(self):
        return open(self.log).read()

    def stop(self):
        return stop(self.proc)


def status(rqc, broker, key):
    p = run([rqc, "farm", "status", "--broker", broker, "--key", key, "--json"])
    return json.loads(p.stdout)["keys"][0] if p.returncode == 0 else {"error": p.stderr}


def untuned(stderr):
    m = re.search(r"(\d+) of \d+ tasks untuned", stderr)
    return int(m.group(1)) if m else 0


def main():
    rqc, models = sys.argv[1:3]
    model = os.path.join(models, "resnet8.onnx")
    env = dict(os.environ, RQC_TOPHUB_LOCATION="NONE")
    fast = ["--min-repeat-ms", "5", "--repeat", "2", "--build-jobs", "2"]
    with tempfile.TemporaryDirectory() as tmp:
        redis = Redis(tmp)
        port, broker = redis.port, redis.url
        try:
            runner = f"broker://127.0.0.1:{port}?key=rk3399"

            # -- two agents share a tuning run
            a1 = Agent(rqc, broker, "rk3399", "a1", tmp)
            a2 = Agent(rqc, broker, "rk3399", "a2", tmp)
            log = os.path.join(tmp, "farm.log")
            p = run([rqc, "tune", model, "-o", log, "--tuner", "random", "--trials", "8", "--tasks", "0",
                     "--runner", runner] + fast, env=env)
            recs = records(log)
            check("rqc tune --runner=broker:// with two agents writes 8 records of the farm, no errors",
                  p.returncode == 0 and len(recs) == 8 and
                  all(r["result"][1] == 0 and r["device"] == "farm/rk3399" for r in recs), p.stderr[-1500:])
            check("no config is measured twice", len({r["config"]["index"] for r in recs}) == len(recs))
            st = status(rqc, broker, "rk3399")
            jobs = {a["name"]: a["jobs"] for a in st.get("agents", [])}
            check("the jobs were fanned out over both agents", jobs.get("a1", 0) >= 1 and jobs.get("a2", 0) >= 1
                  and jobs.get("a1", 0) + jobs.get("a2", 0) == 8, st)
            check("nothing is left queued or in flight", st.get("queued") == 0 and st.get("in_flight") == 0, st)
            before = run([rqc, "compile", model, "-o", os.path.join(tmp, "u.rqc")], env=env)
            after = run([rqc, "compile", model, "--tuning-records", log, "-o", os.path.join(tmp, "t.rqc")], env=env)
            check("rqc compile --tuning-records applies the farm's records",
                  after.returncode == 0 and untuned(after.stderr) == untuned(before.stderr) - 1, after.stderr)
            text = run([rqc, "farm", "status", "--broker", broker]).stdout
            check("rqc farm status names both agents", "agent a1" in text and "agent a2" in text, text)
            check("SIGTERM stops both agents with exit 0", a1.stop() == 0 and a2.stop() == 0,
                  a1.text()[-300:] + a2.text()[-300:])
            st = status(rqc, broker, "rk3399")
            check("status shows the stopped agents stopped", all(a["state"] == "stopped" for a in st["agents"]), st)
            p = run([rqc, "tune", model, "-o", os.path.join(tmp, "none.log"), "--trials", "2", "--tasks", "0",
                     "--runner", runner] + fast, env=env)
            check("no agent alive: one error line, no log", one_error_line(p, "no agent of key 'rk3399' is alive")
                  and not os.path.exists(os.path.join(tmp, "none.log")), p.stderr)

            # -- an agent SIGKILLed mid-job; another takes the job over
            b1 = Agent(rqc, broker, "rk3399", "b1", tmp, ["--claim-after", "2"])
            log = os.path.join(tmp, "kill.log")
            tune = subprocess.Popen([rqc, "tune", model, "-o", log, "--tuner", "random", "--trials", "1", "--tasks",
                                     "0", "--runner", runner, "--min-repeat-ms", "4000", "--repeat", "1"],
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
            measuring = False
            for _ in range(600):
                if run(["pgrep", "-f", "b1-store/jobs"]).stdout.strip():
                    measuring = True
                    break
                time.sleep(0.1)
            check("the first agent is measuring the job", measuring, b1.text())
            b1.proc.kill()
            b1.proc.wait()
            time.sleep(0.5)
            check("the killed agent's measuring child died with it", run(["pgrep", "-f", "b1-store/jobs"]).stdout.strip() == "")
            b2 = Agent(rqc, broker, "rk3399", "b2", tmp, ["--claim-after", "2"])
            try:
                out, err = tune.communicate(timeout=300)
            except subprocess.TimeoutExpired:
                tune.kill()
                out, err = tune.communicate()
            recs = records(log)
            check("after the kill the job is taken over: exactly 1 record, no error",
                  tune.returncode == 0 and len(recs) == 1 and recs[0]["result"][1] == 0, err[-1500:])
            check("the second agent says it took the job over", "took over measure" in b2.text(), b2.text())

            # -- an agent that dies after reporting, before acknowledging: measured twice, recorded once
            hook = dict(env, RQC_TEST_AGENT_EXIT_BEFORE_ACK="1")
            c1 = Agent(rqc, broker, "rk3399", "c1", tmp, ["--claim-after", "2"], env=hook)
            b2.stop()
            log = os.path.join(tmp, "twice.log")
            tune = subprocess.Popen([rqc, "tune", model, "-o", log, "--tuner", "random", "--trials", "2", "--batch", "2",
                                     "--tasks", "0", "--runner", runner] + fast,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
            c1.proc.wait(timeout=300)
            time.sleep(3)  # the job c1 reported is now pending past --claim-after
            c2 = Agent(rqc, broker, "rk3399", "c2", tmp, ["--claim-after", "2"])
            try:
                out, err = tune.communicate(timeout=300)
            except subprocess.TimeoutExpired:
                tune.kill()
                out, err = tune.communicate()
            first = re.search(r"measure ([0-9a-f]{12}): exit status 0", c1.text())
            again = re.search(r"took over measure ([0-9a-f]{12})", c2.text())
            check("the job reported by the dying agent is measured again by another",
                  first is not None and again is not None and first.group(1) == again.group(1),
                  c1.text()[-400:] + c2.text()[-400:])
            recs = records(log)
            check("and recorded once: 2 trials, 2 records, distinct configs",
                  tune.returncode == 0 and len(recs) == 2 and len({r["config"]["index"] for r in recs}) == 2,
                  err[-1500:] + json.dumps(recs)[:500])

            # -- faulty candidates: recorded with their error numbers, listed as failures
            fenv = dict(env, RQC_TEST_FAULT_TEMPLATES="1")
            p = run([rqc, "inspect", model, "--tasks", "--json"], env=fenv)
            index = next(i for i, t in enumerate(json.loads(p.stdout)["tasks"]) if t["template"].startswith("test_faults."))
            log = os.path.join(tmp, "faults.log")
            p = run([rqc, "tune", model, "-o", log, "--tuner", "grid", "--trials", "4", "--tasks", str(index),
                     "--timeout", "4", "--runner", runner] + fast, env=fenv)
            errors = {r["config"]["entity"][0][2]: r["result"][1] for r in records(log)}
            check("the farm records crashing, hanging and wrong candidates as 4, 7 and 5",
                  p.returncode == 0 and errors == {0: 0, 1: 4, 2: 7, 3: 5}, p.stderr[-800:] + str(errors))
            check("the agent lives on after them", c2.proc.poll() is None, c2.text()[-500:])
            st = status(rqc, broker, "rk3399")
            summaries = " ".join(f["summary"] for f in st.get("recent_failures", []))
            check("rqc farm status lists the crash and the timeout as recent failures",
                  "signal 6" in summaries and "timed out" in summaries, st)
            c2.stop()

            # -- the nightly job over the farm: two shards at once, both fanned out over the agents
            d1 = Agent(rqc, broker, "rk3399", "d1", tmp)
            d2 = Agent(rqc, broker, "rk3399", "d2", tmp)
            script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts", "nightly_tune.sh")
            out = os.path.join(tmp, "nightly")
            empty = os.path.join(tmp, "empty_tophub.log")
            open(empty, "w").close()
            nenv = dict(env, RQC=rqc, TOPHUB=empty)
            shards = [subprocess.Popen(["bash", script, "tune", "--shard", shard, "--trials", "2", "--models", "resnet8",
                                        "--out", out, "--runner", runner], stdout=subprocess.PIPE,
                                       stderr=subprocess.PIPE, text=True, env=nenv) for shard in ("0/2", "1/2")]
            results = [sh.communicate(timeout=600) + (sh.returncode,) for sh in shards]
            check("two nightly shards run at once over the farm", all(r[2] == 0 for r in results),
                  " | ".join(r[1][-600:] for r in results))
            recs = records(os.path.join(out, "resnet8.shard0.log")) + records(os.path.join(out, "resnet8.shard1.log"))
            check("their records are the farm's", recs and all(r["device"] == "farm/rk3399" for r in recs), len(recs))
            p = run(["bash", script, "merge", "--out", out, "--device", "farm rk3399 (agents d1, d2)", "--candidate",
                     "rk3399_candidate.log"], env=nenv)
            cand = os.path.join(out, "rk3399_candidate.log")
            check("the merge names the farm as the device",
                  p.returncode == 0 and os.path.exists(cand) and "# device: farm rk3399 (agents d1, d2)" in open(cand).read(),
                  p.stdout[-500:] + p.stderr[-500:])
            st = status(rqc, broker, "rk3399")
            jobs = {a["name"]: a["jobs"] for a in st.get("agents", [])}
            check("both agents measured nightly jobs", jobs.get("d1", 0) >= 1 and jobs.get("d2", 0) >= 1, jobs)
            d1.stop()
            d2.stop()

            # -- bad brokers and keys
            p = run([rqc, "farm", "status", "--broker", f"redis://127.0.0.1:{free_port()}"])
            check("a broker that is not there: one error line", one_error_line(p, "is not reachable"), p.stderr)
            p = run([rqc, "agent", "--broker", "http://x", "--key", "k"])
            check("a broker that is not redis://: one error line", one_error_line(p, "is not a redis://"), p.stderr)
            p = run([rqc, "agent", "--broker", broker, "--key", "a b"])
            check("a malformed device key: one error line", one_error_line(p, "may only have"), p.stderr)
            p = run([rqc, "tune", model, "-o", os.path.join(tmp, "x.log"), "--runner", f"broker://127.0.0.1:{port}"])
            check("--runner broker:// without a key: one error line", one_error_line(p, "device key"), p.stderr)
        finally:
            redis.stop()
    return finish()

if __name__ == "__main__":
    sys.exit(main())
