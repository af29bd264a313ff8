"""Generate an optim.json-format file (schema: tests/vectors/README.md) with real PyTorch.

Other seeds, odd shapes and more steps than the committed tests/vectors/optim.json, and every
option the Rust optimizers model. Run with a PyTorch install (CPU, float32):

    python scripts/gen_optim_vectors.py --out /tmp/vectors_big/optim.json --seed 7 --steps 8
    ARENAGRAD_VECTORS=/tmp/vectors_big cargo test --release --test optim_parity
"""
import argparse
import json
import os

import torch

TOL = {"rtol": 1e-05, "atol": 1e-06}

CASES = [
    ("sgd", "SGD", {"lr": 0.05}),
    ("sgd_momentum_wd", "SGD", {"lr": 0.05, "momentum": 0.8, "weight_decay": 0.02}),
    ("sgd_dampening_maximize", "SGD", {"lr": 0.05, "momentum": 0.9, "dampening": 0.3, "maximize": True}),
    ("sgd_nesterov_wd", "SGD", {"lr": 0.03, "momentum": 0.95, "nesterov": True, "weight_decay": 1e-3}),
    ("adam_default", "Adam", {}),
    ("adam_betas_eps", "Adam", {"lr": 3e-3, "betas": (0.8, 0.99), "eps": 1e-6}),
    ("adam_amsgrad_wd_maximize", "Adam", {"lr": 0.01, "amsgrad": True, "weight_decay": 0.05, "maximize": True}),
    ("adam_decoupled", "Adam", {"lr": 0.01, "weight_decay": 0.1, "decoupled_weight_decay": True}),
    ("adamw_default", "AdamW", {}),
    ("adamw_amsgrad", "AdamW", {"lr": 0.02, "weight_decay": 0.05, "amsgrad": True}),
    ("rmsprop_default", "RMSprop", {}),
    ("rmsprop_centered_momentum", "RMSprop", {"lr": 0.005, "alpha": 0.9, "centered": True, "momentum": 0.7}),
    ("rmsprop_wd_eps_maximize", "RMSprop", {"lr": 0.01, "weight_decay": 0.01, "eps": 1e-4, "maximize": True}),
    ("adagrad_default", "Adagrad", {}),
    ("adagrad_decay_init", "Adagrad", {"lr": 0.1, "lr_decay": 0.05, "initial_accumulator_value": 0.1}),
    ("adagrad_wd_eps_maximize", "Adagrad", {"lr": 0.05, "weight_decay": 0.02, "eps": 1e-6, "maximize": True}),
]


def tensor(t):
    t = t.detach().to(torch.float32).contiguous()
    return {"shape": list(t.shape), "data": [float(x) for x in t.flatten().tolist()]}


def trajectory(name, optimizer, kwargs, shapes, steps, gen):
    params = [torch.randn(s, generator=gen).requires_grad_() for s in shapes]
    initial = [tensor(p) for p in params]
    opt = getattr(torch.optim, optimizer)(params, **kwargs)
    hyper = {k: v for k, v in opt.param_groups[0].items() if k != "params"}
    out = []
    for _ in range(steps):
        grads = [torch.randn(s, generator=gen) for s in shapes]
        for p, g in zip(params, grads):
            p.grad = g.clone()
        opt.step()
        out.append({"grads": [tensor(g) for g in grads], "params_after": [tensor(p) for p in params]})
    return {"name": name, "optimizer": optimizer, "kwargs": kwargs, "hyperparams": hyper,
            "initial_params": initial, "steps": out, "tol": TOL}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="/tmp/vectors_big/optim.json")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--steps", type=int, default=8)
    args = ap.parse_args()
    gen = torch.Generator().manual_seed(args.seed)
    shapes = [[33], [37, 53], [129], [2, 3, 7]]
    cases = [trajectory(n, o, kw, shapes, args.steps, gen) for n, o, kw in CASES]
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(cases, f)
    print(f"{args.out}: {len(cases)} trajectories, torch {torch.__version__}")


if __name__ == "__main__":
    main()
