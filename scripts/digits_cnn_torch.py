"""The digits_cnn example's model and recipe in PyTorch, and the check of its saved file.

Training (compare with `cargo run --release --example digits_cnn`): the data, split, minibatches,
loss, optimizer, schedule and timing of scripts/digits_torch.py (imported from there: pixels / 16,
rows whose index % 5 == 4 the test set, cross-entropy with label smoothing 0.1, Adam lr 0.01 with
a cosine annealing to 0 stepped once per minibatch, 20 epochs of batch 32, 2 threads), each image
one 8x8 channel, and the nn.Sequential below; the model is in train mode for the steps and in
eval mode (batch norm's running statistics) for the test accuracy after every epoch. The seeds'
random streams differ from arenagrad's, so the accuracies match in level, not digit for digit.

Loading (--load PATH): reads the safetensors file the example writes with --save into the same
nn.Sequential with load_state_dict(strict=True), so every parameter and buffer (running_mean,
running_var, num_batches_tracked) must be there with its shape and nothing else, prints the test
accuracy in eval mode, and checks that PyTorch re-saving the state_dict with
safetensors.torch.save_file writes the same bytes (exit status 1 if not).

Run: python scripts/digits_cnn_torch.py [--epochs N] [--batch-size N] [--lr X]
     [--label-smoothing X] [--seed N] [--threads N] [--quiet]
     python scripts/digits_cnn_torch.py --load digits_cnn.safetensors
"""

import argparse
import pathlib
import sys
import tempfile

import torch
from safetensors.torch import load_file, save_file
from torch import nn

from digits_torch import accuracy, load, recipe_args, train


def model():
    # the indices 0..8 are the state_dict prefixes examples/digits_cnn/model.rs registers
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(),
        nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(),
        nn.MaxPool2d(2), nn.Flatten(), nn.Linear(512, 10),
    )


def check_saved(path, xte, yte):
    """Loads arenagrad's file strictly and prints the test accuracy; 1 if PyTorch re-saves it
    to other bytes, else 0."""
    net = model()
    state = load_file(path)
    net.load_state_dict(state, strict=True)
    counts = {k: f"{v.item()} ({v.dtype})" for k, v in state.items() if k.endswith("num_batches_tracked")}
    print(f"loaded {path} strictly: {len(state)} tensors; num_batches_tracked {counts}")
    print(f"test accuracy: {accuracy(net, xte, yte):.3f}")
    with tempfile.TemporaryDirectory() as tmp:
        resaved = pathlib.Path(tmp) / "resaved.safetensors"
        save_file(net.state_dict(), resaved, metadata={"format": "pt"})
        same = resaved.read_bytes() == pathlib.Path(path).read_bytes()
    print(f"re-saved by PyTorch: {'the same bytes' if same else 'DIFFERENT bytes'}")
    return 0 if same else 1


def main():
    p = argparse.ArgumentParser()
    recipe_args(p)
    p.add_argument("--load", metavar="PATH", help="evaluate a file saved by the example instead of training")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    data = load(image_shape=(1, 8, 8))
    if a.load:
        return check_saved(a.load, data[2], data[3])
    train(model, data, a)
    return 0


if __name__ == "__main__":
    sys.exit(main())
