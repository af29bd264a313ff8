//! Gradient-clipping kernels: norms of a whole flat buffer, an in-place scale, a clamp.
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

use super::par::{for_units, tree_sum, Par};
use super::rowwise_simd::{each_lane, Lanes};

/// Accumulators of the norm sums.
pub const LANES: usize = 8;

/// The fixed chunk of the norm sums (a determinism boundary: never tuned per machine) and the
/// length above which chunks run in parallel; also the split of `scale` and `clamp`.
///
/// Sweep (`examples/grain_sweep.rs`, `Σ x²`, criterion medians, 2 threads, loaded 2-core VM):
/// at 128K (two chunks) split 25.6 vs 46.1 µs sequential in one sitting, 34.4 vs 27.0 in
/// another; at 256K 82.9 vs 82.5; at 1M 391 vs 289 (load noise). A sum is a light,
/// bandwidth-bound pass, so the grain is set above the crossover seen: 256K (four chunks).
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
fn scale_at<L: Lanes>(i: usize, x: &mut [f32], c: f32) {
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
fn clamp_at<L: Lanes>(i: usize, x: &mut [f32], lo: f32, hi: f32) {
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
mod tests {
    use super::*;
    use crate::kernels::par::on_1_and_2_threads;
    use crate::kernels::rowwise_simd::testing::{same_bits, values, EDGES, LENS};

    #[test]
    fn scale_and_clamp_match_scalar_bit_for_bit() {
        for &n in &LENS {
            let mut x = values(n, n as u32, 3.0);
            for (k, e) in EDGES.iter().enumerate() {
                if n > 0 {
                    x[(k * 3) % n] = *e;
                }
            }
            let mut y = x.clone();
            scale(&mut y, 0.37);
            let want: Vec<f32> = x.iter().map(|v| v * 0.37).collect();
            same_bits("scale", &y, &want);
            for (lo, hi) in [(-1.0, 1.0), (0.0, 0.5), (-0.0, 0.0)] {
                let mut y = x.clone();
                clamp(&mut y, lo, hi);
                let want: Vec<f32> = x.iter().map(|v| v.clamp(lo, hi)).collect();
                same_bits(&format!("clamp {lo} {hi}"), &y, &want);
            }
        }
    }

    #[test]
    fn norms_give_the_same_bits_on_1_and_2_threads() {
        // 10 chunks and a tail: the chunk sums meet in a fixed tree whatever the threads
        let x = values(10 * CLIP.chunk + 12_345, 3, 1.0);
        let (one, two) = on_1_and_2_threads(|| (sum_squares(&x), sum_abs_pow(&x, 3.0)));
        assert_eq!(one.0.to_bits(), two.0.to_bits());
        assert_eq!(one.1.to_bits(), two.1.to_bits());
        // one chunk: exactly the lane sum
        let y = &x[..CLIP.chunk];
        assert_eq!(
            sum_squares(y).to_bits(),
            lane_sum(y, |v| (v as f64) * (v as f64)).to_bits()
        );
        let mut big = x.clone();
        let (a, b) = on_1_and_2_threads(|| {
            let mut z = big.clone();
            scale(&mut z, -1.5);
            clamp(&mut z, -0.5, 0.25);
            z
        });
        same_bits("scale+clamp 1 vs 2 threads", &a, &b);
        big.iter_mut()
            .for_each(|v| *v = (*v * -1.5).clamp(-0.5, 0.25));
        same_bits("scale+clamp vs scalar", &a, &big);
    }

    #[test]
    fn sums_against_a_plain_loop_on_every_length() {
        for n in 0..=2 * LANES + 1 {
            let x: Vec<f32> = (0..n).map(|i| (i as f32 - 4.5) * 0.75).collect();
            let plain: f64 = x.iter().map(|&v| (v as f64) * (v as f64)).sum();
            assert_eq!(sum_squares(&x), plain, "n = {n}"); // small exact sums: no rounding
            let l1: f64 = x.iter().map(|&v| v.abs() as f64).sum();
            assert_eq!(sum_abs_pow(&x, 1.0), l1);
            assert!((sum_abs_pow(&x, 2.0) - plain).abs() <= 1e-12 * plain);
            let m = x.iter().fold(0.0f32, |m, v| m.max(v.abs()));
            assert_eq!(max_abs(&x), m);
        }
    }

    #[test]
    fn accuracy_of_a_long_sum() {
        // 10⁶ copies of 0.1f32: Σ x² = 10⁶ · 0.1f32² computed exactly in f64 up to its own
        // rounding; an f32 running sum would be off in the 3rd digit
        let x = vec![0.1f32; 1_000_000];
        let exact = 1e6 * (0.1f32 as f64).powi(2);
        assert!((sum_squares(&x) - exact).abs() <= 1e-9 * exact);
    }

    #[test]
    fn edge_values() {
        assert_eq!(sum_squares(&[3.0, -4.0]), 25.0);
        assert_eq!(
            sum_squares(&[f32::MAX, f32::MAX]).sqrt() as f32,
            f32::INFINITY
        );
        let big = sum_squares(&[1e20, 1e20]).sqrt(); // no overflow in f64
        assert!((big / (1e20f32 as f64 * 2f64.sqrt()) - 1.0).abs() < 1e-15);
        assert!(sum_squares(&[1.0, f32::NAN]).is_nan());
        assert_eq!(sum_squares(&[f32::INFINITY, 1.0]), f64::INFINITY);
        assert!(max_abs(&[1.0, f32::NAN, 5.0]).is_nan());
        assert_eq!(max_abs(&[-0.0, -3.0, f32::NEG_INFINITY]), f32::INFINITY);
        assert_eq!(max_abs(&[]), 0.0);
        let mut x = [1.0, -2.0, f32::NAN, 0.0];
        scale(&mut x, 0.5);
        assert_eq!(x[..2], [0.5, -1.0]);
        clamp(&mut x, -0.75, 0.75);
        assert_eq!((x[0], x[1], x[3]), (0.5, -0.75, 0.0));
        assert!(x[2].is_nan());
    }
}
