//! Max pooling: the max over each window's positions inside the input, the first maximum's
//! in-plane index saved for backward (module docs of [`pool`](super)).

use super::{for_planes, Axis, Pool2d};
use crate::kernels::simd::{dispatch, Lanes, LANES};
use crate::kernels::window::valid;
use crate::kernels::Acc;

/// The saved index of a window with no position inside the input (only possible with
/// dilation): its output is −∞ and backward gives it no gradient.
pub const NO_ARG: usize = usize::MAX;

/// Output `i`'s positions inside the input: `first, first + d, .. < end` (empty when
/// `first >= end`). Left-padding positions are skipped by whole dilation steps.
#[inline]
pub(super) fn dilated_range(a: &Axis, i: usize) -> (usize, usize) {
    let (s, d) = (a.start(i), a.dilation as i64);
    let end = (s + (a.kernel as i64 - 1) * d + 1).min(a.input as i64);
    let first = if s < 0 {
        s + ((-s) as u64).div_ceil(d as u64) as i64 * d
    } else {
        s
    };
    (first as usize, end.max(0) as usize)
}

/// `y = max` over each window and `arg` = the in-plane index `h·W + w` of the first maximum
/// (a NaN, the last one, wins, as in PyTorch); `x` is `[planes, H, W]`, `y` and `arg`
/// `[planes, oh, ow]`.
///
/// ```
/// use arenagrad::kernels::pool::{max_pool2d, Axis, Pool2d};
/// let axis = |n| Axis { input: n, output: 1, kernel: 2, stride: 2, padding: 0, dilation: 1 };
/// let p = Pool2d { planes: 1, h: axis(2), w: axis(2) };
/// let (mut y, mut arg) = ([0.0], [0]);
/// max_pool2d(&[1.0, 4.0, 3.0, 2.0], &p, &mut y, &mut arg);
/// assert_eq!((y, arg), ([4.0], [1]));
/// ```
pub fn max_pool2d(x: &[f32], p: &Pool2d, y: &mut [f32], arg: &mut [usize]) {
    let (ip, op) = (p.in_plane(), p.out_plane());
    assert!(x.len() == p.planes * ip && y.len() == p.planes * op && arg.len() == y.len());
    for_planes(p.planes, p.work(), (y, op), (arg, op), &|pl, y, arg| {
        plane(&x[pl * ip..(pl + 1) * ip], p, y, arg)
    });
}

/// Largest plane whose in-plane indices the vector path tracks as `f32` (exact integers).
const EXACT_F32: usize = 1 << 24;

/// One plane. Along each output row, the outputs whose whole window row lies inside the input
/// (`lo..hi`, every kernel column valid) go up to 8 at a time through [`interior`]; the others, and
/// planes too large for exact `f32` indices, through [`window`].
fn plane(x: &[f32], p: &Pool2d, y: &mut [f32], arg: &mut [usize]) {
    dispatch!(|V| plane_on::<V>(x, p, y, arg))
}

#[inline(always)]
fn plane_on<V: Lanes>(x: &[f32], p: &Pool2d, y: &mut [f32], arg: &mut [usize]) {
    let (wi, ow, kw) = (p.w.input, p.w.output, p.w.kernel);
    let (sw, dw, pw) = (p.w.stride, p.w.dilation, p.w.padding);
    // outputs whose first tap and last tap are both inside the row
    let (lo, _) = valid(0, pw, sw, wi, ow);
    let (_, hi) = valid((kw - 1) * dw, pw, sw, wi, ow);
    let (lo, hi) = if p.in_plane() <= EXACT_F32 {
        (lo, hi.max(lo))
    } else {
        (0, 0)
    };
    for oh in 0..p.h.output {
        let rows = dilated_range(&p.h, oh);
        let (y, arg) = (&mut y[oh * ow..][..ow], &mut arg[oh * ow..][..ow]);
        for o in (0..lo).chain(hi..ow) {
            (y[o], arg[o]) = window(x, p, rows, o);
        }
        for o in (lo..hi).step_by(LANES) {
            let n = LANES.min(hi - o);
            interior::<V>(x, p, rows, o, &mut y[o..o + n], &mut arg[o..o + n]);
        }
    }
}

/// Output `o`'s maximum and the index of its first maximum (a NaN, the last one, wins; an
/// empty window gives −∞ and [`NO_ARG`]).
fn window(x: &[f32], p: &Pool2d, (h0, h1): (usize, usize), o: usize) -> (f32, usize) {
    let wi = p.w.input;
    let (w0, w1) = dilated_range(&p.w, o);
    let (mut best, mut at) = (f32::NEG_INFINITY, NO_ARG);
    if h0 < h1 && w0 < w1 {
        at = h0 * wi + w0;
    }
    for h in (h0..h1).step_by(p.h.dilation) {
        let row = &x[h * wi..(h + 1) * wi];
        for w in (w0..w1).step_by(p.w.dilation) {
            let v = row[w];
            if v > best || v.is_nan() {
                (best, at) = (v, h * wi + w);
            }
        }
    }
    (best, at)
}

/// Outputs `o..o + n` (`n = y.len() <= 8`), whose window columns all lie inside the input, as
/// [`window`] computes them, in lanes (lanes past `n` read further along the plane, or repeat
/// the last output near its end, and are dropped): each tap in the window's row-major order replaces the best so far where it
/// is greater or NaN (a compare and a select, no branch on the data), its in-plane index kept
/// as an exact `f32`. A window with no row inside gives −∞ and [`NO_ARG`].
#[inline(always)]
fn interior<V: Lanes>(
    x: &[f32],
    p: &Pool2d,
    (h0, h1): (usize, usize),
    o: usize,
    y: &mut [f32],
    arg: &mut [usize],
) {
    if h0 >= h1 {
        y.fill(f32::NEG_INFINITY);
        arg.fill(NO_ARG);
        return;
    }
    let (wi, sw, dw) = (p.w.input, p.w.stride, p.w.dilation);
    let c0 = o * sw - p.w.padding; // the first tap's column of output `o`
    let n = y.len();
    let lane = V::from_fn(|l| (l.min(n - 1) * sw) as f32);
    let taps = |at: usize| -> V {
        if sw == 1 && at + LANES <= x.len() {
            V::load(&x[at..])
        } else if sw == 2 && at + 2 * LANES <= x.len() {
            // the even positions of 16 consecutive values: register shuffles, not 8 inserts
            let v: &[f32; 2 * LANES] = x[at..at + 2 * LANES].try_into().expect("16 floats");
            V::from_fn(|l| v[2 * l])
        } else {
            V::from_fn(|l| x[at + l.min(n - 1) * sw])
        }
    };
    let mut best = taps(h0 * wi + c0);
    let mut idx = V::splat((h0 * wi + c0) as f32) + lane;
    for h in (h0..h1).step_by(p.h.dilation) {
        for j in 0..p.w.kernel {
            let at = h * wi + c0 + j * dw;
            let v = taps(at);
            let take = v.simd_gt(best) | v.is_nan();
            best = take.select(v, best);
            idx = take.select(V::splat(at as f32) + lane, idx);
        }
    }
    y.copy_from_slice(&best.to_array()[..n]);
    // exact integers below 2²⁴: one vector conversion, then widening moves
    for (a, i) in arg.iter_mut().zip(idx.trunc_to_i32()) {
        *a = i as u32 as usize;
    }
}

/// Max pooling's input gradient: each output's `g` added at its saved index (none for
/// [`NO_ARG`]); every other element gets 0.
///
/// ```
/// use arenagrad::kernels::{Acc, pool::{max_pool2d_backward, Axis, Pool2d}};
/// let axis = |n| Axis { input: n, output: 1, kernel: 2, stride: 2, padding: 0, dilation: 1 };
/// let p = Pool2d { planes: 1, h: axis(2), w: axis(2) };
/// let mut dx = [9.0; 4];
/// max_pool2d_backward(&[5.0], &[1], &p, &mut dx, Acc::Write);
/// assert_eq!(dx, [0.0, 5.0, 0.0, 0.0]);
/// ```
pub fn max_pool2d_backward(g: &[f32], arg: &[usize], p: &Pool2d, dx: &mut [f32], acc: Acc) {
    let (ip, op) = (p.in_plane(), p.out_plane());
    assert!(g.len() == p.planes * op && arg.len() == g.len() && dx.len() == p.planes * ip);
    let none: &mut [u8] = &mut [];
    for_planes(p.planes, p.work(), (dx, ip), (none, 0), &|pl, dx, _| {
        if acc == Acc::Write {
            dx.fill(0.0);
        }
        let (g, arg) = (&g[pl * op..(pl + 1) * op], &arg[pl * op..(pl + 1) * op]);
        for (&g, &a) in g.iter().zip(arg) {
            if a != NO_ARG {
                dx[a] += g;
            }
        }
    });
}
