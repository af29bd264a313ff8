//! Vectorised elementary functions on f32x8, written for accuracy first: each is held to a
//! stated bound against `f64` over a dense sweep of inputs (`vmath/tests.rs`: 2·10⁶ inputs
//! evenly spaced in the order of the `f32` bit patterns, so every binade of the range is
//! visited), so PyTorch parity (rtol 1e-4) holds with a wide margin. Errors are in units in
//! the last place of the correctly rounded `f32` result; "max seen" is the sweep's worst case
//! on this build (AVX2+FMA lanes), the tests assert the bound:
//!
//! | fn | method | range swept | max seen | bound |
//! |---|---|---|---|---|
//! | [`exp`] | Cody–Waite `x = n·ln2 + r` (ln 2 in two parts), Cephes degree-6 polynomial, `2ⁿ` as two exact factors so subnormal and overflowing results round once | [−103.9, 88.7] | 0.94 | 1 |
//! | [`ln`] | `x = m·2ᵉ`, `m ∈ [√½, √2)`, Cephes degree-9 polynomial, `e·ln2` in two parts; subnormals pre-scaled by 2²⁵ | [1e-45, MAX] | 0.74 | 1 |
//! | [`tanh`] | Cephes odd polynomial for \|x\| < 0.625, `1 − 2/(e^{2\|x\|} + 1)` above | [−20, 20] | 1.26 | 2 |
//! | [`sigmoid`] | `1/(1+e)` or `e/(1+e)` with `e = e^{−\|x\|}`, the rounding of `1+e` divided out | [−103, 30] | 1.73 | 2 |
//! | [`expm1`] | [`exp`]'s polynomial `r + r²P(r)` on `x` itself for \|x\| < ½ln2, `exp(x) − 1` beyond | [−103, 88.7] | 3.36 (x > ½ln2), ≤ 2 below 0 | 3.5 |
//! | [`log1p`] | [`ln`]'s polynomial on `u` itself near 0, else `ln(w)·u/(w−1)`, `w = 1+u` | [0, 1e30] | 2.375¹ | 2.5 |
//! | [`sin_cos`] | in `f64`: `x − k·π/2` (π/2 in two parts, exact for \|x\| < 1.6e6), Taylor to x¹⁴, rounded once; larger \|x\| and non-finite lanes use `f32::sin`/`cos` | [−1e5, 1e5] | 0.50 | 0.51 |
//! | [`erf`] | in `f64`: the series of [`erf64`](super::special::erf64) with 46 fixed terms for \|x\| < 3, asymptotic `erfc` to 4, then ±1 | [−6, 6] | 0.50 | 0.51 |
//! | [`normal_cdf`] | `Φ(x)`, in `f32`: `½ ± ½·z·P(z²)` for `z = \|x\|/√2 < 0.8`, else `½·e^{−x²/2}·Q(t)` (or 1 minus it), `t = 1/(1 + z/2)`, `x²` split exactly into two floats; `P` (degree 5 in `z²`) and `Q` (degree 9) least-squares fits of `erf(z)/z` and `erfc(z)·e^{z²}`, relative error ≤ 1.3e-9 before rounding | [−13, 14] | 4.91 | 6 |
//!
//! ¹ A dense sweep (226M inputs in [0.41, 1e30]) found 2.375 ulp at x ≈ 1023.7; the tests'
//! sparser sweeps see 1.3–2.1. `ln(w)` (≤ 1 ulp), the quotient `u/(w−1)` and the product each
//! add their roundings.
//!
//! The `f64` routes (sin, cos, erf) run each vector as two f64x4 halves with longer
//! polynomials, slower than an `f32` polynomial; they are not on any hot path here, and they
//! make those functions round like a correctly rounded library.

use wide::{f32x8, f64x4};

pub(crate) mod lanes;

#[inline(always)]
fn c(v: f32) -> f32x8 {
    f32x8::splat(v)
}

/// `eˣ − 1` without the cancellation of `exp(x) − 1` near 0: [`exp`]'s own polynomial on `x`
/// itself for `|x| < ½ ln 2` (no reduction, so no rounding of `x`), `exp(x) − 1` beyond, where
/// the subtraction is exact (Sterbenz) but scales exp's error by `eˣ/(eˣ − 1)` (≤ 2 ulp below
/// 0, where elu uses it; up to 3.5 just above ½ ln 2).
/// `−1` at `−inf`, NaN for NaN; `−0` stays `−0`.
#[inline(always)]
pub fn expm1(x: f32x8) -> f32x8 {
    lanes::expm1(x)
}

/// `eˣ`; `+inf` above ~88.72, `0` below ~−103.97, NaN for NaN.
#[inline(always)]
pub fn exp(x: f32x8) -> f32x8 {
    lanes::exp(x)
}

/// `ln x`; `−inf` at ±0, NaN below 0 and for NaN, `+inf` at `+inf`.
#[inline(always)]
pub fn ln(x: f32x8) -> f32x8 {
    lanes::ln(x)
}

/// `tanh x`.
#[inline(always)]
pub fn tanh(x: f32x8) -> f32x8 {
    lanes::tanh(x)
}

/// The logistic sigmoid `1/(1 + e⁻ˣ)`, never overflowing: `e = e^{−|x|} ≤ 1` and the result
/// is `1/(1+e)` for `x ≥ 0`, `e/(1+e)` below. The rounding error `t` of `d = 1 + e` is
/// recovered exactly (Fast2Sum, as `e ≤ 1`) and divided out: `n/(d+t) ≈ q − q·t/d`.
#[inline(always)]
pub fn sigmoid(x: f32x8) -> f32x8 {
    lanes::sigmoid(x)
}

/// `ln(1 + u)` for `u ≥ −1`: the polynomial of [`ln`] on `u` itself where `1 + u` lies in
/// `[√½, √2)` (no rounding of `1 + u` at all), else `ln(w)·u/(w−1)` with `w = 1 + u`, where
/// the rounding of `w` cancels.
#[inline(always)]
pub fn log1p(u: f32x8) -> f32x8 {
    lanes::log1p(u)
}

fn widen(x: f32x8) -> [f64x4; 2] {
    let a = x.to_array();
    let h = |i: usize| {
        f64x4::new([
            a[i] as f64,
            a[i + 1] as f64,
            a[i + 2] as f64,
            a[i + 3] as f64,
        ])
    };
    [h(0), h(4)]
}

fn narrow(v: [f64x4; 2]) -> f32x8 {
    let (l, h) = (v[0].to_array(), v[1].to_array());
    f32x8::new([
        l[0] as f32,
        l[1] as f32,
        l[2] as f32,
        l[3] as f32,
        h[0] as f32,
        h[1] as f32,
        h[2] as f32,
        h[3] as f32,
    ])
}

fn horner64(x: f64x4, coeffs: &[f64]) -> f64x4 {
    let mut p = f64x4::splat(coeffs[0]);
    for &k in &coeffs[1..] {
        p = p.mul_add(x, f64x4::splat(k));
    }
    p
}

fn sin_cos64(x: f64x4) -> (f64x4, f64x4) {
    const PIO2_1: f64 = 1.570_796_326_734_125_6; // the first 33 bits of π/2
    const PIO2_1T: f64 = 6.077_100_506_506_192e-11; // π/2 − PIO2_1
                                                    // Taylor coefficients, highest first: sin = r + r³·S(r²), cos = 1 − r²/2 + r⁴·C(r²)
    const S: [f64; 6] = [
        1.0 / 6_227_020_800.0,
        -1.0 / 39_916_800.0,
        1.0 / 362_880.0,
        -1.0 / 5_040.0,
        1.0 / 120.0,
        -1.0 / 6.0,
    ];
    const C: [f64; 6] = [
        -1.0 / 87_178_291_200.0,
        1.0 / 479_001_600.0,
        -1.0 / 3_628_800.0,
        1.0 / 40_320.0,
        -1.0 / 720.0,
        1.0 / 24.0,
    ];
    let k = (x * f64x4::splat(std::f64::consts::FRAC_2_PI)).round_ties_even();
    let r = k.mul_neg_add(f64x4::splat(PIO2_1), x);
    let r = k.mul_neg_add(f64x4::splat(PIO2_1T), r);
    let z = r * r;
    let s = (horner64(z, &S) * z).mul_add(r, r);
    let co = (horner64(z, &C) * z * z).mul_add(f64x4::ONE, z.mul_neg_add(f64x4::HALF, f64x4::ONE));
    let q = k - (k * f64x4::splat(0.25)).floor() * f64x4::splat(4.0); // k mod 4 ∈ {0,1,2,3}
    let odd = q.simd_eq(f64x4::ONE) | q.simd_eq(f64x4::splat(3.0));
    let (sn, cs) = (odd.select(co, s), odd.select(s, co));
    let sin_neg = q.simd_ge(f64x4::splat(2.0));
    let cos_neg = q.simd_eq(f64x4::ONE) | q.simd_eq(f64x4::splat(2.0));
    (sin_neg.select(-sn, sn), cos_neg.select(-cs, cs))
}

/// `(sin x, cos x)`.
#[inline(always)]
pub fn sin_cos(x: f32x8) -> (f32x8, f32x8) {
    let [lo, hi] = widen(x);
    let ((s0, c0), (s1, c1)) = (sin_cos64(lo), sin_cos64(hi));
    let (mut s, mut co) = (narrow([s0, s1]), narrow([c0, c1]));
    s = x.simd_eq(f32x8::ZERO).select(x, s); // sin(−0) = −0
    let far = !x.abs().simd_lt(c(1.6e6)); // also inf and NaN
    if far.any() {
        let (xa, sa, ca) = (x.to_array(), s.as_mut_array(), co.as_mut_array());
        for (i, &v) in xa.iter().enumerate() {
            if v.abs() >= 1.6e6 || !v.is_finite() {
                (sa[i], ca[i]) = (v.sin(), v.cos());
            }
        }
    }
    (s, co)
}

/// 2/√π · (−1)ⁿ / (n! (2n+1)), n = 45 down to 0: erf x = x · Σ ERF[n] (x²)ⁿ.
const ERF: [f64; 46] = {
    let mut t = [0.0; 46];
    let (mut fact, mut n) = (1.0f64, 0usize);
    while n < 46 {
        if n > 0 {
            fact *= n as f64;
        }
        let sign = if n % 2 == 0 { 1.0 } else { -1.0 };
        t[45 - n] = sign * std::f64::consts::FRAC_2_SQRT_PI / (fact * (2 * n + 1) as f64);
        n += 1;
    }
    t
};

fn erf64x4(x: f64x4) -> f64x4 {
    let a = x.abs();
    let t = a.fast_min(f64x4::splat(3.0));
    let mut r = horner64(t * t, &ERF) * t;
    let tail = a.simd_ge(f64x4::splat(3.0));
    if tail.any() {
        // erfc a ≈ e^{−a²}/(a√π) · (1 − z + 3z² − 15z³ + 105z⁴), z = 1/(2a²)
        let z = f64x4::ONE / (a * a * f64x4::splat(2.0));
        let series = horner64(z, &[105.0, -15.0, 3.0, -1.0, 1.0]);
        let erfc = (-(a * a)).exp() / (a * f64x4::splat(std::f64::consts::PI.sqrt())) * series;
        r = tail.select(f64x4::ONE - erfc, r);
        r = a.simd_ge(f64x4::splat(4.0)).select(f64x4::ONE, r);
    }
    x.is_nan().select(x, r.copysign(x))
}

/// `erf(z)/z ≈ Σ Φ_P[i]·z²ⁱ` for `z < 0.8` (least squares on Chebyshev nodes, relative error
/// 3.4e-9 before rounding; the constant term is 2/√π itself, one ulp from the fit's).
pub(crate) const PHI_P: [f32; 6] = [
    std::f32::consts::FRAC_2_SQRT_PI,
    -0.376_126_08,
    0.112_831_92,
    -0.026_823_82,
    0.005_090_029_4,
    -0.000_656_383_05,
];

/// `erfc(z)·e^{z²} ≈ Σ Φ_Q[i]·tⁱ`, `t = 1/(1 + z/2)`, for `0.8 ≤ z ≤ 10.6` (least squares,
/// relative error 1.3e-9 before rounding).
pub(crate) const PHI_Q: [f32; 10] = [
    2.789_358_9e-6,
    0.282_005_52,
    0.283_341_32,
    0.236_849_32,
    0.226_959_36,
    -0.085_352_96,
    0.366_875_47,
    -0.568_256_9,
    0.325_074_52,
    -0.067_476_675,
];

/// Where `Φ` switches from the `erf` polynomial to the `erfc` one (in `z = |x|/√2`).
pub(crate) const PHI_SPLIT: f32 = 0.8;

/// The standard normal CDF `Φ(x) = ½(1 + erf(x/√2))`, accurate in relative terms on both
/// sides (no `1 + erf` cancellation for negative `x`): what exact GELU needs. `Φ(±∞)` is 1
/// and 0, NaN stays NaN. The scalar twin is
/// [`special::normal_cdf`](super::special::normal_cdf), the same operations in the same order.
#[inline(always)]
pub fn normal_cdf(x: f32x8) -> f32x8 {
    lanes::normal_cdf(x)
}

/// The error function.
#[inline(always)]
pub fn erf(x: f32x8) -> f32x8 {
    let [lo, hi] = widen(x);
    narrow([erf64x4(lo), erf64x4(hi)])
}

#[cfg(test)]
mod tests;
