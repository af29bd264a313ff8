#!/usr/bin/env python3
"""Generate PyTorch reference vectors in the schema of tests/vectors/README.md, with larger and odd
shapes than the committed files: SIMD tails (33, 129 elements), 37x53 matrices, 4-D broadcasting
([2,1,3,1] x [1,4,1,5]), batch-broadcast and 1-D matmul, rows beyond the parallel grain size.

    /tmp/torchref/bin/python scripts/gen_vectors.py --out /tmp/vectors_big [--seed 1] [--readme-only]
    ARENAGRAD_VECTORS=/tmp/vectors_big cargo test --release --test torch_parity -- --nocapture

Rules (those of the README):
- every value is float32, written as repr(float(x)) (exact); grad_output is random, also for 0-d;
- inputs avoid kinks and ties by >= 0.025 (relu/abs never near 0, clamp never near a bound,
  maximum/minimum never near-tied, l1 differences never near 0), max winners are 0.1 above
  the runner-up; log/sqrt/non-integer pow get positive inputs, division |denominator| >= 0.5;
- every case is run in float32 (the stored values) and in float64: torch.autograd.gradcheck in
  float64 must pass (so no input sits on a kink), and the tolerance is widened from rtol 1e-4,
  atol 1e-5 until the float32 results are within tol/4 of the float64 ones.

Unless --readme-only, ops.json also holds ops beyond the README's table, which
tests/parity/dispatch.rs knows: permute {dims}, broadcast_to {shape}, narrow {axis, start,
length}, index_select {axis, indices}, gather {axis, index, index_shape}, l1_loss {reduction},
huber_loss {delta, reduction}, smooth_l1_loss {beta, reduction}, losses with reduction "sum" /
"none" and ignore_index, sum/mean with axis null and keepdim true, max over all elements (axis
null), softmax over other axes, layer_norm without weight and bias.
"""
import argparse
import json
import math
import os

import numpy as np
import torch
import torch.nn.functional as F

MIN_GAP = 0.025


def tj(t):
    """A tensor as {"shape", "data"} (float32 values, exact as Python floats)."""
    t = t.detach().to(torch.float32)
    return {"shape": list(t.shape), "data": [float(v) for v in t.reshape(-1).tolist()]}


class Gen:
    def __init__(self, seed, extended):
        self.rng = np.random.default_rng(seed)
        self.extended = extended
        self.cases = []

    # ---- inputs ----
    def u(self, shape, lo=-2.0, hi=2.0, away=()):
        """Uniform float32 values, each at least MIN_GAP from every point of `away`."""
        x = self.rng.uniform(lo, hi, size=shape).astype(np.float32)
        for _ in range(1000):
            bad = np.zeros(x.shape, bool)
            for k in away:
                bad |= np.abs(x.astype(np.float64) - k) < MIN_GAP
            if not bad.any():
                return x
            x[bad] = self.rng.uniform(lo, hi, size=int(bad.sum())).astype(np.float32)
        raise RuntimeError("could not keep inputs away from %r" % (away,))

    def signed(self, shape, lo, hi):
        mag = self.rng.uniform(lo, hi, size=shape)
        return (mag * self.rng.choice([-1.0, 1.0], size=shape)).astype(np.float32)

    def untied(self, sa, sb):
        """Operands whose broadcast pairs differ by >= 0.04: two interleaved jittered grids."""
        a = 0.2 * self.rng.integers(-10, 10, size=sa) + 0.1 + self.rng.uniform(-0.03, 0.03, size=sa)
        b = 0.2 * self.rng.integers(-10, 10, size=sb) + self.rng.uniform(-0.03, 0.03, size=sb)
        return a.astype(np.float32), b.astype(np.float32)

    def winner(self, shape, axis):
        """Values whose maximum along `axis` (None: all) is 0.1+ above the runner-up."""
        x = self.rng.uniform(-2, 2, size=shape)
        if axis is None:
            flat = x.reshape(-1)
            k = self.rng.integers(flat.size)
            flat[k] = np.delete(flat, k).max(initial=-2.0) + 0.1 + self.rng.uniform(0, 0.5)
            return flat.reshape(shape).astype(np.float32)
        x = np.moveaxis(x, axis, -1)
        for idx in np.ndindex(*x.shape[:-1]):
            row = x[idx]
            k = self.rng.integers(row.size)
            row[k] = np.delete(row, k).max(initial=-2.0) + 0.1 + self.rng.uniform(0, 0.5)
        return np.ascontiguousarray(np.moveaxis(x, -1, axis)).astype(np.float32)

    def ints(self, n, below):
        return [int(v) for v in self.rng.integers(0, below, size=n)]

    # ---- one case ----
    def case(self, op, attrs, inputs, fn, note=None, grads=None):
        """Runs fn in float32 and float64, gradchecks it in float64, widens tol, records it.
        `grads` lists which inputs get gradients (default: all)."""
        grads = list(range(len(inputs))) if grads is None else grads
        x32 = [torch.tensor(a, dtype=torch.float32, requires_grad=i in grads) for i, a in enumerate(inputs)]
        y32 = fn(*x32)
        go = torch.tensor(self.rng.standard_normal(size=tuple(y32.shape)), dtype=torch.float32)
        g32 = torch.autograd.grad(y32, [x32[i] for i in grads], go)
        x64 = [x.detach().double().requires_grad_(i in grads) for i, x in enumerate(x32)]
        y64 = fn(*x64)
        g64 = torch.autograd.grad(y64, [x64[i] for i in grads], go.double())
        fast = sum(a.size for a in inputs) > 3000
        torch.autograd.gradcheck(fn, x64, eps=1e-6, atol=1e-5, rtol=1e-3, fast_mode=fast)
        rtol, atol = 1e-4, 1e-5
        for got, ref in zip([y32, *g32], [y64, *g64]):
            d = (got.detach().double() - ref.detach()).abs()
            need = (4 * d - rtol * ref.detach().abs()).max().item() if d.numel() else 0.0
            atol = max(atol, need)
        if atol > 1e-5:  # two significant digits, rounded up
            e = 10 ** (math.floor(math.log10(atol)) - 1)
            atol = math.ceil(atol / e) * e
        c = {
            "op": op,
            "attrs": attrs,
            "inputs": [tj(x) for x in x32],
            "output": tj(y32),
            "grad_output": tj(go),
            "grads": [tj(g) for g in g32],
            "tol": {"rtol": rtol, "atol": float("%.3g" % atol)},
        }
        if note:
            c["note"] = note
        self.cases.append(c)


def elementwise(g):
    pairs = [([33], [33]), ([129], [129]), ([37, 53], [37, 53]), ([2, 1, 3, 1], [1, 4, 1, 5]),
             ([129], []), ([], [33]), ([37, 1], [1, 53]), ([5, 1, 7], [3, 1]), ([17, 33], [33]),
             ([3, 1, 1, 2], [4, 1])]
    fns = {"add": torch.add, "sub": torch.sub, "mul": torch.mul, "div": torch.div,
           "maximum": torch.maximum, "minimum": torch.minimum}
    for sa, sb in pairs:
        for op, fn in fns.items():
            if op in ("maximum", "minimum"):
                a, b = g.untied(sa, sb)
            else:
                a = g.u(sa)
                b = g.signed(sb, 0.5, 2.0) if op == "div" else g.u(sb)
            g.case(op, {}, [a, b], fn)
    g.case("add", {}, [g.u([257, 131]), g.u([131])], torch.add, note="beyond the parallel grain size")
    g.case("mul", {}, [g.u([257, 131]), g.u([257, 131])], torch.mul, note="beyond the parallel grain size")

    unary = {
        "neg": (torch.neg, -3, 3, ()), "exp": (torch.exp, -3, 3, ()), "log": (torch.log, 0.05, 5, ()),
        "sqrt": (torch.sqrt, 0.05, 5, ()), "tanh": (torch.tanh, -3, 3, ()),
        "sigmoid": (torch.sigmoid, -6, 6, ()), "relu": (torch.relu, -3, 3, (0.0,)),
        "abs": (torch.abs, -3, 3, (0.0,)), "sin": (torch.sin, -4, 4, ()), "cos": (torch.cos, -4, 4, ()),
    }
    shapes = [[], [33], [129], [37, 53], [2, 1, 3, 5]]
    for op, (fn, lo, hi, away) in unary.items():
        for s in shapes:
            g.case(op, {}, [g.u(s, lo, hi, away)], fn)
    for op in ("exp", "tanh", "relu"):
        g.case(op, {}, [g.u([257, 131], -3, 3, unary[op][3])], unary[op][0], note="beyond the parallel grain size")
    for approx in ("tanh", "none"):
        for s in shapes:
            g.case("gelu", {"approximate": approx}, [g.u(s, -4, 4)], lambda x, a=approx: F.gelu(x, approximate=a))
    for beta, thr in ((1.0, 20.0), (2.0, 5.0), (0.5, 1.0)):
        for s in ([33], [129], [37, 53]):
            # some values beyond the threshold; none within the gap of beta*x = threshold
            x = g.u(s, -6 / beta, 6 / beta if thr < 20 else 30, away=(thr / beta,))
            g.case("softplus", {"beta": beta, "threshold": thr}, [x],
                   lambda x, b=beta, t=thr: F.softplus(x, beta=b, threshold=t))
    for p in (2.0, 3.0, 0.5, -1.5, 2.5, 0.0, 1.0, -2.0):
        for s in ([], [33], [129], [37, 53]):
            x = g.u(s, 0.3, 3) if p != int(p) or p < 0 else g.u(s, -3, 3)
            if p < 0 and p == int(p):
                x = g.signed(s, 0.5, 2.0)
            g.case("pow_scalar", {"exponent": p}, [x], lambda x, p=p: x ** p)
    for lo, hi in ((-0.5, 0.5), (None, 0.3), (-0.2, None), (-1.0, 0.25)):
        away = tuple(b for b in (lo, hi) if b is not None)
        for s in ([33], [129], [37, 53]):
            g.case("clamp", {"min": lo, "max": hi}, [g.u(s, -1.5, 1.5, away)],
                   lambda x, lo=lo, hi=hi: torch.clamp(x, min=lo, max=hi))


def reductions(g):
    specs = [([129], None, False), ([37, 53], None, False), ([], None, False), ([37, 53], 0, False),
             ([37, 53], -1, True), ([2, 3, 5, 7], 2, False), ([2, 3, 5, 7], -3, True), ([33, 1], 1, False),
             ([1, 129], 0, True), ([257, 131], 1, False)]
    if g.extended:
        specs += [([37, 53], None, True), ([2, 3, 5, 7], None, True)]
    for shape, axis, keep in specs:
        for op, fn in (("sum", torch.sum), ("mean", torch.mean)):
            x = g.u(shape)
            g.case(op, {"axis": axis, "keepdim": keep}, [x],
                   lambda x, fn=fn, a=axis, k=keep: fn(x) if a is None and not k else fn(x, dim=a, keepdim=k))
    for shape, axis, keep in (([37, 53], 0, False), ([37, 53], -1, True), ([2, 3, 5, 7], 1, False),
                              ([2, 3, 5, 7], -1, True), ([129], 0, False), ([33, 1], 0, True)):
        g.case("max", {"axis": axis, "keepdim": keep}, [g.winner(shape, axis)],
               lambda x, a=axis, k=keep: torch.max(x, dim=a, keepdim=k).values)
    if g.extended:
        for shape in ([129], [37, 53]):
            g.case("max", {"axis": None, "keepdim": False}, [g.winner(shape, None)], torch.max)


def linalg_and_shape(g):
    for sa, sb in (([37, 53], [53, 29]), ([129], [129]), ([33], [33, 17]), ([37, 53], [53]),
                   ([2, 1, 7, 33], [3, 33, 5]), ([4, 37, 53], [53, 9]), ([5, 33], [2, 3, 33, 4]),
                   ([3, 7, 33], [3, 33, 11]), ([33], [2, 33, 5]), ([2, 7, 33], [33])):
        g.case("matmul", {}, [g.u(sa, -1, 1), g.u(sb, -1, 1)], torch.matmul)
    for shape, d0, d1 in (([37, 53], 0, 1), ([2, 3, 5, 7], 1, -1), ([33, 1], 0, 1)):
        g.case("transpose", {"dim0": d0, "dim1": d1}, [g.u(shape)], lambda x, a=d0, b=d1: x.transpose(a, b))
    for shape, to in (([37, 53], [53, 37]), ([2, 3, 5, 7], [6, 35]), ([129], [3, 43]), ([], [1, 1, 1])):
        g.case("reshape", {"shape": to}, [g.u(shape)], lambda x, t=to: x.reshape(t))
    for shapes, axis in (([[37, 10], [37, 43]], 1), ([[2, 3, 5], [4, 3, 5], [1, 3, 5]], 0),
                         ([[33], [129]], -1), ([[2, 1, 3, 1], [2, 2, 3, 1]], 1)):
        g.case("concat", {"axis": axis}, [g.u(s) for s in shapes], lambda *xs, a=axis: torch.cat(xs, dim=a))
    for w_shape, ids_shape in (([53, 33], [7, 9]), ([129, 5], [33]), ([4, 129], [2, 3])):
        ids = g.ints(int(np.prod(ids_shape)), w_shape[0])
        ids[-1] = ids[0]  # a repeated id accumulates
        g.case("embedding", {"indices": ids, "indices_shape": ids_shape}, [g.u(w_shape)],
               lambda w, i=ids, s=ids_shape: F.embedding(torch.tensor(i).reshape(s), w))
    if not g.extended:
        return
    g.case("permute", {"dims": [3, 0, 2, 1]}, [g.u([2, 3, 5, 7])], lambda x: x.permute(3, 0, 2, 1))
    g.case("broadcast_to", {"shape": [2, 3, 4, 5]}, [g.u([3, 1, 5])], lambda x: x.expand(2, 3, 4, 5))
    g.case("narrow", {"axis": 1, "start": 5, "length": 33}, [g.u([37, 53])], lambda x: x.narrow(1, 5, 33))
    for axis, shape in ((0, [37, 53]), (-1, [3, 5, 33])):
        idx = g.ints(9, shape[axis]) + [0, 0]
        g.case("index_select", {"axis": axis, "indices": idx}, [g.u(shape)],
               lambda x, a=axis, i=idx: torch.index_select(x, a, torch.tensor(i)))
    idx = g.ints(37 * 7, 53)
    g.case("gather", {"axis": 1, "index": idx, "index_shape": [37, 7]}, [g.u([37, 53])],
           lambda x, i=idx: torch.gather(x, 1, torch.tensor(i).reshape(37, 7)))


def softmax_norm_losses(g):
    axes = [([129], -1), ([7, 129], -1), ([3, 5, 33], -1), ([37, 53], -1)]
    if g.extended:
        axes += [([33, 7], 0), ([3, 5, 7], 1)]
    for op, fn in (("softmax", F.softmax), ("log_softmax", F.log_softmax)):
        for shape, axis in axes:
            g.case(op, {"axis": axis}, [g.u(shape, -3, 3)], lambda x, fn=fn, a=axis: fn(x, dim=a))
        big = g.u([4, 33], -100, 100)
        g.case(op, {"axis": -1}, [big], lambda x, fn=fn: fn(x, dim=-1),
               note="large-magnitude logits (+-100): needs max-subtraction for stability")
    for shape, eps in (([7, 129], 1e-5), ([3, 5, 33], 1e-5), ([37, 53], 1e-3), ([129], 1e-5)):
        d = shape[-1]
        g.case("layer_norm", {"normalized_shape": [d], "eps": eps}, [g.u(shape), g.u([d], 0.5, 1.5), g.u([d])],
               lambda x, w, b, e=eps, d=d: F.layer_norm(x, [d], w, b, e))
    if g.extended:
        g.case("layer_norm", {"normalized_shape": [33], "eps": 1e-5}, [g.u([5, 33])],
               lambda x: F.layer_norm(x, [33], None, None, 1e-5))

    reds = ["mean", "sum", "none"] if g.extended else ["mean"]
    for n, c in ((37, 53), (129, 3), (1, 33)):
        t = g.ints(n, c)
        for red in reds:
            for ls in (0.0, 0.1):
                g.case("cross_entropy", {"targets": t, "reduction": red, "label_smoothing": ls}, [g.u([n, c], -3, 3)],
                       lambda x, t=t, r=red, s=ls: F.cross_entropy(x, torch.tensor(t), reduction=r, label_smoothing=s))
            g.case("nll_loss", {"targets": t, "reduction": red}, [g.u([n, c], -3, 0)],
                   lambda x, t=t, r=red: F.nll_loss(x, torch.tensor(t), reduction=r))
        if g.extended and n > 1:
            ig = t[0]
            for ls in (0.0, 0.1):
                g.case("cross_entropy", {"targets": t, "reduction": "mean", "label_smoothing": ls, "ignore_index": ig},
                       [g.u([n, c], -3, 3)],
                       lambda x, t=t, s=ls, i=ig: F.cross_entropy(x, torch.tensor(t), ignore_index=i, label_smoothing=s))
            g.case("nll_loss", {"targets": t, "reduction": "mean", "ignore_index": ig}, [g.u([n, c], -3, 0)],
                   lambda x, t=t, i=ig: F.nll_loss(x, torch.tensor(t), ignore_index=i))

    for shape in ([33], [129], [37, 53], [2, 1, 3, 5], []):
        for red in reds:
            g.case("mse_loss", {"reduction": red}, [g.u(shape), g.u(shape)],
                   lambda a, b, r=red: F.mse_loss(a, b, reduction=r))
            g.case("binary_cross_entropy_with_logits", {"reduction": red}, [g.u(shape, -4, 4), g.u(shape, 0, 1)],
                   lambda a, b, r=red: F.binary_cross_entropy_with_logits(a, b, reduction=r))
            if not g.extended:
                continue
            pred = g.u(shape)
            target = (pred.astype(np.float64) - g.u(shape, -2, 2, away=(-1.0, -0.5, 0.0, 0.5, 1.0))).astype(np.float32)
            g.case("l1_loss", {"reduction": red}, [pred, target], lambda a, b, r=red: F.l1_loss(a, b, reduction=r))
            g.case("huber_loss", {"delta": 1.0, "reduction": red}, [pred, target],
                   lambda a, b, r=red: F.huber_loss(a, b, reduction=r, delta=1.0))
        if g.extended:
            pred = g.u(shape)
            target = (pred.astype(np.float64) - g.u(shape, -2, 2, away=(-0.5, 0.0, 0.5))).astype(np.float32)
            g.case("smooth_l1_loss", {"beta": 0.5, "reduction": "mean"}, [pred, target],
                   lambda a, b: F.smooth_l1_loss(a, b, beta=0.5))
    big = g.u([129], -40, 40, away=(0.0,))
    g.case("binary_cross_entropy_with_logits", {"reduction": "mean"}, [big, g.u([129], 0, 1)],
           lambda a, b: F.binary_cross_entropy_with_logits(a, b),
           note="large |logit|: naive log(sigmoid(x)) overflows/underflows in f32")


# The scenarios of autograd.json: same names and torch_code as the committed file, other inputs.
SCENARIOS = [
    ("a_cube_grad", "f = x**3; f.backward(); x.grad = 3*x^2", {"x": ([], True)},
     "f = x**3\nrec('f', f)\nf.backward()\nrec('x.grad', x.grad)"),
    ("b_backward_twice_retain_graph_accumulates", "f = x**3; backward(retain_graph) twice: grads add",
     {"x": ([], True)},
     "f = x**3\nf.backward(retain_graph=True)\nrec('x.grad after 1st', x.grad)\nf.backward()\n"
     "rec('x.grad after 2nd', x.grad)"),
    ("c_backward_twice_without_retain_graph_errors", "second backward without retain_graph raises",
     {"x": ([], True)},
     "f = x**3\nf.backward()\nrec('x.grad after 1st', x.grad)\ntry_rec('second backward', lambda: f.backward())\n"
     "rec('x.grad after failed 2nd', x.grad)"),
    ("d_zero_grad_then_backward", "zero the grad / set it to None between backwards", {"x": ([], True)},
     "f = x**3\nf.backward(retain_graph=True)\nrec('x.grad 1', x.grad)\nx.grad.zero_()\n"
     "rec('x.grad after zero', x.grad)\nf.backward(retain_graph=True)\nrec('x.grad 2', x.grad)\nx.grad = None\n"
     "f.backward()\nrec('x.grad 3 (after set_to_none)', x.grad)"),
    ("e_backward_on_leaf_scalar", "x.backward() on a scalar leaf gives 1", {"x": ([], True)},
     "x.backward()\nrec('x.grad', x.grad)"),
    ("f_nonscalar_needs_gradient", "a non-scalar output needs an explicit gradient", {"x": ([33], True)},
     "y = x**2\ntry_rec('backward without gradient', lambda: y.backward())\nrec('x.grad after failed call', x.grad)\n"
     "y.backward(gradient=torch.ones(33))\nrec('x.grad', x.grad)"),
    ("g_leaf_used_twice", "f = x*x + x; df/dx = 2x + 1", {"x": ([], True)},
     "f = x*x + x\nrec('f', f)\nf.backward()\nrec('x.grad', x.grad)"),
    ("h_detach_stops_gradient", "y = x * x.detach(): grad x, not 2x", {"x": ([], True)},
     "d = x.detach()\nrec('d.requires_grad', d.requires_grad)\ny = x * d\nrec('y', y)\ny.backward()\n"
     "rec('x.grad', x.grad)"),
    ("i_no_grad_builds_no_graph", "under no_grad nothing requires grad", {"x": ([], True)},
     "with torch.no_grad():\n    y = x * 2\nrec('y', y)\nrec('y.requires_grad', y.requires_grad)\n"
     "rec('y.grad_fn is None', y.grad_fn is None)\ntry_rec('y.backward()', lambda: y.backward())\n"
     "rec('x.grad', x.grad)"),
    ("j_diamond_graph", "a = 2x; d = a**2 + sin(a)", {"x": ([], True)},
     "a = x * 2\nb = a ** 2\nc = torch.sin(a)\nd = b + c\nrec('d', d)\nd.backward()\nrec('x.grad', x.grad)"),
    ("j2_diamond_vector", "u = x*w; v = (u.exp() + u.tanh()*u).sum()", {"x": ([129], True), "w": ([129], False)},
     "u = x * w\nv = (u.exp() + u.tanh() * u).sum()\nrec('v', v)\nv.backward()\nrec('x.grad', x.grad)\n"
     "rec('w.grad', w.grad)"),
]
K_CODE = """model = torch.nn.Linear(1, 1)
with torch.no_grad():
    model.weight.fill_(w0)
    model.bias.fill_(b0)
loss_fn = torch.nn.MSELoss()
opt = torch.optim.SGD(model.parameters(), lr=0.01)
for step in range(100):
    opt.zero_grad()
    loss = loss_fn(model(X), Y)
    loss.backward()
    opt.step()
    if step % 10 == 0:
        rec('loss step %d' % step, loss)
rec('final weight', model.weight)
rec('final bias', model.bias)
with torch.no_grad():
    rec('final loss', loss_fn(model(X), Y))"""
L_CODE = """opt = torch.optim.SGD([x], lr=0.1)
traj = []
fs = []
for k in range(50):
    opt.zero_grad()
    f = (x - 3) ** 2
    fs.append(f.item())
    f.backward()
    opt.step()
    traj.append(x.item())
rec('x trajectory', torch.tensor(traj))
rec('f trajectory', torch.tensor(fs))
rec('final x', x)"""


def scenarios(rng):
    out = []

    def run(name, desc, inputs, code):
        expected = []

        def rec(key, v):
            if isinstance(v, torch.Tensor):
                v = tj(v)
            expected.append({"key": key, "value": v})

        def try_rec(key, f):
            try:
                f()
                expected.append({"key": key, "value": "ok"})
            except Exception as e:  # torch raises RuntimeError
                expected.append({"key": key, "error": str(e).split("\n")[0], "error_type": type(e).__name__})

        env = {"torch": torch, "rec": rec, "try_rec": try_rec}
        for k, (t, rg) in inputs.items():
            env[k] = t.clone().requires_grad_(rg)
        exec(code, env)
        out.append({"name": name, "description": desc,
                    "inputs": {k: dict(tj(t), requires_grad=rg) for k, (t, rg) in inputs.items()},
                    "torch_code": code, "expected": expected})

    def t(shape, lo, hi):
        return torch.tensor(rng.uniform(lo, hi, size=shape), dtype=torch.float32)

    for name, desc, spec, code in SCENARIOS:
        inputs = {k: (t(s, 0.5, 2.5) if k == "x" and not s else t(s, -1.5, 1.5), rg) for k, (s, rg) in spec.items()}
        run(name, desc, inputs, code)
    x = t([129, 1], -1, 1)
    y = 2 * x + 1 + 0.2 * torch.tensor(rng.standard_normal(size=(129, 1)), dtype=torch.float32)
    run("k_linear_regression", "fit y = 2x + 1 with nn.Linear(1,1) from (w0, b0), MSELoss, SGD lr=0.01, 100 steps",
        {"X": (x, False), "Y": (y, False), "w0": (t([], -1, 1), False), "b0": (t([], -1, 1), False)}, K_CODE)
    run("l_sgd_minimise_quadratic", "minimise (x-3)^2 with SGD lr=0.1 for 50 steps",
        {"x": (t([], -2, 2), True)}, L_CODE)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default="/tmp/vectors_big")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--readme-only", action="store_true", help="only the ops of the README's table")
    args = ap.parse_args()
    torch.manual_seed(args.seed)
    torch.use_deterministic_algorithms(True)
    g = Gen(args.seed, extended=not args.readme_only)
    for part in (elementwise, reductions, linalg_and_shape, softmax_norm_losses):
        part(g)
    autograd = scenarios(np.random.default_rng(args.seed + 1000))
    os.makedirs(args.out, exist_ok=True)
    files = {"ops.json": g.cases, "autograd.json": autograd}
    for name, data in files.items():
        with open(os.path.join(args.out, name), "w") as f:
            json.dump(data, f)
    counts = {}
    for c in g.cases:
        counts[c["op"]] = counts.get(c["op"], 0) + 1
    manifest = {
        "dtype": "float32", "generator": "scripts/gen_vectors.py", "profile": "big", "seed": args.seed,
        "extended": g.extended, "torch_version": torch.__version__, "numpy_version": np.__version__,
        "files": {n: {"bytes": os.path.getsize(os.path.join(args.out, n)), "cases": len(d)} for n, d in files.items()},
        "op_case_counts": dict(sorted(counts.items())),
    }
    with open(os.path.join(args.out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
    widened = sum(c["tol"]["atol"] > 1e-5 for c in g.cases)
    print("%d op cases (%d with widened atol), %d scenarios -> %s" % (len(g.cases), widened, len(autograd), args.out))


if __name__ == "__main__":
    main()
