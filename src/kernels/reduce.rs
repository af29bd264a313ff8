//! Reductions: sums over everything or one axis, max with its arg, and the sum of a broadcast
//! gradient back to its input.
//!
//! An axis reduction sees its input as `[outer, len, inner]` ([`AxisLayout`]): the dimensions
//! before the axis, the axis, the dimensions after it. The output is `[outer, inner]`. Sums
//! accumulate in `f64` (a long `f32` sum drifts by about `len · ε`):
//!
//! - contiguous sums (everything, or `inner = 1`) keep 16 `f64` accumulators fed from f32x8
//!   lanes (`simd::sum4`); a sum over everything is split at fixed
//!   boundaries ([`par::sum_parts`]) so it is bitwise the same on 1 or N
//!   threads;
//! - when `inner > 1` the sums run over a block of up to [`BLOCK`] output columns at once,
//!   reading the input row by row, so memory is walked in order and the accumulators stay on
//!   the stack; blocks (and rows of `outer`) go to different threads, each output keeping its
//!   own fixed order of additions.
//!
//! Max over everything and along an axis are in `max`, logsumexp and variance in `stats`,
//! the k largest in `topk` (their functions re-exported here).

use super::par::{self, for_chunks, for_rows, sum_parts, EW_GRAIN};
use super::simd::{add64, par_zip4, sum4, zip4, First, Lane4, Lanes, Splat, NONE};
use super::strided::for_each1;
use crate::kernels::Acc;

mod max;
mod stats;
mod topk;
pub use max::{max_all, max_all_backward, max_axis, max_axis_backward};
pub use stats::{logsumexp, logsumexp_backward, var, var_backward};
pub use topk::topk;

/// Output columns accumulated together by a strided axis sum (a stack array of `f64`).
pub const BLOCK: usize = 64;

/// A tensor seen as `[outer, len, inner]` around one axis; element `(o, k, i)` is at
/// `(o * len + k) * inner + i`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AxisLayout {
    /// Product of the dimensions before the axis.
    pub outer: usize,
    /// The axis' length.
    pub len: usize,
    /// Product of the dimensions after the axis.
    pub inner: usize,
}

impl AxisLayout {
    /// The layout of `shape` around `axis` (which must be `< shape.len()`); a rank-0 shape
    /// is read as `[1]` (PyTorch lets `dim=0` reduce a scalar).
    pub fn new(shape: &[usize], axis: usize) -> Self {
        if shape.is_empty() {
            return AxisLayout {
                outer: 1,
                len: 1,
                inner: 1,
            };
        }
        let inner = shape[axis + 1..].iter().product();
        AxisLayout {
            // with nothing inside, nothing outside: loops over `outer` would otherwise spin
            // through up to 2⁶⁰ empty rows of an empty `[2⁶⁰, n, 0]` (fuzz target `shapes`)
            outer: if inner == 0 {
                0
            } else {
                shape[..axis].iter().product()
            },
            len: shape[axis],
            inner,
        }
    }
    /// Elements of the reduced output, `outer * inner`.
    pub fn reduced(&self) -> usize {
        self.outer * self.inner
    }
    /// Elements of the full input, `outer * len * inner`.
    pub fn numel(&self) -> usize {
        self.outer * self.len * self.inner
    }
}

/// Sum of all elements, accumulated in `f64` so long sums do not drift.
pub fn sum(x: &[f32]) -> f32 {
    sum64(x) as f32
}

/// Sum of all elements in `f64`: lanes into 16 accumulators, fixed parts over threads.
pub fn sum64(x: &[f32]) -> f64 {
    sum_parts(x.len(), |r| {
        let n = r.len();
        sum4((&x[r], NONE, NONE, NONE), n, First)
    })
}

/// Rows of a contiguous reduction handed to one task: about [`EW_GRAIN`] elements.
fn row_grain(row_len: usize) -> usize {
    (EW_GRAIN / row_len.max(1)).max(8).next_multiple_of(8)
}

/// `out[o, i] (=|+=) scale · Σ_k x[o, k, i]`, accumulated in `f64`.
pub fn sum_axis(x: &[f32], l: AxisLayout, scale: f64, out: &mut [f32], acc: Acc) {
    assert_eq!(x.len(), l.numel(), "sum_axis: input length");
    assert_eq!(out.len(), l.reduced(), "sum_axis: output length");
    if out.is_empty() {
        // `inner = 0` (nothing to write; `chunks_mut(0)` would panic) or `outer = 0`
        return;
    }
    if l.inner == 1 {
        if l.outer == 1 {
            return acc.put(&mut out[0], (sum64(x) * scale) as f32);
        }
        let len = l.len;
        return for_chunks(out, row_grain(len), |o0, d| {
            for (k, v) in d.iter_mut().enumerate() {
                let row = &x[(o0 + k) * len..(o0 + k + 1) * len];
                let s = sum4((row, NONE, NONE, NONE), len, First);
                acc.put(v, (s * scale) as f32);
            }
        });
    }
    // column blocks: out[o, i0..i0+w] from rows x[o, k, i0..i0+w], k ascending
    let col = |o: usize, i0: usize, dst: &mut [f32]| {
        let w = dst.len();
        let mut s = [0.0f64; BLOCK];
        let base = o * l.len * l.inner + i0;
        for k in 0..l.len {
            add64(&mut s[..w], &x[base + k * l.inner..base + k * l.inner + w]);
        }
        for (d, &v) in dst.iter_mut().zip(&s) {
            acc.put(d, (v * scale) as f32);
        }
    };
    let row = |(o, r): (usize, &mut [f32])| {
        r.chunks_mut(BLOCK)
            .enumerate()
            .for_each(|(b, d)| col(o, b * BLOCK, d))
    };
    if l.numel() <= EW_GRAIN || par::count::threads() == 1 {
        out.chunks_mut(l.inner).enumerate().for_each(row);
    } else if l.outer >= 2 {
        par::for_units([out], [l.inner], l.outer, 1, 2, &|o0, [rows]| {
            rows.chunks_mut(l.inner)
                .enumerate()
                .for_each(|(k, r)| row((o0 + k, r)))
        });
    } else {
        let n = out.len();
        par::for_units([out], [1], n, BLOCK, 2, &|i0, [d]| col(0, i0, d));
    }
}

/// `out[o, i] (=|+=) scale · Σ_k v(e)`, where `e = (o * len + k) * inner + i` is the flat
/// index of an input element: an axis sum of a value computed on the fly (layer norm's
/// weight gradient sums `g · x̂` over rows without storing the product). `f(e0, s)` adds the
/// values `v(e0 + j)` into `s[j]` for `j < s.len()`: a run of consecutive elements of one
/// row, so the caller's per-row work (a row's mean, say) is done once per run and the run
/// loop can vectorize. Column blocks (or rows of the output) run as parallel pieces above
/// [`EW_GRAIN`] elements; each output sums its `k` in ascending order either way.
pub fn sum_axis_map(
    l: AxisLayout,
    scale: f64,
    out: &mut [f32],
    acc: Acc,
    f: impl Fn(usize, &mut [f64]) + Sync,
) {
    assert_eq!(out.len(), l.reduced(), "sum_axis: output length");
    if out.is_empty() {
        return;
    }
    // out[o, i0..i0+w] from the values of rows (o, k, i0..i0+w), k ascending
    let col = |o: usize, i0: usize, dst: &mut [f32]| {
        let w = dst.len();
        let base = o * l.len * l.inner;
        let mut s = [0.0f64; BLOCK];
        for k in 0..l.len {
            f(base + k * l.inner + i0, &mut s[..w]);
        }
        for (d, &v) in dst.iter_mut().zip(&s[..w]) {
            acc.put(d, (v * scale) as f32);
        }
    };
    let row = |o: usize, r: &mut [f32]| {
        r.chunks_mut(BLOCK)
            .enumerate()
            .for_each(|(b, d)| col(o, b * BLOCK, d))
    };
    if l.numel() <= EW_GRAIN || par::count::threads() == 1 {
        out.chunks_mut(l.inner)
            .enumerate()
            .for_each(|(o, r)| row(o, r));
    } else if l.outer >= 2 {
        par::for_units([out], [l.inner], l.outer, 1, 2, &|o0, [rows]| {
            rows.chunks_mut(l.inner)
                .enumerate()
                .for_each(|(k, r)| row(o0 + k, r))
        });
    } else {
        let n = out.len();
        par::for_units([out], [1], n, BLOCK, 2, &|i0, [d]| col(0, i0, d));
    }
}

/// `out[o, k, i] (=|+=) scale · g[o, i]`: the gradient of an axis sum (or mean, with
/// `scale = 1/len`) spread back over the axis, in lanes and over threads.
pub fn broadcast_axis(g: &[f32], l: AxisLayout, scale: f32, out: &mut [f32], acc: Acc) {
    assert!(
        g.len() == l.reduced() && out.len() == l.numel(),
        "broadcast_axis: lengths"
    );
    if out.is_empty() {
        return;
    }
    if l.inner == 1 {
        if l.outer == 1 {
            let v = Splat::new(scale * g[0]);
            return par_zip4(EW_GRAIN, (v, NONE, NONE, NONE), out, acc, First);
        }
        return for_rows(out, l.len, EW_GRAIN, |o0, chunk| {
            for (k, row) in chunk.chunks_mut(l.len).enumerate() {
                let v = Splat::new(scale * g[o0 + k]);
                zip4((v, NONE, NONE, NONE), row, acc, First);
            }
        });
    }
    for_rows(out, l.inner, EW_GRAIN, |r0, chunk| {
        for (k, row) in chunk.chunks_mut(l.inner).enumerate() {
            let src = &g[(r0 + k) / l.len * l.inner..];
            zip4((src, Splat::new(scale), NONE, NONE), row, acc, ScaleBy);
        }
    });
}

/// `s · v` of operands `(v, s)`.
#[derive(Clone, Copy)]
struct ScaleBy;

impl Lane4 for ScaleBy {
    #[inline(always)]
    fn call<V: Lanes>(self, v: V, s: V, _: V, _: V) -> V {
        s * v
    }
}

/// Sums `full` (of shape `full_shape`) into `out`, where element `i` of `full` goes to
/// `out[offset(i)]` with `bstrides` the input's broadcast strides (0 on broadcast dimensions).
pub fn sum_to_broadcast(
    full: &[f32],
    full_shape: &[usize],
    bstrides: &[usize],
    out: &mut [f32],
    acc: Acc,
) {
    if acc == Acc::Write {
        out.fill(0.0);
    }
    for_each1(full_shape, bstrides, |i, o| out[o] += full[i]);
}

#[cfg(test)]
mod tests;
