#!/usr/bin/env python3
"""PyTorch's side of examples/gemm_probe.rs: GFLOP/s of the same products in the same layouts.

Usage: python3 scripts/gemm_probe_torch.py [--threads N] [--rounds R] [--only 128x,...]
Prints one JSON object per line, like the Rust probe (impl "torch-<version>").
"""
import argparse, json, time
import torch

CASES = [
    (1024, 1024, 1024, "NN", "matmul_1024 fwd"),
    (1024, 1024, 1024, "BT", "matmul_1024 dA"),
    (1024, 1024, 1024, "AT", "matmul_1024 dB"),
    (128, 784, 512, "BT", "mlp784 fwd l1"),
    (128, 512, 512, "BT", "mlp784 fwd l2"),
    (128, 512, 10, "BT", "mlp784 fwd l3"),
    (128, 512, 512, "NN", "mlp784 dx l2"),
    (128, 10, 512, "NN", "mlp784 dx l3"),
    (512, 128, 784, "AT", "mlp784 dW l1"),
    (512, 128, 512, "AT", "mlp784 dW l2"),
    (10, 128, 512, "AT", "mlp784 dW l3"),
    (128, 1, 512, "ones", "mlp784 bias fwd"),
    (512, 128, 1, "ones", "mlp784 db"),
    (8, 16, 32, "BT", "mlp16 fwd l1"),
    (8, 32, 32, "BT", "mlp16 fwd l2"),
    (8, 32, 1, "BT", "mlp16 fwd l3"),
    (8, 32, 32, "NN", "mlp16 dx l2"),
    (32, 8, 16, "AT", "mlp16 dW l1"),
    (32, 8, 32, "AT", "mlp16 dW l2"),
    (8, 1, 32, "ones", "mlp16 bias fwd"),
]


def operands(m, k, n, layout):
    if layout == "NN":
        return torch.randn(m, k), torch.randn(k, n)
    if layout == "AT":
        return torch.randn(k, m).t(), torch.randn(k, n)
    if layout == "BT":
        return torch.randn(m, k), torch.randn(n, k).t()
    if k == 1:
        return torch.ones(m, 1), torch.randn(1, n)
    return torch.randn(k, m).t(), torch.ones(k, 1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--only", default="")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    only = [s for s in args.only.split(",") if s]
    for m, k, n, layout, what in CASES:
        name = f"{m}x{k}x{n}/{layout}"
        if only and not any(o in name for o in only):
            continue
        a, b = operands(m, k, n, layout)
        out = torch.empty(m, n)
        flops = 2.0 * m * k * n
        reps = int(min(max(1e9 / flops, 3), 20000))
        ts = []
        torch.mm(a, b, out=out)
        for _ in range(args.rounds):
            for _ in range(reps):
                t0 = time.perf_counter()
                torch.mm(a, b, out=out)
                ts.append(time.perf_counter() - t0)
        ts.sort()
        med = ts[len(ts) // 2]
        print(json.dumps({"shape": name, "what": what, "impl": f"torch-{torch.__version__}",
                          "threads": args.threads, "gflops_median": round(flops / med / 1e9, 2),
                          "gflops_best": round(flops / ts[0] / 1e9, 2),
                          "us_median": round(med * 1e6, 2)}), flush=True)


if __name__ == "__main__":
    main()
