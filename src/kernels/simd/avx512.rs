//! [`Z16`]: sixteen `f32` lanes in one AVX-512 register, the form of the width-generic lane
//! functions ([`dispatch_wide!`](super::dispatch_wide)) that a build without AVX-512 in its
//! target features runs on a CPU that has it ([`level`](super::level)); its 8-lane half is the
//! AVX2 form's [`Y8`]. Each method computes lane for lane what [`Y8`]'s method of the same name
//! computes (and so what `wide`'s `f32x16` computes in a native AVX-512 build): the same IEEE
//! operations, one rounding per multiply-add, compares that give all-ones lanes, `select` on
//! the sign bit as `blendv` does. Only the instructions differ: comparisons go through mask
//! registers, bit operations through the integer forms (all in AVX-512F, no other subset).
//!
//! # Safety
//!
//! Every method executes AVX-512F instructions (and [`Y8`]'s AVX2 and FMA ones), which a CPU
//! without them faults on. The type is named only inside the AVX-512 arm of
//! [`dispatch_wide!`](super::dispatch_wide), which runs after
//! [`level::avx512`](super::level::avx512) has found AVX-512F, AVX2 and FMA on this CPU, inside
//! [`enable`]: a `#[target_feature]` function for all three, so the methods (all
//! `#[inline(always)]`) are compiled into it as single instructions.

use std::arch::x86_64::*;
use std::ops::{Add, AddAssign, BitAnd, BitOr, Div, Mul, Neg, Not, Sub};

use super::avx2::Y8;
use super::{Lanes, Vector, Wide16};

/// Runs `f` in a function compiled for AVX-512F, AVX2 and FMA, so the `#[inline(always)]` lane
/// code it calls becomes AVX-512 instructions.
///
/// # Safety
/// The CPU must support AVX-512F, AVX2 and FMA ([`level::avx512`](super::level::avx512)
/// returned `true`).
#[target_feature(enable = "avx512f,avx,avx2,fma")]
pub(crate) unsafe fn enable<R>(f: impl FnOnce() -> R) -> R {
    f()
}

/// Sixteen `f32` lanes in an AVX-512 register.
#[derive(Clone, Copy, Debug)]
#[repr(transparent)]
pub(crate) struct Z16(__m512);

/// Sixteen `i32` lanes in an AVX-512 register.
#[derive(Clone, Copy, Debug)]
#[repr(transparent)]
pub(crate) struct Z16i(__m512i);

/// An intrinsic call. SAFETY (for every use): this module's types exist only on a CPU with
/// AVX-512F, AVX2 and FMA (the module doc), which is all the intrinsics require; none of them
/// reads or writes memory except the loads and stores, whose bounds are checked before the call.
macro_rules! avx512 {
    ($e:expr) => {
        // SAFETY: see the macro's doc: the features are present; memory access is bounds-checked.
        unsafe { $e }
    };
}

macro_rules! binop {
    ($tr:ident, $f:ident, $ty:ident, $intr:ident) => {
        impl $tr for $ty {
            type Output = $ty;
            #[inline(always)]
            fn $f(self, b: $ty) -> $ty {
                $ty(avx512!($intr(self.0, b.0)))
            }
        }
    };
}

binop!(Add, add, Z16, _mm512_add_ps);
binop!(Sub, sub, Z16, _mm512_sub_ps);
binop!(Mul, mul, Z16, _mm512_mul_ps);
binop!(Div, div, Z16, _mm512_div_ps);
binop!(Add, add, Z16i, _mm512_add_epi32);
binop!(Sub, sub, Z16i, _mm512_sub_epi32);
binop!(BitAnd, bitand, Z16i, _mm512_and_si512);
binop!(BitOr, bitor, Z16i, _mm512_or_si512);

impl BitAnd for Z16 {
    type Output = Z16;
    #[inline(always)]
    fn bitand(self, b: Z16) -> Z16 {
        Z16::from_bits(self.to_bits() & b.to_bits())
    }
}

impl BitOr for Z16 {
    type Output = Z16;
    #[inline(always)]
    fn bitor(self, b: Z16) -> Z16 {
        Z16::from_bits(self.to_bits() | b.to_bits())
    }
}

impl AddAssign for Z16 {
    #[inline(always)]
    fn add_assign(&mut self, b: Z16) {
        *self = *self + b;
    }
}

impl Neg for Z16 {
    type Output = Z16;
    #[inline(always)]
    fn neg(self) -> Z16 {
        self.xor_bits(i32::MIN)
    }
}

impl Not for Z16 {
    type Output = Z16;
    #[inline(always)]
    fn not(self) -> Z16 {
        self.xor_bits(-1)
    }
}

/// The methods [`Vector`] and [`Wide16`] share, inherent so that a call names no trait (as
/// `wide`'s own types have them).
impl Z16 {
    #[inline(always)]
    pub(crate) fn splat(v: f32) -> Z16 {
        Z16(avx512!(_mm512_set1_ps(v)))
    }
    #[inline(always)]
    pub(crate) fn load(s: &[f32]) -> Z16 {
        let s = &s[..16];
        Z16(avx512!(_mm512_loadu_ps(s.as_ptr())))
    }
    #[inline(always)]
    pub(crate) fn store(self, s: &mut [f32]) {
        let s = &mut s[..16];
        avx512!(_mm512_storeu_ps(s.as_mut_ptr(), self.0))
    }
    #[inline(always)]
    pub(crate) fn mul_add(self, a: Z16, b: Z16) -> Z16 {
        Z16(avx512!(_mm512_fmadd_ps(self.0, a.0, b.0)))
    }
}

impl Z16 {
    /// Each lane's bits xor `bits`.
    #[inline(always)]
    fn xor_bits(self, bits: i32) -> Z16 {
        let x = avx512!(_mm512_xor_si512(self.to_bits().0, _mm512_set1_epi32(bits)));
        Z16::from_bits(Z16i(x))
    }

    /// A compare's mask register as a vector: all ones where set.
    #[inline(always)]
    fn from_mask(k: __mmask16) -> Z16 {
        Z16::from_bits(Z16i(avx512!(_mm512_maskz_set1_epi32(k, -1))))
    }

    #[inline(always)]
    fn cmp<const P: i32>(self, b: Z16) -> Z16 {
        Z16::from_mask(avx512!(_mm512_cmp_ps_mask::<P>(self.0, b.0)))
    }

    /// The lanes whose sign bit is set (what `blendv` and `movmskps` read of a mask).
    #[inline(always)]
    fn sign_mask(self) -> __mmask16 {
        avx512!(_mm512_cmplt_epi32_mask(
            self.to_bits().0,
            _mm512_setzero_si512()
        ))
    }
}

impl Vector for Z16 {
    const N: usize = 16;
    #[inline(always)]
    fn splat(v: f32) -> Self {
        Z16::splat(v)
    }
    #[inline(always)]
    fn load(s: &[f32]) -> Self {
        Z16::load(s)
    }
    #[inline(always)]
    fn store(self, s: &mut [f32]) {
        Z16::store(self, s)
    }
    #[inline(always)]
    fn mul_add(self, a: Self, b: Self) -> Self {
        Z16::mul_add(self, a, b)
    }
    #[inline(always)]
    fn sqrt(self) -> Self {
        Z16(avx512!(_mm512_sqrt_ps(self.0)))
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
        Z16::load(&self.to_array().map(f32::ln))
    }
}

impl Lanes for Z16 {
    type Int = Z16i;
    type Wide = Z16;
    type L8 = Y8;
    type Arr = [f32; 16];
    type IArr = [i32; 16];
    const FUSED: bool = true;

    #[inline(always)]
    fn from_fn(f: impl FnMut(usize) -> f32) -> Self {
        Z16::load(&std::array::from_fn::<f32, 16, _>(f))
    }
    #[inline(always)]
    fn to_array(self) -> [f32; 16] {
        let mut a = [0.0; 16];
        self.store(&mut a);
        a
    }
    #[inline(always)]
    fn halves(self) -> (Y8, Y8) {
        let lo = avx512!(_mm512_castps512_ps256(self.0));
        let hi = avx512!(_mm256_castpd_ps(_mm512_extractf64x4_pd::<1>(
            _mm512_castps_pd(self.0)
        )));
        (Y8(lo), Y8(hi))
    }
    #[inline(always)]
    fn load_part(s: &[f32]) -> Self {
        let mut a = [0.0f32; 16];
        a[..s.len()].copy_from_slice(s);
        Z16::load(&a)
    }
    #[inline(always)]
    fn store_part(self, d: &mut [f32]) {
        let n = d.len();
        d.copy_from_slice(&self.to_array()[..n]);
    }
    #[inline(always)]
    fn fast_max(self, b: Self) -> Self {
        Z16(avx512!(_mm512_max_ps(self.0, b.0)))
    }
    #[inline(always)]
    fn fast_min(self, b: Self) -> Self {
        Z16(avx512!(_mm512_min_ps(self.0, b.0)))
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
        Z16(avx512!(_mm512_roundscale_ps::<
            { _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC },
        >(self.0)))
    }
    #[inline(always)]
    fn floor(self) -> Self {
        Z16(avx512!(_mm512_roundscale_ps::<
            { _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC },
        >(self.0)))
    }
    #[inline(always)]
    fn abs(self) -> Self {
        let x = avx512!(_mm512_and_si512(
            self.to_bits().0,
            _mm512_set1_epi32(i32::MAX)
        ));
        Z16::from_bits(Z16i(x))
    }
    #[inline(always)]
    fn copysign(self, sign: Self) -> Self {
        let s = Z16i(avx512!(_mm512_set1_epi32(i32::MIN)));
        let m = Z16i(avx512!(_mm512_set1_epi32(i32::MAX)));
        Z16::from_bits((self.to_bits() & m) | (sign.to_bits() & s))
    }
    #[inline(always)]
    fn mul_neg_add(self, a: Self, b: Self) -> Self {
        Z16(avx512!(_mm512_fnmadd_ps(self.0, a.0, b.0)))
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
        self.abs().simd_eq(Z16::splat(f32::INFINITY))
    }
    #[inline(always)]
    fn select(self, t: Self, f: Self) -> Self {
        Z16(avx512!(_mm512_mask_blend_ps(self.sign_mask(), f.0, t.0)))
    }
    #[inline(always)]
    fn any(self) -> bool {
        self.sign_mask() != 0
    }
    #[inline(always)]
    fn count_set(self) -> u32 {
        self.sign_mask().count_ones()
    }
    #[inline(always)]
    fn trunc_to_i32(self) -> [i32; 16] {
        let t = avx512!(_mm512_cvttps_epi32(self.0));
        // SAFETY: `__m512i` and `[i32; 16]` are 64 bytes of plain integers
        unsafe { std::mem::transmute::<__m512i, [i32; 16]>(t) }
    }
    #[inline(always)]
    fn reduce_add(self) -> f32 {
        // what `wide`'s `f32x16` gives in this build (no kernel reduces 16 lanes at once:
        // they fold the halves into 8-lane sums, `Lanes::halves`)
        wide::f32x16::new(self.to_array()).reduce_add()
    }
    #[inline(always)]
    fn fast_round_int(self) -> Z16i {
        Z16i(avx512!(_mm512_cvtps_epi32(self.0)))
    }
    #[inline(always)]
    fn from_int(i: Z16i) -> Self {
        Z16(avx512!(_mm512_cvtepi32_ps(i.0)))
    }
    #[inline(always)]
    fn int_splat(v: i32) -> Z16i {
        Z16i(avx512!(_mm512_set1_epi32(v)))
    }
    #[inline(always)]
    fn to_bits(self) -> Z16i {
        Z16i(avx512!(_mm512_castps_si512(self.0)))
    }
    #[inline(always)]
    fn from_bits(i: Z16i) -> Self {
        Z16(avx512!(_mm512_castsi512_ps(i.0)))
    }
    #[inline(always)]
    fn shl<const N: i32>(i: Z16i) -> Z16i {
        Z16i(avx512!(_mm512_sllv_epi32(i.0, _mm512_set1_epi32(N))))
    }
    #[inline(always)]
    fn shr<const N: i32>(i: Z16i) -> Z16i {
        Z16i(avx512!(_mm512_srav_epi32(i.0, _mm512_set1_epi32(N))))
    }
}

impl Wide16 for Z16 {
    #[inline(always)]
    fn zero() -> Self {
        Z16::splat(0.0)
    }
    #[inline(always)]
    fn splat(v: f32) -> Self {
        Z16::splat(v)
    }
    #[inline(always)]
    fn load(s: &[f32]) -> Self {
        Z16::load(s)
    }
    #[inline(always)]
    fn store(self, d: &mut [f32]) {
        Z16::store(self, d)
    }
    #[inline(always)]
    fn mul_add(self, a: Self, b: Self) -> Self {
        Z16::mul_add(self, a, b)
    }
}
