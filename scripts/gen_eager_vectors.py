#!/usr/bin/env python3
"""PyTorch reference values for the eager range constructors: tests/vectors/eager_ranges.json.

Run: python scripts/gen_eager_vectors.py   (needs torch and numpy; CPU, float32)

For each case the file holds torch's output and, for arange, the value of PyTorch's scalar
formula `float32(start + i*step)` computed in float64 by numpy (`formula`), which is what
arenagrad computes for every element. torch's own CPU kernel uses that formula only in its scalar
tail; its SIMD body adds k*step to a float32-rounded base, so `torch` may differ from `formula` by
the rounding of that base: at most float32 epsilon times max(|start|, |end|) (checked here and by the
test); `diffs` records how many elements differ.
linspace is bit-exact with torch (its symmetric fused multiply-add formula). Values are written as
repr(float(x)) of float32 values, so parsing as f64 and casting to f32 is exact.
"""
import json
import os

import numpy as np
import torch

ARANGE = [
    (0.0, 1.0, 0.1),
    (0.1, 1.0, 0.1),
    (-3.3, 7.1, 0.37),
    (1000.0, -5.0, -1.1),
    (0.0, 100.0, 1.0 / 3.0),
    (0.2, 33.7, 0.0123),
    (5.0, 5.0, 1.0),
    (0.0, 1025.0, 1.0),
    (-1.0, 1.0, 0.3),
]
LINSPACE = [
    (0.0, 1.0, 7),
    (-3.3, 7.1, 33),
    (1000.0, -5.0, 1025),
    (0.1, 0.7, 100),
    (2.5, 2.5, 5),
    (-1.0, 1.0, 2),
    (3.0, 1.0, 1),
    (0.0, 1.0, 0),
    (0.3, 1e4, 4099),
]


def f32_list(a):
    return [repr(float(x)) for x in np.asarray(a, dtype=np.float32)]


def main():
    torch.set_num_threads(1)
    cases = []
    for start, end, step in ARANGE:
        t = torch.arange(start, end, step, dtype=torch.float32).numpy()
        n = len(t)
        formula = np.array([start + i * step for i in range(n)], dtype=np.float64).astype(np.float32)
        bound = np.finfo(np.float32).eps * max(abs(start), abs(end))
        diff = np.abs(t.astype(np.float64) - formula.astype(np.float64))
        assert diff.max(initial=0) <= bound, (start, end, step)
        cases.append({
            "op": "arange", "start": repr(start), "end": repr(end), "step": repr(step),
            "torch": f32_list(t), "formula": f32_list(formula),
            "diffs": int((diff != 0).sum()),
        })
    for start, end, steps in LINSPACE:
        t = torch.linspace(start, end, steps, dtype=torch.float32).numpy()
        cases.append({
            "op": "linspace", "start": repr(start), "end": repr(end), "steps": steps,
            "torch": f32_list(t),
        })
    out = {"torch_version": torch.__version__, "numpy_version": np.__version__,
           "cpu_capability": torch.backends.cpu.get_cpu_capability(), "cases": cases}
    path = os.path.join(os.path.dirname(__file__), "..", "tests", "vectors", "eager_ranges.json")
    with open(path, "w") as f:
        json.dump(out, f, separators=(",", ":"))
        f.write("\n")
    print(path, len(cases), "cases")


if __name__ == "__main__":
    main()
