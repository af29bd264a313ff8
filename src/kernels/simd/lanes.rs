//! [`Lanes`]: what the vector maths and the lane functions need beyond [`Vector`] — compares
//! that return masks, `select`, rounding, the sign bit and the integer view of the bits —
//! under `wide`'s own names, for the two 8-lane types: `wide`'s `f32x8` (the build's own lanes)
//! and, in builds that choose at run time, [`Y8`](super::avx2::Y8). A mask is a vector whose
//! lanes are all ones or all zeros, as in `wide`.

use std::ops::{Add, AddAssign, BitAnd, BitOr, Not, Sub};

use wide::{f32x16, f32x8, i32x8};

use super::Vector;

/// Eight `f32` lanes. Every method computes what `wide`'s method of the same name computes on
/// an AVX2+FMA build, lane for lane.
pub(crate) trait Lanes:
    Vector + AddAssign + BitAnd<Output = Self> + BitOr<Output = Self> + Not<Output = Self> + Send + Sync
{
    /// The integer lanes of the same width.
    type Int: Copy
        + Add<Output = Self::Int>
        + Sub<Output = Self::Int>
        + BitAnd<Output = Self::Int>
        + BitOr<Output = Self::Int>;

    /// Whether `mul_add` rounds once.
    const FUSED: bool;
    /// Sixteen lanes of the same form (the attention tiles' vectors).
    type Wide: Wide16;

    fn from_array(a: [f32; 8]) -> Self;
    fn to_array(self) -> [f32; 8];
    /// Lanes `0..8` of `s` ... `s[..n]` then zeros, for `n < 8`.
    fn load_part(s: &[f32]) -> Self;
    /// Stores the first `d.len() < 8` lanes.
    fn store_part(self, d: &mut [f32]);
    /// `maxps`: `self` where `self > b`, else `b`.
    fn fast_max(self, b: Self) -> Self;
    /// `minps`: `self` where `self < b`, else `b`.
    fn fast_min(self, b: Self) -> Self;
    /// The larger lane, ignoring a NaN in either operand (`f32::max`).
    fn max(self, b: Self) -> Self;
    /// The smaller lane, ignoring a NaN in either operand (`f32::min`).
    fn min(self, b: Self) -> Self;
    fn round_ties_even(self) -> Self;
    fn floor(self) -> Self;
    fn abs(self) -> Self;
    /// `self`'s magnitude with `sign`'s sign bit.
    fn copysign(self, sign: Self) -> Self;
    /// `b − self·a` (rounded as `mul_add`).
    fn mul_neg_add(self, a: Self, b: Self) -> Self;
    fn simd_lt(self, b: Self) -> Self;
    fn simd_le(self, b: Self) -> Self;
    fn simd_gt(self, b: Self) -> Self;
    fn simd_ge(self, b: Self) -> Self;
    fn simd_eq(self, b: Self) -> Self;
    fn is_nan(self) -> Self;
    fn is_inf(self) -> Self;
    /// `t` where the mask `self` is set, else `f`.
    fn select(self, t: Self, f: Self) -> Self;
    /// Whether any lane of the mask is set.
    fn any(self) -> bool;
    /// How many lanes of the mask are set.
    fn count_set(self) -> u32;
    /// Each lane truncated toward zero to an `i32` (`cvttps2dq`).
    fn trunc_to_i32(self) -> [i32; 8];
    /// The sum of the lanes in `hsum`'s fixed order.
    fn reduce_add(self) -> f32;
    /// `cvtps2dq`: to the nearest integer, ties to even.
    fn fast_round_int(self) -> Self::Int;
    /// Integer lanes converted to `f32`.
    fn from_int(i: Self::Int) -> Self;
    fn int_splat(v: i32) -> Self::Int;
    fn to_bits(self) -> Self::Int;
    fn from_bits(i: Self::Int) -> Self;
    fn shl<const N: i32>(i: Self::Int) -> Self::Int;
    /// Arithmetic shift right.
    fn shr<const N: i32>(i: Self::Int) -> Self::Int;
}

impl Lanes for f32x8 {
    type Int = i32x8;
    type Wide = f32x16;
    const FUSED: bool = super::level::BUILD_FUSED;

    #[inline(always)]
    fn from_array(a: [f32; 8]) -> Self {
        f32x8::new(a)
    }
    #[inline(always)]
    fn to_array(self) -> [f32; 8] {
        f32x8::to_array(self)
    }
    #[inline(always)]
    fn load_part(s: &[f32]) -> Self {
        super::load_part(s)
    }
    #[inline(always)]
    fn store_part(self, d: &mut [f32]) {
        super::store_part(self, d)
    }
    #[inline(always)]
    fn fast_max(self, b: Self) -> Self {
        f32x8::fast_max(self, b)
    }
    #[inline(always)]
    fn fast_min(self, b: Self) -> Self {
        f32x8::fast_min(self, b)
    }
    #[inline(always)]
    fn max(self, b: Self) -> Self {
        f32x8::max(self, b)
    }
    #[inline(always)]
    fn min(self, b: Self) -> Self {
        f32x8::min(self, b)
    }
    #[inline(always)]
    fn round_ties_even(self) -> Self {
        f32x8::round_ties_even(self)
    }
    #[inline(always)]
    fn floor(self) -> Self {
        f32x8::floor(self)
    }
    #[inline(always)]
    fn abs(self) -> Self {
        f32x8::abs(self)
    }
    #[inline(always)]
    fn copysign(self, sign: Self) -> Self {
        f32x8::copysign(self, sign)
    }
    #[inline(always)]
    fn mul_neg_add(self, a: Self, b: Self) -> Self {
        f32x8::mul_neg_add(self, a, b)
    }
    #[inline(always)]
    fn simd_lt(self, b: Self) -> Self {
        f32x8::simd_lt(self, b)
    }
    #[inline(always)]
    fn simd_le(self, b: Self) -> Self {
        f32x8::simd_le(self, b)
    }
    #[inline(always)]
    fn simd_gt(self, b: Self) -> Self {
        f32x8::simd_gt(self, b)
    }
    #[inline(always)]
    fn simd_ge(self, b: Self) -> Self {
        f32x8::simd_ge(self, b)
    }
    #[inline(always)]
    fn simd_eq(self, b: Self) -> Self {
        f32x8::simd_eq(self, b)
    }
    #[inline(always)]
    fn is_nan(self) -> Self {
        f32x8::is_nan(self)
    }
    #[inline(always)]
    fn is_inf(self) -> Self {
        f32x8::is_inf(self)
    }
    #[inline(always)]
    fn select(self, t: Self, f: Self) -> Self {
        f32x8::select(self, t, f)
    }
    #[inline(always)]
    fn any(self) -> bool {
        f32x8::any(self)
    }
    #[inline(always)]
    fn count_set(self) -> u32 {
        f32x8::to_bitmask(self).count_ones()
    }
    #[inline(always)]
    fn trunc_to_i32(self) -> [i32; 8] {
        f32x8::fast_trunc_int(self).to_array()
    }
    #[inline(always)]
    fn reduce_add(self) -> f32 {
        f32x8::reduce_add(self)
    }
    #[inline(always)]
    fn fast_round_int(self) -> i32x8 {
        f32x8::fast_round_int(self)
    }
    #[inline(always)]
    fn from_int(i: i32x8) -> Self {
        f32x8::from_i32x8(i)
    }
    #[inline(always)]
    fn int_splat(v: i32) -> i32x8 {
        i32x8::splat(v)
    }
    #[inline(always)]
    fn to_bits(self) -> i32x8 {
        wide::bytemuck::cast(self)
    }
    #[inline(always)]
    fn from_bits(i: i32x8) -> Self {
        wide::bytemuck::cast(i)
    }
    #[inline(always)]
    fn shl<const N: i32>(i: i32x8) -> i32x8 {
        i << N
    }
    #[inline(always)]
    fn shr<const N: i32>(i: i32x8) -> i32x8 {
        i >> N
    }
}

/// Sixteen `f32` lanes: one AVX-512 register or two narrower ones, for the register-blocked
/// products of the attention tiles (`kernels::attention::tile`).
pub(crate) trait Wide16: Copy + Send + Sync {
    fn zero() -> Self;
    fn splat(v: f32) -> Self;
    /// Lanes `0..16` of `s`.
    fn load(s: &[f32]) -> Self;
    /// Stores into `d[..16]`.
    fn store(self, d: &mut [f32]);
    /// `self · a + b`, rounded as the 8-lane form's `mul_add`.
    fn mul_add(self, a: Self, b: Self) -> Self;
}

impl Wide16 for f32x16 {
    #[inline(always)]
    fn zero() -> Self {
        f32x16::ZERO
    }
    #[inline(always)]
    fn splat(v: f32) -> Self {
        f32x16::splat(v)
    }
    #[inline(always)]
    fn load(s: &[f32]) -> Self {
        let a: [f32; 16] = s[..16].try_into().expect("16 lanes");
        f32x16::from(a)
    }
    #[inline(always)]
    fn store(self, d: &mut [f32]) {
        d[..16].copy_from_slice(self.as_array());
    }
    #[inline(always)]
    fn mul_add(self, a: Self, b: Self) -> Self {
        f32x16::mul_add(self, a, b)
    }
}
