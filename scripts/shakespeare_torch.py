"""The shakespeare example's character-level GPT and recipe in PyTorch, and the check of its saved file.

Data: data/shakespeare.txt.gz (1,280,871 ASCII characters). The vocabulary is the sorted set of
its characters (76; a character's index is its position in that order). The first
int(0.9 * len) characters are the train split, the rest the val split.

Model (nanoGPT's small character config, no dropout; d = 128, 4 layers, 4 heads of 32, context 64):
    h = tok[x] + pos[0..T]
    4 pre-norm blocks:  h = h + self_attn(norm1(h));  h = h + linear2(gelu(linear1(norm2(h))))
        self_attn: q, k, v = split(z @ in_proj_weight.T + in_proj_bias, 3 x 128), 4 heads of 32,
              causal scaled dot-product attention, heads merged, out_proj (Linear 128 -> 128)
        linear1: Linear 128 -> 512, exact GELU, linear2: Linear 512 -> 128
    logits = ln_f(h) @ tok.weight.T   (the output head is tied to the token embedding: no own
                                       parameter, no bias, no state_dict key)
state_dict keys (nn.TransformerEncoderLayer's names inside each block): tok.weight, pos.weight,
blocks.{i}.norm1.{weight,bias}, blocks.{i}.self_attn.in_proj_weight, blocks.{i}.self_attn.in_proj_bias,
blocks.{i}.self_attn.out_proj.{weight,bias}, blocks.{i}.norm2.{weight,bias}, blocks.{i}.linear1.{weight,bias},
blocks.{i}.linear2.{weight,bias}, ln_f.{weight,bias}
(nn.MultiheadAttention's names for the attention's parameters).

Initialisation (nanoGPT's): every Linear / Embedding weight and in_proj_weight ~ N(0, 0.02^2), the
residual projections (self_attn.out_proj.weight, linear2.weight) ~ N(0, (0.02 / sqrt(2 * 4))^2), biases
0, LayerNorm weight 1 and bias 0 (eps 1e-5).

Training: each step a batch of 12 windows of 65 characters whose starts are uniform in
[0, len(train) - 65] (x = the first 64, y = the last 64), mean cross-entropy over the 12 x 64
positions, gradients clipped to a global norm of 1.0, AdamW (betas (0.9, 0.99), eps 1e-8, weight
decay 0.1 on every parameter with >= 2 dimensions, embeddings included, as nanoGPT does; 0 on
biases and LayerNorm). Learning rate at step s = 0 .. steps-1 with W = --warmup:
    s < W:  lr * (s + 1) / W
    else:   min_lr + 0.5 * (1 + cos(pi * (s - W) / (steps - 1 - W))) * (lr - min_lr),  min_lr = lr / 10
so the cosine reaches min_lr at the last step.

val_loss: the mean cross-entropy over all positions of the consecutive non-overlapping windows of
the val split: window i has x = val[64 i : 64 i + 64], y = val[64 i + 1 : 64 i + 65], for
i = 0 .. (len(val) - 1) // 64 - 1 (2,001 windows, 128,064 positions), evaluated in batches of 32
windows; the sum of the per-position losses (each batch's sum in f32, the batches' sums added in
f64) divided by the number of positions. The training curve's estimate every --eval-every steps
(and at the last step) is the same over every 4th window only (windows 0, 4, 8, ..., 2000: 501
windows, 32,064 positions, in batches of 32; spread over the whole split, since its first windows
are easier than the rest: the first 640 windows read ~0.07 lower than all), or the full val_loss
with --full-evals; the train loss printed with it is the mean of the training batches' losses
since the previous line. Only the training loop (with those evaluations) is timed; the full
val_loss at the end is computed after it.

Recipe (the defaults): 5,000 steps, lr 2e-3, warm-up 100, cosine to 2e-4 at the last step.
Measured at 1 thread (full val_loss at the end, seeds 0 / 1 / 2):
    5,000 steps, lr 2e-3:  1.7475 / 1.7679 / 1.7605  (mean 1.759)
    4,500 steps, lr 2e-3:  1.7489 / 1.7700 / 1.7656  (mean 1.762)
    4,000 steps, lr 2e-3:  1.7764 (seed 0)
    3,000 steps, lr 2e-3 / 3e-3:  1.8189 / 1.8215 (seed 0)
The seeds spread ~0.02, more than the last 500 steps gain (~0.003); the val loss is flattening out
(seed 1: 1.7767 at step 4,500, 1.7645 at 4,750, 1.7679 at 5,000) while the train loss goes on down
to ~1.45. A step takes 56-115 ms at 1 thread (PyTorch 2.15; the high end with the other core busy).

Loading (--load PATH): reads a safetensors file (the Rust example's --save, or this script's)
into the model with load_state_dict(strict=True), prints the full val_loss and exits.

Run: python scripts/shakespeare_torch.py [--steps N] [--lr X] [--warmup N] [--seed N]
     [--threads N] [--eval-every N] [--full-evals] [--save PATH]
     python scripts/shakespeare_torch.py --load shakespeare.safetensors
"""

import argparse
import gzip
import math
import pathlib
import sys
import time

import torch
import torch.nn.functional as F
from safetensors.torch import load_file, save_file
from torch import nn

ROOT = pathlib.Path(__file__).resolve().parent.parent

D, LAYERS, HEADS, CONTEXT, HIDDEN = 128, 4, 4, 64, 512
BATCH = 12
EVAL_BATCH = 32  # windows per forward pass in the val evaluation
ESTIMATE_STRIDE = 4  # the training curve's estimate: every 4th val window
BETAS, WEIGHT_DECAY, CLIP = (0.9, 0.99), 0.1, 1.0


def load_data():
    """The vocabulary (sorted characters) and the train and val splits as int64 index tensors."""
    with gzip.open(ROOT / "data" / "shakespeare.txt.gz", "rt", encoding="ascii") as f:
        text = f.read()
    vocab = sorted(set(text))
    index = {c: i for i, c in enumerate(vocab)}
    data = torch.tensor([index[c] for c in text], dtype=torch.int64)
    n = int(0.9 * len(data))
    return vocab, data[:n], data[n:]


class Attention(nn.Module):
    def __init__(self):
        super().__init__()
        self.in_proj_weight = nn.Parameter(torch.empty(3 * D, D))
        self.in_proj_bias = nn.Parameter(torch.empty(3 * D))
        self.out_proj = nn.Linear(D, D)

    def forward(self, x):
        b, t, _ = x.shape
        q, k, v = F.linear(x, self.in_proj_weight, self.in_proj_bias).split(D, dim=2)
        q, k, v = (z.view(b, t, HEADS, D // HEADS).transpose(1, 2) for z in (q, k, v))
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        return self.out_proj(y.transpose(1, 2).reshape(b, t, D))


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.self_attn = Attention()
        self.linear1 = nn.Linear(D, HIDDEN)
        self.linear2 = nn.Linear(HIDDEN, D)
        self.norm1 = nn.LayerNorm(D)
        self.norm2 = nn.LayerNorm(D)

    def forward(self, x):
        x = x + self.self_attn(self.norm1(x))
        return x + self.linear2(F.gelu(self.linear1(self.norm2(x))))


class Gpt(nn.Module):
    def __init__(self, vocab_size):
        super().__init__()
        self.tok = nn.Embedding(vocab_size, D)
        self.pos = nn.Embedding(CONTEXT, D)
        self.blocks = nn.ModuleList(Block() for _ in range(LAYERS))
        self.ln_f = nn.LayerNorm(D)
        self.init_weights()

    def init_weights(self):
        """nanoGPT's initialisation (the order of the draws is PyTorch's own business)."""
        for name, p in self.named_parameters():
            if name.endswith(("self_attn.out_proj.weight", "linear2.weight")):
                nn.init.normal_(p, 0.0, 0.02 / math.sqrt(2 * LAYERS))
            elif name.startswith(("tok.", "pos.")) or name.endswith(("in_proj_weight", "linear1.weight")):
                nn.init.normal_(p, 0.0, 0.02)
            elif ".norm" in name or name.startswith("ln_f."):
                nn.init.ones_(p) if name.endswith("weight") else nn.init.zeros_(p)
            elif name.endswith("bias"):
                nn.init.zeros_(p)
            else:
                raise AssertionError(f"no init rule for {name}")

    def forward(self, x):
        h = self.tok(x) + self.pos.weight[: x.shape[1]]
        for block in self.blocks:
            h = block(h)
        return self.ln_f(h) @ self.tok.weight.T


def val_windows(val):
    """The consecutive non-overlapping windows of the val split: (x, y), each [n, 64]."""
    n = (len(val) - 1) // CONTEXT
    x = val[: n * CONTEXT].view(n, CONTEXT)
    y = val[1 : n * CONTEXT + 1].view(n, CONTEXT)
    return x, y


def val_loss(model, windows, stride=1):
    """Mean cross-entropy over every position of every stride-th window (all if stride is 1)."""
    x, y = windows[0][::stride], windows[1][::stride]
    total, count = 0.0, 0
    with torch.no_grad():
        for i in range(0, len(x), EVAL_BATCH):
            logits = model(x[i : i + EVAL_BATCH])
            yb = y[i : i + EVAL_BATCH]
            total += F.cross_entropy(logits.reshape(-1, logits.shape[-1]), yb.reshape(-1), reduction="sum").item()
            count += yb.numel()
    return total / count


def lr_at(s, a):
    min_lr = a.lr / 10
    if s < a.warmup:
        return a.lr * (s + 1) / a.warmup
    r = (s - a.warmup) / (a.steps - 1 - a.warmup) if a.steps - 1 > a.warmup else 1.0
    return min_lr + 0.5 * (1.0 + math.cos(math.pi * r)) * (a.lr - min_lr)


def train(model, train_data, windows, a):
    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    opt = torch.optim.AdamW(
        [{"params": decay, "weight_decay": WEIGHT_DECAY}, {"params": no_decay, "weight_decay": 0.0}],
        lr=a.lr, betas=BETAS, eps=1e-8,
    )
    gen = torch.Generator().manual_seed(a.seed)
    offsets = torch.arange(CONTEXT + 1)
    running, since = 0.0, 0
    eval_secs = 0.0
    start = time.perf_counter()
    for s in range(a.steps):
        for group in opt.param_groups:
            group["lr"] = lr_at(s, a)
        starts = torch.randint(len(train_data) - CONTEXT, (BATCH,), generator=gen)
        chunk = train_data[starts[:, None] + offsets]
        x, y = chunk[:, :-1], chunk[:, 1:]
        logits = model(x)
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), CLIP)
        opt.step()
        running += loss.item()
        since += 1
        if (s + 1) % a.eval_every == 0 or s + 1 == a.steps:
            t0 = time.perf_counter()
            est = val_loss(model, windows, 1 if a.full_evals else ESTIMATE_STRIDE)
            eval_secs += time.perf_counter() - t0
            kind = "val loss" if a.full_evals else "val loss (est.)"
            print(
                f"step {s + 1:>5}/{a.steps}  lr {lr_at(s, a):.2e}  train loss {running / since:.4f}  "
                f"{kind} {est:.4f}  {time.perf_counter() - start:7.1f} s",
                flush=True,
            )
            running, since = 0.0, 0
    secs = time.perf_counter() - start
    print(
        f"trained in {secs:.1f} s ({1000 * (secs - eval_secs) / a.steps:.1f} ms/step for the steps, "
        f"{eval_secs:.1f} s in the val evaluations)"
    )


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--steps", type=int, default=4500)
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--warmup", type=int, default=100)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--eval-every", type=int, default=250)
    p.add_argument("--full-evals", action="store_true", help="every eval point on the whole val split")
    p.add_argument("--save", metavar="PATH", help="write the trained state_dict as safetensors")
    p.add_argument("--load", metavar="PATH", help="evaluate a saved file instead of training")
    a = p.parse_args()
    torch.set_num_threads(a.threads)

    vocab, train_data, val = load_data()
    windows = val_windows(val)
    if a.load:
        model = Gpt(len(vocab))
        state = load_file(a.load)
        model.load_state_dict(state, strict=True)
        print(f"loaded {a.load} strictly: {len(state)} tensors")
        t0 = time.perf_counter()
        v = val_loss(model, windows)
        print(f"val loss {v:.4f} over {windows[1].numel()} positions ({time.perf_counter() - t0:.1f} s)")
        return 0

    torch.manual_seed(a.seed)
    model = Gpt(len(vocab))
    params = sum(p.numel() for p in model.parameters())
    print(
        f"torch {torch.__version__}, {torch.get_num_threads()} threads: vocabulary {len(vocab)}, "
        f"{len(train_data)} train / {len(val)} val characters ({len(windows[0])} val windows); "
        f"{params} parameters; {a.steps} steps of {BATCH} x {CONTEXT}, AdamW lr {a.lr} "
        f"(warm-up {a.warmup}, cosine to {a.lr / 10:g}), betas {BETAS}, weight decay {WEIGHT_DECAY}, "
        f"clip {CLIP}; seed {a.seed}",
        flush=True,
    )
    train(model, train_data, windows, a)
    t0 = time.perf_counter()
    v = val_loss(model, windows)
    print(f"val loss {v:.4f} over {windows[1].numel()} positions ({time.perf_counter() - t0:.1f} s)")
    if a.save:
        save_file(model.state_dict(), a.save, metadata={"format": "pt"})
        print(f"saved {a.save}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
