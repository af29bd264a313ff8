//! Test helpers for the ops' unit tests: deterministic inputs, and [`check`], the public
//! [`gradcheck`](crate::gradcheck) with the step and tolerance these tests use.
//!
//! The step is `h = 1e-2` (gradcheck's default is `1e-3`): the ops' tests use values of order
//! one and outputs summed over few elements, so truncation `h²/6 · L''' ≈ 1e-5` stays small
//! while rounding `ε|L|/h ≈ 1e-4` drops tenfold.

use crate::gradcheck::{self, Tolerance};
use crate::prelude::*;

/// A deterministic uniform sample in `[-1, 1)` (xorshift64*).
pub(crate) fn uniform(n: usize, seed: u64) -> Vec<f32> {
    let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..n)
        .map(|_| {
            s ^= s >> 12;
            s ^= s << 25;
            s ^= s >> 27;
            let r = s.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 40;
            (r as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
        })
        .collect()
}

/// Checks the analytic gradient of `f` at `inputs` with [`gradcheck::check`](crate::gradcheck)
/// (step `h = 1e-2`, pass when `|analytic − numeric| ≤ 2e-3 + 2e-3 · |numeric|`); panics with
/// the checker's message at the first element that fails.
pub(crate) fn check(inputs: &[Tensor], f: impl for<'g> Fn(&[Var<'g>]) -> Result<Var<'g>>) {
    let tol = Tolerance {
        eps: 1e-2,
        atol: 2e-3,
        rtol: 2e-3,
    };
    if let Err(e) = gradcheck::check(inputs, |_g, v| f(v), &tol) {
        panic!("{e}");
    }
}

#[test]
#[should_panic(expected = "analytic")]
fn catches_a_wrong_gradient() {
    // y = x · detach(x): the analytic gradient is x, the true one 2x
    check(&[Tensor::from_slice(&[0.5, -1.0])], |v| {
        Ok(v[0] * v[0].detach())
    });
}

/// Deterministic, distinct test values of `shape` (no two equal, none 0).
pub(crate) fn ramp(shape: &[usize]) -> Tensor {
    let n = shape.iter().product::<usize>();
    let data = (0..n)
        .map(|i| 0.5 + i as f32 * 0.25 - 1.7 * (i % 3) as f32)
        .collect();
    Tensor::new(data, shape).unwrap()
}
