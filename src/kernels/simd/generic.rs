//! Generic bodies: each formula is written once over [`Vector`] and runs as the vector body
//! of a loop and, instantiated on `f32`, as its tail, element by element ([`each_lane!`],
//! [`row_sum!`]), so a tail element gets the bits a lane would. The bodies run in the widest
//! lanes of the build ([`dispatch_wide!`](super::dispatch_wide)), then in 8 lanes for what is
//! left of whole 8-lane vectors: the same bits as 8 lanes throughout.

use super::{Lanes, Vector, LANES};

/// Runs `f::<f32x8>(i, args..)` at `i = 0, 8, ..` over the whole vectors of `[0, n)`, then
/// `f::<f32>(i, args..)` on each element of the tail: one generic body, SIMD and scalar.
/// `f::<A, ..>(args..)` passes further generic arguments after the lane type.
macro_rules! each_lane {
    ($n:expr, $($f:ident)::+ $(::<$($gen:tt),+>)? ( $($arg:expr),* $(,)? )) => {
        $crate::kernels::simd::dispatch_wide!(|SimdV| $crate::kernels::simd::each_lane_in!(
            SimdV, $n, $($f)::+ $(::<$($gen),+>)? ( $($arg),* )
        ))
    };
}
pub(crate) use each_lane;

/// [`each_lane!`] in the lanes `$V` (a type in scope) and then, for a 16-lane `$V`, in its
/// 8-lane form.
macro_rules! each_lane_in {
    ($V:ty, $n:expr, $($f:ident)::+ $(::<$($gen:tt),+>)? ( $($arg:expr),* $(,)? )) => {{
        const SIMD_W: usize = $crate::kernels::simd::LANES;
        let n: usize = $n;
        let mut i = 0;
        // `i + N <= n` (not `i < n / N * N`) lets LLVM prove `s[i..][..N]` in bounds for
        // buffers it knows to have length `n`
        while i + <$V as $crate::kernels::simd::Vector>::N <= n {
            $($f)::+::<$V $(, $($gen),+)?>(i, $($arg),*);
            i += <$V as $crate::kernels::simd::Vector>::N;
        }
        while i + SIMD_W <= n {
            $($f)::+::<<$V as $crate::kernels::simd::Lanes>::L8 $(, $($gen),+)?>(i, $($arg),*);
            i += SIMD_W;
        }
        while i < n {
            $($f)::+::<f32 $(, $($gen),+)?>(i, $($arg),*);
            i += 1;
        }
    }};
}
pub(crate) use each_lane_in;

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
/// the lane type `$L`: it is expanded with `$L` a vector type (the terms at `i..i + N`) and with
/// `$L = f32` (the tail). In 8 lanes two accumulators take alternate vectors (for latency); a
/// 16-lane accumulator holds both, and its halves are folded into them before the 8-lane
/// remainder, so the order of additions is the same in either width and depends on `n` only.
/// A macro rather than a function taking closures, which LLVM left as calls in the hot loop.
macro_rules! row_sum {
    ($n:expr, |$i:ident, $L:ident| $term:expr) => {
        $crate::kernels::simd::dispatch_wide!(|SimdV| $crate::kernels::simd::row_sum_in!(
            SimdV,
            $n,
            |$i, $L| $term
        ))
    };
}
pub(crate) use row_sum;

/// [`row_sum!`] in the lanes `$V` (a type in scope).
macro_rules! row_sum_in {
    ($V:ty, $n:expr, |$i:ident, $L:ident| $term:expr) => {{
        const SIMD_W: usize = $crate::kernels::simd::LANES;
        let n: usize = $n;
        {
            type RowV = $V;
            type SimdL8 = <RowV as $crate::kernels::simd::Lanes>::L8;
            let zero = <SimdL8 as $crate::kernels::simd::Vector>::splat(0.0);
            let (mut a, mut b) = (zero, zero);
            let mut k = 0;
            if RowV::N == 2 * SIMD_W {
                #[allow(dead_code)]
                type $L = RowV;
                let mut w = <RowV as $crate::kernels::simd::Vector>::splat(0.0);
                while k + 2 * SIMD_W <= n {
                    w += {
                        let $i = k;
                        $term
                    };
                    k += 2 * SIMD_W;
                }
                (a, b) = <RowV as $crate::kernels::simd::Lanes>::halves(w);
            }
            {
                #[allow(dead_code)]
                type $L = SimdL8;
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
            let mut s = <SimdL8 as $crate::kernels::simd::Lanes>::reduce_add(a + b);
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
        }
    }};
}
pub(crate) use row_sum_in;

/// The maximum of a row (`maxps` steps, four 8-lane accumulators, or two 16-lane ones holding
/// the same four; a NaN may or may not win, but the callers' results are NaN either way, as
/// with `f32::max`); `−inf` for an empty row.
#[inline(always)]
pub(crate) fn row_max(x: &[f32]) -> f32 {
    super::dispatch_wide!(|V| row_max_on::<V>(x))
}

#[inline(always)]
pub(crate) fn row_max_on<V: Lanes>(x: &[f32]) -> f32 {
    let mut blocks = x.chunks_exact(4 * LANES);
    let mut m = [V::L8::splat(f32::NEG_INFINITY); 4];
    if V::N == 2 * LANES {
        let mut w = [V::splat(f32::NEG_INFINITY); 2];
        for b in &mut blocks {
            for (k, w) in w.iter_mut().enumerate() {
                *w = V::load(&b[k * 2 * LANES..]).max_ps(*w);
            }
        }
        ((m[0], m[1]), (m[2], m[3])) = (w[0].halves(), w[1].halves());
    } else {
        for b in &mut blocks {
            for (k, m) in m.iter_mut().enumerate() {
                *m = V::L8::load(&b[k * LANES..]).max_ps(*m);
            }
        }
    }
    let mut v = m[0].max_ps(m[1]).max_ps(m[2].max_ps(m[3]));
    let mut rest = blocks.remainder().chunks_exact(LANES);
    for c in &mut rest {
        v = V::L8::load(c).max_ps(v);
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
        .into_iter()
        .fold(f32::NEG_INFINITY, |m, x| x.max_ps(m))
}
