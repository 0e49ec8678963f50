"""rqc compile --split=N: split networks (seed 003), run here and across rpc-servers.

- The split network is the model with the connections between channel groups dropped:
  compiled with --split=2 and run here, it matches ONNX Runtime on the model whose
  convolution weights between groups are zeroed (fp32, within 1e-4 of the output range).
  ResNet-8, MobileNet-v1 (depthwise convolutions) and ResNet-18 (batch norms, residual
  adds, a Reshape classifier input).
- rqc run SPLIT.rqc --remote H1:P1,H2:P2 runs part i on server i (two real rpc-servers on
  loopback) and the head here: the outputs equal the local run's, bit for bit; the report
  gives each board's time and the end-to-end latency. rqc bench --remote reports each
  board's p50 and the estimate.
- Refusals, one error line each: channels that do not divide, an int8 model, a server
  count that is not the part count, several servers for a plain package, a damaged part.

- With --trained: the ResNet-8 trained split on Fashion-MNIST (set-up trains it with
  scripts/train_fashion_mnist.py --split 2) scored by rqc validate --split 2 classifies as
  the model compiled whole (the same function), while the ResNet-8 trained whole loses
  accuracy when split (a different function: it needs retraining).

- With --netns: two boards in network namespaces the test creates (veth pairs on
  10.231.k.0/30; root), an rpc-server in each on its own address: the split ResNet-8
  across them equals the local run.

usage: split_test.py RQC MODELS_DIR [--trained | --netns] [MODEL...]
"""
import json
import os
import subprocess
import sys
import tarfile
import tempfile

import numpy as np
import onnx
import onnxruntime as ort
from onnx import numpy_helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from boards_testlib import Server, check, failures, finish, one_error_line, run, stop, wait_for  # noqa: E402


def masked(model_path, n):
    """The model with every convolution's weights between different channel groups zeroed
    (convolutions of the image itself and depthwise ones keep all theirs)."""
    m = onnx.load(model_path)
    g = m.graph
    inits = {t.name: t for t in g.initializer}
    image = [i.name for i in g.input if i.name not in inits][0]
    # Tensors computed from the image alone (before the first convolution).
    from_image = {image}
    for node in g.node:
        if node.op_type != "Conv" and any(i in from_image for i in node.input):
            from_image.update(node.output)
    for node in g.node:
        if node.op_type != "Conv" or node.input[0] in from_image:
            continue
        group = next((a.i for a in node.attribute if a.name == "group"), 1)
        if group != 1:
            continue
        w = numpy_helper.to_array(inits[node.input[1]]).copy()
        o, i = w.shape[:2]
        for a in range(o):
            for b in range(i):
                if a // (o // n) != b // (i // n):
                    w[a, b] = 0
        inits[node.input[1]].CopyFrom(numpy_helper.from_array(w, node.input[1]))
    return m


def test_model(rqc, models, name, tmp, servers):
    path = os.path.join(models, name + ".onnx")
    pkg = os.path.join(tmp, name + "_split2.rqc")
    p = run([rqc, "compile", path, "--split", "2", "-o", pkg])
    check(f"{name}: rqc compile --split 2", p.returncode == 0 and "a different function" in p.stderr, p.stderr)
    if p.returncode != 0:
        return
    model = onnx.load(path)
    inp = model.graph.input[0]
    shape = [d.dim_value for d in inp.type.tensor_type.shape.dim]
    x = np.random.default_rng(5).standard_normal(shape).astype(np.float32)
    inputs = os.path.join(tmp, name + "_in.npz")
    np.savez(inputs, **{inp.name: x})
    local = os.path.join(tmp, name + "_local.npz")
    p = run([rqc, "run", pkg, "--inputs", inputs, "--outputs", local])
    check(f"{name}: the split package runs here, part after part", p.returncode == 0 and "part1:" in p.stdout, p.stderr)
    if p.returncode != 0:
        return
    sess = ort.InferenceSession(masked(path, 2).SerializeToString(), providers=["CPUExecutionProvider"])
    ref = dict(zip([o.name for o in sess.get_outputs()], sess.run(None, {inp.name: x})))
    got = np.load(local)
    for k, r in ref.items():
        r = r.astype(np.float64)
        tol = 1e-4 * max(float(r.max() - r.min()), 1e-12)
        diff = float(np.abs(got[k].astype(np.float64) - r).max())
        check(f"{name}: {k} matches ONNX Runtime on the model without cross-group weights "
              f"(max|diff| {diff:.3g}, tol {tol:.3g})", diff <= tol)
    if servers:
        remote = os.path.join(tmp, name + "_remote.npz")
        addresses = ",".join(s.address for s in servers)
        p = run([rqc, "run", pkg, "--inputs", inputs, "--outputs", remote, "--remote", addresses, "--key", "split"])
        check(f"{name}: rqc run --remote with two rpc-servers", p.returncode == 0, p.stderr)
        if p.returncode == 0:
            a, b = np.load(local), np.load(remote)
            check(f"{name}: the two boards' run equals the local one, bit for bit",
                  all(np.array_equal(a[k], b[k]) for k in a.files))
            check(f"{name}: the report gives each board's time and the end-to-end latency",
                  all(f"part{i} on {s.address}" in p.stdout for i, s in enumerate(servers)) and
                  "end to end" in p.stdout, p.stdout)
    return pkg


def test_trained(rqc, models):
    """The ResNet-8 trained split on Fashion-MNIST (scripts/train_fashion_mnist.py --split 2)
    against the one trained whole, both scored by rqc validate --split 2."""
    def validate(model):
        p = run([rqc, "validate", os.path.join(models, model), "--split", "2", "--dataset", "fashion-mnist",
                 "--limit", "2000", "--json"])
        check(f"rqc validate {model} --split 2", p.returncode == 0, p.stderr)
        return json.loads(p.stdout) if p.returncode == 0 else None
    trained_split = validate("fashion_resnet8_split2.onnx")
    if trained_split:
        check("trained split: the split network classifies as the model does (it is the same function)",
              abs(trained_split["top1"] - trained_split["unsplit"]["top1"]) <= 0.001 and trained_split["top1"] > 0.8,
              json.dumps(trained_split))
    trained_whole = validate("fashion_resnet8.onnx")
    if trained_whole:
        check("trained whole: splitting it drops the weights between groups and its accuracy with them",
              trained_whole["top1"] < trained_whole["unsplit"]["top1"] - 0.05, json.dumps(trained_whole))
    if trained_split and trained_whole:
        print(f"top-1 on 2000 Fashion-MNIST test images: trained split {trained_split['top1']:.4f} "
              f"(whole {trained_split['unsplit']['top1']:.4f}); trained whole {trained_whole['unsplit']['top1']:.4f}, "
              f"split afterwards {trained_whole['top1']:.4f}")


class Namespaces:
    """Two boards with network stacks of their own: network namespaces joined to this one by
    veth pairs on private addresses (10.231.<k>.0/30), created here and deleted after."""

    def __init__(self, count):
        self.names, self.addresses = [], []
        tag = os.getpid() % 100000
        for k in range(count):
            ns, host, board = f"rqcb{k}-{tag}", f"rqh{k}-{tag}", f"rqb{k}-{tag}"
            here, there = f"10.231.{k}.1", f"10.231.{k}.2"
            cmds = [["ip", "netns", "add", ns],
                    ["ip", "link", "add", host, "type", "veth", "peer", "name", board],
                    ["ip", "link", "set", board, "netns", ns],
                    ["ip", "addr", "add", here + "/30", "dev", host], ["ip", "link", "set", host, "up"],
                    ["ip", "netns", "exec", ns, "ip", "addr", "add", there + "/30", "dev", board],
                    ["ip", "netns", "exec", ns, "ip", "link", "set", board, "up"],
                    ["ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up"]]
            self.names.append(ns)
            for c in cmds:
                p = run(c)
                if p.returncode != 0:
                    self.close()
                    raise RuntimeError(" ".join(c) + ": " + p.stderr.strip())
            self.addresses.append(there)

    def close(self):
        for ns in self.names:
            run(["ip", "netns", "del", ns])  # takes its veth pair with it


def test_namespaces(rqc, models, tmp):
    """Part i on a server inside board namespace i, reached over its veth pair."""
    try:
        boards = Namespaces(2)
    except (RuntimeError, OSError) as e:
        check("network namespaces for two boards can be created (run as root)", False, str(e))
        return
    servers = []
    try:
        for k, (ns, address) in enumerate(zip(boards.names, boards.addresses)):
            log = os.path.join(tmp, f"ns{k}.log")
            proc = subprocess.Popen(["ip", "netns", "exec", ns, rqc, "rpc-server", "--host", address, "--port", "9091",
                                     "--key", "split", "--store", os.path.join(tmp, f"ns{k}-store")],
                                    stdout=open(log, "w"), stderr=subprocess.STDOUT)
            servers.append(proc)
            wait_for(log, "listening on", proc, 30)
            check(f"an rpc-server listens inside board namespace {k} on {address}", "listening on" in open(log).read(),
                  open(log).read())
        pkg = os.path.join(tmp, "ns_split2.rqc")
        run([rqc, "compile", os.path.join(models, "resnet8.onnx"), "--split", "2", "-o", pkg])
        local, remote = os.path.join(tmp, "ns_local.npz"), os.path.join(tmp, "ns_remote.npz")
        run([rqc, "run", pkg, "--seed", "4", "--outputs", local])
        p = run([rqc, "run", pkg, "--seed", "4", "--outputs", remote, "--remote",
                 ",".join(a + ":9091" for a in boards.addresses), "--key", "split"])
        ok = p.returncode == 0 and all(np.array_equal(np.load(local)[k], np.load(remote)[k]) for k in np.load(local).files)
        check("a split network across two boards in their own network namespaces equals the local run", ok,
              p.stdout + p.stderr)
    finally:
        for proc in servers:
            stop(proc, 30)
        boards.close()


def main():
    rqc, models = sys.argv[1:3]
    if "--netns" in sys.argv[3:]:
        with tempfile.TemporaryDirectory() as tmp:
            test_namespaces(rqc, models, tmp)
        return finish()
    names = [a for a in sys.argv[3:] if a != "--trained"] or ["resnet8", "mobilenet_v1"]
    if "--trained" in sys.argv[3:]:
        test_trained(rqc, models)
        names = [a for a in sys.argv[3:] if a != "--trained"]
    with tempfile.TemporaryDirectory() as tmp:
        servers = [Server(rqc, os.path.join(tmp, f"store{i}"), key="split") for i in range(2)]
        try:
            pkgs = {n: test_model(rqc, models, n, tmp, servers) for n in names}
            pkg = pkgs.get(names[0]) if names else None
            if pkg:
                addresses = ",".join(s.address for s in servers)
                p = run([rqc, "bench", pkg, "--repeat", "5", "--remote", addresses, "--key", "split"])
                check("rqc bench --remote gives each board's p50 and the estimate",
                      p.returncode == 0 and "part0 on" in p.stdout and "estimated end to end" in p.stdout, p.stdout + p.stderr)
                p = run([rqc, "run", pkg, "--remote", servers[0].address, "--key", "split"])
                check("one server for two parts: one error line", one_error_line(p, "one HOST:PORT per part"), p.stderr)
                plain = os.path.join(tmp, "plain.rqc")
                run([rqc, "compile", os.path.join(models, "resnet8.onnx"), "-o", plain])
                p = run([rqc, "run", plain, "--remote", addresses, "--key", "split"])
                check("two servers for a plain package: one error line", one_error_line(p, "is not one"), p.stderr)
                damaged = os.path.join(tmp, "damaged.rqc")
                with tarfile.open(pkg) as t:
                    members = {m.name: t.extractfile(m).read() for m in t.getmembers()}
                part = bytearray(members["part1.rqc"])
                part[len(part) // 2] ^= 0xFF
                members["part1.rqc"] = bytes(part)
                with tarfile.open(damaged, "w", format=tarfile.USTAR_FORMAT) as t:
                    import io
                    for k, v in members.items():
                        info = tarfile.TarInfo(k)
                        info.size = len(v)
                        t.addfile(info, io.BytesIO(v))
                p = run([rqc, "run", damaged])
                check("a damaged part: one error line", one_error_line(p, "does not match its checksum"), p.stderr)
            p = run([rqc, "compile", os.path.join(models, "resnet8.onnx"), "--split", "3", "-o", os.path.join(tmp, "x.rqc")])
            check("channels that do not divide: one error line naming the convolution",
                  one_error_line(p, "do not divide into 3 groups") and "conv" in p.stderr.lower(), p.stderr)
            p = run([rqc, "compile", os.path.join(models, "resnet8_int8.onnx"), "--split", "2", "-o", os.path.join(tmp, "x.rqc")])
            check("an int8 model: one error line", one_error_line(p, "float models"), p.stderr)
            check("no package is left by the refusals", not os.path.exists(os.path.join(tmp, "x.rqc")))
        finally:
            for s in servers:
                s.stop()
    return finish()

if __name__ == "__main__":
    sys.exit(main())
