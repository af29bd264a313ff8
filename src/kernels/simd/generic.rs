//! Generic bodies: each formula is written once over [`Vector`] and runs as the `f32x8` body
//! of a loop and, instantiated on `f32`, as its tail, element by element ([`each_lane!`],
//! [`row_sum!`]), so a tail element gets the bits a lane would.

use super::{Lanes, Vector, LANES};

/// Runs `f::<f32x8>(i, args..)` at `i = 0, 8, ..` over the whole vectors of `[0, n)`, then
/// `f::<f32>(i, args..)` on each element of the tail: one generic body, SIMD and scalar.
/// `f::<A, ..>(args..)` passes further generic arguments after the lane type.
macro_rules! each_lane {
    ($n:expr, $($f:ident)::+ ( $($arg:expr),* $(,)? )) => {{
        const SIMD_W: usize = $crate::kernels::simd::LANES;
        let n: usize = $n;
        $crate::kernels::simd::dispatch!(|SimdV| {
            let mut i = 0;
            // `i + LANES <= n` (not `i < n / LANES * LANES`) lets LLVM prove `s[i..][..LANES]`
            // in bounds for buffers it knows to have length `n`
            while i + SIMD_W <= n {
                $($f)::+::<SimdV>(i, $($arg),*);
                i += SIMD_W;
            }
            while i < n {
                $($f)::+::<f32>(i, $($arg),*);
                i += 1;
            }
        })
    }};
    ($n:expr, $($f:ident)::+ ::<$($gen:tt),+> ( $($arg:expr),* $(,)? )) => {{
        const SIMD_W: usize = $crate::kernels::simd::LANES;
        let n: usize = $n;
        $crate::kernels::simd::dispatch!(|SimdV| {
            let mut i = 0;
            while i + SIMD_W <= n {
                $($f)::+::<SimdV, $($gen),+>(i, $($arg),*);
                i += SIMD_W;
            }
            while i < n {
                $($f)::+::<f32, $($gen),+>(i, $($arg),*);
                i += 1;
            }
        })
    }};
}
pub(crate) use each_lane;

/// Stores `v` at the start of `out` (8 elements for `f32x8`, one for `f32`; `Acc::Write`) or
/// adds it there (`Acc::Add`).
#[inline(always)]
pub(crate) fn put<L: Vector>(acc: crate::kernels::Acc, out: &mut [f32], v: L) {
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
        const SIMD_W: usize = $crate::kernels::simd::LANES;
        let n: usize = $n;
        $crate::kernels::simd::dispatch!(|SimdV| {
            let zero = <SimdV as $crate::kernels::simd::Vector>::splat(0.0);
            let (mut a, mut b) = (zero, zero);
            let mut k = 0;
            {
                #[allow(dead_code)]
                type $L = SimdV;
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
            let mut s = <SimdV as $crate::kernels::simd::Lanes>::reduce_add(a + b);
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
        })
    }};
}
pub(crate) use row_sum;

/// The maximum of a row (`maxps` steps, four accumulators; a NaN may or may not win, but the
/// callers' results are NaN either way, as with `f32::max`); `−inf` for an empty row.
#[inline(always)]
pub(crate) fn row_max(x: &[f32]) -> f32 {
    super::dispatch!(|V| row_max_on::<V>(x))
}

#[inline(always)]
fn row_max_on<V: Lanes>(x: &[f32]) -> f32 {
    let mut m = [V::splat(f32::NEG_INFINITY); 4];
    let mut blocks = x.chunks_exact(4 * LANES);
    for b in &mut blocks {
        for (k, m) in m.iter_mut().enumerate() {
            *m = V::load(&b[k * LANES..]).max_ps(*m);
        }
    }
    let mut v = m[0].max_ps(m[1]).max_ps(m[2].max_ps(m[3]));
    let mut rest = blocks.remainder().chunks_exact(LANES);
    for c in &mut rest {
        v = V::load(c).max_ps(v);
    }
    rest.remainder().iter().fold(hmax(v), |m, &x| x.max_ps(m))
}

/// Sum of the lanes, in a fixed order (so a result never depends on anything but the data).
#[inline(always)]
pub(crate) fn hsum<V: Lanes>(v: V) -> f32 {
    v.reduce_add()
}

/// Maximum of the lanes (`maxps` semantics per step).
#[inline(always)]
pub(crate) fn hmax<V: Lanes>(v: V) -> f32 {
    v.to_array()
        .iter()
        .fold(f32::NEG_INFINITY, |m, &x| x.max_ps(m))
}
