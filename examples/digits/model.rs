//! The digits example's model: `Mlp [64, 128, 10]`, PyTorch's `nn.Sequential(nn.Linear(64,
//! 128), nn.ReLU(), nn.Linear(128, 10))` with the same state_dict names (`0.weight`,
//! `0.bias`, `2.weight`, `2.bias`), layouts and initialisation. Included by `tests/digits.rs`
//! too, beside `crate::digits` (examples/common/digits).

use arenagrad::nn::Mlp;

use crate::digits::data::{CLASSES, PIXELS};
use crate::digits::train::Model;

/// Hidden layer width.
pub const HIDDEN: usize = 128;

/// The MLP, fed each image as a row of 64 pixels.
pub const MLP: Model<Mlp> = Model {
    name: "Mlp [64, 128, 10]",
    image: &[PIXELS],
    build: |params, rng| Mlp::new(params, &[PIXELS, HIDDEN, CLASSES], rng),
};
