//! RMS norm over contiguous rows of length `d`: `rstd = 1/√(mean(x²) + ε)`, `x̂ = x · rstd`,
//! `y = x̂ · w`. Backward with `ĝ = g · w`:
//!
//! - `dx = rstd · (ĝ − x̂ · mean(ĝ · x̂))` (layer norm's formula without the mean terms: here
//!   `∂rstd/∂x_j = −rstd³ x_j / d`, so `dx_j = rstd ĝ_j − rstd³ x_j Σ_i ĝ_i x_i / d`),
//! - `dw = Σ_rows g · x̂`.
//!
//! Row sums are `f32` lanes in a fixed order (`row_sum!`), as PyTorch's vectorised mean is in
//! `f32`; the element-wise parts are generic over [`Vector`], so a row's tail computes what a
//! lane would. Rows run in parallel under [`ROWS`](super::ROWS); the scalar twins (`f64` sums)
//! are in `scalar.rs`.

use super::ROWS;
use crate::kernels::par::for_units;
use crate::kernels::reduce::{sum_axis_map, AxisLayout};
use crate::kernels::simd::{each_lane, put, row_sum, Vector};
use crate::kernels::Acc;

#[inline(always)]
fn ld<L: Vector>(s: &[f32], i: usize) -> L {
    L::load(&s[i..])
}

/// `x̂ · w` (or `x̂`) of lanes `i..`.
#[inline(always)]
fn out<L: Vector, const HW: bool>(i: usize, x: &[f32], w: &[f32], rs: f32, y: &mut [f32]) {
    let xhat = ld::<L>(x, i) * L::splat(rs);
    let v = if HW { xhat * ld::<L>(w, i) } else { xhat };
    v.store(&mut y[i..]);
}

/// One row: returns its `rstd`.
fn row(x: &[f32], w: Option<&[f32]>, eps: f32, y: &mut [f32]) -> f32 {
    let d = x.len();
    let ms = row_sum!(d, |i, L| {
        let v = ld::<L>(x, i);
        v * v
    }) / d as f32;
    let rs = 1.0 / (ms + eps).sqrt();
    let y = &mut y[..d];
    match w.map(|w| &w[..d]) {
        Some(w) => each_lane!(d, out::<true>(x, w, rs, y)),
        None => each_lane!(d, out::<false>(x, &[], rs, y)),
    }
    rs
}

/// `ĝ = g · w` (or `g`) and `x̂ = x · rstd` of lanes `i..`.
#[inline(always)]
fn gh_xhat<L: Vector, const HW: bool>(
    i: usize,
    x: &[f32],
    g: &[f32],
    w: &[f32],
    rs: f32,
) -> (L, L) {
    let g = ld::<L>(g, i);
    let gh = if HW { g * ld::<L>(w, i) } else { g };
    (gh, ld::<L>(x, i) * L::splat(rs))
}

#[inline(always)]
#[allow(clippy::too_many_arguments)] // the row, its gradient, the weight, rstd, the sum, the output
fn bwd<L: Vector, const HW: bool>(
    i: usize,
    x: &[f32],
    g: &[f32],
    w: &[f32],
    (rs, b): (f32, f32),
    dx: &mut [f32],
    acc: Acc,
) {
    let (gh, xhat) = gh_xhat::<L, HW>(i, x, g, w, rs);
    put(acc, &mut dx[i..], L::splat(rs) * (gh - xhat * L::splat(b)));
}

fn backward_row<const HW: bool>(
    x: &[f32],
    g: &[f32],
    w: &[f32],
    rs: f32,
    dx: &mut [f32],
    acc: Acc,
) {
    let d = x.len();
    let s = row_sum!(d, |i, L| {
        let (gh, xhat) = gh_xhat::<L, HW>(i, x, g, w, rs);
        gh * xhat
    });
    each_lane!(d, bwd::<HW>(x, g, w, (rs, s / d as f32), dx, acc));
}

/// RMS norm of contiguous rows of length `d > 0`: per row `rstd = 1/√(mean(x²) + eps)` and
/// `y = x · rstd · w` (`w` of length `d`, or 1).
///
/// ```
/// use arenagrad::kernels::rowwise::rms_norm;
/// // row [3, 4]: mean(x²) = 12.5, eps 3.5: rstd = 1/4
/// let (mut y, mut rstd) = ([0.0; 2], [0.0]);
/// rms_norm(&[3.0, 4.0], 2, Some(&[2.0, 1.0]), 3.5, &mut y, &mut rstd);
/// assert_eq!((y, rstd), ([1.5, 1.0], [0.25]));
/// ```
pub fn rms_norm(x: &[f32], d: usize, w: Option<&[f32]>, eps: f32, y: &mut [f32], rstd: &mut [f32]) {
    assert!(d > 0 && x.len() == y.len() && x.len() == d * rstd.len());
    assert!(w.is_none_or(|w| w.len() == d));
    let (chunk, grain) = ROWS.units(d);
    for_units(
        [y, rstd],
        [d, 1],
        x.len() / d,
        chunk,
        grain,
        &|r0, [y, rstd]| {
            let x = &x[r0 * d..][..y.len()];
            for (r, (x, y)) in x.chunks_exact(d).zip(y.chunks_exact_mut(d)).enumerate() {
                rstd[r] = row(x, w, eps, y);
            }
        },
    );
}

/// RMS norm's input gradient: `dx = rstd · (ĝ − x̂ · mean(ĝ · x̂))` per row, `ĝ = g · w`.
///
/// ```
/// use arenagrad::kernels::{Acc, rowwise::rms_norm_backward_x};
/// // row [3, 4], rstd 1/4: x̂ = [3/4, 1], g = [4, 0]: mean(g x̂) = 3/2,
/// // dx = [(4 − 9/8)/4, (0 − 3/2)/4] = [23/32, −3/8]
/// let mut dx = [0.0; 2];
/// rms_norm_backward_x(&[3.0, 4.0], &[4.0, 0.0], None, &[0.25], 2, &mut dx, Acc::Write);
/// assert_eq!(dx, [0.71875, -0.375]);
/// ```
#[allow(clippy::too_many_arguments)] // input, gradient, weight, saved rstd, row length, output
pub fn rms_norm_backward_x(
    x: &[f32],
    g: &[f32],
    w: Option<&[f32]>,
    rstd: &[f32],
    d: usize,
    dx: &mut [f32],
    acc: Acc,
) {
    assert!(x.len() == g.len() && x.len() == dx.len() && x.len() == d * rstd.len());
    assert!(d > 0 && w.is_none_or(|w| w.len() == d));
    let (chunk, grain) = ROWS.units(d);
    for_units([dx], [d], rstd.len(), chunk, grain, &|r0, [dx]| {
        let (x, g) = (&x[r0 * d..][..dx.len()], &g[r0 * d..][..dx.len()]);
        let rows = x.chunks_exact(d).zip(g.chunks_exact(d));
        for (r, ((x, g), dx)) in rows.zip(dx.chunks_exact_mut(d)).enumerate() {
            let rs = rstd[r0 + r];
            match w {
                Some(w) => backward_row::<true>(x, g, w, rs, dx, acc),
                None => backward_row::<false>(x, g, &[], rs, dx, acc),
            }
        }
    });
}

/// RMS norm's weight gradient: `dw_j = Σ_rows g · x̂` (`f64` column sums).
///
/// ```
/// use arenagrad::kernels::{Acc, rowwise::rms_norm_backward_w};
/// let mut dw = [0.0; 2];
/// rms_norm_backward_w(&[3.0, 4.0], &[4.0, 2.0], &[0.25], 2, &mut dw, Acc::Write);
/// assert_eq!(dw, [3.0, 2.0]);
/// ```
pub fn rms_norm_backward_w(x: &[f32], g: &[f32], rstd: &[f32], d: usize, dw: &mut [f32], acc: Acc) {
    assert!(x.len() == g.len() && x.len() == d * rstd.len() && dw.len() == d);
    let l = AxisLayout {
        outer: 1,
        len: rstd.len(),
        inner: d,
    };
    sum_axis_map(l, 1.0, dw, acc, |e0, s| {
        let (rs, run) = (rstd[e0 / d], e0..e0 + s.len());
        for ((s, &g), &x) in s.iter_mut().zip(&g[run.clone()]).zip(&x[run]) {
            *s += (g * (x * rs)) as f64;
        }
    });
}
