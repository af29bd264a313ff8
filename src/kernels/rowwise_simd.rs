//! The `f32x8` layer of the row-wise, loss, optimizer and clipping kernels: a [`Lanes`] trait
//! that both `f32` and `wide::f32x8` implement, so each update or row formula is written once,
//! generically, and runs as the 8-lane SIMD body and (instantiated with `f32`) as the tail: the
//! tail computes exactly what a lane would, bit for bit.
//!
//! [`exp`] is a vectorised `e^x` (Cephes' `expf`: `x = n·ln 2 + r` with `|r| ≤ ln 2 / 2`, a
//! degree-7 polynomial in `r`, then `2^n` applied as two exact power-of-two factors so that
//! subnormal results round once). Its error is at most 2 ulp against the correctly rounded
//! value over the whole range (a test sweeps it against `f64::exp`); PyTorch's own vectorised
//! softmax uses Sleef's 1-ulp `expf`. Edge values: `exp(−inf) = 0`, `exp(+inf) = +inf`,
//! NaN stays NaN, `x > 88.73` overflows to `+inf`, `x < −103.98` underflows to 0.
//!
//! Merge note: the `simd-ew` branch writes its own vectorised `exp`/`ln` in `kernels/simd.rs`
//! at the same time; this private copy is to be folded into that one when both land.

use std::ops::{Add, Div, Mul, Neg, Sub};

use wide::{f32x8, i32x8};

/// Lanes of the SIMD type.
pub(crate) const W: usize = 8;

/// The arithmetic the generic kernels use, for `f32` (one lane) and `f32x8` (eight). Every
/// operation rounds the same way in both: `+ − × ÷ √` are IEEE, `mul_add` is one fused
/// rounding in both (FMA), `max_ps`/`min_ps` follow `maxps`/`minps` (the second operand when
/// either is NaN).
pub(crate) trait Lanes:
    Copy
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Div<Output = Self>
    + Neg<Output = Self>
{
    fn splat(v: f32) -> Self;
    /// Loads `s[..N]`.
    fn load(s: &[f32]) -> Self;
    /// Stores into `s[..N]`.
    fn store(self, s: &mut [f32]);
    /// `self · a + b` with one rounding.
    fn mul_add(self, a: Self, b: Self) -> Self;
    fn sqrt(self) -> Self;
    /// `torch.maximum`: `self` when it is NaN or `>= b`, else `b`.
    fn nan_max(self, b: Self) -> Self;
    /// `if self > b { self } else { b }` lane-wise (`maxps`).
    fn max_ps(self, b: Self) -> Self;
    /// `if self < b { self } else { b }` lane-wise (`minps`).
    fn min_ps(self, b: Self) -> Self;
    /// Rounds to the nearest integer, ties to even.
    fn round_even(self) -> Self;
    /// `self · 2^n` for integral `n` in `[−150, 128]`, as two exact power-of-two factors.
    fn scale2(self, n: Self) -> Self;
    /// `ln` of each lane with the standard library's `f32::ln` (for per-row values only).
    fn ln_each(self) -> Self;
}

impl Lanes for f32 {
    #[inline(always)]
    fn splat(v: f32) -> Self {
        v
    }
    #[inline(always)]
    fn load(s: &[f32]) -> Self {
        s[0]
    }
    #[inline(always)]
    fn store(self, s: &mut [f32]) {
        s[0] = self;
    }
    #[inline(always)]
    fn mul_add(self, a: Self, b: Self) -> Self {
        f32::mul_add(self, a, b)
    }
    #[inline(always)]
    fn sqrt(self) -> Self {
        f32::sqrt(self)
    }
    #[inline(always)]
    fn nan_max(self, b: Self) -> Self {
        if self.is_nan() || self >= b {
            self
        } else {
            b
        }
    }
    #[inline(always)]
    fn max_ps(self, b: Self) -> Self {
        if self > b {
            self
        } else {
            b
        }
    }
    #[inline(always)]
    fn min_ps(self, b: Self) -> Self {
        if self < b {
            self
        } else {
            b
        }
    }
    #[inline(always)]
    fn round_even(self) -> Self {
        self.round_ties_even()
    }
    #[inline(always)]
    fn scale2(self, n: Self) -> Self {
        let n = n as i32;
        let n1 = n >> 1;
        let pow2 = |k: i32| f32::from_bits(((k + 127) as u32) << 23);
        self * pow2(n1) * pow2(n - n1)
    }
    #[inline(always)]
    fn ln_each(self) -> Self {
        self.ln()
    }
}

impl Lanes for f32x8 {
    #[inline(always)]
    fn splat(v: f32) -> Self {
        f32x8::splat(v)
    }
    #[inline(always)]
    fn load(s: &[f32]) -> Self {
        f32x8::new(s[..W].try_into().expect("8 lanes"))
    }
    #[inline(always)]
    fn store(self, s: &mut [f32]) {
        s[..W].copy_from_slice(self.as_array());
    }
    #[inline(always)]
    fn mul_add(self, a: Self, b: Self) -> Self {
        f32x8::mul_add(self, a, b)
    }
    #[inline(always)]
    fn sqrt(self) -> Self {
        f32x8::sqrt(self)
    }
    #[inline(always)]
    fn nan_max(self, b: Self) -> Self {
        (self.is_nan() | self.simd_ge(b)).select(self, b)
    }
    #[inline(always)]
    fn max_ps(self, b: Self) -> Self {
        self.fast_max(b)
    }
    #[inline(always)]
    fn min_ps(self, b: Self) -> Self {
        self.fast_min(b)
    }
    #[inline(always)]
    fn round_even(self) -> Self {
        self.round_ties_even()
    }
    #[inline(always)]
    fn scale2(self, n: Self) -> Self {
        let n = n.fast_round_int();
        let n1 = n >> 1u32;
        let pow2 = |k: i32x8| -> f32x8 { wide::bytemuck::cast((k + i32x8::splat(127)) << 23u32) };
        self * pow2(n1) * pow2(n - n1)
    }
    #[inline(always)]
    fn ln_each(self) -> Self {
        f32x8::new(self.to_array().map(f32::ln))
    }
}

/// `e^x` lane-wise, Cephes' `expf` (see the module doc for its error and edge values).
#[inline(always)]
pub(crate) fn exp<L: Lanes>(x: L) -> L {
    // maxps/minps return their second operand on NaN: a NaN x passes both clamps unchanged.
    let x = L::splat(88.8).min_ps(L::splat(-104.0).max_ps(x));
    let n = (x * L::splat(std::f32::consts::LOG2_E)).round_even();
    // ln 2 = 0.693_359_375 (exact in 9 bits, written as its shortest f32) − 2.121_944_4e-4
    let r = n.mul_add(L::splat(-0.693_359_4), x);
    let r = n.mul_add(L::splat(2.121_944_4e-4), r);
    let mut p = L::splat(1.987_569_1e-4);
    for c in [
        1.398_199_9e-3,
        8.333_452e-3,
        4.166_579_6e-2,
        0.166_666_65,
        0.5,
    ] {
        p = p.mul_add(r, L::splat(c));
    }
    let y = p.mul_add(r * r, r) + L::splat(1.0);
    y.scale2(n)
}

/// Runs `f::<f32x8>(i, args..)` at `i = 0, 8, ..` over the whole vectors of `[0, n)`, then
/// `f::<f32>(i, args..)` on each element of the tail: one generic body, SIMD and scalar.
macro_rules! each_lane {
    ($n:expr, $($f:ident)::+ ( $($arg:expr),* $(,)? )) => {{
        let n: usize = $n;
        let body = n / $crate::kernels::rowwise_simd::W * $crate::kernels::rowwise_simd::W;
        let mut i = 0;
        while i < body {
            $($f)::+::<wide::f32x8>(i, $($arg),*);
            i += $crate::kernels::rowwise_simd::W;
        }
        while i < n {
            $($f)::+::<f32>(i, $($arg),*);
            i += 1;
        }
    }};
}
pub(crate) use each_lane;

/// Stores `v` at `out[..L::N]` (`Acc::Write`) or adds it there (`Acc::Add`).
#[inline(always)]
pub(crate) fn put<L: Lanes>(acc: crate::graph::Acc, out: &mut [f32], v: L) {
    match acc {
        crate::graph::Acc::Write => v.store(out),
        crate::graph::Acc::Add => (L::load(out) + v).store(out),
    }
}

/// `Σ_i term` over a row of `n` elements, where `term` is an expression in the index `$i` and
/// the lane type `$L`: it is expanded once with `$L = f32x8` (the 8 terms at `i..i + 8`, two
/// accumulators for latency) and once with `$L = f32` (the tail). A macro rather than a
/// function taking closures, which LLVM left as calls in the hot loop. The order of additions
/// depends on `n` only.
macro_rules! row_sum {
    ($n:expr, |$i:ident, $L:ident| $term:expr) => {{
        const W: usize = $crate::kernels::rowwise_simd::W;
        let n: usize = $n;
        let (mut a, mut b) = (wide::f32x8::ZERO, wide::f32x8::ZERO);
        let mut k = 0;
        {
            #[allow(dead_code)]
            type $L = wide::f32x8;
            while k + 2 * W <= n {
                a += {
                    let $i = k;
                    $term
                };
                b += {
                    let $i = k + W;
                    $term
                };
                k += 2 * W;
            }
            if k + W <= n {
                a += {
                    let $i = k;
                    $term
                };
                k += W;
            }
        }
        let mut s = $crate::kernels::rowwise_simd::hsum(a + b);
        {
            #[allow(dead_code)]
            type $L = f32;
            while k < n {
                s += {
                    let $i = k;
                    $term
                };
                k += 1;
            }
        }
        s
    }};
}
pub(crate) use row_sum;

/// The maximum of a row (`maxps` steps, four accumulators; a NaN may or may not win, but the
/// callers' results are NaN either way, as with `f32::max`); `−inf` for an empty row.
#[inline(always)]
pub(crate) fn row_max(x: &[f32]) -> f32 {
    let mut m = [f32x8::splat(f32::NEG_INFINITY); 4];
    let mut blocks = x.chunks_exact(4 * W);
    for b in &mut blocks {
        for (k, m) in m.iter_mut().enumerate() {
            *m = f32x8::load(&b[k * W..]).max_ps(*m);
        }
    }
    let mut v = m[0].max_ps(m[1]).max_ps(m[2].max_ps(m[3]));
    let mut rest = blocks.remainder().chunks_exact(W);
    for c in &mut rest {
        v = f32x8::load(c).max_ps(v);
    }
    rest.remainder().iter().fold(hmax(v), |m, &x| x.max_ps(m))
}

/// Sum of the lanes, in a fixed order (so a result never depends on anything but the data).
#[inline(always)]
pub(crate) fn hsum(v: f32x8) -> f32 {
    v.reduce_add()
}

/// Maximum of the lanes (`maxps` semantics per step).
#[inline(always)]
pub(crate) fn hmax(v: f32x8) -> f32 {
    v.as_array()
        .iter()
        .fold(f32::NEG_INFINITY, |m, &x| x.max_ps(m))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Distance in units in the last place between two finite floats of the same sign.
    fn ulps(a: f32, b: f32) -> u32 {
        (a.to_bits() as i64 - b.to_bits() as i64).unsigned_abs() as u32
    }

    #[test]
    fn exp_lanes_match_scalar_bit_for_bit() {
        let mut xs = vec![
            0.0,
            -0.0,
            1.0,
            -1.0,
            f32::INFINITY,
            f32::NEG_INFINITY,
            f32::NAN,
            88.72,
            88.73,
            88.8,
            89.0,
            -87.3,
            -100.0,
            -103.9,
            -104.0,
            -200.0,
            f32::MAX,
            f32::MIN,
            1e-45,
            -1e-40,
            f32::MIN_POSITIVE,
        ];
        xs.extend((0..4000).map(|i| (i as f32 - 2000.0) * 0.0537));
        while xs.len() % W != 0 {
            xs.push(0.5);
        }
        for c in xs.chunks_exact(W) {
            let v = exp(f32x8::load(c));
            for (k, &x) in c.iter().enumerate() {
                let (a, b) = (v.as_array()[k], exp(x));
                assert!(
                    a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan()),
                    "{x}"
                );
            }
        }
    }

    #[test]
    fn exp_within_two_ulp_of_correctly_rounded() {
        let mut worst = 0;
        let mut x = -103.0f32;
        while x < 88.7 {
            let want = (x as f64).exp() as f32;
            let got = exp(x);
            // below 2^-126 the result is subnormal: count its error in absolute units of 2^-149
            worst = worst.max(ulps(got, want));
            x += 0.000_7;
        }
        assert!(worst <= 2, "worst {worst} ulp");
        for (x, want) in [
            (f32::NEG_INFINITY, 0.0),
            (-104.0, 0.0),
            (0.0, 1.0),
            (-0.0, 1.0),
            (f32::INFINITY, f32::INFINITY),
            (89.0, f32::INFINITY),
        ] {
            assert_eq!(exp(x), want, "exp({x})");
        }
        assert!(exp(f32::NAN).is_nan());
        assert!(exp(1e-40) == 1.0 && exp(-1e-40) == 1.0);
    }

    #[test]
    fn lanes_primitives_match_scalar() {
        let a = [0.0, -0.0, 1.0, f32::NAN, -2.0, 3.0, f32::INFINITY, 1e-40];
        let b = [-0.0, 0.0, f32::NAN, 1.0, -2.0, 4.0, 5.0, -1e-40];
        let (va, vb) = (f32x8::load(&a), f32x8::load(&b));
        let bits = |v: f32| v.to_bits();
        for k in 0..W {
            let lane = |v: f32x8| v.as_array()[k];
            assert_eq!(bits(lane(va.nan_max(vb))), bits(a[k].nan_max(b[k])), "{k}");
            assert_eq!(bits(lane(va.max_ps(vb))), bits(a[k].max_ps(b[k])), "{k}");
            assert_eq!(bits(lane(va.min_ps(vb))), bits(a[k].min_ps(b[k])), "{k}");
            assert_eq!(bits(lane(-va)), bits(-a[k]), "{k}");
        }
        assert_eq!(
            hsum(f32x8::load(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0])),
            36.0
        );
        assert_eq!(
            hmax(f32x8::load(&[1.0, 9.0, 3.0, 4.0, -5.0, 6.0, 7.0, 8.0])),
            9.0
        );
    }
}

/// Inputs and comparisons shared by the SIMD-vs-twin tests of the row-wise, loss, optimizer
/// and clipping kernels.
#[cfg(test)]
pub(crate) mod testing {
    /// Lengths that exercise every tail: `0..=2·8+1`, and odd sizes around 32 and 128.
    pub(crate) const LENS: [usize; 22] = [
        0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 31, 33, 127, 129,
    ];

    /// Edge values: signed zeros, infinities, NaN, large, subnormal.
    pub(crate) const EDGES: [f32; 16] = [
        0.0,
        -0.0,
        1.0,
        -1.0,
        f32::INFINITY,
        f32::NEG_INFINITY,
        f32::NAN,
        1e30,
        -1e30,
        88.0,
        -88.0,
        1e-40,
        -1e-40,
        f32::MAX,
        f32::MIN,
        f32::MIN_POSITIVE,
    ];

    /// Deterministic values in `[-scale, scale)` (xorshift), different per `seed`.
    pub(crate) fn values(n: usize, seed: u32, scale: f32) -> Vec<f32> {
        let mut s = seed.wrapping_mul(2_654_435_761).wrapping_add(0x9e37_79b9);
        (0..n)
            .map(|_| {
                s ^= s << 13;
                s ^= s >> 17;
                s ^= s << 5;
                ((s >> 8) as f32 / (1u32 << 23) as f32 - 1.0) * scale
            })
            .collect()
    }

    /// `|got − want| <= abs + rel·|want|` element-wise (equal infinities and NaN with NaN
    /// agree); returns the largest relative error seen, for calibrating bounds.
    #[track_caller]
    pub(crate) fn agree(what: &str, got: &[f32], want: &[f32], rel: f32, abs: f32) -> f32 {
        assert_eq!(got.len(), want.len(), "{what}: lengths");
        let mut worst = 0.0f32;
        for (i, (&a, &b)) in got.iter().zip(want).enumerate() {
            if a == b || (a.is_nan() && b.is_nan()) {
                continue;
            }
            let err = (a - b).abs();
            assert!(err <= abs + rel * b.abs(), "{what}[{i}]: got {a}, want {b}");
            worst = worst.max(err / b.abs().max(f32::MIN_POSITIVE));
        }
        worst
    }

    /// Bit-for-bit equality (any NaN agrees with any NaN).
    #[track_caller]
    pub(crate) fn same_bits(what: &str, got: &[f32], want: &[f32]) {
        assert_eq!(got.len(), want.len(), "{what}: lengths");
        for (i, (&a, &b)) in got.iter().zip(want).enumerate() {
            let same = a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan());
            assert!(
                same,
                "{what}[{i}]: got {a:e} ({:#x}), want {b:e} ({:#x})",
                a.to_bits(),
                b.to_bits()
            );
        }
    }
}
