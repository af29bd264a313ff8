//! Special functions the standard library lacks: `erf`, a stable `sigmoid`.
//!
//! `erf` is evaluated in `f64` and rounded: a Taylor series for |x| < 3 (alternating terms
//! peak near 170 at x = 3, so about 13 significant digits survive the cancellation), and the
//! asymptotic expansion of `erfc` beyond, where `erfc(x) < 2.3e-5` and four terms leave a
//! relative error below 1e-3 of that tail, far under `f32`'s half-ulp of 1.

use super::simd::fma;

/// The error function, accurate to `f32` rounding.
///
/// ```
/// use arenagrad::kernels::special::erf;
/// assert!((erf(0.5) - 0.520_499_9).abs() < 1e-7);
/// assert_eq!(erf(0.0), 0.0);
/// ```
pub fn erf(x: f32) -> f32 {
    erf64(x as f64) as f32
}

/// The logistic sigmoid `1/(1 + e^{−x})`. Two branches keep `exp`'s argument non-positive, so
/// neither overflows to `inf/inf` for large |x|.
///
/// ```
/// use arenagrad::kernels::special::sigmoid;
/// assert_eq!(sigmoid(0.0), 0.5);
/// assert!(sigmoid(-100.0) < 1e-40 && sigmoid(100.0) == 1.0); // e^-100 underflows gracefully
/// ```
#[inline(always)]
pub fn sigmoid(x: f32) -> f32 {
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        let e = x.exp();
        e / (1.0 + e)
    }
}

/// The standard normal CDF `Φ(x)`: the scalar twin of
/// [`vmath::normal_cdf`](super::vmath::normal_cdf), the same operations in the same order
/// (multiply-adds rounded as the lanes round them, [`fma`]).
///
/// ```
/// use arenagrad::kernels::special::normal_cdf;
/// assert_eq!(normal_cdf(0.0), 0.5);
/// assert!((normal_cdf(1.0) - 0.841_344_7).abs() < 1e-7);
/// assert!((normal_cdf(-6.0) / 9.865_876e-10 - 1.0).abs() < 1e-6); // no cancellation
/// ```
pub fn normal_cdf(x: f32) -> f32 {
    use super::vmath::{PHI_P, PHI_Q, PHI_SPLIT};
    let horner = |x: f32, k: &[f32]| {
        k.iter()
            .rev()
            .skip(1)
            .fold(k[k.len() - 1], |r, &c| fma(r, x, c))
    };
    let z = x.abs() * std::f32::consts::FRAC_1_SQRT_2;
    let neg = x < 0.0;
    if z.is_nan() {
        return x;
    }
    if z < PHI_SPLIT {
        let e = z * horner(z * z, &PHI_P);
        return fma(if neg { -0.5 } else { 0.5 }, e, 0.5);
    }
    let h = x * x;
    let l = if x.abs() < 1e4 {
        super::simd::mul_err(x, x, h, super::simd::level::fused())
    } else {
        0.0
    };
    let g = super::simd::exp(-0.5 * h);
    let g = fma(g, -0.5 * l, g);
    let t = 1.0 / (1.0 + 0.5 * z);
    let half = 0.5 * (g * horner(t, &PHI_Q));
    if neg {
        half
    } else {
        1.0 - half
    }
}

/// The error function in `f64` (about 1e-13 absolute accuracy).
pub fn erf64(x: f64) -> f64 {
    if x.is_nan() {
        return x;
    }
    let ax = x.abs();
    let r = if ax < 3.0 {
        // erf x = 2/√π Σ (−1)ⁿ x^{2n+1} / (n! (2n+1))
        let x2 = ax * ax;
        let (mut term, mut sum, mut n) = (ax, ax, 0.0f64);
        while term.abs() > 1e-17 * sum.abs() {
            n += 1.0;
            term *= -x2 / n;
            sum += term / (2.0 * n + 1.0);
        }
        sum * std::f64::consts::FRAC_2_SQRT_PI
    } else if ax < 10.0 {
        // erfc x ≈ e^{−x²}/(x√π) · (1 − 1/(2x²) + 3/(4x⁴) − 15/(8x⁶) + 105/(16x⁸))
        let z = 1.0 / (2.0 * ax * ax);
        let series = 1.0 - z + 3.0 * z * z - 15.0 * z * z * z + 105.0 * z * z * z * z;
        1.0 - (-ax * ax).exp() / (ax * std::f64::consts::PI.sqrt()) * series
    } else {
        1.0
    };
    r.copysign(x)
}

#[cfg(test)]
mod tests;
