//! [`Y8`]: eight `f32` lanes in one AVX register with fused multiply-adds, the form of the
//! lane functions that a build without AVX2 in its target features runs on a CPU that has it
//! ([`level`](super::level)). Each method is the AVX2 instruction `wide` uses for the method
//! of the same name in an AVX2+FMA build, so the two give the same bits.
//!
//! # Safety
//!
//! Every method executes AVX, AVX2 or FMA instructions, which a CPU without them faults on. The
//! type is therefore named only inside the AVX2 arm of [`dispatch!`](super::dispatch), which
//! runs after [`level::avx2`](super::level::avx2) has found both features on this CPU, inside
//! [`enable`]: a `#[target_feature(enable = "avx2,fma")]` function, so the methods (all
//! `#[inline(always)]`) are compiled into it as single instructions.

use std::arch::x86_64::*;
use std::ops::{Add, AddAssign, BitAnd, BitOr, Div, Mul, Neg, Not, Sub};

use super::{Lanes, Vector, Wide16};

/// Runs `f` in a function compiled for AVX2 and FMA, so the `#[inline(always)]` lane code it
/// calls becomes AVX2 instructions.
///
/// # Safety
/// The CPU must support AVX2 and FMA ([`level::avx2`](super::level::avx2) returned `true`).
#[target_feature(enable = "avx,avx2,fma")]
pub(crate) unsafe fn enable<R>(f: impl FnOnce() -> R) -> R {
    f()
}

/// Eight `f32` lanes in an AVX register.
#[derive(Clone, Copy, Debug)]
#[repr(transparent)]
pub(crate) struct Y8(pub(super) __m256);

/// Eight `i32` lanes in an AVX register.
#[derive(Clone, Copy, Debug)]
#[repr(transparent)]
pub(crate) struct Y8i(__m256i);

/// An intrinsic call. SAFETY (for every use): this module's types exist only on a CPU with
/// AVX2 and FMA (the module doc), which is all the intrinsics require; none of them reads or
/// writes memory except the loads and stores, whose bounds are checked before the call.
macro_rules! avx {
    ($e:expr) => {
        // SAFETY: see the macro's doc: AVX2 and FMA are present; memory access is bounds-checked.
        unsafe { $e }
    };
}

macro_rules! binop {
    ($tr:ident, $f:ident, $ty:ident, $intr:ident) => {
        impl $tr for $ty {
            type Output = $ty;
            #[inline(always)]
            fn $f(self, b: $ty) -> $ty {
                $ty(avx!($intr(self.0, b.0)))
            }
        }
    };
}

binop!(Add, add, Y8, _mm256_add_ps);
binop!(Sub, sub, Y8, _mm256_sub_ps);
binop!(Mul, mul, Y8, _mm256_mul_ps);
binop!(Div, div, Y8, _mm256_div_ps);
binop!(BitAnd, bitand, Y8, _mm256_and_ps);
binop!(BitOr, bitor, Y8, _mm256_or_ps);
binop!(Add, add, Y8i, _mm256_add_epi32);
binop!(Sub, sub, Y8i, _mm256_sub_epi32);
binop!(BitAnd, bitand, Y8i, _mm256_and_si256);
binop!(BitOr, bitor, Y8i, _mm256_or_si256);

impl AddAssign for Y8 {
    #[inline(always)]
    fn add_assign(&mut self, b: Y8) {
        *self = *self + b;
    }
}

impl Neg for Y8 {
    type Output = Y8;
    #[inline(always)]
    fn neg(self) -> Y8 {
        Y8(avx!(_mm256_xor_ps(self.0, _mm256_set1_ps(-0.0))))
    }
}

impl Not for Y8 {
    type Output = Y8;
    #[inline(always)]
    fn not(self) -> Y8 {
        let ones = avx!(_mm256_castsi256_ps(_mm256_set1_epi32(-1)));
        Y8(avx!(_mm256_xor_ps(self.0, ones)))
    }
}

impl Y8 {
    #[inline(always)]
    fn cmp<const P: i32>(self, b: Y8) -> Y8 {
        Y8(avx!(_mm256_cmp_ps::<P>(self.0, b.0)))
    }
}

impl Vector for Y8 {
    const N: usize = 8;
    #[inline(always)]
    fn splat(v: f32) -> Self {
        Y8(avx!(_mm256_set1_ps(v)))
    }
    #[inline(always)]
    fn load(s: &[f32]) -> Self {
        let s = &s[..8];
        Y8(avx!(_mm256_loadu_ps(s.as_ptr())))
    }
    #[inline(always)]
    fn store(self, s: &mut [f32]) {
        let s = &mut s[..8];
        avx!(_mm256_storeu_ps(s.as_mut_ptr(), self.0))
    }
    #[inline(always)]
    fn mul_add(self, a: Self, b: Self) -> Self {
        Y8(avx!(_mm256_fmadd_ps(self.0, a.0, b.0)))
    }
    #[inline(always)]
    fn sqrt(self) -> Self {
        Y8(avx!(_mm256_sqrt_ps(self.0)))
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
        Y8::load(&self.to_array().map(f32::ln))
    }
}

impl Lanes for Y8 {
    type Int = Y8i;
    type Wide = Y16;
    type L8 = Y8;
    type Arr = [f32; 8];
    type IArr = [i32; 8];
    const FUSED: bool = true;

    #[inline(always)]
    fn from_fn(f: impl FnMut(usize) -> f32) -> Self {
        Y8::load(&std::array::from_fn::<f32, 8, _>(f))
    }
    #[inline(always)]
    fn to_array(self) -> [f32; 8] {
        let mut a = [0.0; 8];
        self.store(&mut a);
        a
    }
    #[inline(always)]
    fn halves(self) -> (Y8, Y8) {
        (self, self)
    }
    #[inline(always)]
    fn load_part(s: &[f32]) -> Self {
        let mut a = [0.0f32; 8];
        a[..s.len()].copy_from_slice(s);
        Y8::load(&a)
    }
    #[inline(always)]
    fn store_part(self, d: &mut [f32]) {
        let n = d.len();
        d.copy_from_slice(&self.to_array()[..n]);
    }
    #[inline(always)]
    fn fast_max(self, b: Self) -> Self {
        Y8(avx!(_mm256_max_ps(self.0, b.0)))
    }
    #[inline(always)]
    fn fast_min(self, b: Self) -> Self {
        Y8(avx!(_mm256_min_ps(self.0, b.0)))
    }
    #[inline(always)]
    fn max(self, b: Self) -> Self {
        // as `wide`: `maxps` returns `b` when either is NaN, so a NaN `b` is replaced
        b.is_nan().select(self, self.fast_max(b))
    }
    #[inline(always)]
    fn min(self, b: Self) -> Self {
        b.is_nan().select(self, self.fast_min(b))
    }
    #[inline(always)]
    fn round_ties_even(self) -> Self {
        Y8(avx!(_mm256_round_ps::<
            { _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC },
        >(self.0)))
    }
    #[inline(always)]
    fn floor(self) -> Self {
        Y8(avx!(_mm256_floor_ps(self.0)))
    }
    #[inline(always)]
    fn abs(self) -> Self {
        Y8(avx!(_mm256_andnot_ps(_mm256_set1_ps(-0.0), self.0)))
    }
    #[inline(always)]
    fn copysign(self, sign: Self) -> Self {
        let s = avx!(_mm256_set1_ps(-0.0));
        Y8(avx!(_mm256_or_ps(
            _mm256_andnot_ps(s, self.0),
            _mm256_and_ps(s, sign.0)
        )))
    }
    #[inline(always)]
    fn mul_neg_add(self, a: Self, b: Self) -> Self {
        Y8(avx!(_mm256_fnmadd_ps(self.0, a.0, b.0)))
    }
    #[inline(always)]
    fn simd_lt(self, b: Self) -> Self {
        self.cmp::<_CMP_LT_OQ>(b)
    }
    #[inline(always)]
    fn simd_le(self, b: Self) -> Self {
        self.cmp::<_CMP_LE_OQ>(b)
    }
    #[inline(always)]
    fn simd_gt(self, b: Self) -> Self {
        self.cmp::<_CMP_GT_OQ>(b)
    }
    #[inline(always)]
    fn simd_ge(self, b: Self) -> Self {
        self.cmp::<_CMP_GE_OQ>(b)
    }
    #[inline(always)]
    fn simd_eq(self, b: Self) -> Self {
        self.cmp::<_CMP_EQ_OQ>(b)
    }
    #[inline(always)]
    fn is_nan(self) -> Self {
        self.cmp::<_CMP_UNORD_Q>(self)
    }
    #[inline(always)]
    fn is_inf(self) -> Self {
        self.abs().simd_eq(Y8::splat(f32::INFINITY))
    }
    #[inline(always)]
    fn select(self, t: Self, f: Self) -> Self {
        Y8(avx!(_mm256_blendv_ps(f.0, t.0, self.0)))
    }
    #[inline(always)]
    fn any(self) -> bool {
        avx!(_mm256_movemask_ps(self.0)) != 0
    }
    #[inline(always)]
    fn count_set(self) -> u32 {
        avx!(_mm256_movemask_ps(self.0)).count_ones()
    }
    #[inline(always)]
    fn trunc_to_i32(self) -> [i32; 8] {
        let mut a = [0i32; 8];
        let t = avx!(_mm256_cvttps_epi32(self.0));
        // SAFETY: `a` is 32 bytes, the store's size; AVX is present (the module doc)
        unsafe { _mm256_storeu_si256(a.as_mut_ptr().cast(), t) };
        a
    }
    #[inline(always)]
    fn reduce_add(self) -> f32 {
        // the order of the build's own lanes, so a row sum has the same bits on both forms
        wide::f32x8::new(self.to_array()).reduce_add()
    }
    #[inline(always)]
    fn fast_round_int(self) -> Y8i {
        Y8i(avx!(_mm256_cvtps_epi32(self.0)))
    }
    #[inline(always)]
    fn from_int(i: Y8i) -> Self {
        Y8(avx!(_mm256_cvtepi32_ps(i.0)))
    }
    #[inline(always)]
    fn int_splat(v: i32) -> Y8i {
        Y8i(avx!(_mm256_set1_epi32(v)))
    }
    #[inline(always)]
    fn to_bits(self) -> Y8i {
        Y8i(avx!(_mm256_castps_si256(self.0)))
    }
    #[inline(always)]
    fn from_bits(i: Y8i) -> Self {
        Y8(avx!(_mm256_castsi256_ps(i.0)))
    }
    #[inline(always)]
    fn shl<const N: i32>(i: Y8i) -> Y8i {
        Y8i(avx!(_mm256_slli_epi32::<N>(i.0)))
    }
    #[inline(always)]
    fn shr<const N: i32>(i: Y8i) -> Y8i {
        Y8i(avx!(_mm256_srai_epi32::<N>(i.0)))
    }
}

/// Sixteen `f32` lanes as two [`Y8`] halves.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Y16([Y8; 2]);

impl Wide16 for Y16 {
    #[inline(always)]
    fn zero() -> Self {
        Y16([Y8::splat(0.0); 2])
    }
    #[inline(always)]
    fn splat(v: f32) -> Self {
        Y16([Y8::splat(v); 2])
    }
    #[inline(always)]
    fn load(s: &[f32]) -> Self {
        let s = &s[..16];
        Y16([Y8::load(s), Y8::load(&s[8..])])
    }
    #[inline(always)]
    fn store(self, d: &mut [f32]) {
        let d = &mut d[..16];
        self.0[0].store(d);
        self.0[1].store(&mut d[8..]);
    }
    #[inline(always)]
    fn mul_add(self, a: Self, b: Self) -> Self {
        Y16([
            self.0[0].mul_add(a.0[0], b.0[0]),
            self.0[1].mul_add(a.0[1], b.0[1]),
        ])
    }
}
