"""rqc rpc-server and its clients, with real servers on loopback (never another address).

- rqc run|bench MODEL.rqc --remote HOST:PORT --key K: the package is uploaded once (by
  content), run in a child of the server, and the outputs that come back are the local
  run's, bit for bit; the report reads as a local one (no server paths in it).
- A second server on a taken port is refused (no SO_REUSEPORT sharing); a client that goes
  away ends its job's child on the server, and the next job runs at once.
- Refusals, each one error line on the client and a non-zero exit, the server alive after:
  a wrong key, an upload over the server's limit, a package for another target, --key
  without --remote, a bad address, a server that is not there, a server killed mid-job.
- Malformed requests sent with Python's gRPC from board.proto (what rqc itself never
  sends): no key, a path instead of a SHA-256, a package not stored, a device or kernel
  that looks like an option, a job with no work, garbage uploaded as a package, a job
  past its timeout. Each is refused with its status code; the store keeps only real
  packages named by their hash; the server still answers.
- rqc tune --runner=rpc://: the fault templates' crashing, hanging and wrong candidates are
  recorded with AutoTVM's error numbers while the server lives on; a normal tuning run
  writes the same records as a local one (device rpc/KEY/ARCH) and rqc compile applies them.
- SIGTERM stops the server cleanly (exit 0).

usage: rpc_test.py RQC MODELS_DIR PROTO
"""
import json
import os
import re
import subprocess
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from boards_testlib import Server, check, finish, one_error_line, records, run  # noqa: E402


def must(cmd, env=None):
    p = run(cmd, env)
    if p.returncode != 0:
        raise SystemExit(f"command failed: {' '.join(cmd)}\n{p.stdout}\n{p.stderr}")
    return p


def test_run_and_bench(rqc, models, tmp, server):
    pkg = os.path.join(tmp, "resnet8.rqc")
    must([rqc, "compile", os.path.join(models, "resnet8.onnx"), "-o", pkg])
    local = os.path.join(tmp, "local.npz")
    must([rqc, "run", pkg, "--seed", "3", "--outputs", local])
    remote = os.path.join(tmp, "remote.npz")
    p = run([rqc, "run", pkg, "--seed", "3", "--outputs", remote, "--remote", server.address, "--key", server.key])
    check("rqc run --remote succeeds", p.returncode == 0, p.stderr)
    if p.returncode != 0:
        return pkg
    a, b = np.load(local), np.load(remote)
    check("the remote outputs are the local run's, bit for bit",
          sorted(a.files) == sorted(b.files) and all(np.array_equal(a[k], b[k]) for k in a.files))
    check("the remote report has the top-5 and names the server",
          "top-5 of 'output'" in p.stdout and f"ran on rpc server {server.address}" in p.stdout, p.stdout)
    check("the report names no path of the server", "store" not in p.stdout and "job-" not in p.stdout, p.stdout)

    p = run([rqc, "bench", pkg, "--repeat", "3", "--warmup", "1", "--remote", server.address, "--key", server.key])
    check("rqc bench --remote reports latency for the local package name",
          p.returncode == 0 and "latency:" in p.stdout and f"package:    {pkg}" in p.stdout, p.stdout + p.stderr)
    p = run([rqc, "bench", pkg, "--repeat", "3", "--json", "--remote", server.address, "--key", server.key])
    try:
        j = json.loads(p.stdout)
        check("rqc bench --remote --json is one JSON document naming the local package",
              j["package"] == pkg and j["latency_ms"]["p50"] > 0, p.stdout)
    except (ValueError, KeyError) as e:
        check("rqc bench --remote --json is one JSON document naming the local package", False, f"{e}: {p.stdout}")
    stored = os.listdir(os.path.join(tmp, "store", "packages"))
    check("the package was stored once, under its SHA-256",
          len(stored) == 1 and re.fullmatch(r"[0-9a-f]{64}\.rqc", stored[0]) is not None, stored)
    return pkg


def test_refusals(rqc, models, tmp, server, pkg):
    p = run([rqc, "run", pkg, "--remote", server.address, "--key", "wrong"])
    check("a wrong key: one error line", one_error_line(p, "refused the key"), p.stderr)
    p = run([rqc, "run", pkg, "--key", server.key])
    check("--key without --remote: one error line", one_error_line(p, "--key goes with --remote"), p.stderr)
    p = run([rqc, "bench", pkg, "--remote", server.address])
    check("--remote without --key: one error line", one_error_line(p, "needs the server's key"), p.stderr)
    p = run([rqc, "run", pkg, "--remote", "nohost", "--key", "k"])
    check("an address without a port: one error line", one_error_line(p, "is not an rpc server address"), p.stderr)
    arm = os.path.join(tmp, "resnet8_arm.rqc")
    must([rqc, "compile", os.path.join(models, "resnet8.onnx"), "--target=arm_cpu", "-o", arm])
    p = run([rqc, "run", arm, "--remote", server.address, "--key", server.key])
    check("a package for another target is refused at upload, naming it",
          one_error_line(p, "refused") and "aarch64" in p.stderr and "cannot run on this x86_64-linux machine" in p.stderr,
          p.stderr)
    small = Server(rqc, os.path.join(tmp, "small-store"), extra=["--max-upload-mb", "0.1"])
    p = run([rqc, "run", pkg, "--remote", small.address, "--key", small.key])
    check("an upload over the server's limit: one error line", one_error_line(p, "upload limit"), p.stderr)
    check("the small server stored nothing", os.listdir(os.path.join(tmp, "small-store", "packages")) == [])
    check("the small server is alive after the refusal", small.alive())
    small.stop()
    p = run([rqc, "run", pkg, "--remote", small.address, "--key", small.key])
    check("a server that is not there: one error line", one_error_line(p, "is not reachable"), p.stderr)
    check("the server is alive after the refusals", server.alive())


def test_port_taken_and_cancel(rqc, tmp, server, pkg):
    p = run([rqc, "rpc-server", "--port", server.address.split(":")[1], "--key", "other", "--store",
             os.path.join(tmp, "other-store")], timeout=60)
    check("a second server on a taken port: one error line, no second listener",
          one_error_line(p, "cannot listen") and server.alive(), p.stdout + p.stderr)
    client = subprocess.Popen([rqc, "bench", pkg, "--repeat", "100000000", "--remote", server.address, "--key", server.key],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    store = os.path.join(os.path.dirname(server.log), "store", "packages")
    started = False
    for _ in range(100):
        if run(["pgrep", "-f", store]).stdout.strip():
            started = True
            break
        time.sleep(0.1)
    check("the client's job runs on the server", started)
    client.kill()
    client.wait()
    time.sleep(2)
    check("a client that goes away ends its job on the server", run(["pgrep", "-f", store]).stdout.strip() == "")
    start = time.time()
    p = run([rqc, "run", pkg, "--remote", server.address, "--key", server.key], timeout=120)
    check("the next job runs at once", p.returncode == 0 and time.time() - start < 30, p.stderr)


def test_killed_mid_job(rqc, tmp, pkg):
    doomed = Server(rqc, os.path.join(tmp, "doomed-store"))
    client = subprocess.Popen([rqc, "bench", pkg, "--repeat", "100000000", "--remote", doomed.address, "--key", doomed.key],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(3)
    running = run(["pgrep", "-f", "doomed-store/packages"])
    check("the job runs in a child process of the server", running.stdout.strip() != "", running.stdout)
    doomed.proc.kill()
    doomed.proc.wait()
    try:
        out, err = client.communicate(timeout=60)
        ok = client.returncode != 0 and "rqc: error: rpc server" in err and len(err.strip().splitlines()) == 1
        check("a server killed mid-job: the client ends with one error line", ok, err)
    except subprocess.TimeoutExpired:
        client.kill()
        check("a server killed mid-job: the client ends with one error line", False, "the client hung")
    # The job's child dies with its server (PR_SET_PDEATHSIG): nothing keeps benchmarking.
    time.sleep(1)
    left = run(["pgrep", "-f", "doomed-store/packages"])
    check("the job of a killed server does not outlive it", left.stdout.strip() == "", left.stdout)


def test_malformed_requests(proto, tmp, server, pkg):
    try:
        import grpc
        from grpc_tools import protoc
    except ImportError as e:
        check("Python's grpc and grpc_tools are installed (scripts/requirements.txt)", False, str(e))
        return
    gen = os.path.join(tmp, "gen")
    os.makedirs(gen, exist_ok=True)
    rc = protoc.main(["protoc", f"--proto_path={os.path.dirname(proto)}", f"--python_out={gen}",
                      f"--grpc_python_out={gen}", proto])
    check("board.proto compiles for Python", rc == 0)
    if rc != 0:
        return
    sys.path.insert(0, gen)
    import board_pb2 as pb
    import board_pb2_grpc as pbg

    channel = grpc.insecure_channel(server.address)
    stub = pbg.BoardStub(channel)
    key = [("rqc-key", server.key)]

    def code_of(call, *args, **kwargs):
        try:
            call(*args, timeout=60, **kwargs)
            return grpc.StatusCode.OK
        except grpc.RpcError as e:
            return e.code()

    check("a call without the key is UNAUTHENTICATED", code_of(stub.Info, pb.InfoRequest()) == grpc.StatusCode.UNAUTHENTICATED)
    info = stub.Info(pb.InfoRequest(), metadata=key, timeout=60)
    check("Info names the key and the host", info.key == server.key and info.host == "x86_64-linux", str(info))
    for bad in ["../../etc/passwd", "A" * 64, "", "0" * 63]:
        check(f"HasPackage({bad[:20]!r}) is INVALID_ARGUMENT",
              code_of(stub.HasPackage, pb.PackageRef(sha256=bad), metadata=key) == grpc.StatusCode.INVALID_ARGUMENT)
    check("a job on a package not stored is NOT_FOUND",
          code_of(stub.RunJob, pb.Job(package_sha256="a" * 64, run=pb.RunJob()), metadata=key) == grpc.StatusCode.NOT_FOUND)
    check("a job on a path is INVALID_ARGUMENT",
          code_of(stub.RunJob, pb.Job(package_sha256="../" + pkg, run=pb.RunJob()), metadata=key)
          == grpc.StatusCode.INVALID_ARGUMENT)
    sha = os.listdir(os.path.join(os.path.dirname(server.log), "store", "packages"))[0][:-4]
    check("a device that looks like an option is INVALID_ARGUMENT",
          code_of(stub.RunJob, pb.Job(package_sha256=sha, run=pb.RunJob(), device="--help"), metadata=key)
          == grpc.StatusCode.INVALID_ARGUMENT)
    check("a kernel that looks like an option is INVALID_ARGUMENT",
          code_of(stub.RunJob, pb.Job(package_sha256=sha, measure=pb.MeasureJob(kernel="--expected=/etc/passwd")),
                  metadata=key) == grpc.StatusCode.INVALID_ARGUMENT)
    check("a job with no work is INVALID_ARGUMENT",
          code_of(stub.RunJob, pb.Job(package_sha256=sha), metadata=key) == grpc.StatusCode.INVALID_ARGUMENT)
    check("negative threads are INVALID_ARGUMENT",
          code_of(stub.RunJob, pb.Job(package_sha256=sha, run=pb.RunJob(), threads=-1), metadata=key)
          == grpc.StatusCode.INVALID_ARGUMENT)
    garbage = iter([pb.UploadChunk(data=b"not a package" * 1000)])
    check("garbage uploaded as a package is FAILED_PRECONDITION",
          code_of(stub.Upload, garbage, metadata=key) == grpc.StatusCode.FAILED_PRECONDITION)
    r = stub.RunJob(pb.Job(package_sha256=sha, run=pb.RunJob(inputs_npz=b"garbage")), metadata=key, timeout=60)
    check("a run on garbage inputs fails in its child with the reason",
          r.exit_code != 0 and r.summary.startswith("exit status") and len(r.summary) > len("exit status 1"), r.summary)
    r = stub.RunJob(pb.Job(package_sha256=sha, bench=pb.BenchJob(repeat=100000000), timeout_s=1.5), metadata=key,
                    timeout=60)
    check("a job past its timeout is killed and says so", r.timed_out and "timed out" in r.summary, str(r))
    stored = os.listdir(os.path.join(os.path.dirname(server.log), "store", "packages"))
    check("the store holds only packages named by their hash", all(re.fullmatch(r"[0-9a-f]{64}\.rqc", f) for f in stored),
          stored)
    check("the server answers after the malformed requests",
          stub.Info(pb.InfoRequest(), metadata=key, timeout=60).key == server.key and server.alive())
    channel.close()


def test_tune(rqc, models, tmp, server):
    model = os.path.join(models, "resnet8.onnx")
    runner = f"rpc://{server.address}?key={server.key}"
    fast = ["--min-repeat-ms", "5", "--repeat", "2", "--build-jobs", "2"]
    env = dict(os.environ, RQC_TEST_FAULT_TEMPLATES="1", RQC_TOPHUB_LOCATION="NONE")
    p = run([rqc, "inspect", model, "--tasks", "--json"], env=env)
    index = next(i for i, t in enumerate(json.loads(p.stdout)["tasks"]) if t["template"].startswith("test_faults."))
    log = os.path.join(tmp, "faults.log")
    p = run([rqc, "tune", model, "-o", log, "--tuner", "grid", "--trials", "4", "--tasks", str(index), "--timeout", "4",
             "--runner", runner] + fast, env=env)
    check("rqc tune --runner=rpc:// finishes over crashing, hanging and wrong candidates", p.returncode == 0, p.stderr)
    by_fault = {r["config"]["entity"][0][2]: r for r in records(log)} if os.path.exists(log) else {}
    errors = {f: r["result"][1] for f, r in by_fault.items()}
    check("the board's faults are recorded with AutoTVM's error numbers (0 ok, 4 signal, 7 timeout, 5 wrong)",
          errors == {0: 0, 1: 4, 2: 7, 3: 5}, errors)
    check("the server lives on after crashing and hanging candidates", server.alive())

    env = dict(os.environ, RQC_TOPHUB_LOCATION="NONE")
    log = os.path.join(tmp, "tuned.log")
    p = run([rqc, "tune", model, "-o", log, "--tuner", "random", "--trials", "3", "--tasks", "0", "--runner", runner]
            + fast, env=env)
    recs = records(log) if os.path.exists(log) else []
    check("rqc tune --runner=rpc:// writes 3 records of the board, without errors",
          p.returncode == 0 and len(recs) == 3 and all(r["result"][1] == 0 and r["device"] == "rpc/pynq/x86_64-linux"
                                                      for r in recs), p.stderr + json.dumps(recs)[:800])
    before = run([rqc, "compile", model, "-o", os.path.join(tmp, "untuned.rqc")], env=env).stderr
    after = run([rqc, "compile", model, "--tuning-records", log, "-o", os.path.join(tmp, "tuned.rqc")], env=env)
    untuned = lambda s: int(re.search(r"(\d+) of \d+ tasks untuned", s).group(1)) if re.search(r"tasks untuned", s) else 0
    check("rqc compile --tuning-records applies the board's records",
          after.returncode == 0 and untuned(after.stderr) == untuned(before) - 1, before + after.stderr)
    p = run([rqc, "tune", model, "-o", os.path.join(tmp, "x.log"), "--runner", f"rpc://{server.address}?key=nope"],
            env=env)
    check("rqc tune with a wrong key stops before compiling, one error line", one_error_line(p, "refused the key"),
          p.stderr)
    p = run([rqc, "tune", model, "-o", os.path.join(tmp, "x.log"), "--runner", "rpc://127.0.0.1:1"], env=env)
    check("--runner rpc:// without a key: one error line", one_error_line(p, "needs the server's key"), p.stderr)
    check("no log is written by refused runs", not os.path.exists(os.path.join(tmp, "x.log")))


def main():
    rqc, models, proto = sys.argv[1:4]
    with tempfile.TemporaryDirectory() as tmp:
        server = Server(rqc, os.path.join(tmp, "store"))
        try:
            pkg = test_run_and_bench(rqc, models, tmp, server)
            test_refusals(rqc, models, tmp, server, pkg)
            test_malformed_requests(proto, tmp, server, pkg)
            test_port_taken_and_cancel(rqc, tmp, server, pkg)
            test_killed_mid_job(rqc, tmp, pkg)
            test_tune(rqc, models, tmp, server)
        finally:
            rc = server.stop()
        check("SIGTERM stops the server with exit 0", rc == 0 and any("stopping" in l for l in server.lines),
              f"rc={rc} {server.lines[-3:]}")
    return finish()

if __name__ == "__main__":
    sys.exit(main())
