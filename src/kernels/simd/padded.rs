//! Lane loops with a zero-padded tail: the last `len % N` elements are loaded into a
//! zero-padded vector and go through the same lane function as the body, and the padded lanes
//! are dropped. [`zip4`] and [`update4`] run a one-element output on 8-lane splats instead
//! (0-d tensors, scalar graphs: no padding).
//!
//! The loops run in the widest lanes of the build ([`dispatch_wide!`](super::dispatch_wide)).
//! Lane functions are lane-wise, so the width changes no bit of [`zip4`] or [`update4`];
//! [`sum4`] adds a 16-lane vector into the same 16 accumulators as two 8-lane ones.

use super::operand::{Lane4, Operand};
use super::{dispatch_wide, Lanes, Vector, LANES};
use crate::kernels::par::for_chunks;
use crate::kernels::Acc;

/// `out[i] (=|+=) f(a[i], b[i], c[i], d[i])` for every `i < out.len()` (operands at least as
/// long). Operands a lane function ignores cost nothing: their loads are dead code.
#[inline(always)]
pub(crate) fn zip4<A: Operand, B: Operand, C: Operand, D: Operand>(
    ops: (A, B, C, D),
    out: &mut [f32],
    acc: Acc,
    f: impl Lane4,
) {
    dispatch_wide!(|V| zip4_on::<V, A, B, C, D>(ops, out, acc, f))
}

#[inline(always)]
pub(super) fn zip4_on<V: Lanes, A: Operand, B: Operand, C: Operand, D: Operand>(
    (a, b, c, d): (A, B, C, D),
    out: &mut [f32],
    acc: Acc,
    f: impl Lane4,
) {
    let n = out.len();
    if n == 1 {
        // one element (0-d tensors, scalar graphs): the same lanes on splats, no padding
        let v: V::L8 = f.call(a.splat_at(0), b.splat_at(0), c.splat_at(0), d.splat_at(0));
        return acc.put(&mut out[0], v.to_array()[0]);
    }
    let body = n - n % V::N;
    let (head, tail) = out.split_at_mut(body);
    // operands are plain values here (no closure capturing them by reference), so their
    // pointers stay in registers across the stores to `out`
    match acc {
        Acc::Write => {
            for (k, o) in head.chunks_exact_mut(V::N).enumerate() {
                let i = k * V::N;
                let v: V = f.call(a.get(i), b.get(i), c.get(i), d.get(i));
                v.store(o);
            }
        }
        Acc::Add => {
            for (k, o) in head.chunks_exact_mut(V::N).enumerate() {
                let i = k * V::N;
                (V::load(o) + f.call(a.get(i), b.get(i), c.get(i), d.get(i))).store(o);
            }
        }
    }
    if !tail.is_empty() {
        let m = tail.len();
        let v: V = f.call(
            a.get_part(body, m),
            b.get_part(body, m),
            c.get_part(body, m),
            d.get_part(body, m),
        );
        let v = if acc == Acc::Add {
            V::load_part(tail) + v
        } else {
            v
        };
        v.store_part(tail);
    }
}

/// [`zip4`] split over threads above `grain` output elements.
#[inline(always)]
pub(crate) fn par_zip4<A: Operand, B: Operand, C: Operand, D: Operand>(
    grain: usize,
    (a, b, c, d): (A, B, C, D),
    out: &mut [f32],
    acc: Acc,
    f: impl Lane4,
) {
    for_chunks(out, grain, |s, o| {
        zip4((a.skip(s), b.skip(s), c.skip(s), d.skip(s)), o, acc, f)
    });
}

/// `io[i] = f(a[i], b[i], c[i], io[i])` for every `i < io.len()`: a [`zip4`] whose output is
/// also its last operand (a gradient rewritten in place), with the same lanes, so the same
/// bits as `zip4((a, b, c, io_before), out, Acc::Write, f)`.
#[inline(always)]
pub(crate) fn update4<A: Operand, B: Operand, C: Operand>(
    ops: (A, B, C),
    io: &mut [f32],
    f: impl Lane4,
) {
    dispatch_wide!(|V| update4_on::<V, A, B, C>(ops, io, f))
}

#[inline(always)]
pub(super) fn update4_on<V: Lanes, A: Operand, B: Operand, C: Operand>(
    (a, b, c): (A, B, C),
    io: &mut [f32],
    f: impl Lane4,
) {
    if let [v] = io {
        // one element: splats, no padding (as zip4)
        let d = V::L8::splat(*v);
        *v = f
            .call(a.splat_at(0), b.splat_at(0), c.splat_at(0), d)
            .to_array()[0];
        return;
    }
    let body = io.len() - io.len() % V::N;
    let (head, tail) = io.split_at_mut(body);
    for (k, o) in head.chunks_exact_mut(V::N).enumerate() {
        let i = k * V::N;
        f.call(a.get(i), b.get(i), c.get(i), V::load(o)).store(o);
    }
    if !tail.is_empty() {
        let m = tail.len();
        let d = V::load_part(tail);
        let v = f.call(
            a.get_part(body, m),
            b.get_part(body, m),
            c.get_part(body, m),
            d,
        );
        v.store_part(tail);
    }
}

/// [`update4`] split over threads above `grain` elements.
#[inline(always)]
pub(crate) fn par_update4<A: Operand, B: Operand, C: Operand>(
    grain: usize,
    (a, b, c): (A, B, C),
    io: &mut [f32],
    f: impl Lane4,
) {
    for_chunks(io, grain, |s, o| {
        update4((a.skip(s), b.skip(s), c.skip(s)), o, f)
    });
}

/// `Σ_{i<n} f(a[i], b[i], c[i], d[i])` accumulated in `f64` (16 accumulators, in lane order).
#[inline(always)]
pub(crate) fn sum4<A: Operand, B: Operand, C: Operand, D: Operand>(
    ops: (A, B, C, D),
    n: usize,
    f: impl Lane4,
) -> f64 {
    dispatch_wide!(|V| sum4_on::<V, A, B, C, D>(ops, n, f))
}

#[inline(always)]
pub(super) fn sum4_on<V: Lanes, A: Operand, B: Operand, C: Operand, D: Operand>(
    ops: (A, B, C, D),
    n: usize,
    f: impl Lane4,
) -> f64 {
    let mut s = [0.0f64; 2 * LANES];
    sum4_acc_on::<V, A, B, C, D>(ops, n, f, &mut s);
    fold64(&s)
}

/// [`sum4`]'s accumulation without the final fold: adds `f(..)` of elements `0..n` into the 16
/// accumulators `s` (read with [`fold64`]). A sum over consecutive pieces whose lengths,
/// but for the last, are multiples of 16 adds exactly what one call over the whole would.
#[inline(always)]
pub(crate) fn sum4_acc<A: Operand, B: Operand, C: Operand, D: Operand>(
    ops: (A, B, C, D),
    n: usize,
    f: impl Lane4,
    s: &mut [f64; 2 * LANES],
) {
    dispatch_wide!(|V| sum4_acc_on::<V, A, B, C, D>(ops, n, f, s))
}

#[inline(always)]
fn sum4_acc_on<V: Lanes, A: Operand, B: Operand, C: Operand, D: Operand>(
    (a, b, c, d): (A, B, C, D),
    n: usize,
    f: impl Lane4,
    s: &mut [f64; 2 * LANES],
) {
    let body = n - n % LANES;
    let mut i = 0;
    if V::N == 2 * LANES {
        // one 16-lane vector: the two 8-lane ones below, in one
        while i + 2 * LANES <= body {
            let v: V = f.call(a.get(i), b.get(i), c.get(i), d.get(i));
            add64(&mut s[..], v.to_array().as_ref());
            i += 2 * LANES;
        }
    } else {
        while i + 2 * LANES <= body {
            let (v, w): (V, V) = (
                f.call(a.get(i), b.get(i), c.get(i), d.get(i)),
                f.call(a.get(i + 8), b.get(i + 8), c.get(i + 8), d.get(i + 8)),
            );
            add64(&mut s[..LANES], v.to_array().as_ref());
            add64(&mut s[LANES..], w.to_array().as_ref());
            i += 2 * LANES;
        }
    }
    if i < body {
        let v: V::L8 = f.call(a.get(i), b.get(i), c.get(i), d.get(i));
        add64(&mut s[..LANES], v.to_array().as_ref());
    }
    let m = n - body;
    if m > 0 {
        let t: V::L8 = f.call(
            a.get_part(body, m),
            b.get_part(body, m),
            c.get_part(body, m),
            d.get_part(body, m),
        );
        add64(&mut s[LANES..LANES + m], &t.to_array()[..m]);
    }
}

/// `acc[j] += v[j] as f64` (vectorised by LLVM into `vcvtps2pd` + `vaddpd`).
#[inline(always)]
pub(crate) fn add64(acc: &mut [f64], v: &[f32]) {
    for (s, &x) in acc.iter_mut().zip(v) {
        *s += x as f64;
    }
}

/// Sum of 16 accumulators as a fixed pairwise tree.
#[inline(always)]
pub(crate) fn fold64(s: &[f64; 2 * LANES]) -> f64 {
    let mut h = [0.0f64; LANES];
    for j in 0..LANES {
        h[j] = s[j] + s[j + LANES];
    }
    ((h[0] + h[4]) + (h[2] + h[6])) + ((h[1] + h[5]) + (h[3] + h[7]))
}
