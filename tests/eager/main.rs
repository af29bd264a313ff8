//! Tensors outside a graph: the eager ops on `Tensor`.
//!
//! - `graph_parity`: every eager op against the same op run through `Graph::run`, bit for bit,
//!   on odd shapes (rank 0, 1, 7, 33, 1025 and 70001 elements, broadcasts such as
//!   `[3, 1] × [1, 5]`), and the same `Error` for the same bad input.
//! - `values`: hand-computed results, NaN and empty edge cases, conversions.
//! - `errors`: bad input of every kind is an `Error` naming the op and the shapes, never a panic
//!   (the operators' panic message is the error's text).
//! - `torch_ranges`: `arange` and `linspace` against PyTorch's values
//!   (`tests/vectors/eager_ranges.json`, made by `scripts/gen_eager_vectors.py`).
//! - `ndarray` (feature `ndarray`): `ArrayD<f32>` round trips, any memory layout.

mod errors;
mod graph_parity;
#[cfg(feature = "ndarray")]
mod ndarray;
mod torch_ranges;
mod values;

use arenagrad::{Rng, Tensor};

/// The bits of every element, so `-0.0 != 0.0` and NaNs compare by payload.
pub fn bits(t: &Tensor) -> Vec<u32> {
    t.data().iter().map(|v| v.to_bits()).collect()
}

/// Normal values (σ = 2) of `shape` from `seed`, with an exact zero, a NaN and ±inf at fixed
/// places once there is room for them (so NaN propagation is compared too).
pub fn input(shape: &[usize], seed: u64) -> Tensor {
    let mut t = Rng::seed(seed).normal_tensor(shape, 0.0, 2.0);
    let d = t.data_mut();
    let n = d.len();
    if n >= 33 {
        (d[3], d[n / 2], d[n - 2], d[n - 1]) = (0.0, f32::NAN, f32::INFINITY, f32::NEG_INFINITY);
    }
    t
}
