#!/usr/bin/env python3
"""Check that a safetensors file arenagrad wrote is what PyTorch reads: the arenagrad -> PyTorch
direction of the interop tests.

    /tmp/torchref/bin/python scripts/check_interop.py MODEL.safetensors MODEL.expected.json

tests/interop.rs (`arenagrad_mlp_loads_in_pytorch`) writes such a pair from an arenagrad Mlp and runs
this script itself when ARENAGRAD_PYTHON names a Python with torch and safetensors:

    ARENAGRAD_PYTHON=/tmp/torchref/bin/python cargo test --release --test interop -- --nocapture

(ARENAGRAD_INTEROP_DIR=DIR keeps the pair in DIR.) The file must hold the state_dict of
nn.Sequential(nn.Linear(d0, d1), nn.ReLU(), ..., nn.Linear(dk-1, dk)): keys "{2i}.weight"
[d(i+1), d(i)] and "{2i}.bias". The JSON (the schema of tests/data/mlp_64_32_10.expected.json) has
"inputs" and "logits" {shape, data} and "tol" {rtol, atol}. Checks, exit status 1 if one fails:
1. safetensors.torch.load_file reads it; every tensor is float32 on the CPU;
2. model.load_state_dict(..., strict=True) accepts it;
3. PyTorch's logits for the inputs equal arenagrad's within |got - want| <= atol + rtol |want|,
   and the predicted classes (argmax) are identical;
4. safetensors.torch.save_file of the loaded tensors with the file's metadata writes the same
   bytes (arenagrad's writer produces the canonical layout).
"""
import json
import os
import sys
import tempfile

import torch
from safetensors import safe_open
from safetensors.torch import load_file, save_file


def main(path, expected_path):
    expected = json.load(open(expected_path))
    state = load_file(path)
    assert all(t.dtype == torch.float32 for t in state.values()), "all tensors must be float32"
    n_layers = len(state) // 2
    layers = []
    for i in range(n_layers):
        out_f, in_f = state[f"{2 * i}.weight"].shape
        layers.append(torch.nn.Linear(in_f, out_f))
        if i + 1 < n_layers:
            layers.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*layers)
    model.load_state_dict(state, strict=True)
    print(f"load_state_dict(strict=True): ok ({model})")

    x = torch.tensor(expected["inputs"]["data"], dtype=torch.float32)
    x = x.reshape(expected["inputs"]["shape"])
    want = torch.tensor(expected["logits"]["data"], dtype=torch.float32)
    want = want.reshape(expected["logits"]["shape"])
    with torch.no_grad():
        got = model(x)
    rtol, atol = expected["tol"]["rtol"], expected["tol"]["atol"]
    err = (got - want).abs()
    bound = atol + rtol * want.abs()
    same_class = bool((got.argmax(1) == want.argmax(1)).all())
    print(f"logits {list(got.shape)}: max |torch - arenagrad| = {err.max().item():.3g}, "
          f"max ratio to tolerance = {(err / bound).max().item():.3g}, "
          f"same predicted classes: {same_class}")
    ok = bool((err <= bound).all()) and same_class

    with safe_open(path, framework="pt") as f:
        metadata = f.metadata()
    with tempfile.TemporaryDirectory() as d:
        again = os.path.join(d, "resaved.safetensors")
        save_file(state, again, metadata=metadata)
        same_bytes = open(again, "rb").read() == open(path, "rb").read()
    print(f"save_file(load_file(f), metadata={metadata}) writes the same bytes: {same_bytes}")
    ok = ok and same_bytes
    print("interop arenagrad -> PyTorch:", "OK" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1], sys.argv[2]))
