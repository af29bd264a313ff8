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

#[allow(unused_imports)]
pub(crate) use wide::f32x16;
pub use wide::f32x8;

#[cfg(runtime_avx2)]
pub(crate) mod avx2;
#[cfg(runtime_avx2)]
pub(crate) mod avx512;
mod generic;
mod lanes;
pub(crate) mod level;
mod operand;
mod padded;
#[cfg(test)]
pub(crate) mod testing;
#[cfg(test)]
mod tests;
mod vector;

pub(crate) use generic::{
    each_lane, each_lane_in, hsum, put, row_max, row_max_on, row_sum, row_sum_in,
};
pub(crate) use lanes::{Lanes, Wide16};
pub(crate) use operand::{First, Lane4, Operand, Splat, NONE};
pub(crate) use padded::{add64, fold64, par_update4, par_zip4, sum4, sum4_acc, update4, zip4};
pub(crate) use vector::{exp, Vector};

/// `$e` compiled once for each form of the lanes, with `$V` naming the lane type
/// ([`Lanes`]), and run in the form [`level`] chose: `Y8` inside
/// [`avx2::enable`] when the build chooses at run time and the CPU has AVX2 and FMA, the
/// build's own `f32x8` otherwise. Kernels dispatch once per call on a slice or a row, never
/// per vector; `$e` must not `return` (it may run inside a closure).
#[cfg(runtime_avx2)]
macro_rules! dispatch {
    (|$V:ident| $e:expr) => {{
        if $crate::kernels::simd::level::avx2() {
            // SAFETY: `level::avx2()` is true only when this CPU has AVX2 and FMA, which is
            // all `enable` and the `Y8` lanes need (`kernels::simd::avx2`).
            unsafe {
                // inlined into `enable`, so the lane code is compiled with its features
                $crate::kernels::simd::avx2::enable(
                    #[inline(always)]
                    || {
                        #[allow(unused_imports)]
                        use $crate::kernels::simd::{Lanes as _, Vector as _};
                        #[allow(dead_code)]
                        type $V = $crate::kernels::simd::avx2::Y8;
                        $e
                    },
                )
            }
        } else {
            #[allow(unused_imports)]
            use $crate::kernels::simd::{Lanes as _, Vector as _};
            #[allow(dead_code)]
            type $V = $crate::kernels::simd::f32x8;
            $e
        }
    }};
}

/// `$e` with `$V` = the build's own `f32x8`: this build has no run-time choice to make.
#[cfg(not(runtime_avx2))]
macro_rules! dispatch {
    (|$V:ident| $e:expr) => {{
        #[allow(unused_imports)]
        use $crate::kernels::simd::{Lanes as _, Vector as _};
        #[allow(dead_code)]
        type $V = $crate::kernels::simd::f32x8;
        $e
    }};
}
pub(crate) use dispatch;

/// [`dispatch!`] for kernels whose lanes may be wider than 8: `$V` is `wide`'s `f32x16` in
/// builds whose target has AVX-512 (`-C target-cpu=native` on such a CPU), the 8-lane form of
/// [`dispatch!`] otherwise. Only code that reads the width from `V::N` (never from
/// [`LANES`]) and keeps its reductions in the 8-lane order ([`Lanes::halves`]) may use it: the
/// shared loops (`padded.rs`, [`each_lane!`], [`row_sum!`]) and what they call. So the bits
/// are the same in either width, and the scalar twins stay the reference for both.
#[cfg(all(not(runtime_avx2), target_feature = "avx512f"))]
macro_rules! dispatch_wide {
    (|$V:ident| $e:expr) => {{
        #[allow(unused_imports)]
        use $crate::kernels::simd::{Lanes as _, Vector as _};
        #[allow(dead_code)]
        type $V = $crate::kernels::simd::f32x16;
        $e
    }};
}

/// [`dispatch_wide!`] in a build that chooses at run time: `$V` is
/// [`Z16`](avx512::Z16) inside [`avx512::enable`] when [`level`] chose AVX-512, else as
/// [`dispatch!`].
#[cfg(runtime_avx2)]
macro_rules! dispatch_wide {
    (|$V:ident| $e:expr) => {{
        if $crate::kernels::simd::level::avx512() {
            // SAFETY: `level::avx512()` is true only when this CPU has AVX-512F, AVX2 and FMA,
            // which is all `enable` and the `Z16` lanes need (`kernels::simd::avx512`).
            unsafe {
                // inlined into `enable`, so the lane code is compiled with its features
                $crate::kernels::simd::avx512::enable(
                    #[inline(always)]
                    || {
                        #[allow(unused_imports)]
                        use $crate::kernels::simd::{Lanes as _, Vector as _};
                        #[allow(dead_code)]
                        type $V = $crate::kernels::simd::avx512::Z16;
                        $e
                    },
                )
            }
        } else {
            $crate::kernels::simd::dispatch!(|$V| $e)
        }
    }};
}

/// [`dispatch_wide!`] in a build without AVX-512 and without a run-time choice: 8 lanes.
#[cfg(all(not(runtime_avx2), not(target_feature = "avx512f")))]
macro_rules! dispatch_wide {
    (|$V:ident| $e:expr) => {
        $crate::kernels::simd::dispatch!(|$V| $e)
    };
}
pub(crate) use dispatch_wide;

/// Lanes per vector.
pub const LANES: usize = 8;

/// `a·b + c` rounded as the lanes in use round `mul_add`: once (a fused multiply-add) when the
/// build targets FMA (`-C target-cpu=native` on an AVX2 machine, or aarch64) or has chosen its
/// AVX2+FMA lanes at run time ([`simd_level`](crate::simd_level)), twice otherwise. The scalar forms of the kernels
/// (lane tails, one-element paths, scalar twins) use it, so lanes, tails and twins agree bit
/// for bit in every kind of build; fused and unfused results differ by at most an ulp per
/// multiply-add.
///
/// ```
/// use arenagrad::kernels::simd::fma;
/// let (a, b) = (1.0 + f32::EPSILON, 1.0 - f32::EPSILON);
/// // −ε² with one rounding, 0 with two
/// let fused = fma(a, b, -1.0) != 0.0;
/// let lanes_fuse = matches!(arenagrad::simd_level(), "avx512" | "avx2+fma" | "neon");
/// assert_eq!(fused, lanes_fuse);
/// ```
#[inline(always)]
pub fn fma(a: f32, b: f32, c: f32) -> f32 {
    if level::fused() {
        a.mul_add(b, c)
    } else {
        a * b + c
    }
}

/// `a·b − p` exactly, for `p` = `a·b` rounded and `|a|, |b| < 8e34` (no overflow in the
/// split): one fused multiply-add where the lanes fuse (`fused`), else Dekker's product of
/// Veltkamp's 12-bit halves, whose partial products are all exact. Without the second form a
/// build without FMA would compute `a·b − p` as 0 or its rounding error, not the error itself.
#[inline(always)]
pub(crate) fn mul_err<V: Vector>(a: V, b: V, p: V, fused: bool) -> V {
    if fused {
        return a.mul_add(b, -p);
    }
    let split = |v: V| {
        let t = V::splat(4097.0) * v;
        let hi = t - (t - v);
        (hi, v - hi)
    };
    let ((ah, al), (bh, bl)) = (split(a), split(b));
    (((ah * bh - p) + ah * bl) + al * bh) + al * bl
}

/// Lanes `0..8` of `s` (which must hold at least 8 elements).
#[inline(always)]
pub(crate) fn load(s: &[f32]) -> f32x8 {
    let a: [f32; LANES] = s[..LANES].try_into().expect("8 lanes");
    f32x8::from(a)
}

/// Stores the lanes into `d[..8]`.
#[inline(always)]
pub(crate) fn store(v: f32x8, d: &mut [f32]) {
    d[..LANES].copy_from_slice(v.as_array());
}
