//! The vector maths of [`vmath`](super), generic over the lane type ([`Lanes`]), so each
//! function is compiled for the build's own `f32x8` and, where the build chooses at run time,
//! for the AVX2 lanes. The public functions of `vmath` are these on `f32x8`; the accuracy
//! table there holds for both forms (the tests sweep whichever form the level selects).

#![allow(clippy::excessive_precision)]

use super::{PHI_P, PHI_Q, PHI_SPLIT};
use crate::kernels::simd::Lanes;

#[inline(always)]
fn c<V: Lanes>(v: f32) -> V {
    V::splat(v)
}

/// `2ᵏ` for integral `k ∈ [−126, 127]`, built from its exponent bits.
#[inline(always)]
fn pow2i<V: Lanes>(k: V) -> V {
    V::from_bits(V::shl::<23>((k + c::<V>(127.0)).fast_round_int()))
}

/// [`pow2i`] of an integer vector.
#[inline(always)]
fn pow2i_int<V: Lanes>(k: V::Int) -> V {
    V::from_bits(V::shl::<23>(k + V::int_splat(127)))
}

/// `eʳ − 1` for `|r| ≤ ½ ln 2`: `r + r²·P(r)`, Cephes `expf`'s degree-5 `P`.
#[inline(always)]
fn expm1_core<V: Lanes>(r: V) -> V {
    let p = c::<V>(1.987_569_1e-4)
        .mul_add(r, c::<V>(1.398_199_9e-3))
        .mul_add(r, c::<V>(8.333_452e-3))
        .mul_add(r, c::<V>(4.166_579_6e-2))
        .mul_add(r, c::<V>(0.166_666_65))
        .mul_add(r, c::<V>(0.5));
    p.mul_add(r * r, r)
}

/// `eˣ − 1` without the cancellation of `exp(x) − 1` near 0: [`exp`]'s own polynomial on `x`
/// itself for `|x| < ½ ln 2` (no reduction, so no rounding of `x`), `exp(x) − 1` beyond, where
/// the subtraction is exact (Sterbenz) but scales exp's error by `eˣ/(eˣ − 1)` (≤ 2 ulp below
/// 0, where elu uses it; up to 3.5 just above ½ ln 2).
/// `−1` at `−inf`, NaN for NaN; `−0` stays `−0`.
#[inline(always)]
pub(crate) fn expm1<V: Lanes>(x: V) -> V {
    let small = expm1_core(x).copysign(x);
    let big = exp(x) - c::<V>(1.0);
    x.abs().simd_lt(c::<V>(0.346_573_6)).select(small, big)
}

/// `eˣ`; `+inf` above ~88.72, `0` below ~−103.97, NaN for NaN.
#[inline(always)]
pub(crate) fn exp<V: Lanes>(x: V) -> V {
    let xc = x.fast_max(c::<V>(-104.0)).fast_min(c::<V>(89.0));
    let n = (xc * c::<V>(std::f32::consts::LOG2_E)).round_ties_even();
    let r = n.mul_neg_add(c::<V>(0.693_359_4), xc); // ln 2 high part: 9 bits, so n·hi is exact
    let r = n.mul_neg_add(c::<V>(-2.121_944_4e-4), r);
    let e = expm1_core(r) + c::<V>(1.0);
    // n ∈ [−150, 129] as two halves that are both normal exponents, n1 = ⌊n/2⌋ and n − n1.
    // Two forms with the same bits, chosen by what the build's instruction set makes cheap:
    // with SSE4.1 (or NEON) a float floor, one instruction; without it `floor` is a libm call
    // per lane (softmax six times slower in a default-flags x86-64 build), so halve in
    // integers there (which measured slower on the one-element path of an AVX-512 build)
    let y = if cfg!(any(target_feature = "sse4.1", target_arch = "aarch64")) {
        // `2ⁿ` itself is a normal float for n ∈ [−126, 127]; there `e·2ⁿ` is the exact
        // product rounded once, as in the two halves (their first product is exact), so the
        // bits are the same. Most calls (softmax rows, activations) have every lane there.
        let normal = n.simd_ge(c::<V>(-126.0)) & n.simd_le(c::<V>(127.0));
        if normal.count_set() as usize == V::N {
            e * pow2i(n)
        } else {
            let n1 = (n * c::<V>(0.5)).floor();
            e * pow2i(n1) * pow2i(n - n1)
        }
    } else {
        let k = n.fast_round_int();
        let k1 = V::shr::<1>(k);
        e * pow2i_int::<V>(k1) * pow2i_int::<V>(k - k1)
    };
    x.is_nan().select(x, y)
}

/// `ln(1 + f) + e·ln 2` for `f ∈ [√½ − 1, √2 − 1]` (Cephes `logf`'s polynomial).
#[inline(always)]
fn ln_core<V: Lanes>(f: V, e: V) -> V {
    let z = f * f;
    let p = c::<V>(7.037_683_6e-2)
        .mul_add(f, c::<V>(-0.115_146_1))
        .mul_add(f, c::<V>(0.116_769_99))
        .mul_add(f, c::<V>(-0.124_201_41))
        .mul_add(f, c::<V>(0.142_493_23))
        .mul_add(f, c::<V>(-0.166_680_57))
        .mul_add(f, c::<V>(0.200_007_15))
        .mul_add(f, c::<V>(-0.249_999_94))
        .mul_add(f, c::<V>(0.333_333_3));
    let y = e.mul_add(c::<V>(-2.121_944_4e-4), p * f * z);
    let y = z.mul_neg_add(c::<V>(0.5), y);
    e.mul_add(c::<V>(0.693_359_4), f + y)
}

/// `ln x`; `−inf` at ±0, NaN below 0 and for NaN, `+inf` at `+inf`.
#[inline(always)]
pub(crate) fn ln<V: Lanes>(x: V) -> V {
    let tiny = x.simd_lt(c::<V>(f32::MIN_POSITIVE));
    let xs = tiny.select(x * c::<V>(33_554_432.0), x); // 2^25
    let bits = xs.to_bits();
    let e = V::from_int(V::shr::<23>(bits) & V::int_splat(0xff))
        - tiny.select(c::<V>(151.0), c::<V>(126.0));
    let m = V::from_bits((bits & V::int_splat(0x007f_ffff)) | V::int_splat(0x3f00_0000));
    let lo = m.simd_lt(c::<V>(std::f32::consts::FRAC_1_SQRT_2));
    let e = e - (lo & c::<V>(1.0));
    let r = ln_core(lo.select(m + m, m) - c::<V>(1.0), e);
    let r = x
        .simd_eq(V::splat(0.0))
        .select(c::<V>(f32::NEG_INFINITY), r);
    let r = (x.simd_lt(V::splat(0.0)) | x.is_nan()).select(c::<V>(f32::NAN), r);
    x.simd_eq(c::<V>(f32::INFINITY)).select(x, r)
}

/// `tanh x`.
#[inline(always)]
pub(crate) fn tanh<V: Lanes>(x: V) -> V {
    let a = x.abs();
    let z = x * x;
    let p = c::<V>(-5.704_988_7e-3)
        .mul_add(z, c::<V>(2.063_909e-2))
        .mul_add(z, c::<V>(-5.373_971_6e-2))
        .mul_add(z, c::<V>(0.133_314_42))
        .mul_add(z, c::<V>(-0.333_332_8));
    let small = (p * z).mul_add(x, x).copysign(x); // −0 stays −0
    let e = exp(a + a);
    let big = (c::<V>(1.0) - c::<V>(2.0) / (e + c::<V>(1.0))).copysign(x);
    a.simd_lt(c::<V>(0.625)).select(small, big)
}

/// The logistic sigmoid `1/(1 + e⁻ˣ)`, never overflowing: `e = e^{−|x|} ≤ 1` and the result
/// is `1/(1+e)` for `x ≥ 0`, `e/(1+e)` below. The rounding error `t` of `d = 1 + e` is
/// recovered exactly (Fast2Sum, as `e ≤ 1`) and divided out: `n/(d+t) ≈ q − q·t/d`.
#[inline(always)]
pub(crate) fn sigmoid<V: Lanes>(x: V) -> V {
    let e = exp(-x.abs());
    let d = c::<V>(1.0) + e;
    let t = (c::<V>(1.0) - d) + e;
    let q = x.simd_ge(V::splat(0.0)).select(c::<V>(1.0), e) / d;
    q.mul_neg_add(t / d, q)
}

/// `ln(1 + u)` for `u ≥ −1`: the polynomial of [`ln`] on `u` itself where `1 + u` lies in
/// `[√½, √2)` (no rounding of `1 + u` at all), else `ln(w)·u/(w−1)` with `w = 1 + u`, where
/// the rounding of `w` cancels.
#[inline(always)]
pub(crate) fn log1p<V: Lanes>(u: V) -> V {
    let w = c::<V>(1.0) + u;
    let d = w - c::<V>(1.0);
    let r = ln(w) * (u / d);
    let r = w.is_inf().select(w, r);
    let near = u.simd_ge(c::<V>(std::f32::consts::FRAC_1_SQRT_2 - 1.0))
        & u.simd_lt(c::<V>(std::f32::consts::SQRT_2 - 1.0));
    near.select(ln_core(u, V::splat(0.0)), r)
}

fn horner<V: Lanes>(x: V, coeffs: &[f32]) -> V {
    let (last, rest) = coeffs.split_last().expect("coefficients");
    rest.iter()
        .rev()
        .fold(c::<V>(*last), |r, &k| r.mul_add(x, c::<V>(k)))
}

/// The standard normal CDF `Φ(x) = ½(1 + erf(x/√2))`, accurate in relative terms on both
/// sides (no `1 + erf` cancellation for negative `x`): what exact GELU needs. `Φ(±∞)` is 1
/// and 0, NaN stays NaN. The scalar twin is
/// [`special::normal_cdf`](super::special::normal_cdf), the same operations in the same order.
#[inline(always)]
pub(crate) fn normal_cdf<V: Lanes>(x: V) -> V {
    normal_cdf_gauss(x).0
}

/// `(Φ(x), e^{−x²/2})`: [`normal_cdf`] and the Gaussian factor it computes on the way, which
/// GELU's gradient needs too (`φ(x) = e^{−x²/2}/√(2π)`). The factor is `exp(−½·(x·x))`, the
/// same bits as `exp((−½·x)·x)`: scaling by ½ is exact, so both round `x²/2` once (and where
/// `x²` underflows both exponents are 0 or a tiny negative, whose `exp` is 1).
#[inline(always)]
pub(crate) fn normal_cdf_gauss<V: Lanes>(x: V) -> (V, V) {
    let z = x.abs() * c::<V>(std::f32::consts::FRAC_1_SQRT_2);
    let neg = x.simd_lt(V::splat(0.0));
    // near 0: ½ ± ½·erf(z)
    let e = z * horner(z * z, &PHI_P);
    let near = neg
        .select(c::<V>(-0.5), c::<V>(0.5))
        .mul_add(e, c::<V>(0.5));
    // tails: ½·erfc(z) = ½·e^{−x²/2}·Q(t), with x² = h + l exactly
    let h = x * x;
    let l = x.abs().simd_lt(c::<V>(1e4)).select(
        crate::kernels::simd::mul_err(x, x, h, V::FUSED),
        V::splat(0.0),
    );
    let gauss = exp(c::<V>(-0.5) * h);
    let g = gauss.mul_add(c::<V>(-0.5) * l, gauss);
    let t = V::splat(1.0) / (V::splat(1.0) + c::<V>(0.5) * z);
    let half = c::<V>(0.5) * (g * horner(t, &PHI_Q));
    let far = neg.select(half, V::splat(1.0) - half);
    (z.simd_lt(c::<V>(PHI_SPLIT)).select(near, far), gauss)
}

/// `(sin x, cos x)`: through the `f64` route of [`vmath::sin_cos`](super::sin_cos) on the
/// build's own lanes (not on a hot path).
#[inline(always)]
pub(crate) fn sin_cos<V: Lanes>(x: V) -> (V, V) {
    let (mut s, mut c) = ([0.0f32; 16], [0.0f32; 16]);
    for (k, part) in x.to_array().as_ref().chunks(8).enumerate() {
        let (ps, pc) = super::sin_cos(wide::f32x8::new(part.try_into().expect("8 lanes")));
        s[8 * k..8 * k + 8].copy_from_slice(ps.as_array());
        c[8 * k..8 * k + 8].copy_from_slice(pc.as_array());
    }
    (V::from_fn(|l| s[l]), V::from_fn(|l| c[l]))
}
