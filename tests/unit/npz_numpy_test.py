"""numpy and rqc's .npz code agree, in both directions, on all five dtypes rqc supports.

    npz_numpy_test.py PATH/TO/rqc_npz_echo

numpy writes arrays (extreme values, a 0-d array, a 3-D one); rqc_npz_echo must print
exactly numpy's dtypes, shapes and values, and the file it writes back must load in numpy
as the same arrays. The printed values keep a symmetric reader/writer slip (say, bytes
read in the wrong order and written back in the same wrong order) from cancelling out.
"""
import os
import subprocess
import sys
import tempfile

import numpy as np

arrays = {
    "f32": np.array([[0.0, -0.0, 1.5, -2.25], [3.4028235e38, -1.1754944e-38, 1e-45, 0.1]], np.float32),
    "i8": np.array([-128, -1, 0, 1, 127], np.int8),
    "u8": np.array([0, 1, 128, 254, 255], np.uint8),
    "i32": np.arange(24, dtype=np.int32).reshape(2, 3, 4) * 93_000_000 - 2_147_483_647,
    "i64": np.array([-(2**63), -1, 2**40 + 3, 2**63 - 1], np.int64),
    "scalar": np.array(7, np.int64),
}

with tempfile.TemporaryDirectory() as tmp:
    src, out = os.path.join(tmp, "in.npz"), os.path.join(tmp, "out.npz")
    np.savez(src, **arrays)
    run = subprocess.run([sys.argv[1], src, out], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    printed = {}
    for line in run.stdout.splitlines():
        name, dtype, shape, *values = line.split(" ")
        printed[name] = (dtype, shape, values)
    assert sorted(printed) == sorted(arrays), printed.keys()
    for name, a in arrays.items():
        dtype, shape, values = printed[name]
        assert dtype == str(a.dtype), (name, dtype)
        assert shape == "[" + ("x".join(map(str, a.shape)) or "scalar") + "]", (name, shape)
        got = np.array([float(v) if a.dtype == np.float32 else int(v) for v in values], a.dtype)
        assert got.tobytes() == a.reshape(-1).tobytes(), (name, got, a)

    back = np.load(out)
    assert sorted(back.files) == sorted(arrays), back.files
    for name, a in arrays.items():
        b = back[name]
        assert b.dtype == a.dtype and b.shape == a.shape and b.tobytes() == a.tobytes(), (name, b, a)
print(f"ok: {len(arrays)} arrays read and written back exactly")
