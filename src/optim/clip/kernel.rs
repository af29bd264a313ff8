//! The gradient-clipping kernels: norms of a whole flat buffer, an in-place scale, a clamp.
//!
//! Norm sums accumulate in `f64`. The buffer is cut into fixed chunks of [`CLIP`]`.chunk`
//! values (boundaries that depend on the length only); within a chunk, [`LANES`] independent
//! accumulators (elements `i ≡ k mod LANES` go to accumulator `k`) are combined in a fixed
//! order, and the chunk sums are added up a fixed binary tree, in parallel above
//! [`CLIP`]`.grain`. So the result depends only on the data, never on a thread count (a test
//! runs it on 1 and 2 threads), and a buffer of at most one chunk is summed exactly as one
//! lane sum. A square of an `f32` is exact in `f64`, so the only rounding is that of the `f64`
//! additions (relative error about `n·2⁻⁵³`, far below the `f32` result's precision for any
//! buffer that fits in memory). The independent lanes let the compiler keep several additions
//! in flight (and vectorise them). `scale` and `clamp` are `f32x8` lanes, chunks in parallel.
//!
//! The clipping functions built on these (`clip_grad_norm`, `clip_grad_value`) are in the
//! [parent module](super).

use crate::kernels::par::{for_units, tree_sum, Par};
use crate::kernels::simd::{each_lane, Vector, LANES};

/// The fixed chunk of the norm sums (a determinism boundary: never tuned per machine) and the
/// length above which chunks run in parallel; also the split of `scale` and `clamp`.
///
/// A sum is a light, bandwidth-bound pass, so the grain, 256K (four chunks), is set above the
/// crossover measured. Measurements: `docs/perf.md`, "Optimizer updates and clipping".
pub const CLIP: Par = Par {
    chunk: 1 << 16,
    grain: 1 << 18,
};

/// `Σ f(xᵢ)` over fixed chunks of [`CLIP`] (see the module doc); parallel from `grain` values.
fn chunked_sum(x: &[f32], grain: usize, f: impl Fn(f32) -> f64 + Sync) -> f64 {
    tree_sum(x.len(), CLIP.chunk, grain, &|r| lane_sum(&x[r], &f))
}

/// [`sum_squares`] going parallel from `grain` values (for the grain sweep; the bits do not
/// depend on it).
#[doc(hidden)]
pub fn sum_squares_with_grain(x: &[f32], grain: usize) -> f64 {
    chunked_sum(x, grain, |v| {
        let v = v as f64;
        v * v
    })
}

/// `Σ f(xᵢ)` in `f64` over [`LANES`] accumulators, combined pairwise in a fixed order.
fn lane_sum(x: &[f32], f: impl Fn(f32) -> f64) -> f64 {
    let mut acc = [0.0f64; LANES];
    let mut chunks = x.chunks_exact(LANES);
    for c in &mut chunks {
        for k in 0..LANES {
            acc[k] += f(c[k]);
        }
    }
    for (a, &v) in acc.iter_mut().zip(chunks.remainder()) {
        *a += f(v);
    }
    let mut width = LANES;
    while width > 1 {
        width /= 2;
        for k in 0..width {
            acc[k] += acc[k + width];
        }
    }
    acc[0]
}

/// `Σ xᵢ²` in `f64` (the square of the L2 norm).
pub fn sum_squares(x: &[f32]) -> f64 {
    sum_squares_with_grain(x, CLIP.grain)
}

/// `Σ |xᵢ|ᵖ` in `f64` (`p = 1` without a `pow`).
pub fn sum_abs_pow(x: &[f32], p: f64) -> f64 {
    if p == 1.0 {
        chunked_sum(x, CLIP.grain, |v| v.abs() as f64)
    } else {
        chunked_sum(x, CLIP.grain, |v| (v.abs() as f64).powf(p))
    }
}

/// `max |xᵢ|` (0 for an empty slice); NaN if any element is NaN, as `torch.max` does.
pub fn max_abs(x: &[f32]) -> f32 {
    let mut m = 0.0f32;
    for &v in x {
        let a = v.abs();
        if a > m || a.is_nan() {
            m = a;
            if a.is_nan() {
                break;
            }
        }
    }
    m
}

#[inline(always)]
fn scale_at<L: Vector>(i: usize, x: &mut [f32], c: f32) {
    (L::load(&x[i..]) * L::splat(c)).store(&mut x[i..]);
}

/// `x ← c·x`.
pub fn scale(x: &mut [f32], c: f32) {
    let n = x.len();
    for_units([x], [1], n, CLIP.chunk, CLIP.grain, &|_, [x]| {
        each_lane!(x.len(), scale_at(x, c))
    });
}

/// `min(max(x, lo), hi)` with `f32::clamp`'s results: `lo.max_ps(x)` keeps a NaN `x` (and a
/// `−0` against `lo = 0`), as does `hi.min_ps(·)`.
#[inline(always)]
fn clamp_at<L: Vector>(i: usize, x: &mut [f32], lo: f32, hi: f32) {
    let v = L::splat(hi).min_ps(L::splat(lo).max_ps(L::load(&x[i..])));
    v.store(&mut x[i..]);
}

/// `x ← min(max(x, lo), hi)`, NaN staying NaN (`clamp_`); needs `lo <= hi`.
pub fn clamp(x: &mut [f32], lo: f32, hi: f32) {
    assert!(lo <= hi, "clamp: lo {lo} > hi {hi}");
    let n = x.len();
    for_units([x], [1], n, CLIP.chunk, CLIP.grain, &|_, [x]| {
        each_lane!(x.len(), clamp_at(x, lo, hi))
    });
}

#[cfg(test)]
mod tests;
