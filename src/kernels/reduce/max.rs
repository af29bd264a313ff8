//! Max over everything and along an axis, with NaN propagation as `torch.max`.
//!
//! The lanes keep a running `fast_max` and, apart, a mask of the NaNs seen, so the loop has
//! no branch; a NaN anywhere makes the result NaN. Max is exact, so the fixed parts of the
//! parallel form give the same value on any number of threads (only the sign of a zero
//! maximum, when `+0` and `−0` both occur, may differ from a sequential left-to-right scan).

use super::AxisLayout;
use crate::kernels::par::{self, reduce_parts, EW_GRAIN};
use crate::kernels::simd::{dispatch, par_zip4, Lane4, Lanes, LANES, NONE};
use crate::kernels::Acc;

/// `(max, saw NaN)` of a non-empty slice, NaNs left out of the max.
fn max_lanes(x: &[f32]) -> (f32, bool) {
    dispatch!(|V| max_lanes_on::<V>(x))
}

#[inline(always)]
fn max_lanes_on<V: Lanes>(x: &[f32]) -> (f32, bool) {
    let mut m = V::splat(x[0]);
    let mut nan = V::splat(0.0);
    let mut chunks = x.chunks_exact(LANES);
    for c in &mut chunks {
        let v = V::load(c);
        nan = nan | v.is_nan();
        m = m.fast_max(v);
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        // pad with x[0], which cannot change the max
        let mut a = [x[0]; LANES];
        a[..rest.len()].copy_from_slice(rest);
        let v = V::from_fn(|l| a[l]);
        nan = nan | v.is_nan();
        m = m.fast_max(v);
    }
    if nan.any() {
        return (f32::NAN, true);
    }
    (
        m.to_array().into_iter().fold(f32::NEG_INFINITY, f32::max),
        false,
    )
}

/// The largest element, NaN if any element is NaN (as `torch.max`); `None` when empty.
pub fn max_all(x: &[f32]) -> Option<f32> {
    if x.is_empty() {
        return None;
    }
    let (m, _) = reduce_parts(
        x.len(),
        |r| max_lanes(&x[r]),
        |a, b| {
            if a.1 || b.1 {
                (f32::NAN, true)
            } else {
                (a.0.max(b.0), false)
            }
        },
    );
    Some(m)
}

/// Lanes equal to `value` (NaN lanes when `value` is NaN).
#[inline(always)]
fn hits<V: Lanes>(v: V, value: f32) -> V {
    if value.is_nan() {
        v.is_nan()
    } else {
        v.simd_eq(V::splat(value))
    }
}

/// `share` where [`hits`], 0 elsewhere, as a [`Lane4`] of `(x)`.
#[derive(Clone, Copy)]
struct Share {
    value: f32,
    share: f32,
}

impl Lane4 for Share {
    #[inline(always)]
    fn call<V: Lanes>(self, v: V, _: V, _: V, _: V) -> V {
        hits(v, self.value) & V::splat(self.share)
    }
}

/// `out[k] (=|+=) g / count` at every element equal to `value` (every NaN when `value` is
/// NaN), 0 elsewhere, where `count` is the number of such elements: the gradient of an
/// all-element max, split evenly among ties (PyTorch's `evenly_distribute_backward`).
pub fn max_all_backward(x: &[f32], value: f32, g: f32, out: &mut [f32], acc: Acc) {
    assert_eq!(x.len(), out.len(), "max_all_backward: length mismatch");
    let count = reduce_parts(
        x.len(),
        |r| {
            let c = &x[r];
            let mut chunks = c.chunks_exact(LANES);
            let n = dispatch!(|V| {
                let mut n = 0usize;
                for ch in &mut chunks {
                    n += hits(V::load(ch), value).count_set() as usize;
                }
                n
            });
            let hit = |v: f32| {
                if value.is_nan() {
                    v.is_nan()
                } else {
                    v == value
                }
            };
            n + chunks.remainder().iter().filter(|&&v| hit(v)).count()
        },
        |a, b| a + b,
    );
    let share = Share {
        value,
        share: g / count as f32,
    };
    par_zip4(EW_GRAIN, (x, NONE, NONE, NONE), out, acc, share);
}

/// `out[o, i] = max_k x[o, k, i]` and `arg[o, i]` = the FIRST `k` attaining it, as
/// `torch.max(x, dim)`: the first NaN wins. `len` must be > 0.
pub fn max_axis(x: &[f32], l: AxisLayout, out: &mut [f32], arg: &mut [usize]) {
    assert!(l.len > 0, "max_axis: empty axis");
    assert!(x.len() == l.numel() && out.len() == l.reduced() && arg.len() == l.reduced());
    if out.is_empty() {
        // `inner = 0` or `outer = 0`: nothing to write (`chunks_mut(0)` would panic)
        return;
    }
    let (len, inner) = (l.len, l.inner);
    // one output row `o` (inner values) of the `[outer, inner]` result
    let row = |o: usize, out: &mut [f32], arg: &mut [usize]| {
        let base = o * len * inner;
        if inner == 1 {
            let r = &x[base..base + len];
            let (m, nan) = max_lanes(r);
            let k = if nan {
                r.iter().position(|v| v.is_nan())
            } else {
                r.iter().position(|&v| v == m)
            };
            let k = k.expect("the max is one of the elements");
            (out[0], arg[0]) = (r[k], k);
            return;
        }
        out.copy_from_slice(&x[base..base + inner]);
        arg.fill(0);
        for k in 1..len {
            let src = &x[base + k * inner..base + (k + 1) * inner];
            for ((b, a), &v) in out.iter_mut().zip(arg.iter_mut()).zip(src) {
                if !b.is_nan() && (v > *b || v.is_nan()) {
                    (*b, *a) = (v, k);
                }
            }
        }
    };
    let rows = |o: std::ops::Range<usize>, out: &mut [f32], arg: &mut [usize]| {
        let rows = out.chunks_mut(inner).zip(arg.chunks_mut(inner));
        rows.enumerate()
            .for_each(|(k, (v, a))| row(o.start + k, v, a));
    };
    if l.numel() <= EW_GRAIN || par::count::threads() == 1 {
        return rows(0..l.outer, out, arg);
    }
    let min_rows = (EW_GRAIN / (len * inner)).max(1);
    par::for_pair((out, arg), (inner, inner), l.outer, min_rows, 2, &rows);
}

/// `out[o, k, i] (=|+=) g[o, i]` where `k = arg[o, i]`, 0 elsewhere: the gradient of
/// [`max_axis`].
pub fn max_axis_backward(g: &[f32], arg: &[usize], l: AxisLayout, out: &mut [f32], acc: Acc) {
    assert!(g.len() == l.reduced() && arg.len() == l.reduced() && out.len() == l.numel());
    if acc == Acc::Write {
        out.fill(0.0);
    }
    for o in 0..l.outer {
        for i in 0..l.inner {
            let r = o * l.inner + i;
            out[(o * l.len + arg[r]) * l.inner + i] += g[r];
        }
    }
}
