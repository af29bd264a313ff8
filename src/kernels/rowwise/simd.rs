//! `f32x8` bodies of the row kernels, for one row (contiguous) or one slab of columns (rows at
//! stride `inner > 1`, eight neighbouring rows per vector). Row sums are `f32` lanes combined
//! in a fixed order (`row_sum!`); the element-wise parts are generic over [`Vector`], so the
//! tail of a row computes exactly what a lane would.

use crate::kernels::simd::{each_lane, exp, put, row_max, row_sum, Vector};
use crate::kernels::Acc;

#[inline(always)]
fn ld<L: Vector>(s: &[f32], i: usize) -> L {
    L::load(&s[i..])
}

#[inline(always)]
fn scale_by<L: Vector>(i: usize, y: &mut [f32], r: f32) {
    (ld::<L>(y, i) * L::splat(r)).store(&mut y[i..]);
}

/// `Σ_k e^{x_k − m}` of a row.
#[inline(always)]
pub(crate) fn sum_exp(x: &[f32], m: f32) -> f32 {
    row_sum!(x.len(), |i, L| exp(ld::<L>(x, i) - L::splat(m)))
}

/// `y = e^{x − m} / Σ e^{x − m}` of one contiguous row: a pass for the max, one storing and
/// summing the exponentials, one scaling by `1/Σ` (a multiply, as PyTorch's vectorised softmax
/// does, rather than eight-lane divisions at a fifth of the throughput).
pub(super) fn softmax_row(x: &[f32], y: &mut [f32]) {
    let m = row_max(x);
    let s = row_sum!(x.len(), |i, L| {
        let e = exp(ld::<L>(x, i) - L::splat(m));
        e.store(&mut y[i..]);
        e
    });
    each_lane!(y.len(), scale_by(y, 1.0 / s));
}

#[inline(always)]
fn shift_store<L: Vector>(i: usize, x: &[f32], m: f32, lse: f32, y: &mut [f32]) {
    (ld::<L>(x, i) - L::splat(m) - L::splat(lse)).store(&mut y[i..]);
}

/// `y = x − m − ln Σ e^{x − m}` of one contiguous row.
pub(super) fn log_softmax_row(x: &[f32], y: &mut [f32]) {
    let m = row_max(x);
    let lse = sum_exp(x, m).ln();
    each_lane!(x.len(), shift_store(x, m, lse, y));
}

#[inline(always)]
fn softmax_bwd<L: Vector>(i: usize, y: &[f32], g: &[f32], dot: f32, dx: &mut [f32], acc: Acc) {
    let y = ld::<L>(y, i);
    put(acc, &mut dx[i..], y * (ld::<L>(g, i) - L::splat(dot)));
}

/// `dx = y · (g − Σ g y)` of one contiguous row.
pub(super) fn softmax_backward_row(y: &[f32], g: &[f32], dx: &mut [f32], acc: Acc) {
    let dot = row_sum!(y.len(), |i, L| ld::<L>(g, i) * ld::<L>(y, i));
    each_lane!(y.len(), softmax_bwd(y, g, dot, dx, acc));
}

#[inline(always)]
fn log_softmax_bwd<L: Vector>(i: usize, y: &[f32], g: &[f32], sg: f32, dx: &mut [f32], acc: Acc) {
    let v = ld::<L>(g, i) - exp(ld::<L>(y, i)) * L::splat(sg);
    put(acc, &mut dx[i..], v);
}

/// `dx = g − e^y · Σ g` of one contiguous row.
pub(super) fn log_softmax_backward_row(y: &[f32], g: &[f32], dx: &mut [f32], acc: Acc) {
    let sg = row_sum!(g.len(), |i, L| ld::<L>(g, i));
    each_lane!(y.len(), log_softmax_bwd(y, g, sg, dx, acc));
}

/// Per-row layer norm statistics `(mean, rstd)` with the biased variance (two passes). The mean
/// is summed as `x₀ + Σ (x − x₀) / d` (data shifted by the row's first element): an `f32` sum of
/// `d` equal values is not `d·c` in general, and a constant row must normalise to exactly 0, as
/// PyTorch's Welford moments give; the shift also keeps the sum small when `|mean| ≫ std`.
fn moments(x: &[f32], eps: f32) -> (f32, f32) {
    let d = x.len() as f32;
    let x0 = x[0];
    let mu = x0 + row_sum!(x.len(), |i, L| ld::<L>(x, i) - L::splat(x0)) / d;
    let var = row_sum!(x.len(), |i, L| {
        let c = ld::<L>(x, i) - L::splat(mu);
        c * c
    }) / d;
    (mu, 1.0 / (var + eps).sqrt())
}

/// Loads `w` at `i` when the parameter is present (`HAS`), else `default`.
#[inline(always)]
fn wb<L: Vector, const HAS: bool>(p: &[f32], i: usize, default: f32) -> L {
    if HAS {
        ld::<L>(p, i)
    } else {
        L::splat(default)
    }
}

#[inline(always)]
#[allow(clippy::too_many_arguments)] // the row, its statistics, the parameters, the output
fn ln_out<L: Vector, const HW: bool, const HB: bool>(
    i: usize,
    x: &[f32],
    mu: f32,
    rs: f32,
    w: &[f32],
    b: &[f32],
    y: &mut [f32],
) {
    let xhat = (ld::<L>(x, i) - L::splat(mu)) * L::splat(rs);
    (xhat * wb::<L, HW>(w, i, 1.0) + wb::<L, HB>(b, i, 0.0)).store(&mut y[i..]);
}

/// Layer norm of one row; returns `(mean, rstd)`. The presence of `w` and `b` is made a
/// constant of the element loop (four instances), and every slice cut to `d`, so the loop has
/// neither branches nor bounds checks.
pub(super) fn layer_norm_row(
    x: &[f32],
    w: Option<&[f32]>,
    b: Option<&[f32]>,
    eps: f32,
    y: &mut [f32],
) -> (f32, f32) {
    let d = x.len();
    let (mu, rs) = moments(x, eps);
    let y = &mut y[..d];
    match (w.map(|w| &w[..d]), b.map(|b| &b[..d])) {
        (Some(w), Some(b)) => each_lane!(d, ln_out::<true, true>(x, mu, rs, w, b, y)),
        (Some(w), None) => each_lane!(d, ln_out::<true, false>(x, mu, rs, w, &[], y)),
        (None, Some(b)) => each_lane!(d, ln_out::<false, true>(x, mu, rs, &[], b, y)),
        (None, None) => each_lane!(d, ln_out::<false, false>(x, mu, rs, &[], &[], y)),
    }
    (mu, rs)
}

/// The row's per-element pieces: `ĝ = g·w` and `x̂ = (x − μ)·rstd`.
#[inline(always)]
fn gh_xhat<L: Vector, const HW: bool>(
    i: usize,
    x: &[f32],
    g: &[f32],
    w: &[f32],
    mu: f32,
    rs: f32,
) -> (L, L) {
    let gh = ld::<L>(g, i) * wb::<L, HW>(w, i, 1.0);
    (gh, (ld::<L>(x, i) - L::splat(mu)) * L::splat(rs))
}

#[inline(always)]
#[allow(clippy::too_many_arguments)] // the row, its statistics and sums, the output
fn ln_bwd<L: Vector, const HW: bool>(
    i: usize,
    x: &[f32],
    g: &[f32],
    w: &[f32],
    st: (f32, f32, f32, f32),
    dx: &mut [f32],
    acc: Acc,
) {
    let (mu, rs, a, b) = st;
    let (gh, xhat) = gh_xhat::<L, HW>(i, x, g, w, mu, rs);
    let v = L::splat(rs) * (gh - L::splat(a) - xhat * L::splat(b));
    put(acc, &mut dx[i..], v);
}

/// `dx = rstd · (ĝ − mean ĝ − x̂ · mean(ĝ x̂))` of one row.
#[allow(clippy::too_many_arguments)] // the row, its gradient, the weight, the statistics
pub(super) fn layer_norm_backward_row(
    x: &[f32],
    g: &[f32],
    w: Option<&[f32]>,
    mu: f32,
    rs: f32,
    dx: &mut [f32],
    acc: Acc,
) {
    let d = x.len();
    let (g, dx) = (&g[..d], &mut dx[..d]);
    match w {
        Some(w) => ln_bwd_row::<true>(x, g, &w[..d], (mu, rs), dx, acc),
        None => ln_bwd_row::<false>(x, g, &[], (mu, rs), dx, acc),
    }
}

#[inline(always)]
fn ln_bwd_row<const HW: bool>(
    x: &[f32],
    g: &[f32],
    w: &[f32],
    (mu, rs): (f32, f32),
    dx: &mut [f32],
    acc: Acc,
) {
    let d = x.len() as f32;
    let s1 = row_sum!(x.len(), |i, L| gh_xhat::<L, HW>(i, x, g, w, mu, rs).0);
    let s2 = row_sum!(x.len(), |i, L| {
        let (gh, xhat) = gh_xhat::<L, HW>(i, x, g, w, mu, rs);
        gh * xhat
    });
    let st = (mu, rs, s1 / d, s2 / d);
    each_lane!(x.len(), ln_bwd::<HW>(x, g, w, st, dx, acc));
}
