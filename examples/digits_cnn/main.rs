//! Trains a small convolutional net (two 3x3 convolutions with batch norm, max pooling, a
//! linear classifier) on the UCI handwritten digits (8x8 images), end to end: progress bar,
//! test accuracy per epoch (batch norm in evaluation mode), the training time, a PNG plot of
//! the curves, and with `--save PATH` a safetensors file that PyTorch loads into the same
//! `nn.Sequential` (`load_state_dict(strict=True)`, buffers included).
//!
//! Run: `cargo run --release --example digits_cnn` (options: `-- --help`).
//!
//! The model is in `model.rs`; the data (same split and scaling as `examples/digits`), the
//! recipe, the command line and the plot are shared with `examples/digits`
//! (`examples/common/digits/`). `scripts/digits_cnn_torch.py` trains the same model and recipe
//! in PyTorch, and with `--load PATH` evaluates this example's saved file.

#[path = "../common/digits/mod.rs"]
mod digits;
mod model;

fn main() {
    digits::cli::main("digits_cnn", &model::CNN);
}
