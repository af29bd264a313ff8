//! [`Lanes`]: what the vector maths and the lane functions need beyond [`Vector`] — compares
//! that return masks, `select`, rounding, the sign bit and the integer view of the bits —
//! under `wide`'s own names, for the 8-lane types, `wide`'s `f32x8` (the build's own lanes)
//! and, in builds that choose at run time, [`Y8`](super::avx2::Y8), and for `wide`'s
//! `f32x16`, the 16-lane form of builds with AVX-512 ([`dispatch_wide!`](super::dispatch_wide)).
//! A mask is a vector whose lanes are all ones or all zeros, as in `wide`.
//!
//! Every method is lane-wise, so a 16-lane vector computes in each lane exactly what an 8-lane
//! one computes there (`tests::wide16_lanes_match_f32x8` checks each method on edge values).
//! Only horizontal operations see the width: a 16-lane loop that reduces folds its two halves
//! into the 8-lane form's accumulators ([`Lanes::halves`]) to keep the 8-lane order of additions.

use std::ops::{Add, AddAssign, BitAnd, BitOr, Index, Not, RangeTo, Sub};

use wide::{f32x16, f32x8, i32x16, i32x8};

use super::Vector;

/// `f32` lanes ([`Vector::N`] of them: 8 or 16). Every method computes what `wide`'s method of
/// the same name computes on an AVX2+FMA build, lane for lane.
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
    /// The 8-lane type of the same form (`Self` for the 8-lane types).
    type L8: Lanes;
    /// The lanes as an array, `[f32; N]`.
    type Arr: Copy
        + AsRef<[f32]>
        + IntoIterator<Item = f32>
        + Index<usize, Output = f32>
        + Index<RangeTo<usize>, Output = [f32]>;
    /// The integer lanes as an array, `[i32; N]`.
    type IArr: IntoIterator<Item = i32>;

    /// Lane `l` is `f(l)`.
    fn from_fn(f: impl FnMut(usize) -> f32) -> Self;
    fn to_array(self) -> Self::Arr;
    /// The lanes `0..8` and `8..16` of a 16-lane vector, as 8-lane vectors (for folding a
    /// 16-lane accumulator into the 8-lane form's two: see the module doc). Not called on the
    /// 8-lane types, which return `(self, self)`.
    fn halves(self) -> (Self::L8, Self::L8);
    /// `s[..n]` then zeros, for `n < N`.
    fn load_part(s: &[f32]) -> Self;
    /// Stores the first `d.len() < N` lanes.
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
    fn trunc_to_i32(self) -> Self::IArr;
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

/// `Lanes` for one of `wide`'s vector types: `$f` with integer lanes `$i`, `$n` lanes, split
/// into 8-lane halves by `$halves`.
macro_rules! wide_lanes {
    ($f:ident, $i:ident, $n:literal, $from_int:path, $halves:expr) => {
        impl Lanes for $f {
            type Int = $i;
            type Wide = f32x16;
            type L8 = f32x8;
            type Arr = [f32; $n];
            type IArr = [i32; $n];
            const FUSED: bool = super::level::BUILD_FUSED;

            #[inline(always)]
            fn from_fn(f: impl FnMut(usize) -> f32) -> Self {
                $f::new(std::array::from_fn(f))
            }
            #[inline(always)]
            fn to_array(self) -> [f32; $n] {
                $f::to_array(self)
            }
            #[inline(always)]
            fn halves(self) -> (f32x8, f32x8) {
                $halves(self)
            }
            #[inline(always)]
            fn load_part(s: &[f32]) -> Self {
                let mut a = [0.0f32; $n];
                a[..s.len()].copy_from_slice(s);
                $f::new(a)
            }
            #[inline(always)]
            fn store_part(self, d: &mut [f32]) {
                let n = d.len();
                d.copy_from_slice(&self.as_array()[..n]);
            }
            #[inline(always)]
            fn fast_max(self, b: Self) -> Self {
                $f::fast_max(self, b)
            }
            #[inline(always)]
            fn fast_min(self, b: Self) -> Self {
                $f::fast_min(self, b)
            }
            #[inline(always)]
            fn max(self, b: Self) -> Self {
                $f::max(self, b)
            }
            #[inline(always)]
            fn min(self, b: Self) -> Self {
                $f::min(self, b)
            }
            #[inline(always)]
            fn round_ties_even(self) -> Self {
                $f::round_ties_even(self)
            }
            #[inline(always)]
            fn floor(self) -> Self {
                $f::floor(self)
            }
            #[inline(always)]
            fn abs(self) -> Self {
                $f::abs(self)
            }
            #[inline(always)]
            fn copysign(self, sign: Self) -> Self {
                $f::copysign(self, sign)
            }
            #[inline(always)]
            fn mul_neg_add(self, a: Self, b: Self) -> Self {
                $f::mul_neg_add(self, a, b)
            }
            #[inline(always)]
            fn simd_lt(self, b: Self) -> Self {
                $f::simd_lt(self, b)
            }
            #[inline(always)]
            fn simd_le(self, b: Self) -> Self {
                $f::simd_le(self, b)
            }
            #[inline(always)]
            fn simd_gt(self, b: Self) -> Self {
                $f::simd_gt(self, b)
            }
            #[inline(always)]
            fn simd_ge(self, b: Self) -> Self {
                $f::simd_ge(self, b)
            }
            #[inline(always)]
            fn simd_eq(self, b: Self) -> Self {
                $f::simd_eq(self, b)
            }
            #[inline(always)]
            fn is_nan(self) -> Self {
                $f::is_nan(self)
            }
            #[inline(always)]
            fn is_inf(self) -> Self {
                $f::is_inf(self)
            }
            #[inline(always)]
            fn select(self, t: Self, f: Self) -> Self {
                $f::select(self, t, f)
            }
            #[inline(always)]
            fn any(self) -> bool {
                $f::any(self)
            }
            #[inline(always)]
            fn count_set(self) -> u32 {
                $f::to_bitmask(self).count_ones()
            }
            #[inline(always)]
            fn trunc_to_i32(self) -> [i32; $n] {
                $f::fast_trunc_int(self).to_array()
            }
            #[inline(always)]
            fn reduce_add(self) -> f32 {
                $f::reduce_add(self)
            }
            #[inline(always)]
            fn fast_round_int(self) -> $i {
                $f::fast_round_int(self)
            }
            #[inline(always)]
            fn from_int(i: $i) -> Self {
                $from_int(i)
            }
            #[inline(always)]
            fn int_splat(v: i32) -> $i {
                $i::splat(v)
            }
            #[inline(always)]
            fn to_bits(self) -> $i {
                wide::bytemuck::cast(self)
            }
            #[inline(always)]
            fn from_bits(i: $i) -> Self {
                wide::bytemuck::cast(i)
            }
            #[inline(always)]
            fn shl<const N: i32>(i: $i) -> $i {
                i << N
            }
            #[inline(always)]
            fn shr<const N: i32>(i: $i) -> $i {
                i >> N
            }
        }
    };
}

wide_lanes!(f32x8, i32x8, 8, f32x8::from_i32x8, |v| (v, v));
wide_lanes!(f32x16, i32x16, 16, f32x16::from_i32x16, |v: f32x16| {
    let [lo, hi]: [f32x8; 2] = wide::bytemuck::cast(v);
    (lo, hi)
});

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
