"""Writes tests/data/higher_order.expected.json: second- and third-order gradients, computed by
PyTorch in float64, of a small network through every op with a differentiable backward form
added with gradgradcheck (conv2d with stride, padding, dilation and groups; tanh; max_pool2d;
avg_pool2d without counting padding; adaptive_avg_pool2d; pad; narrow; cat; index_select;
gather; where; max along a dim; conv_transpose2d; max; flatten; exp).

Inputs and projection weights are `sin(0.37 k + s) * scale` (k the row-major index), so
tests/higher_order_interop.rs rebuilds them without reading them from the file:

    g1 = grad(net(v), v, create_graph)          s2 = sum_k <g1[k], c(2 + k)>
    g2 = grad(s2, v, create_graph)              s3 = sum_k <g2[k], c(5 + k)>
    g3 = grad(s3, v)

Run: python scripts/gen_higher_order.py (PyTorch 2.x).
"""
import json
import math

import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)


def vals(n, s, sc, shape):
    return (torch.tensor([math.sin(k * 0.37 + s) for k in range(n)]) * sc).reshape(shape)


SPECS = [("x", 0.1, 1.0, [2, 2, 7, 6]), ("w", 0.7, 0.8, [4, 1, 3, 2]),
         ("b", 1.3, 0.3, [4]), ("wt", 2.3, 0.5, [4, 3, 2, 2])]


def net(x, w, b, wt):
    y = torch.tanh(F.conv2d(x, w, b, stride=(2, 1), padding=(1, 1), dilation=(1, 2), groups=2))
    p = F.max_pool2d(y, 2, stride=1)
    q = F.avg_pool2d(y, 3, stride=3, padding=1, count_include_pad=False)
    r = F.pad(F.adaptive_avg_pool2d(q, (3, 3)), (1, 0, 0, 1))
    s = torch.cat([p.narrow(2, 0, 3), r.narrow(2, 1, 3)], 3)
    s = s.index_select(1, torch.tensor([3, 0, 0]))
    s = s.gather(3, torch.tensor([0, 2, 6, 6, 1, 0]).reshape(1, 1, 1, 6))
    m = torch.tensor([True, False, True, True, False, False])
    s = torch.where(m, s, s * 2).max(-1).values
    z = F.conv_transpose2d(y, wt, None, stride=2)
    e = y.flatten().index_select(0, torch.tensor([5, 9, 5])).exp().sum()
    return (s * s).sum() + z.sin().sum() + y.max() ** 2 + e


v = [vals(math.prod(shape), s, sc, shape).requires_grad_() for _, s, sc, shape in SPECS]
g1 = torch.autograd.grad(net(*v), v, create_graph=True)
s2 = sum((d * vals(d.numel(), 2.0 + k, 1.0, d.shape)).sum() for k, d in enumerate(g1))
g2 = torch.autograd.grad(s2, v, create_graph=True)
s3 = sum((d * vals(d.numel(), 5.0 + k, 1.0, d.shape)).sum() for k, d in enumerate(g2))
g3 = torch.autograd.grad(s3, v)
out = {
    "torch": torch.__version__,
    "inputs": [{"name": n, "phase": s, "scale": sc, "shape": shape} for n, s, sc, shape in SPECS],
    "second": [d.flatten().tolist() for d in g2],
    "third": [d.flatten().tolist() for d in g3],
}
with open("tests/data/higher_order.expected.json", "w") as f:
    json.dump(out, f)
