"""rqc killed in the middle of writing a file leaves the old file or the new one, never a part.

Every user-facing file rqc writes goes through writeFileAtomically (AtomicFile.h). With
RQC_TEST_WRITE_PAUSE_MS set, rqc pauses in the middle of writing its hidden temporary
(`.NAME.rqc-tmp-XXXXXX` next to the destination); this test waits until that temporary
exists, kills rqc with SIGKILL there, and checks that the destination still holds its
old bytes (or still does not exist); then the same command without the pause writes the
new file, which differs from the old one and is usable. Writers covered: a package
(rqc compile -o), .npz outputs (rqc run --outputs), a tophub merge (rqc tophub merge -o)
and a VTA image (rqc vta asm -o).

usage: kill_mid_write.py RQC NODE_TEST_DATA_DIR
"""
import glob
import os
import signal
import subprocess
import sys
import tempfile
import time

failures = []


def check(what, ok, detail=""):
    print(("ok   " if ok else "FAIL ") + what + ("" if ok else ": " + detail), flush=True)
    if not ok:
        failures.append(what)


def temporaries(dest):
    d, name = os.path.split(dest)
    return glob.glob(os.path.join(d or ".", "." + name + ".rqc-tmp-*"))


def kill_mid_write(what, cmd, dest, old):
    """Runs cmd with the pause, kills it while its temporary exists; dest must equal `old`."""
    for t in temporaries(dest):
        os.remove(t)
    env = dict(os.environ, RQC_TEST_WRITE_PAUSE_MS="20000")
    p = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.time() + 120
    while time.time() < deadline and not temporaries(dest) and p.poll() is None:
        time.sleep(0.02)
    caught = bool(temporaries(dest)) and p.poll() is None
    if caught:
        time.sleep(0.2)  # inside the pause, the temporary partly written
    p.send_signal(signal.SIGKILL)
    p.wait()
    check(f"{what}: killed while its temporary was being written", caught,
          f"exit {p.returncode}: {p.stderr.read().decode()[-300:]}")
    now = open(dest, "rb").read() if os.path.exists(dest) else None
    check(f"{what}: the destination is the old file after the kill", now == old,
          "missing" if now is None else f"{len(now)} bytes, old {None if old is None else len(old)}")
    for t in temporaries(dest):
        os.remove(t)
    p = subprocess.run(cmd, capture_output=True, text=True)
    new = open(dest, "rb").read() if os.path.exists(dest) else None
    check(f"{what}: without a kill the new file is written", p.returncode == 0 and new is not None and new != old,
          p.stderr[-300:])
    check(f"{what}: no temporary left after a normal run", not temporaries(dest), str(temporaries(dest)))
    return new


def main():
    rqc, data = sys.argv[1], sys.argv[2]
    conv = os.path.join(data, "test_conv_with_strides_padding", "model.onnx")
    relu = os.path.join(data, "test_relu", "model.onnx")
    with tempfile.TemporaryDirectory(prefix="rqc-kill-") as tmp:
        pkg = os.path.join(tmp, "model.rqc")
        subprocess.run([rqc, "compile", relu, "-o", pkg], check=True)
        old = open(pkg, "rb").read()
        kill_mid_write("package", [rqc, "compile", conv, "-o", pkg], pkg, old)
        fresh = os.path.join(tmp, "fresh.rqc")
        kill_mid_write("package, new file", [rqc, "compile", conv, "-o", fresh], fresh, None)
        mode = os.stat(pkg).st_mode & 0o777
        check("a replaced package is readable by others (not mkstemp's 0600)", mode & 0o044 == 0o044, oct(mode))

        out = os.path.join(tmp, "out.npz")
        subprocess.run([rqc, "run", pkg, "--seed", "1", "--outputs", out], check=True, capture_output=True)
        old = open(out, "rb").read()
        kill_mid_write("npz outputs", [rqc, "run", pkg, "--seed", "2", "--outputs", out], out, old)

        log_a, log_b, merged = (os.path.join(tmp, n) for n in ("a.log", "b.log", "merged.log"))
        rec = ('{{"input": ["llvm -mtriple=x86_64-unknown-linux-gnu", "dense_nopack.x86", '
               '[["TENSOR", [1, {k}], "float32"], ["TENSOR", [8, {k}], "float32"], null, "float32"], {{}}], '
               '"config": {{"index": 0, "code_hash": null, "entity": [["tile_y", "sp", [-1, 1]], '
               '["tile_x", "sp", [-1, 1]], ["tile_k", "sp", [-1, 1]]]}}, "result": [[0.001], 0, 0.1, 1700000000], '
               '"version": 0.2, "tvm_version": "0.8.0"}}\n')
        open(log_a, "w").write(rec.format(k=16))
        open(log_b, "w").write(rec.format(k=32))
        subprocess.run([rqc, "tophub", "merge", log_a, "-o", merged], check=True, capture_output=True)
        old = open(merged, "rb").read()
        kill_mid_write("tophub merge", [rqc, "tophub", "merge", log_a, log_b, "-o", merged], merged, old)

        asm, img = os.path.join(tmp, "f.vtasm"), os.path.join(tmp, "f.bin")
        open(asm, "w").write("FINISH\n")
        kill_mid_write("vta asm, new file", [rqc, "vta", "asm", asm, "-o", img], img, None)

    print(f"{len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
