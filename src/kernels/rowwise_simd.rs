//! The `f32x8` layer of the row-wise, loss, optimizer and clipping kernels: a [`Lanes`] trait
//! that both `f32` and `wide::f32x8` implement, so each update or row formula is written once,
//! generically, and runs as the 8-lane SIMD body and (instantiated with `f32`) as the tail: the
//! tail computes exactly what a lane would, bit for bit.
//!
//! [`exp`] is [`vmath::exp`](super::vmath::exp) (Cephes' `expf`, within 1 ulp of the
//! correctly rounded value; PyTorch's own vectorised softmax uses Sleef's 1-ulp `expf`); a
//! single `f32` goes through the same lanes, so a tail element gets the bits a lane would.
//! Edge values: `exp(−inf) = 0`, `exp(+inf) = +inf`, NaN stays NaN, `x > 88.73` overflows to
//! `+inf`, `x < −103.98` underflows to 0.

use std::ops::{Add, Div, Mul, Neg, Sub};

use wide::f32x8;

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
    /// `e^self` lane-wise, by [`vmath::exp`](super::vmath::exp).
    fn vexp(self) -> Self;
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
        // rounded as the lanes' `mul_add` in this build (fused only with FMA)
        crate::kernels::simd::fma(self, a, b)
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
    fn vexp(self) -> Self {
        super::vmath::exp(f32x8::splat(self)).as_array()[0]
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
    fn vexp(self) -> Self {
        super::vmath::exp(self)
    }
    #[inline(always)]
    fn ln_each(self) -> Self {
        f32x8::new(self.to_array().map(f32::ln))
    }
}

/// `e^x` lane-wise (see the module doc for its error and edge values).
#[inline(always)]
pub(crate) fn exp<L: Lanes>(x: L) -> L {
    x.vexp()
}

/// Runs `f::<f32x8>(i, args..)` at `i = 0, 8, ..` over the whole vectors of `[0, n)`, then
/// `f::<f32>(i, args..)` on each element of the tail: one generic body, SIMD and scalar.
/// `f::<A, ..>(args..)` passes further generic arguments after the lane type.
macro_rules! each_lane {
    ($n:expr, $($f:ident)::+ ( $($arg:expr),* $(,)? )) => {{
        const SIMD_W: usize = $crate::kernels::rowwise_simd::W;
        let n: usize = $n;
        let mut i = 0;
        // `i + W <= n` (not `i < n / W * W`) lets LLVM prove `s[i..][..W]` in bounds for
        // buffers it knows to have length `n`
        while i + SIMD_W <= n {
            $($f)::+::<wide::f32x8>(i, $($arg),*);
            i += SIMD_W;
        }
        while i < n {
            $($f)::+::<f32>(i, $($arg),*);
            i += 1;
        }
    }};
    ($n:expr, $($f:ident)::+ ::<$($gen:tt),+> ( $($arg:expr),* $(,)? )) => {{
        const SIMD_W: usize = $crate::kernels::rowwise_simd::W;
        let n: usize = $n;
        let mut i = 0;
        while i + SIMD_W <= n {
            $($f)::+::<wide::f32x8, $($gen),+>(i, $($arg),*);
            i += SIMD_W;
        }
        while i < n {
            $($f)::+::<f32, $($gen),+>(i, $($arg),*);
            i += 1;
        }
    }};
}
pub(crate) use each_lane;

/// Stores `v` at `out[..L::N]` (`Acc::Write`) or adds it there (`Acc::Add`).
#[inline(always)]
pub(crate) fn put<L: Lanes>(acc: crate::kernels::Acc, out: &mut [f32], v: L) {
    match acc {
        crate::kernels::Acc::Write => v.store(out),
        crate::kernels::Acc::Add => (L::load(out) + v).store(out),
    }
}

/// `Σ_i term` over a row of `n` elements, where `term` is an expression in the index `$i` and
/// the lane type `$L`: it is expanded once with `$L = f32x8` (the 8 terms at `i..i + 8`, two
/// accumulators for latency) and once with `$L = f32` (the tail). A macro rather than a
/// function taking closures, which LLVM left as calls in the hot loop. The order of additions
/// depends on `n` only.
macro_rules! row_sum {
    ($n:expr, |$i:ident, $L:ident| $term:expr) => {{
        const SIMD_W: usize = $crate::kernels::rowwise_simd::W;
        let n: usize = $n;
        let (mut a, mut b) = (wide::f32x8::ZERO, wide::f32x8::ZERO);
        let mut k = 0;
        {
            #[allow(dead_code)]
            type $L = wide::f32x8;
            while k + 2 * SIMD_W <= n {
                a += {
                    let $i = k;
                    $term
                };
                b += {
                    let $i = k + SIMD_W;
                    $term
                };
                k += 2 * SIMD_W;
            }
            if k + SIMD_W <= n {
                a += {
                    let $i = k;
                    $term
                };
                k += SIMD_W;
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
pub(crate) mod testing;
#[cfg(test)]
mod tests;
