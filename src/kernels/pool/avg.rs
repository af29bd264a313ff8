//! Average and adaptive average pooling: the mean over clipped windows, and its backward,
//! which spreads each output's gradient evenly over the same window (module docs of
//! [`pool`](super)).

use super::{for_planes, Axis, Pool2d};
use crate::kernels::Acc;

/// A window along one axis: input positions `lo..hi` (empty when `lo >= hi`) and this axis'
/// factor of the divisor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Win {
    pub lo: usize,
    pub hi: usize,
    pub count: usize,
}

/// avg_pool2d's window `i`: clipped to the padded input for the divisor with padding, then to
/// the input for the positions summed.
#[inline]
pub(super) fn avg_win(a: &Axis, i: usize, count_include_pad: bool) -> Win {
    let s = a.start(i);
    let e = (s + a.kernel as i64).min((a.input + a.padding) as i64);
    let pool = (e - s).max(0) as usize;
    let (lo, hi) = (s.max(0) as usize, e.clamp(0, a.input as i64) as usize);
    let count = if count_include_pad {
        pool
    } else {
        hi.saturating_sub(lo)
    };
    Win { lo, hi, count }
}

/// adaptive_avg_pool2d's window `i` of `o` over `n` inputs: `⌊i·n/o⌋ .. ⌈(i+1)·n/o⌉`.
#[inline]
pub(super) fn adaptive_win(n: usize, o: usize, i: usize) -> Win {
    let (lo, hi) = (i * n / o, ((i + 1) * n).div_ceil(o));
    Win {
        lo,
        hi,
        count: hi - lo,
    }
}

/// `y[oh, ow] = Σ x over the window / divisor` for one plane of width `wi`; an empty window
/// gives 0.
fn mean_plane(
    x: &[f32],
    wi: usize,
    hw: impl Fn(usize) -> Win,
    ww: impl Fn(usize) -> Win,
    ow: usize,
    y: &mut [f32],
) {
    for (oh, y) in y.chunks_exact_mut(ow).enumerate() {
        let h = hw(oh);
        for (o, y) in y.iter_mut().enumerate() {
            let w = ww(o);
            if h.lo >= h.hi || w.lo >= w.hi {
                *y = 0.0;
                continue;
            }
            let mut s = 0.0f64;
            for r in h.lo..h.hi {
                s += x[r * wi + w.lo..r * wi + w.hi]
                    .iter()
                    .map(|&v| v as f64)
                    .sum::<f64>();
            }
            *y = (s / (h.count * w.count) as f64) as f32;
        }
    }
}

/// `dx += g[oh, ow] / divisor` over each output's window, for one plane.
fn mean_plane_backward(
    g: &[f32],
    wi: usize,
    hw: impl Fn(usize) -> Win,
    ww: impl Fn(usize) -> Win,
    ow: usize,
    dx: &mut [f32],
) {
    for (oh, g) in g.chunks_exact(ow).enumerate() {
        let h = hw(oh);
        for (o, &g) in g.iter().enumerate() {
            let w = ww(o);
            if h.lo >= h.hi || w.lo >= w.hi {
                continue;
            }
            let v = g / (h.count * w.count) as f32;
            for r in h.lo..h.hi {
                dx[r * wi + w.lo..r * wi + w.hi]
                    .iter_mut()
                    .for_each(|d| *d += v);
            }
        }
    }
}

/// Average pooling (`F.avg_pool2d`; `p`'s dilations must be 1): `x` is `[planes, H, W]`, `y`
/// `[planes, oh, ow]`; the divisor follows `count_include_pad` (module docs).
///
/// ```
/// use arenagrad::kernels::pool::{avg_pool2d, Axis, Pool2d};
/// // one row of 3 with padding 1, kernel 2, stride 2: windows [pad, 1] and [2, 3]
/// let h = Axis { input: 1, output: 1, kernel: 1, stride: 1, padding: 0, dilation: 1 };
/// let w = Axis { input: 3, output: 2, kernel: 2, stride: 2, padding: 1, dilation: 1 };
/// let p = Pool2d { planes: 1, h, w };
/// let mut y = [0.0; 2];
/// avg_pool2d(&[1.0, 2.0, 3.0], &p, true, &mut y);
/// assert_eq!(y, [0.5, 2.5]);
/// avg_pool2d(&[1.0, 2.0, 3.0], &p, false, &mut y);
/// assert_eq!(y, [1.0, 2.5]);
/// ```
pub fn avg_pool2d(x: &[f32], p: &Pool2d, count_include_pad: bool, y: &mut [f32]) {
    let (ip, op) = (p.in_plane(), p.out_plane());
    assert!(x.len() == p.planes * ip && y.len() == p.planes * op);
    let none: &mut [u8] = &mut [];
    for_planes(p.planes, p.work(), (y, op), (none, 0), &|pl, y, _| {
        let hw = |i| avg_win(&p.h, i, count_include_pad);
        let ww = |i| avg_win(&p.w, i, count_include_pad);
        let x = &x[pl * ip..(pl + 1) * ip];
        mean_plane(x, p.w.input, hw, ww, p.w.output, y)
    });
}

/// Average pooling's input gradient: `g / divisor` over each output's clipped window.
///
/// ```
/// use arenagrad::kernels::{Acc, pool::{avg_pool2d_backward, Axis, Pool2d}};
/// let h = Axis { input: 1, output: 1, kernel: 1, stride: 1, padding: 0, dilation: 1 };
/// let w = Axis { input: 3, output: 2, kernel: 2, stride: 2, padding: 1, dilation: 1 };
/// let p = Pool2d { planes: 1, h, w };
/// let mut dx = [0.0; 3];
/// avg_pool2d_backward(&[1.0, 4.0], &p, true, &mut dx, Acc::Write);
/// assert_eq!(dx, [0.5, 2.0, 2.0]);
/// ```
pub fn avg_pool2d_backward(
    g: &[f32],
    p: &Pool2d,
    count_include_pad: bool,
    dx: &mut [f32],
    acc: Acc,
) {
    let (ip, op) = (p.in_plane(), p.out_plane());
    assert!(g.len() == p.planes * op && dx.len() == p.planes * ip);
    let none: &mut [u8] = &mut [];
    for_planes(p.planes, p.work(), (dx, ip), (none, 0), &|pl, dx, _| {
        if acc == Acc::Write {
            dx.fill(0.0);
        }
        let hw = |i| avg_win(&p.h, i, count_include_pad);
        let ww = |i| avg_win(&p.w, i, count_include_pad);
        let g = &g[pl * op..(pl + 1) * op];
        mean_plane_backward(g, p.w.input, hw, ww, p.w.output, dx)
    });
}

/// Adaptive average pooling of `[planes, H, W]` (`input = [H, W]`, both `>= 1`) to
/// `[planes, oh, ow]` (`output`, both `>= 1`).
///
/// ```
/// use arenagrad::kernels::pool::adaptive_avg_pool2d;
/// // a row of 5 to 3 outputs: windows 0..2, 1..4, 3..5
/// let mut y = [0.0; 3];
/// adaptive_avg_pool2d(&[1.0, 2.0, 3.0, 4.0, 5.0], 1, [1, 5], [1, 3], &mut y);
/// assert_eq!(y, [1.5, 3.0, 4.5]);
/// ```
pub fn adaptive_avg_pool2d(
    x: &[f32],
    planes: usize,
    input: [usize; 2],
    output: [usize; 2],
    y: &mut [f32],
) {
    let ([h, w], [oh, ow]) = (input, output);
    let (ip, op) = (h * w, oh * ow);
    assert!(oh > 0 && ow > 0 && x.len() == planes * ip && y.len() == planes * op);
    let none: &mut [u8] = &mut [];
    for_planes(planes, 2 * ip + op, (y, op), (none, 0), &|pl, y, _| {
        let x = &x[pl * ip..(pl + 1) * ip];
        let (hw, ww) = (|i| adaptive_win(h, oh, i), |i| adaptive_win(w, ow, i));
        mean_plane(x, w, hw, ww, ow, y)
    });
}

/// Adaptive average pooling's input gradient: `g / window size` over each window.
///
/// ```
/// use arenagrad::kernels::{Acc, pool::adaptive_avg_pool2d_backward};
/// let mut dx = [0.0; 5];
/// adaptive_avg_pool2d_backward(&[2.0, 3.0, 4.0], 1, [1, 5], [1, 3], &mut dx, Acc::Write);
/// assert_eq!(dx, [1.0, 2.0, 1.0, 3.0, 2.0]);
/// ```
pub fn adaptive_avg_pool2d_backward(
    g: &[f32],
    planes: usize,
    input: [usize; 2],
    output: [usize; 2],
    dx: &mut [f32],
    acc: Acc,
) {
    let ([h, w], [oh, ow]) = (input, output);
    let (ip, op) = (h * w, oh * ow);
    assert!(oh > 0 && ow > 0 && g.len() == planes * op && dx.len() == planes * ip);
    let none: &mut [u8] = &mut [];
    for_planes(planes, 2 * ip + op, (dx, ip), (none, 0), &|pl, dx, _| {
        if acc == Acc::Write {
            dx.fill(0.0);
        }
        let g = &g[pl * op..(pl + 1) * op];
        let (hw, ww) = (|i| adaptive_win(h, oh, i), |i| adaptive_win(w, ow, i));
        mean_plane_backward(g, w, hw, ww, ow, dx)
    });
}
