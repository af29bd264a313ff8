//! Max pooling: the max over each window's positions inside the input, the first maximum's
//! in-plane index saved for backward (module docs of [`pool`](super)).

use super::{for_planes, Axis, Pool2d};
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

fn plane(x: &[f32], p: &Pool2d, y: &mut [f32], arg: &mut [usize]) {
    let (wi, ow) = (p.w.input, p.w.output);
    let (dh, dw) = (p.h.dilation, p.w.dilation);
    for oh in 0..p.h.output {
        let (h0, h1) = dilated_range(&p.h, oh);
        let (y, arg) = (&mut y[oh * ow..][..ow], &mut arg[oh * ow..][..ow]);
        for (o, (y, arg)) in y.iter_mut().zip(arg).enumerate() {
            let (w0, w1) = dilated_range(&p.w, o);
            let (mut best, mut at) = (f32::NEG_INFINITY, NO_ARG);
            if h0 < h1 && w0 < w1 {
                at = h0 * wi + w0;
            }
            for h in (h0..h1).step_by(dh) {
                let row = &x[h * wi..(h + 1) * wi];
                for w in (w0..w1).step_by(dw) {
                    let v = row[w];
                    if v > best || v.is_nan() {
                        (best, at) = (v, h * wi + w);
                    }
                }
            }
            (*y, *arg) = (best, at);
        }
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
