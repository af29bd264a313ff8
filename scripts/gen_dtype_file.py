#!/usr/bin/env python3
"""Write a safetensors file of F16, BF16 and F64 tensors next to PyTorch's own f32 conversion of
each (`t.float()`), for tests/interop.rs::pytorch_dtype_conversions_match:

    /tmp/torchref/bin/python scripts/gen_dtype_file.py tests/data/dtypes.safetensors
    /tmp/torchref/bin/python scripts/gen_dtype_file.py --exhaustive /tmp/dtypes_all.safetensors
    ARENAGRAD_DTYPE_FILE=/tmp/dtypes_all.safetensors cargo test --release --test interop

Keys: "<name>.<dtype>" holds the values in that dtype, "<name>.<dtype>.as_f32" what PyTorch
converts them to. The committed file holds edge values (signed zeros, the smallest and largest
subnormals and normals, infinities, NaNs, f64 round-to-even ties and under/overflow) plus 200
random bit patterns per dtype; --exhaustive holds all 65,536 F16 and BF16 bit patterns instead.
"""
import argparse

import torch
from safetensors.torch import save_file


def from_bits16(bits, dtype):
    return torch.tensor(bits, dtype=torch.int32).to(torch.int16).view(dtype)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--exhaustive", action="store_true")
    args = ap.parse_args()
    g = torch.Generator().manual_seed(0)
    if args.exhaustive:
        bits16 = list(range(65536))
    else:
        edges = [0x0000, 0x8000, 0x0001, 0x8001, 0x03FF, 0x0400, 0x3C00, 0xBC00, 0x7BFF, 0xFBFF,
                 0x7C00, 0xFC00, 0x7C01, 0x7E00, 0xFE00, 0x3555, 0x0200, 0x007F, 0x0080, 0x7F7F,
                 0x7F80, 0xFF80, 0x7FC0, 0xFF81, 0x3F80, 0x4049]
        bits16 = edges + torch.randint(0, 65536, (200,), generator=g).tolist()
    tensors = {}
    for name, dtype in [("f16", torch.float16), ("bf16", torch.bfloat16)]:
        t = from_bits16(bits16, dtype)
        tensors[f"bits.{name}"] = t
        tensors[f"bits.{name}.as_f32"] = t.float()
    f64 = [0.0, -0.0, 0.1, -2.5, 1e-40, -1e-45, 1e-50, 3.4028235e38, 3.4028235677973366e38,
           3.4028236e38, 1e39, -1e300, float("inf"), float("-inf"), float("nan"),
           1.0 + 2.0**-24, 1.0 + 3 * 2.0**-24, 2.0**-149, 2.0**-150, 3 * 2.0**-151]
    f64 = torch.tensor(f64, dtype=torch.float64)
    f64 = torch.cat([f64, torch.randn(200, generator=g, dtype=torch.float64) * 1e3])
    tensors["vals.f64"] = f64.reshape(4, -1)
    tensors["vals.f64.as_f32"] = f64.float().reshape(4, -1)
    save_file(tensors, args.out, metadata={"generator": "scripts/gen_dtype_file.py",
                                           "torch": torch.__version__})
    print(f"wrote {args.out}: {', '.join(f'{k} {list(v.shape)}' for k, v in tensors.items())}")


if __name__ == "__main__":
    main()
