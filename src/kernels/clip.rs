//! Gradient-clipping kernels: norms of a whole flat buffer, an in-place scale, a clamp.
//!
//! Norm sums accumulate in `f64` over [`LANES`] independent accumulators (elements `i ≡ k mod
//! LANES` go to accumulator `k`), combined in a fixed order at the end: the result depends
//! only on the data, never on a thread count, and a square of an `f32` is exact in `f64`, so
//! the only rounding is that of the `f64` additions (relative error about `n·2⁻⁵³`, far below
//! the `f32` result's precision for any buffer that fits in memory). The independent lanes
//! let the compiler keep several additions in flight (and vectorise them).

/// Accumulators of the norm sums.
pub const LANES: usize = 8;

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
    lane_sum(x, |v| {
        let v = v as f64;
        v * v
    })
}

/// `Σ |xᵢ|ᵖ` in `f64` (`p = 1` without a `pow`).
pub fn sum_abs_pow(x: &[f32], p: f64) -> f64 {
    if p == 1.0 {
        lane_sum(x, |v| v.abs() as f64)
    } else {
        lane_sum(x, |v| (v.abs() as f64).powf(p))
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

/// `x ← c·x`.
pub fn scale(x: &mut [f32], c: f32) {
    x.iter_mut().for_each(|v| *v *= c);
}

/// `x ← min(max(x, lo), hi)`, NaN staying NaN (`clamp_`); needs `lo <= hi`.
pub fn clamp(x: &mut [f32], lo: f32, hi: f32) {
    assert!(lo <= hi, "clamp: lo {lo} > hi {hi}");
    x.iter_mut().for_each(|v| *v = v.clamp(lo, hi));
}

#[cfg(test)]
mod tests {
    use super::*;

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
