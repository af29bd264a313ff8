//! The `f64` sums behind batch norm's statistics and backward, in lanes.
//!
//! Each sum keeps 8 independent `f64` accumulators, one per position modulo 8, so LLVM turns the
//! loop into vector conversions and adds (`vcvtps2pd`, `vsubpd`, `vaddpd`) with no reordering
//! it would need permission for; the accumulators are then added in a fixed tree and the tail
//! after them. The order depends on the length only, so the bits do not depend on threads.

const W: usize = 8;

/// `Σ f(chunk)` over whole chunks of 8 lanes (`f` adds into the accumulators), then the tail.
#[inline(always)]
fn lanes<const K: usize>(xs: [&[f32]; K], f: impl Fn([f64; K]) -> f64) -> f64 {
    let n = xs[0].len();
    let body = n / W * W;
    let mut s = [0.0f64; W];
    for i in (0..body).step_by(W) {
        for (k, s) in s.iter_mut().enumerate() {
            *s += f(std::array::from_fn(|a| xs[a][i + k] as f64));
        }
    }
    let tail = (body..n).fold(0.0, |t, i| t + f(std::array::from_fn(|a| xs[a][i] as f64)));
    (((s[0] + s[4]) + (s[2] + s[6])) + ((s[1] + s[5]) + (s[3] + s[7]))) + tail
}

/// `Σ x`.
pub(super) fn sum(x: &[f32]) -> f64 {
    lanes([x], |[x]| x)
}

/// `Σ (x − mean)²`.
pub(super) fn sq_dev(x: &[f32], mean: f64) -> f64 {
    lanes([x], |[x]| (x - mean) * (x - mean))
}

/// `Σ g·(x − mean)`.
pub(super) fn dot_dev(g: &[f32], x: &[f32], mean: f64) -> f64 {
    assert_eq!(g.len(), x.len());
    lanes([g, x], |[g, x]| g * (x - mean))
}
