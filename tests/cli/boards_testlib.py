"""What the board tests share (rpc_test.py, farm_test.py, split_test.py,
tests/cross/rpc_board.py): checks that count failures, commands, real servers on loopback
(rqc rpc-server, redis-server) started on free ports and stopped with SIGTERM."""
import json
import os
import re
import signal
import socket
import subprocess
import time

failures = []


def check(what, ok, detail=""):
    print(("ok   " if ok else "FAIL ") + what + ("" if ok else ": " + str(detail)[-1500:]), flush=True)
    if not ok:
        failures.append(what)


def finish():
    """The exit code of a test script: 1 when a check failed."""
    print(f"{len(failures)} check(s) failed" if failures else "all checks passed")
    return 1 if failures else 0


def run(cmd, env=None, timeout=1200):
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout)


def one_error_line(p, words):
    """rqc failed with exactly one line 'rqc: error: ...' that says `words`."""
    lines = [l for l in p.stderr.splitlines() if l.strip()]
    return p.returncode != 0 and len(lines) == 1 and lines[0].startswith("rqc: error:") and words in lines[0]


def records(path):
    """The tuning records of a log (unreadable lines skipped)."""
    out = []
    if os.path.exists(path):
        for line in open(path):
            try:
                out.append(json.loads(line))
            except ValueError:
                pass
    return out


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(path, pattern, proc, seconds=30):
    """The first match of `pattern` in the file at `path`, polled while `proc` lives."""
    for _ in range(int(seconds * 10)):
        m = re.search(pattern, open(path).read())
        if m or proc.poll() is not None:
            return m
        time.sleep(0.1)
    return None


def stop(proc, seconds=60):
    """SIGTERM, then the exit code (SIGKILL and "hung" past `seconds`)."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    try:
        return proc.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        return "hung"


class Server:
    """`rqc rpc-server --port 0` on loopback (or --host given in `extra`), its output in
    STORE.log; `prefix` runs it under another command (qemu-user, ip netns exec)."""

    def __init__(self, rqc, store, key="pynq", extra=(), prefix=()):
        self.key = key
        self.log = store + ".log"
        self.proc = subprocess.Popen([*prefix, rqc, "rpc-server", "--port", "0", "--key", key, "--store", store, *extra],
                                     stdout=open(self.log, "w"), stderr=subprocess.STDOUT)
        m = wait_for(self.log, r"listening on (\S+:\d+)", self.proc, 60)
        if not m:
            raise SystemExit("rpc-server did not start: " + open(self.log).read())
        self.address = m.group(1)
        self.lines = []

    def alive(self):
        return self.proc.poll() is None

    def stop(self):
        rc = stop(self.proc, 30)
        self.lines = open(self.log).read().splitlines()
        return rc


class Redis:
    """redis-server on a free loopback port, no persistence."""

    def __init__(self, tmp):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                                      "--appendonly", "no"], stdout=open(os.path.join(tmp, "redis.log"), "w"),
                                     stderr=subprocess.STDOUT)
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.1)
        raise SystemExit("redis-server did not start")

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=30)
