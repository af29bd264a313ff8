//! Trains a small MLP on the UCI handwritten digits (8x8 images) end to end: progress bar,
//! test accuracy per epoch, the training time, and a PNG plot of the curves.
//!
//! Run: `cargo run --release --example digits` (options: `-- --help`).
//!
//! The model is in `model.rs`; the data, the recipe, the command line and the plot are shared
//! with `examples/digits_cnn` (`examples/common/digits/`). `scripts/digits_torch.py` runs the
//! same recipe in PyTorch.

#[path = "../common/digits/mod.rs"]
mod digits;
mod model;

fn main() {
    digits::cli::main("digits", &model::MLP);
}
