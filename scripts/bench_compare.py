#!/usr/bin/env python3
"""One sitting of arenagrad vs PyTorch on the standard workloads, interleaved.

For every workload and thread count, runs PyTorch's `torch_ref.py --only W` and arenagrad's
`bench_suite --only W` alternately, ROUNDS times each (A, B, A, B, ...), so both sides see the
same machine noise. With `--tcmalloc LIB`, each round also runs PyTorch with `LD_PRELOAD=LIB`
(PyTorch's own CPU tuning advice), and the ratio is taken against the faster of PyTorch's two
allocators. Every JSON line is kept in the log; the table reports, per side, the median over
rounds of each run's median, and the ratio arenagrad / PyTorch (time; < 1 is faster).

    cargo build --release --example bench_suite
    python3 scripts/bench_compare.py --torch-python /tmp/torchref/bin/python \
        --torch-ref ../shared/bench/torch_ref.py --threads 2,1 --rounds 3 --log sitting.jsonl \
        --tcmalloc /usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4

torch_ref.py is PyTorch's side of the workloads (kept outside this repository); its Adam
variants (`adam_10M_100t_fused`, `_foreach`, `_loop`) are compared with arenagrad's one
`adam_10M_100t`.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

WORKLOADS = [
    "mlp_784_512_512_10_b128_adam",
    "mlp_16_32_32_1_b8_sgd",
    "scalar_graph_30k",
    "elementwise_4M",
    "matmul_1024_fwd",
    "matmul_1024_fwd_bwd",
    "adam_10M_100t",
    "softmax_xent_4096x1000",
    "stream_triad_16M",
    "cnn_lenet_28x28_b64_adam",
    "cnn_bn_32x32_b32_sgd",
    "gpt_char_4l_128d_t64_b12_adamw",
    "attention_causal_b8_h4_t256_e32",
    "grad_penalty_mlp_256_b64_adam",
]
# the metric printed next to the time, when the workload has one
METRIC = {
    "scalar_graph_30k": "ns_per_node",
    "matmul_1024_fwd": "gflops",
    "matmul_1024_fwd_bwd": "gflops",
    "adam_10M_100t": "gb_per_s",
    "stream_triad_16M": "gb_per_s",
}


def run_lines(cmd, env):
    out = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True).stdout
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--torch-python", required=True)
    ap.add_argument("--torch-ref", required=True)
    ap.add_argument("--suite", default="target/release/examples/bench_suite")
    ap.add_argument("--threads", default="2,1")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--only", default="")
    ap.add_argument("--log", default="bench_sitting.jsonl")
    ap.add_argument("--tcmalloc", default="", help="also run PyTorch with LD_PRELOAD=this library")
    args = ap.parse_args()
    only = [s for s in args.only.split(",") if s]
    names = [w for w in WORKLOADS if not only or any(o in w for o in only)]
    results = {}  # (threads, workload, side) -> list of records
    with open(args.log, "w") as log:
        for threads in [int(t) for t in args.threads.split(",")]:
            env = dict(os.environ, OMP_NUM_THREADS=str(threads), RAYON_NUM_THREADS=str(threads))
            for name in names:
                for _ in range(args.rounds):
                    torch_cmd = [args.torch_python, args.torch_ref, "--threads", str(threads),
                                 "--only", name]
                    ours_cmd = [args.suite, "--threads", str(threads), "--only", name]
                    sides = [("torch", torch_cmd, env), ("arenagrad", ours_cmd, env)]
                    if args.tcmalloc:
                        sides.insert(1, ("torch+tcmalloc", torch_cmd,
                                         dict(env, LD_PRELOAD=args.tcmalloc)))
                    for side, cmd, side_env in sides:
                        for rec in run_lines(cmd, side_env):
                            # --only matches substrings: matmul_1024_fwd also runs _fwd_bwd
                            if not rec["workload"].startswith(name) or (
                                    rec["workload"] != name and name != "adam_10M_100t"):
                                continue
                            rec["side"] = side
                            log.write(json.dumps(rec) + "\n")
                            log.flush()
                            results.setdefault((threads, rec["workload"], side), []).append(rec)
                    print(f"threads {threads} {name}: round done", file=sys.stderr, flush=True)
    print_table(results)


def med(recs, key):
    vals = [r[key] for r in recs if key in r]
    return statistics.median(vals) if vals else None


def print_table(results):
    print("| workload | threads | PyTorch median ms (glibc / tcmalloc) | arenagrad median ms "
          "| ratio to the faster PyTorch | metric (PyTorch / arenagrad) |")
    print("|---|---|---|---|---|---|")
    keys = sorted({(t, w) for (t, w, s) in results if s == "arenagrad"}, key=lambda k: (-k[0], WORKLOADS.index(k[1]) if k[1] in WORKLOADS else 99))
    for threads, w in keys:
        ours = results[(threads, w, "arenagrad")]
        torch_names = [tw for (t, tw, s) in results if t == threads and s == "torch"
                       and (tw == w or tw.startswith(w + "_") and w == "adam_10M_100t")]
        for tw in sorted(set(torch_names)) or [None]:
            plain = results.get((threads, tw, "torch"), [])
            tc = results.get((threads, tw, "torch+tcmalloc"), [])
            a = med(ours, "median_ms")
            b_plain, b_tc = med(plain, "median_ms"), med(tc, "median_ms")
            best = min(v for v in (b_plain, b_tc) if v is not None) if (b_plain or b_tc) else None
            ratio = f"{a / best:.2f}×" if a and best else "-"
            shown = f"{b_plain} / {b_tc}" if b_tc is not None else f"{b_plain}"
            m = METRIC.get(w)
            metric = f"{m}: {med(plain + tc, m)} / {med(ours, m)}" if m else ""
            label = w if tw in (None, w) else f"{w} (vs {tw})"
            print(f"| {label} | {threads} | {shown} | {a} | {ratio} | {metric} |")


if __name__ == "__main__":
    main()
