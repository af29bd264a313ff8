//! `f32x8` SIMD shared by the kernels: [`LANES`] lanes per vector, loads and stores, the
//! multiply-add rounding ([`fma`]) that vectors and single values share, and the two ways a
//! kernel handles the tail of a slice (the last `len % 8` elements).
//!
//! Both tail strategies give a tail element exactly the bits a lane would give it, so a result
//! never depends on an element's position, on the length, or on where a parallel chunk starts;
//! the plain `f32` scalar twins of the kernels are the reference the tests hold the lanes to.
//!
//! - **Padded tail** (`padded.rs`: `zip4`, `update4`, `sum4` and their parallel forms): the
//!   tail is loaded into a zero-padded vector and goes through the same lane function, one
//!   output from up to four operands (`operand.rs`: slices or one repeated value); padded
//!   lanes are computed and dropped, their values (`0/0` and the like) never leak. For lane
//!   functions that exist only on `f32x8`, like the [`vmath`](super::vmath) polynomials: the
//!   element-wise unary, binary and reduction kernels.
//! - **Generic body** (`generic.rs`: `each_lane!`, `row_sum!`): the formula is written once,
//!   generic over `Vector` (`vector.rs`: implemented for `f32x8` and for `f32` as a one-lane
//!   vector with the same roundings), and runs on `f32x8` over whole vectors and on `f32` for
//!   each tail element. For bodies that read and write several slices at one index or mix in
//!   per-row values: the row-wise, loss, optimizer and clipping kernels.
//!
//! A new kernel whose lane function needs an operation `Vector` lacks (the `vmath` functions
//! other than `exp`) uses the padded loops; one that updates several buffers at once, or needs
//! per-row values, uses a generic body.

pub use wide::f32x8;

mod generic;
mod operand;
mod padded;
#[cfg(test)]
pub(crate) mod testing;
#[cfg(test)]
mod tests;
mod vector;

pub(crate) use generic::{each_lane, hsum, put, row_max, row_sum};
pub(crate) use operand::{First, Lane4, Operand, Splat, NONE};
pub(crate) use padded::{add64, par_update4, par_zip4, sum4, update4, zip4};
pub(crate) use vector::{exp, Vector};

/// Lanes per vector.
pub const LANES: usize = 8;

/// `a·b + c` rounded as this build's `f32x8::mul_add` rounds it: once (a fused multiply-add)
/// when the build targets FMA (`-C target-cpu=native` on an AVX2 machine, or aarch64), twice
/// otherwise. The scalar forms of the kernels (lane tails, one-element paths, scalar twins) use
/// it, so lanes, tails and twins agree bit for bit in either kind of build; an FMA build and a
/// plain one differ by at most an ulp per multiply-add.
///
/// ```
/// use arenagrad::kernels::simd::{f32x8, fma};
/// let (a, b) = (1.0 + f32::EPSILON, 1.0 - f32::EPSILON);
/// let lanes = f32x8::splat(a).mul_add(f32x8::splat(b), f32x8::splat(-1.0));
/// // −ε² with one rounding, 0 with two: either way the lanes and `fma` agree
/// assert_eq!(fma(a, b, -1.0), lanes.as_array()[0]);
/// ```
#[inline(always)]
pub fn fma(a: f32, b: f32, c: f32) -> f32 {
    if cfg!(any(
        target_feature = "fma",
        all(target_arch = "aarch64", target_feature = "neon")
    )) {
        a.mul_add(b, c)
    } else {
        a * b + c
    }
}

/// Lanes `0..8` of `s` (which must hold at least 8 elements).
#[inline(always)]
pub(crate) fn load(s: &[f32]) -> f32x8 {
    let a: [f32; LANES] = s[..LANES].try_into().expect("8 lanes");
    f32x8::from(a)
}

/// The first `s.len() < 8` lanes from `s`, zeros after.
#[inline(always)]
pub(crate) fn load_part(s: &[f32]) -> f32x8 {
    let mut a = [0.0f32; LANES];
    a[..s.len()].copy_from_slice(s);
    f32x8::from(a)
}

/// Stores the lanes into `d[..8]`.
#[inline(always)]
pub(crate) fn store(v: f32x8, d: &mut [f32]) {
    d[..LANES].copy_from_slice(v.as_array());
}

/// Stores the first `d.len() < 8` lanes into `d`.
#[inline(always)]
pub(crate) fn store_part(v: f32x8, d: &mut [f32]) {
    let n = d.len();
    d.copy_from_slice(&v.as_array()[..n]);
}
