"""The digits example's recipe in PyTorch, for comparison with `cargo run --release --example digits`.

Same data and split (data/digits.csv.gz; rows whose index % 5 == 4 are the test set; pixels / 16),
same model (nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))), same minibatches
(reshuffled every epoch, last batch partial), cross-entropy with label smoothing 0.1, Adam with a
cosine annealing of the lr to 0 stepped once per minibatch, the test accuracy evaluated after every
epoch. Only the training loop (with its per-epoch evaluation) is timed, on 2 threads. The seeds'
random streams differ from arenagrad's, so the accuracies match in level, not digit for digit.
scripts/digits_cnn_torch.py imports the data loading and the training loop from here.

Run: python scripts/digits_torch.py [--epochs N] [--batch-size N] [--lr X] [--label-smoothing X]
     [--seed N] [--threads N] [--quiet]
"""

import argparse
import gzip
import pathlib
import time

import numpy as np
import torch
from torch import nn

ROOT = pathlib.Path(__file__).resolve().parent.parent


def load(image_shape=(64,)):
    """The train and test images (pixels / 16, each reshaped to image_shape) and labels."""
    with gzip.open(ROOT / "data" / "digits.csv.gz", "rt") as f:
        rows = np.loadtxt(f, delimiter=",", dtype=np.float32)
    x = torch.from_numpy(rows[:, :64] / 16.0).reshape(-1, *image_shape)
    y = torch.from_numpy(rows[:, 64].astype(np.int64))
    test = torch.arange(len(rows)) % 5 == 4
    return x[~test], y[~test], x[test], y[test]


def recipe_args(p):
    """Adds the recipe's flags (the Rust examples' defaults) to the argparse parser p."""
    p.add_argument("--epochs", type=int, default=20)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--lr", type=float, default=1e-2)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--label-smoothing", type=float, default=0.1)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--quiet", action="store_true")


def accuracy(model, x, y):
    """The fraction of x classified right, in eval mode (then back to train mode)."""
    model.eval()
    with torch.no_grad():
        acc = (model(x).argmax(1) == y).float().mean().item()
    model.train()
    return acc


def train(make_model, data, a):
    """Trains make_model() (called after seeding) with the recipe of the flags a; prints the
    per-epoch lines unless a.quiet, then the test accuracy and the training time."""
    xtr, ytr, xte, yte = data
    torch.manual_seed(a.seed)
    model = make_model()
    opt = torch.optim.Adam(model.parameters(), lr=a.lr)
    steps = a.epochs * ((len(ytr) + a.batch_size - 1) // a.batch_size)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=steps, eta_min=0.0)
    loss_fn = nn.CrossEntropyLoss(label_smoothing=a.label_smoothing)
    gen = torch.Generator().manual_seed(a.seed)
    print(
        f"torch {torch.__version__}, {torch.get_num_threads()} threads: {len(ytr)} train / "
        f"{len(yte)} test images; cross-entropy (label smoothing {a.label_smoothing}), Adam lr {a.lr}, "
        f"cosine over {steps} steps; {a.epochs} epochs of batch {a.batch_size}; seed {a.seed}"
    )

    start = time.perf_counter()
    for epoch in range(1, a.epochs + 1):
        order = torch.randperm(len(ytr), generator=gen)
        total = 0.0
        for i in range(0, len(ytr), a.batch_size):
            idx = order[i : i + a.batch_size]
            opt.zero_grad()
            loss = loss_fn(model(xtr[idx]), ytr[idx])
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item() * len(idx)
        acc = accuracy(model, xte, yte)
        if not a.quiet:
            print(f"epoch {epoch:>3}/{a.epochs}  train loss {total / len(ytr):.4f}  test accuracy {acc:.4f}")
    secs = time.perf_counter() - start
    print(f"test accuracy: {acc:.3f}")
    print(f"trained in {secs:.2f} s")
    return model


def main():
    p = argparse.ArgumentParser()
    recipe_args(p)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    train(lambda: nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10)), load(), a)


if __name__ == "__main__":
    main()
