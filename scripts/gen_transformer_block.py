#!/usr/bin/env python3
"""Write tests/data/transformer_block.safetensors for tests/transformer_interop.rs:

    /work/torchenv/bin/python scripts/gen_transformer_block.py tests/data/transformer_block.safetensors

1. `block.*`: the state_dict of nn.TransformerEncoderLayer(16, 4, 32, dropout=0, activation="gelu",
   batch_first=True, norm_first=True) after a random perturbation of every parameter (so zero
   biases and unit norms do not hide a swapped key), `block_x` [2, 5, 16], `block_y` = the layer
   applied with is_causal=True and the causal mask, `block_gy` a random output gradient, and
   `block_x.grad` and `block.<key>.grad` the gradients of <block_y, block_gy>.
2. `mha.*`: nn.MultiheadAttention(12, 3, batch_first=True) on distinct query [2, 4, 12] and
   key/value [2, 6, 12] with a boolean mask [4, 6] (True = may attend, i.e. PyTorch's attn_mask
   with True = masked inverted), output and gradients the same way.
"""
import sys

import torch
import torch.nn as nn
from safetensors.torch import save_file


def perturb(m, g):
    with torch.no_grad():
        for p in m.parameters():
            p.add_(0.1 * torch.randn(p.shape, generator=g))


def main():
    out = sys.argv[1]
    g = torch.Generator().manual_seed(0)
    t = {}
    block = nn.TransformerEncoderLayer(16, 4, 32, dropout=0.0, activation="gelu",
                                       batch_first=True, norm_first=True)
    perturb(block, g)
    x = torch.randn(2, 5, 16, generator=g, requires_grad=True)
    causal = nn.Transformer.generate_square_subsequent_mask(5)
    y = block(x, src_mask=causal, is_causal=True)
    gy = torch.randn(y.shape, generator=g)
    (y * gy).sum().backward()
    for k, v in block.state_dict().items():
        t[f"block.{k}"] = v.detach().clone()
    for k, p in block.named_parameters():
        t[f"block.{k}.grad"] = p.grad.detach().clone()
    t.update(block_x=x.detach(), block_y=y.detach(), block_gy=gy, **{"block_x.grad": x.grad})

    mha = nn.MultiheadAttention(12, 3, batch_first=True)
    perturb(mha, g)
    q = torch.randn(2, 4, 12, generator=g, requires_grad=True)
    kv = torch.randn(2, 6, 12, generator=g, requires_grad=True)
    allowed = torch.rand(4, 6, generator=g) > 0.3
    allowed[:, 0] = True  # every query sees at least one key
    y, _ = mha(q, kv, kv, attn_mask=~allowed, need_weights=False)
    gy = torch.randn(y.shape, generator=g)
    (y * gy).sum().backward()
    for k, v in mha.state_dict().items():
        t[f"mha.{k}"] = v.detach().clone()
    for k, p in mha.named_parameters():
        t[f"mha.{k}.grad"] = p.grad.detach().clone()
    t.update(mha_q=q.detach(), mha_kv=kv.detach(), mha_mask=allowed.float(), mha_y=y.detach(),
             mha_gy=gy, **{"mha_q.grad": q.grad, "mha_kv.grad": kv.grad})
    save_file({k: v.contiguous() for k, v in t.items()}, out)
    print(f"wrote {len(t)} tensors to {out}")


if __name__ == "__main__":
    main()
