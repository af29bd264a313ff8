//! [`Vector`]: the arithmetic of the generic bodies, for `f32x8` and for `f32` as a one-lane
//! vector, with the same rounding in both, so one generic formula computes in a tail element
//! exactly what a lane would, bit for bit.
//!
//! [`exp`] is [`vmath::exp`](crate::kernels::vmath::exp) (Cephes' `expf`, within 1 ulp of the
//! correctly rounded value; PyTorch's own vectorised softmax uses Sleef's 1-ulp `expf`); a
//! single `f32` goes through the same lanes, so a tail element gets the bits a lane would.
//! Edge values: `exp(−inf) = 0`, `exp(+inf) = +inf`, NaN stays NaN, `x > 88.73` overflows to
//! `+inf`, `x < −103.98` underflows to 0.

use std::ops::{Add, Div, Mul, Neg, Sub};

use wide::f32x16;

use super::f32x8;

/// The arithmetic the generic kernels use, for `f32` (a one-wide vector) and `f32x8` (eight
/// lanes). Every operation rounds the same way in both: `+ − × ÷ √` are IEEE, `mul_add` rounds
/// as this build's lanes do ([`fma`](super::fma)), `max_ps`/`min_ps` follow `maxps`/`minps`
/// (the second operand when either is NaN).
pub(crate) trait Vector:
    Copy
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Div<Output = Self>
    + Neg<Output = Self>
{
    /// How many lanes.
    const N: usize;
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
    /// `e^self` lane-wise, by [`vmath::exp`](crate::kernels::vmath::exp).
    fn vexp(self) -> Self;
    /// `ln` of each lane with the standard library's `f32::ln` (for per-row values only).
    fn ln_each(self) -> Self;
}

impl Vector for f32 {
    const N: usize = 1;
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
        super::fma(self, a, b)
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
        // through the lanes in use, so a tail element gets a lane's bits
        super::dispatch!(|V| crate::kernels::vmath::lanes::exp(V::splat(self)).to_array()[0])
    }
    #[inline(always)]
    fn ln_each(self) -> Self {
        self.ln()
    }
}

/// `Vector` for one of `wide`'s vector types: `$f` with `$n` lanes.
macro_rules! wide_vector {
    ($f:ident, $n:literal) => {
        impl Vector for $f {
            const N: usize = $n;
            #[inline(always)]
            fn splat(v: f32) -> Self {
                $f::splat(v)
            }
            #[inline(always)]
            fn load(s: &[f32]) -> Self {
                $f::new(s[..$n].try_into().expect("a whole vector"))
            }
            #[inline(always)]
            fn store(self, s: &mut [f32]) {
                s[..$n].copy_from_slice(self.as_array());
            }
            #[inline(always)]
            fn mul_add(self, a: Self, b: Self) -> Self {
                $f::mul_add(self, a, b)
            }
            #[inline(always)]
            fn sqrt(self) -> Self {
                $f::sqrt(self)
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
                crate::kernels::vmath::lanes::exp(self)
            }
            #[inline(always)]
            fn ln_each(self) -> Self {
                $f::new(self.to_array().map(f32::ln))
            }
        }
    };
}

wide_vector!(f32x8, 8);
wide_vector!(f32x16, 16);

/// `e^x` lane-wise (see the module doc for its error and edge values).
#[inline(always)]
pub(crate) fn exp<L: Vector>(x: L) -> L {
    x.vexp()
}
