//! Softmax along a non-last axis: in one `[len, inner]` slab the rows run down the columns at
//! stride `inner`, so eight neighbouring columns are eight independent rows, one per lane, and
//! every load is contiguous. Generic over [`Vector`]: columns past the last multiple of eight
//! run the same code on `f32`.

use crate::kernels::simd::{exp, put, Vector};
use crate::kernels::Acc;

#[inline(always)]
fn ld<L: Vector>(s: &[f32], i: usize) -> L {
    L::load(&s[i..])
}

/// Softmax (or log-softmax) of columns `i..i + L::N` of a slab.
#[inline(always)]
pub(super) fn softmax_cols<L: Vector>(
    i: usize,
    x: &[f32],
    y: &mut [f32],
    len: usize,
    inner: usize,
    log: bool,
) {
    let at = |k: usize| k * inner + i;
    let mut m = L::splat(f32::NEG_INFINITY);
    for k in 0..len {
        m = ld::<L>(x, at(k)).max_ps(m);
    }
    let mut s = L::splat(0.0);
    for k in 0..len {
        let e = exp(ld::<L>(x, at(k)) - m);
        if !log {
            e.store(&mut y[at(k)..]);
        }
        s = s + e;
    }
    if log {
        let lse = s.ln_each();
        for k in 0..len {
            (ld::<L>(x, at(k)) - m - lse).store(&mut y[at(k)..]);
        }
    } else {
        let r = L::splat(1.0) / s;
        for k in 0..len {
            (ld::<L>(y, at(k)) * r).store(&mut y[at(k)..]);
        }
    }
}

/// Softmax's (or log-softmax's) gradient for columns `i..i + L::N` of a slab.
#[inline(always)]
#[allow(clippy::too_many_arguments)] // output, upstream, result and the slab's geometry
pub(super) fn softmax_backward_cols<L: Vector>(
    i: usize,
    y: &[f32],
    g: &[f32],
    dx: &mut [f32],
    acc: Acc,
    len: usize,
    inner: usize,
    log: bool,
) {
    let at = |k: usize| k * inner + i;
    let mut s = L::splat(0.0);
    for k in 0..len {
        let gk = ld::<L>(g, at(k));
        s = s + if log { gk } else { gk * ld::<L>(y, at(k)) };
    }
    for k in 0..len {
        let (yk, gk) = (ld::<L>(y, at(k)), ld::<L>(g, at(k)));
        let v = if log { gk - exp(yk) * s } else { yk * (gk - s) };
        put(acc, &mut dx[at(k)..], v);
    }
}
