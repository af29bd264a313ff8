#!/usr/bin/env python3
"""The .npy fixtures of tests/npy.rs, written by NumPy, and the check that NumPy reads the files
arenagrad wrote:

    /work/torchenv/bin/python scripts/gen_npy_fixtures.py            # writes tests/data/npy/*.npy
    cargo test --release --test npy                                  # reads them; checks arenagrad/
    /work/torchenv/bin/python scripts/gen_npy_fixtures.py --check    # numpy.load on arenagrad/*.npy

Any Python with NumPy will do. tests/npy.rs reads every file below and compares it with values
it computes itself; tests/data/npy/arenagrad/ holds the files arenagrad writes for the ARENAGRAD
arrays (the test fails if arenagrad's bytes differ from the committed ones, and rewrites them
with ARENAGRAD_WRITE_NPY=1). `--check` loads those with numpy.load, compares dtype, shape and
values with ARENAGRAD, and compares their bytes with numpy.save's for the same arrays.
"""
import argparse
import io
import os
import sys

import numpy as np

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "data", "npy")

# NumPy-written files that arenagrad must read.
GOOD = {
    "f32_2x3": np.array([[0.5, -1.25, 3.0], [1e-8, -0.0, 65504.0]], dtype=np.float32),
    # odd shape: value i * 0.1 in float32 arithmetic
    "f32_3x1x5": np.arange(15, dtype=np.float32).reshape(3, 1, 5) * np.float32(0.1),
    "f32_scalar": np.array(2.5, dtype=np.float32),
    "f32_empty_0x3": np.zeros((0, 3), dtype=np.float32),
    "f32_empty_4x0x2": np.zeros((4, 0, 2), dtype=np.float32),
    "f32_7": np.array([1, 2, 3, 4, 5, 6, 7], dtype=np.float32) / np.float32(8),
    # rounded to f32 on load: 0.1, 1/3, past f32's range, a round-to-even tie (1 + 2^-24)
    "f64_2x2": np.array([[0.1, 1.0 / 3.0], [1e40, 1.0 + 2.0**-24]], dtype=np.float64),
    "i64_labels": np.array([3, 1, 4, 1, 5, 9, 2, 6], dtype=np.int64),
    "i64_labels_empty": np.zeros((0,), dtype=np.int64),
    # exact in f32, so load() takes it too
    "i64_2x2": np.array([[0, -7], [2**24, 3 * 2**40]], dtype=np.int64),
}

# written with an explicit format version
VERSIONED = {
    "f32_v2": ((2, 0), np.array([[1.5, -2.0], [0.25, 8.0]], dtype=np.float32)),
    "f32_v3": ((3, 0), np.array([1.5, -2.0, 0.25], dtype=np.float32)),
}

# NumPy-written files that arenagrad must refuse (tests/npy.rs checks each message).
BAD = {
    "bad_big_endian": np.array([1.0, 2.0], dtype=">f4"),
    "bad_fortran": np.asfortranarray(np.arange(6, dtype=np.float32).reshape(2, 3)),
    "bad_int32": np.array([1, 2], dtype=np.int32),
    "bad_negative_label": np.array([0, -100, 2], dtype=np.int64),
    "bad_labels_2d": np.array([[0, 1]], dtype=np.int64),
    "bad_inexact_i64": np.array([2**24 + 1], dtype=np.int64),
}

# What tests/npy.rs writes with arenagrad into arenagrad/ (the same values, built in Rust).
ARENAGRAD = {
    "f32_2x3": GOOD["f32_2x3"],
    "f32_3x1x5": GOOD["f32_3x1x5"],
    "f32_scalar": GOOD["f32_scalar"],
    "f32_empty_0x3": GOOD["f32_empty_0x3"],
    "labels": GOOD["i64_labels"],
    "labels_empty": GOOD["i64_labels_empty"],
}


def npy_bytes(a):
    buf = io.BytesIO()
    np.save(buf, a)
    return buf.getvalue()


def write():
    os.makedirs(ROOT, exist_ok=True)
    for name, a in {**GOOD, **BAD}.items():
        np.save(os.path.join(ROOT, name + ".npy"), a)
    for name, (version, a) in VERSIONED.items():
        with open(os.path.join(ROOT, name + ".npy"), "wb") as f:
            np.lib.format.write_array(f, a, version=version)
    # truncated: the last byte of a good file cut off
    data = npy_bytes(GOOD["f32_2x3"])
    with open(os.path.join(ROOT, "bad_truncated.npy"), "wb") as f:
        f.write(data[:-1])
    print(f"wrote {len(GOOD) + len(VERSIONED) + len(BAD) + 1} files to {ROOT}")


def check():
    bad = 0
    for name, want in ARENAGRAD.items():
        path = os.path.join(ROOT, "arenagrad", name + ".npy")
        got = np.load(path)
        same = (got.dtype == want.dtype and got.shape == want.shape
                and np.array_equal(got, want) and np.array_equal(np.signbit(got), np.signbit(want)))
        with open(path, "rb") as f:
            same_bytes = f.read() == npy_bytes(want)
        status = "ok" if same and same_bytes else "MISMATCH"
        bad += status != "ok"
        print(f"{status:8} {name}: numpy.load gives {got.dtype} {got.shape}; "
              f"values {'equal' if same else 'differ'}; bytes of numpy.save {'equal' if same_bytes else 'differ'}")
    print(f"numpy {np.__version__}: {len(ARENAGRAD) - bad}/{len(ARENAGRAD)} arenagrad files ok")
    return bad == 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--check", action="store_true", help="numpy.load the files arenagrad wrote")
    args = ap.parse_args()
    if args.check:
        sys.exit(0 if check() else 1)
    write()


if __name__ == "__main__":
    main()
