"""An emulated board: the cross-built runtime-only rqc serving `rqc rpc-server` under qemu-user
on loopback (its jobs run under qemu too, through --launcher), driven by the host's rqc.

- rqc run --remote on the board's package matches the host package run locally (fp32
  within 1e-4 of the output range);
- rqc tune --target=<the board's> --runner=rpc:// measures two candidates on the board and
  records them without errors, naming the board (rpc/KEY/ARCH-linux);
- the same board as a farm agent (rqc agent under qemu, a redis-server on loopback): rqc
  tune --runner=broker:// measures two candidates on it;
- SIGTERM stops the server and the agent with exit 0.

usage: rpc_board.py RQC MODEL ARCH TARGET [--mcpu CPU] -- RUNNER... (RUNNER: qemu words and the cross rqc)
"""
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time

import numpy as np

failures = []


def check(what, ok, detail=""):
    print(("ok   " if ok else "FAIL ") + what + ("" if ok else ": " + str(detail)[-1500:]), flush=True)
    if not ok:
        failures.append(what)


def run(cmd, timeout=1200):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)


def main():
    sep = sys.argv.index("--")
    args, runner = sys.argv[1:sep], sys.argv[sep + 1:]
    rqc, model, arch, target = args[:4]
    flags = args[4:]
    with tempfile.TemporaryDirectory() as tmp:
        board_pkg, host_pkg = os.path.join(tmp, "board.rqc"), os.path.join(tmp, "host.rqc")
        for cmd in ([rqc, "compile", model, f"--target={target}", *flags, "-o", board_pkg],
                    [rqc, "compile", model, "--target=llvm", "-o", host_pkg]):
            p = run(cmd)
            if p.returncode != 0:
                print("FAIL: " + " ".join(cmd) + "\n" + p.stderr)
                return 1
        log = open(os.path.join(tmp, "server.log"), "w+")
        server = subprocess.Popen([*runner, "rpc-server", "--port", "0", "--key", "board", "--store",
                                   os.path.join(tmp, "store"), "--launcher", " ".join(runner[:-1])],
                                  stdout=log, stderr=subprocess.STDOUT)
        m = None
        for _ in range(600):
            m = re.search(r"listening on 127\.0\.0\.1:(\d+)", open(log.name).read())
            if m or server.poll() is not None:
                break
            time.sleep(0.1)
        if not m:
            print("FAIL: the board's rpc-server did not start:\n" + open(log.name).read())
            return 1
        address = f"127.0.0.1:{m.group(1)}"
        try:
            remote, local = os.path.join(tmp, "remote.npz"), os.path.join(tmp, "local.npz")
            p = run([rqc, "run", board_pkg, "--seed", "1", "--outputs", remote, "--remote", address, "--key", "board"])
            check(f"rqc run --remote on the {arch} board", p.returncode == 0, p.stderr)
            run([rqc, "run", host_pkg, "--seed", "1", "--outputs", local])
            if p.returncode == 0:
                a, b = np.load(remote), np.load(local)
                for k in b.files:
                    r = b[k].astype(np.float64)
                    tol = 1e-4 * max(float(r.max() - r.min()), 1e-12)
                    diff = float(np.abs(a[k].astype(np.float64) - r).max())
                    check(f"{k}: the board's output matches the host's (max|diff| {diff:.3g}, tol {tol:.3g})", diff <= tol)
            tune_log = os.path.join(tmp, "board.log")
            p = run([rqc, "tune", model, f"--target={target}", *flags, "--tasks", "0", "--trials", "2", "--tuner",
                     "random", "--min-repeat-ms", "1", "--repeat", "1", "--timeout", "120", "-o", tune_log,
                     "--runner", f"rpc://{address}?key=board"])
            recs = [json.loads(l) for l in open(tune_log)] if os.path.exists(tune_log) else []
            check(f"rqc tune --runner=rpc:// measures 2 candidates on the {arch} board",
                  p.returncode == 0 and len(recs) == 2 and
                  all(r["result"][1] == 0 and r["device"].startswith(f"rpc/board/{arch}-linux") for r in recs),
                  p.stderr + json.dumps(recs)[:600])
            # The same board as a farm agent: it pulls jobs from a redis-server on loopback.
            with socket.socket() as sock:
                sock.bind(("127.0.0.1", 0))
                port = sock.getsockname()[1]
            redis = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                      "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            agent_log = open(os.path.join(tmp, "agent.log"), "w+")
            agent = None
            try:
                for _ in range(100):
                    try:
                        socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                        break
                    except OSError:
                        time.sleep(0.1)
                agent = subprocess.Popen([*runner, "agent", "--broker", f"redis://127.0.0.1:{port}", "--key", "board",
                                          "--store", os.path.join(tmp, "agent-store"), "--launcher",
                                          " ".join(runner[:-1])], stdout=agent_log, stderr=subprocess.STDOUT)
                for _ in range(300):
                    if "measuring jobs" in open(agent_log.name).read() or agent.poll() is not None:
                        break
                    time.sleep(0.1)
                farm_log = os.path.join(tmp, "farm.log")
                p = run([rqc, "tune", model, f"--target={target}", *flags, "--tasks", "0", "--trials", "2", "--tuner",
                         "random", "--min-repeat-ms", "1", "--repeat", "1", "--timeout", "120", "-o", farm_log,
                         "--runner", f"broker://127.0.0.1:{port}?key=board"])
                recs = [json.loads(l) for l in open(farm_log)] if os.path.exists(farm_log) else []
                check(f"rqc tune --runner=broker:// measures 2 candidates on the {arch} board's agent",
                      p.returncode == 0 and len(recs) == 2 and all(r["result"][1] == 0 for r in recs),
                      p.stderr + open(agent_log.name).read()[-600:])
            finally:
                if agent is not None:
                    agent.send_signal(signal.SIGTERM)
                    try:
                        check("SIGTERM stops the board's agent with exit 0", agent.wait(timeout=60) == 0)
                    except subprocess.TimeoutExpired:
                        agent.kill()
                        check("SIGTERM stops the board's agent with exit 0", False, "it hung")
                redis.terminate()
                redis.wait(timeout=30)
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                rc = server.wait(timeout=60)
            except subprocess.TimeoutExpired:
                server.kill()
                rc = "hung"
        check("SIGTERM stops the board's server with exit 0", rc == 0, f"rc={rc}\n" + open(log.name).read()[-800:])
    if failures:
        print(f"{len(failures)} check(s) failed")
        return 1
    print("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
