"""An emulated board: the cross-built runtime-only rqc serving `rqc rpc-server` under qemu-user
on loopback (its jobs run under qemu too, through --launcher), driven by the host's rqc.

- rqc run --remote on the board's package matches the host package run locally (fp32
  within 1e-4 of the output range);
- rqc tune --target=<the board's> --runner=rpc:// measures two candidates on the board and
  records them without errors, naming the board (rpc/KEY/ARCH-linux);
- a split network (rqc compile --split 2) over two such boards, the head here, matches the
  host build of the split network;
- the same board as a farm agent (rqc agent under qemu, a redis-server on loopback): rqc
  tune --runner=broker:// measures two candidates on it;
- SIGTERM stops the server and the agent with exit 0.

usage: rpc_board.py RQC MODEL ARCH TARGET [--mcpu CPU] -- RUNNER... (RUNNER: qemu words and the cross rqc)
"""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "cli"))
from boards_testlib import Redis, Server, check, finish, records, run, stop, wait_for  # noqa: E402


def main():
    sep = sys.argv.index("--")
    args, runner = sys.argv[1:sep], sys.argv[sep + 1:]
    rqc, model, arch, target = args[:4]
    flags = args[4:]
    launcher = " ".join(runner[:-1])  # jobs run under qemu too: qemu-user does not follow exec
    with tempfile.TemporaryDirectory() as tmp:
        board_pkg, host_pkg = os.path.join(tmp, "board.rqc"), os.path.join(tmp, "host.rqc")
        for cmd in ([rqc, "compile", model, f"--target={target}", *flags, "-o", board_pkg],
                    [rqc, "compile", model, "--target=llvm", "-o", host_pkg]):
            p = run(cmd)
            if p.returncode != 0:
                print("FAIL: " + " ".join(cmd) + "\n" + p.stderr)
                return 1
        server = Server(runner[-1], os.path.join(tmp, "store"), key="board", extra=["--launcher", launcher],
                        prefix=runner[:-1])
        try:
            remote, local = os.path.join(tmp, "remote.npz"), os.path.join(tmp, "local.npz")
            p = run([rqc, "run", board_pkg, "--seed", "1", "--outputs", remote, "--remote", server.address, "--key", "board"])
            check(f"rqc run --remote on the {arch} board", p.returncode == 0, p.stderr)
            run([rqc, "run", host_pkg, "--seed", "1", "--outputs", local])
            if p.returncode == 0:
                a, b = np.load(remote), np.load(local)
                for k in b.files:
                    r = b[k].astype(np.float64)
                    tol = 1e-4 * max(float(r.max() - r.min()), 1e-12)
                    diff = float(np.abs(a[k].astype(np.float64) - r).max())
                    check(f"{k}: the board's output matches the host's (max|diff| {diff:.3g}, tol {tol:.3g})", diff <= tol)
            # A split network over two such boards (the head runs here, compiled for this machine).
            second = Server(runner[-1], os.path.join(tmp, "store2"), key="board", extra=["--launcher", launcher],
                            prefix=runner[:-1])
            try:
                split_board, split_host = os.path.join(tmp, "split_board.rqc"), os.path.join(tmp, "split_host.rqc")
                run([rqc, "compile", model, "--split", "2", f"--target={target}", *flags, "-o", split_board])
                run([rqc, "compile", model, "--split", "2", "-o", split_host])
                remote, local = os.path.join(tmp, "split_remote.npz"), os.path.join(tmp, "split_local.npz")
                p = run([rqc, "run", split_board, "--seed", "1", "--outputs", remote, "--remote",
                         f"{server.address},{second.address}", "--key", "board"])
                run([rqc, "run", split_host, "--seed", "1", "--outputs", local])
                ok = p.returncode == 0
                if ok:
                    a, b = np.load(remote), np.load(local)
                    for k in b.files:
                        r = b[k].astype(np.float64)
                        ok &= float(np.abs(a[k].astype(np.float64) - r).max()) <= 1e-4 * max(float(r.max() - r.min()), 1e-12)
                check(f"a split network over two {arch} boards matches its host build", ok, p.stdout + p.stderr)
            finally:
                second.stop()

            tune = [rqc, "tune", model, f"--target={target}", *flags, "--tasks", "0", "--trials", "2", "--tuner",
                    "random", "--min-repeat-ms", "1", "--repeat", "1", "--timeout", "120"]
            log = os.path.join(tmp, "board.log")
            p = run(tune + ["-o", log, "--runner", f"rpc://{server.address}?key=board"])
            recs = records(log)
            check(f"rqc tune --runner=rpc:// measures 2 candidates on the {arch} board",
                  p.returncode == 0 and len(recs) == 2 and
                  all(r["result"][1] == 0 and r["device"].startswith(f"rpc/board/{arch}-linux") for r in recs),
                  p.stderr + json.dumps(recs)[:600])

            # The same board as a farm agent: it pulls jobs from a redis-server on loopback.
            redis = Redis(tmp)
            agent_log = os.path.join(tmp, "agent.log")
            agent = subprocess.Popen([*runner, "agent", "--broker", redis.url, "--key", "board", "--store",
                                      os.path.join(tmp, "agent-store"), "--launcher", launcher],
                                     stdout=open(agent_log, "w"), stderr=subprocess.STDOUT)
            try:
                wait_for(agent_log, "measuring jobs", agent, 30)
                log = os.path.join(tmp, "farm.log")
                p = run(tune + ["-o", log, "--runner", f"broker://127.0.0.1:{redis.port}?key=board"])
                recs = records(log)
                check(f"rqc tune --runner=broker:// measures 2 candidates on the {arch} board's agent",
                      p.returncode == 0 and len(recs) == 2 and all(r["result"][1] == 0 for r in recs),
                      p.stderr + open(agent_log).read()[-600:])
            finally:
                check("SIGTERM stops the board's agent with exit 0", stop(agent) == 0)
                redis.stop()
        finally:
            rc = server.stop()
        check("SIGTERM stops the board's server with exit 0", rc == 0, f"rc={rc}\n" + "\n".join(server.lines[-8:]))
    return finish()


if __name__ == "__main__":
    sys.exit(main())
