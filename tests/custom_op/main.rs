//! Custom ops ([`arenagrad::custom`]): gradients against finite differences and the built-in
//! ops (`grads.rs`; `higher.rs` for second order and beyond), the errors and that they leave
//! `.grad` as it was (`errors.rs`), and that ops holding heap data are dropped when their graph
//! run ends (`drops.rs`). The ops are in `ops.rs`.

use arenagrad::Tensor;

mod drops;
mod errors;
mod grads;
mod higher;
mod ops;

/// The input most tests differentiate at.
pub fn x0() -> Tensor {
    Tensor::new(vec![-2.0, -0.7, 0.0, 0.4, 1.3, 2.5], &[2, 3]).unwrap()
}

/// Asserts `|a − b| ≤ tol` element by element.
pub fn assert_close(a: &[f32], b: &[f32], tol: f32) {
    assert_eq!(a.len(), b.len());
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        assert!((x - y).abs() <= tol, "element {i}: {x} vs {y}");
    }
}
