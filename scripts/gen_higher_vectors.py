#!/usr/bin/env python3
"""Generate second-order PyTorch reference vectors in higher.json's schema (tests/vectors/README.md),
with other shapes and seeds than the committed file and the ops that have differentiable backward
forms: element-wise ops, reductions, matmul (batched, broadcast, 1-D), linear, softmax,
log_softmax, logsumexp, var, layer_norm, rms_norm, batch_norm (train and eval), the losses (every
reduction, label smoothing, ignore_index) and scaled_dot_product_attention (no mask, causal, a
boolean mask), plus the scenarios r-u with other inputs.

    /work/torchenv/bin/python scripts/gen_higher_vectors.py --out /tmp/vectors_higher [--seed 1]
    ARENAGRAD_VECTORS=/tmp/vectors_higher cargo test --release --test torch_parity higher -- --nocapture

Per case, with g = grad_output and G = the first-order grads, s = sum_i <v_i, G_i> for random v_i
(`gg_inputs`): `grad_grads[j]` = ds/d inputs[j], `grad_grad_output` = ds/dg. Each case is run in
float32 (the stored values) and float64; torch.autograd.gradgradcheck must pass in float64, and
atol is widened from 1e-5 (rtol 1e-4) until every float32 result is within tol/4 of float64.
Inputs keep away from kinks (relu near 0, l1/huber/smooth_l1 differences near 0 and the switch
points) by >= 0.025; attention masks leave every query at least one key (PyTorch's math path gives
NaN for a fully masked row; the arenagrad op's zeros there are tested in Rust).
"""
import argparse
import json
import math
import os

import numpy as np
import torch
import torch.nn.functional as F
from torch.nn.attention import SDPBackend, sdpa_kernel

MIN_GAP = 0.025


def tj(t):
    if t._is_zerotensor():  # PyTorch's efficient zeros (l1's double backward) have no storage
        t = torch.zeros(t.shape)
    t = t.detach().to(torch.float32)
    return {"shape": list(t.shape), "data": [float(v) for v in t.reshape(-1).tolist()]}


class Gen:
    def __init__(self, seed):
        self.rng = np.random.default_rng(seed)
        self.cases = []

    def u(self, shape, lo=-2.0, hi=2.0, away=()):
        x = self.rng.uniform(lo, hi, size=shape).astype(np.float32)
        for _ in range(1000):
            bad = np.zeros(x.shape, bool)
            for k in away:
                bad |= np.abs(x.astype(np.float64) - k) < MIN_GAP
            if not bad.any():
                return x
            x[bad] = self.rng.uniform(lo, hi, size=int(bad.sum())).astype(np.float32)
        raise RuntimeError("could not keep inputs away from %r" % (away,))

    def ints(self, n, below):
        return [int(v) for v in self.rng.integers(0, below, size=n)]

    def case(self, op, attrs, inputs, fn):
        x32 = [torch.tensor(a, dtype=torch.float32, requires_grad=True) for a in inputs]
        y32 = fn(*x32)
        go = torch.tensor(self.rng.standard_normal(size=tuple(y32.shape)), dtype=torch.float32)
        vs = [torch.tensor(self.rng.standard_normal(size=a.shape), dtype=torch.float32) for a in inputs]

        def second(xs, y, g, v):
            g = g.clone().requires_grad_(True)
            grads = torch.autograd.grad(y, xs, g, create_graph=True, allow_unused=True)
            grads = [torch.zeros_like(x) if gr is None else gr for x, gr in zip(xs, grads)]
            s = sum((gr * vi).sum() for gr, vi in zip(grads, v))
            if not s.requires_grad:
                return grads, [torch.zeros_like(x) for x in xs], torch.zeros_like(g)
            gg = torch.autograd.grad(s, [*xs, g], allow_unused=True)
            gg = [torch.zeros_like(t) if d is None else d for t, d in zip([*xs, g], gg)]
            return grads, gg[:-1], gg[-1]

        g32, gg32, ggo32 = second(x32, y32, go, vs)
        x64 = [x.detach().double().requires_grad_(True) for x in x32]
        y64 = fn(*x64)
        g64, gg64, ggo64 = second(x64, y64, go.double(), [v.double() for v in vs])
        fast = sum(a.size for a in inputs) > 300
        torch.autograd.gradgradcheck(fn, x64, eps=1e-6, atol=1e-5, rtol=1e-3, fast_mode=fast)
        rtol, atol = 1e-4, 1e-5
        for got, ref in zip([y32, *g32, *gg32, ggo32], [y64, *g64, *gg64, ggo64]):
            d = (got.detach().double() - ref.detach()).abs()
            need = (4 * d - rtol * ref.detach().abs()).max().item() if d.numel() else 0.0
            atol = max(atol, need)
        if atol > 1e-5:
            e = 10 ** (math.floor(math.log10(atol)) - 1)
            atol = math.ceil(atol / e) * e
        self.cases.append({
            "op": op, "attrs": attrs, "inputs": [tj(x) for x in x32], "output": tj(y32),
            "grad_output": tj(go), "grads": [tj(t) for t in g32], "gg_inputs": [tj(v) for v in vs],
            "grad_grads": [tj(t) for t in gg32], "grad_grad_output": tj(ggo32),
            "tol": {"rtol": rtol, "atol": float("%.3g" % atol)},
        })


def pointwise_and_linalg(g):
    for op, fn, lo in (("exp", torch.exp, -2), ("log", torch.log, 0.3), ("tanh", torch.tanh, -2),
                       ("sigmoid", torch.sigmoid, -2), ("sin", torch.sin, -2), ("silu", F.silu, -2)):
        g.case(op, {}, [g.u([3, 7], lo, 2)], fn)
    g.case("relu", {}, [g.u([9], away=(0.0,))], torch.relu)
    g.case("mul", {}, [g.u([2, 1, 3]), g.u([4, 1])], torch.mul)
    g.case("div", {}, [g.u([5, 3]), g.u([3], 0.5, 2)], torch.div)
    for sa, sb in (([5, 3], [3, 4]), ([2, 3, 4], [4, 5]), ([2, 1, 3, 4], [3, 4, 2]), ([4], [4]),
                   ([4], [2, 4, 3]), ([2, 3, 4], [4]), ([7], [7, 2])):
        g.case("matmul", {}, [g.u(sa), g.u(sb)], torch.matmul)
    g.case("linear", {}, [g.u([2, 3, 4]), g.u([5, 4]), g.u([5])], F.linear)
    g.case("linear", {}, [g.u([6, 4]), g.u([3, 4])], lambda x, w: F.linear(x, w))


def rowwise(g):
    for op, fn in (("softmax", F.softmax), ("log_softmax", F.log_softmax)):
        for shape, axis in (([4, 7], -1), ([5, 3], 0), ([2, 4, 3], 1)):
            g.case(op, {"axis": axis}, [g.u(shape, -3, 3)], lambda x, fn=fn, a=axis: fn(x, dim=a))
    for shape, axis, keep in (([4, 7], -1, False), ([3, 5, 2], 1, True), ([6], 0, False)):
        g.case("logsumexp", {"axis": axis, "keepdim": keep}, [g.u(shape, -3, 3)],
               lambda x, a=axis, k=keep: torch.logsumexp(x, dim=a, keepdim=k))
    for shape, axis, corr, keep in (([4, 7], -1, 1, False), ([5, 3], 0, 0, True), ([2, 4, 3], 1, 1, False)):
        g.case("var", {"axis": axis, "correction": corr, "keepdim": keep}, [g.u(shape)],
               lambda x, a=axis, c=corr, k=keep: torch.var(x, dim=a, correction=c, keepdim=k))
    for shape, eps in (([5, 9], 1e-5), ([2, 3, 6], 1e-3)):
        d = shape[-1]
        g.case("layer_norm", {"normalized_shape": [d], "eps": eps}, [g.u(shape), g.u([d], 0.5, 1.5), g.u([d])],
               lambda x, w, b, e=eps, d=d: F.layer_norm(x, [d], w, b, e))
    g.case("layer_norm", {"normalized_shape": [7], "eps": 1e-5}, [g.u([3, 7])],
           lambda x: F.layer_norm(x, [7], None, None, 1e-5))
    g.case("rms_norm", {"normalized_shape": [8], "eps": 1e-5}, [g.u([4, 8]), g.u([8], 0.5, 1.5)],
           lambda x, w: F.rms_norm(x, [8], w, 1e-5))
    g.case("rms_norm", {"normalized_shape": [2, 3], "eps": 1e-6}, [g.u([3, 2, 3]), g.u([2, 3], 0.5, 1.5)],
           lambda x, w: F.rms_norm(x, [2, 3], w, 1e-6))
    g.case("rms_norm", {"normalized_shape": [5], "eps": None}, [g.u([3, 5])], lambda x: F.rms_norm(x, [5]))
    for shape in ([6, 3], [3, 2, 5], [2, 3, 2, 2]):
        c = shape[1]
        for training in (True, False):
            rm, rv = g.u([c], -0.5, 0.5), g.u([c], 0.5, 2.0)
            attrs = {"training": training, "momentum": 0.1, "eps": 1e-5,
                     "running_mean": [float(v) for v in rm], "running_var": [float(v) for v in rv]}

            def fn(x, w, b, t=training, rm=rm, rv=rv):
                m, v = torch.tensor(rm, dtype=x.dtype), torch.tensor(rv, dtype=x.dtype)
                return F.batch_norm(x, m, v, w, b, training=t, momentum=0.1, eps=1e-5)
            g.case("batch_norm", attrs, [g.u(shape), g.u([c], 0.5, 1.5), g.u([c])], fn)


def losses(g):
    for n, c in ((5, 4), (1, 6)):
        t = g.ints(n, c)
        for red in ("mean", "sum", "none"):
            for ls in (0.0, 0.2):
                g.case("cross_entropy", {"targets": t, "reduction": red, "label_smoothing": ls}, [g.u([n, c], -3, 3)],
                       lambda x, t=t, r=red, s=ls: F.cross_entropy(x, torch.tensor(t), reduction=r, label_smoothing=s))
            g.case("nll_loss", {"targets": t, "reduction": red}, [g.u([n, c], -3, 0)],
                   lambda x, t=t, r=red: F.nll_loss(x, torch.tensor(t), reduction=r))
    t = g.ints(6, 4)
    ig = t[0]
    for ls in (0.0, 0.1):
        g.case("cross_entropy", {"targets": t, "reduction": "mean", "label_smoothing": ls, "ignore_index": ig},
               [g.u([6, 4], -3, 3)],
               lambda x, t=t, s=ls, i=ig: F.cross_entropy(x, torch.tensor(t), ignore_index=i, label_smoothing=s))
    g.case("nll_loss", {"targets": t, "reduction": "sum", "ignore_index": ig}, [g.u([6, 4], -3, 0)],
           lambda x, t=t, i=ig: F.nll_loss(x, torch.tensor(t), ignore_index=i, reduction="sum"))
    for shape in ([7], [2, 3], []):
        for red in ("mean", "sum", "none"):
            g.case("mse_loss", {"reduction": red}, [g.u(shape), g.u(shape)],
                   lambda a, b, r=red: F.mse_loss(a, b, reduction=r))
            g.case("binary_cross_entropy_with_logits", {"reduction": red}, [g.u(shape, -4, 4), g.u(shape, 0, 1)],
                   lambda a, b, r=red: F.binary_cross_entropy_with_logits(a, b, reduction=r))
            pred = g.u(shape)
            target = (pred.astype(np.float64) - g.u(shape, -2, 2, away=(-1.0, -0.5, 0.0, 0.5, 1.0))).astype(np.float32)
            g.case("l1_loss", {"reduction": red}, [pred, target], lambda a, b, r=red: F.l1_loss(a, b, reduction=r))
            g.case("huber_loss", {"delta": 1.0, "reduction": red}, [pred, target],
                   lambda a, b, r=red: F.huber_loss(a, b, reduction=r, delta=1.0))
        g.case("smooth_l1_loss", {"beta": 0.5, "reduction": "mean"}, [pred, target],
               lambda a, b: F.smooth_l1_loss(a, b, beta=0.5))


def attention(g):
    for (b, h, l, s, e, ev), causal, masked, scale in (
            ((1, 2, 3, 5, 4, 3), False, False, None), ((2, 1, 4, 4, 3, 2), True, False, None),
            ((1, 2, 5, 3, 4, 4), True, False, 0.3), ((2, 2, 3, 4, 2, 3), False, True, None)):
        attrs = {"is_causal": causal, "scale": scale, "attn_mask": None}
        mask = None
        if masked:
            m = g.rng.random((l, s)) < 0.6
            m[np.arange(l), g.rng.integers(0, s, size=l)] = True  # every query sees a key
            attrs["attn_mask"], attrs["attn_mask_shape"] = [int(v) for v in m.reshape(-1)], [l, s]
            mask = torch.tensor(m)

        def fn(q, k, v, c=causal, m=mask, sc=scale):
            # the math backend: the CPU flash kernel's backward has no derivative
            with sdpa_kernel(SDPBackend.MATH):
                return F.scaled_dot_product_attention(q, k, v, attn_mask=m, is_causal=c, scale=sc)
        g.case("scaled_dot_product_attention", attrs,
               [g.u([b, h, l, e]), g.u([b, h, s, e]), g.u([b, h, s, ev])], fn)


# The scenarios of the committed higher.json: same names and torch_code, other inputs.
SCENARIO_CODE = {
    "r_second_derivative_of_cube": "f = x**3\n(g,) = torch.autograd.grad(f, x, create_graph=True)\nrec('g', g)\n"
    "rec('g.requires_grad', g.requires_grad)\n(h,) = torch.autograd.grad(g, x, retain_graph=True)\nrec('h', h)\n"
    "g.backward()\nrec('x.grad', x.grad)",
    "s_third_derivative": "f = torch.sin(x) * x**2\n(d1,) = torch.autograd.grad(f, x, create_graph=True)\n"
    "(d2,) = torch.autograd.grad(d1, x, create_graph=True)\n(d3,) = torch.autograd.grad(d2, x)\nrec('d1', d1)\n"
    "rec('d2', d2)\nrec('d3', d3)",
    "t_hessian_vector_product": "f = torch.tanh(A @ w).sum() + 0.5 * (w ** 3).sum()\n"
    "(gw,) = torch.autograd.grad(f, w, create_graph=True)\nrec('grad', gw)\n"
    "(hv,) = torch.autograd.grad((gw * v).sum(), w)\nrec('hv', hv)",
    "u_gradient_penalty": "out = torch.tanh(x @ W1.T + b1) @ W2.T + b2\n"
    "(gx,) = torch.autograd.grad(out.sum(), x, create_graph=True)\n"
    "gp = ((gx.pow(2).sum(1).sqrt() - 1) ** 2).mean()\nrec('gp', gp)\ngp.backward()\n"
    "rec('W1.grad', W1.grad)\nrec('b1.grad', b1.grad)\nrec('W2.grad', W2.grad)\nrec('b2.grad', b2.grad)\n"
    "rec('x.grad', x.grad)",
}


def scenarios(rng, committed):
    out = []
    for sc in committed:
        inputs = {}
        for name, t in sc["inputs"].items():
            shape = t["shape"]
            if sc["name"] == "u_gradient_penalty" and name == "x":
                shape = [9, shape[1]]
            data = rng.uniform(0.3, 1.5, size=shape).astype(np.float32)
            inputs[name] = (torch.tensor(data, requires_grad=t.get("requires_grad", False)))
        code = SCENARIO_CODE[sc["name"]]
        assert code == sc["torch_code"], sc["name"]
        rec_list = []

        def rec(key, v):
            if isinstance(v, bool) or v is None:
                rec_list.append({"key": key, "value": v})
            else:
                rec_list.append({"key": key, "value": tj(v)})
        exec(code, {"torch": torch, "rec": rec}, dict(inputs))
        out.append({
            "name": sc["name"], "description": sc["description"] + " (other inputs)",
            "inputs": {k: {**tj(v), "requires_grad": v.requires_grad} for k, v in inputs.items()},
            "torch_code": code, "expected": rec_list,
        })
    return out


def larger(g):
    """A few cases past the SIMD widths and blocking sizes (odd lengths 33, 53, 129)."""
    g.case("matmul", {}, [g.u([3, 37, 53]), g.u([53, 9])], torch.matmul)
    g.case("linear", {}, [g.u([37, 33]), g.u([9, 33]), g.u([9])], F.linear)
    g.case("softmax", {"axis": -1}, [g.u([5, 129], -3, 3)], lambda x: F.softmax(x, dim=-1))
    g.case("log_softmax", {"axis": -1}, [g.u([5, 129], -3, 3)], lambda x: F.log_softmax(x, dim=-1))
    g.case("layer_norm", {"normalized_shape": [33], "eps": 1e-5}, [g.u([7, 33]), g.u([33], 0.5, 1.5), g.u([33])],
           lambda x, w, b: F.layer_norm(x, [33], w, b, 1e-5))
    g.case("rms_norm", {"normalized_shape": [33], "eps": 1e-5}, [g.u([7, 33]), g.u([33], 0.5, 1.5)],
           lambda x, w: F.rms_norm(x, [33], w, 1e-5))
    t = g.ints(33, 7)
    g.case("cross_entropy", {"targets": t, "reduction": "mean", "label_smoothing": 0.1}, [g.u([33, 7], -3, 3)],
           lambda x: F.cross_entropy(x, torch.tensor(t), label_smoothing=0.1))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default="/tmp/vectors_higher")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    torch.manual_seed(args.seed)
    g = Gen(args.seed)
    for part in (pointwise_and_linalg, rowwise, losses, attention, larger):
        part(g)
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "..", "tests", "vectors", "higher.json")) as f:
        committed = json.load(f)["scenarios"]
    data = {"cases": g.cases, "scenarios": scenarios(np.random.default_rng(args.seed + 1000), committed)}
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "higher.json"), "w") as f:
        json.dump(data, f)
    widened = sum(c["tol"]["atol"] > 1e-5 for c in g.cases)
    print("%d cases (%d with widened atol), %d scenarios -> %s" % (len(g.cases), widened, len(data["scenarios"]),
                                                                     os.path.join(args.out, "higher.json")))


if __name__ == "__main__":
    main()
