//! The `f64` sums behind batch norm's statistics and backward, in lanes. A plain sum is the
//! crate's `sum4`; the deviations below are formed in `f64` before they are added.
//!
//! Each sum keeps 8 independent `f64` accumulators, one per position modulo 8, so LLVM turns the
//! loop into vector conversions and adds (`vcvtps2pd`, `vsubpd`, `vaddpd`) with no reordering
//! it would need permission for; the accumulators are then added in a fixed tree and the tail
//! after them. The order depends on the length only, so the bits do not depend on threads.

use crate::kernels::simd::{sum4, First, NONE};

const W: usize = 8;

/// `Σ f(x[i], y[i])` over whole chunks of 8 lanes (8 accumulators, a fixed tree), then the
/// tail; `y` as long as `x`.
#[inline(always)]
fn lanes(x: &[f32], y: &[f32], f: impl Fn(f64, f64) -> f64) -> f64 {
    assert_eq!(x.len(), y.len());
    let (xs, ys) = (x.chunks_exact(W), y.chunks_exact(W));
    let (xt, yt) = (xs.remainder(), ys.remainder());
    let mut s = [0.0f64; W];
    for (a, b) in xs.zip(ys) {
        let (a, b): (&[f32; W], &[f32; W]) = (a.try_into().unwrap(), b.try_into().unwrap());
        for k in 0..W {
            s[k] += f(a[k] as f64, b[k] as f64);
        }
    }
    let tail = xt
        .iter()
        .zip(yt)
        .fold(0.0, |t, (&a, &b)| t + f(a as f64, b as f64));
    (((s[0] + s[4]) + (s[2] + s[6])) + ((s[1] + s[5]) + (s[3] + s[7]))) + tail
}

/// `Σ x` (the crate's `f64` lane sum).
pub(super) fn sum(x: &[f32]) -> f64 {
    sum4((x, NONE, NONE, NONE), x.len(), First)
}

/// `Σ (x − mean)²`.
pub(super) fn sq_dev(x: &[f32], mean: f64) -> f64 {
    lanes(x, x, |x, _| (x - mean) * (x - mean))
}

/// `Σ g·(x − mean)`.
pub(super) fn dot_dev(g: &[f32], x: &[f32], mean: f64) -> f64 {
    lanes(g, x, |g, x| g * (x - mean))
}
