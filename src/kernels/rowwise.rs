//! Row kernels: softmax, log_softmax, layer norm and RMS norm (`rms.rs`), each over
//! independent rows.
//!
//! Softmax rows run along any axis: the input is `[outer, len, inner]`
//! ([`AxisLayout`]), a row is the `len` elements `(o, ·, i)` at stride `inner` (1 for the last
//! axis, the common case, where rows are contiguous). Layer norm always normalizes the last
//! dimension, so its rows are contiguous slices of length `d`.
//!
//! Stability: softmax subtracts the row max before `exp`, so no term exceeds 1 and logits of
//! ±100 neither overflow nor lose the largest term; log_softmax returns `x − m − ln Σ e^{x−m}`
//! rather than `ln` of a softmax that may have underflowed to 0.
//!
//! Speed: a contiguous row is processed with `f32x8` lanes (max, `Σ e^{x−m}` with a vectorised
//! `exp`, then the element-wise pass); rows at stride `inner > 1` put eight neighbouring rows in
//! the eight lanes. Row sums are `f32` lanes added in a fixed order, as PyTorch's vectorised
//! kernels do. Rows run in parallel (whole rows per rayon task) above [`ROWS`]; each row's
//! result depends only on its data, so any thread count gives the same bits.
//!
//! The `scalar` twins (sums in `f64`, the standard library's `exp`) are the reference the
//! SIMD kernels are tested against: within 1e-6 relative (plus 1e-6 of the row's largest
//! output for softmax's backward), see the tests.

use super::par::for_units;
pub use super::par::Par;
use super::reduce::{sum_axis, sum_axis_map, AxisLayout};
use super::simd::each_lane;
use crate::kernels::Acc;

mod cols;
mod rms;
#[cfg(test)]
pub(crate) mod scalar;
mod simd;
#[cfg(test)]
mod tests;

pub use rms::{rms_norm, rms_norm_backward_w, rms_norm_backward_x};
pub(crate) use simd::sum_exp;

/// Where row kernels (softmax, log_softmax, layer norm, cross-entropy) go parallel: above
/// `grain` elements, rayon tasks of whole rows totalling about `chunk` elements.
///
/// The grain is where splitting a softmax starts to win on two cores; 8K tasks keep enough of
/// them to rebalance when another process takes a core (`docs/perf.md`, "Grain sizes").
pub const ROWS: Par = Par {
    chunk: 8 * 1024,
    grain: 32 * 1024,
};

/// `y = e^{x − max} / Σ e^{x − max}` along the axis of `l`.
///
/// ```
/// use arenagrad::kernels::{reduce::AxisLayout, rowwise::softmax};
/// let mut y = [0.0; 2];
/// softmax(&[0.0, 3f32.ln()], AxisLayout::new(&[2], 0), &mut y); // [1/4, 3/4]
/// assert!((y[0] - 0.25).abs() < 1e-7 && (y[1] - 0.75).abs() < 1e-7);
/// ```
pub fn softmax(x: &[f32], l: AxisLayout, y: &mut [f32]) {
    softmax_with(ROWS, x, l, y)
}

/// [`softmax`] with an explicit split (for the grain sweep).
#[doc(hidden)]
pub fn softmax_with(par: Par, x: &[f32], l: AxisLayout, y: &mut [f32]) {
    forward(par, x, l, y, false)
}

/// `y = x − max − ln Σ e^{x − max}` along the axis of `l`.
///
/// ```
/// use arenagrad::kernels::{reduce::AxisLayout, rowwise::log_softmax};
/// let mut y = [0.0; 2];
/// log_softmax(&[1000.0, 0.0], AxisLayout::new(&[2], 0), &mut y);
/// assert_eq!(y, [0.0, -1000.0]);
/// ```
pub fn log_softmax(x: &[f32], l: AxisLayout, y: &mut [f32]) {
    forward(ROWS, x, l, y, true)
}

fn forward(par: Par, x: &[f32], l: AxisLayout, y: &mut [f32], log: bool) {
    assert!(
        x.len() == l.numel() && y.len() == l.numel(),
        "softmax: lengths"
    );
    if l.numel() == 0 {
        return;
    }
    let slab = l.len * l.inner;
    let (chunk, grain) = par.units(slab);
    for_units([y], [slab], l.outer, chunk, grain, &|o, [y]| {
        let x = &x[o * slab..][..y.len()];
        if l.inner == 1 {
            for (x, y) in x.chunks_exact(l.len).zip(y.chunks_exact_mut(l.len)) {
                if log {
                    simd::log_softmax_row(x, y)
                } else {
                    simd::softmax_row(x, y)
                }
            }
        } else {
            for (x, y) in x.chunks_exact(slab).zip(y.chunks_exact_mut(slab)) {
                each_lane!(l.inner, cols::softmax_cols(x, y, l.len, l.inner, log));
            }
        }
    });
}

/// Softmax's gradient from its output: `dx = y · (g − Σ_k g_k y_k)`.
///
/// ```
/// use arenagrad::kernels::{Acc, reduce::AxisLayout, rowwise::softmax_backward};
/// // y = [1/4, 3/4], g = [1, 0]: Σ g y = 1/4, dx = y (g − 1/4) = [3/16, −3/16]
/// let mut dx = [0.0; 2];
/// softmax_backward(&[0.25, 0.75], &[1.0, 0.0], AxisLayout::new(&[2], 0), &mut dx, Acc::Write);
/// assert_eq!(dx, [0.1875, -0.1875]);
/// ```
pub fn softmax_backward(y: &[f32], g: &[f32], l: AxisLayout, dx: &mut [f32], acc: Acc) {
    backward(y, g, l, dx, acc, false)
}

/// log_softmax's gradient from its output: `dx = g − e^y · Σ_k g_k`.
///
/// ```
/// use arenagrad::kernels::{Acc, reduce::AxisLayout, rowwise::log_softmax_backward};
/// // y = ln [1/2, 1/2], g = [1, 0]: dx = g − p = [1/2, −1/2]
/// let (h, mut dx) = (0.5f32.ln(), [0.0; 2]);
/// log_softmax_backward(&[h, h], &[1.0, 0.0], AxisLayout::new(&[2], 0), &mut dx, Acc::Write);
/// assert!((dx[0] - 0.5).abs() < 1e-6 && (dx[1] + 0.5).abs() < 1e-6);
/// ```
pub fn log_softmax_backward(y: &[f32], g: &[f32], l: AxisLayout, dx: &mut [f32], acc: Acc) {
    backward(y, g, l, dx, acc, true)
}

fn backward(y: &[f32], g: &[f32], l: AxisLayout, dx: &mut [f32], acc: Acc, log: bool) {
    let n = l.numel();
    assert!(
        y.len() == n && g.len() == n && dx.len() == n,
        "softmax_backward: lengths"
    );
    if n == 0 {
        return;
    }
    let slab = l.len * l.inner;
    let (chunk, grain) = ROWS.units(slab);
    for_units([dx], [slab], l.outer, chunk, grain, &|o, [dx]| {
        let (y, g) = (&y[o * slab..][..dx.len()], &g[o * slab..][..dx.len()]);
        let rows = y.chunks_exact(slab).zip(g.chunks_exact(slab));
        for ((y, g), dx) in rows.zip(dx.chunks_exact_mut(slab)) {
            if l.inner > 1 {
                let (len, inner) = (l.len, l.inner);
                each_lane!(
                    inner,
                    cols::softmax_backward_cols(y, g, dx, acc, len, inner, log)
                );
            } else if log {
                simd::log_softmax_backward_row(y, g, dx, acc)
            } else {
                simd::softmax_backward_row(y, g, dx, acc)
            }
        }
    });
}

/// Layer norm over contiguous rows of length `d > 0`: per row `mean`, `rstd = 1/√(var + eps)`
/// (biased variance), and `y = (x − mean) · rstd · w + b` (`w`, `b` of length `d`, or 1 and 0).
///
/// ```
/// use arenagrad::kernels::rowwise::layer_norm;
/// // row [1, 3]: mean 2, var 1, x̂ = [−1, 1]
/// let (mut y, mut mean, mut rstd) = ([0.0; 2], [0.0], [0.0]);
/// layer_norm(&[1.0, 3.0], 2, Some(&[2.0, 3.0]), None, 0.0, &mut y, &mut mean, &mut rstd);
/// assert_eq!((y, mean, rstd), ([-2.0, 3.0], [2.0], [1.0]));
/// ```
#[allow(clippy::too_many_arguments)] // inputs, parameters, output and the two saved statistics
pub fn layer_norm(
    x: &[f32],
    d: usize,
    w: Option<&[f32]>,
    b: Option<&[f32]>,
    eps: f32,
    y: &mut [f32],
    mean: &mut [f32],
    rstd: &mut [f32],
) {
    assert!(d > 0 && x.len() == y.len() && x.len() == d * mean.len() && mean.len() == rstd.len());
    assert!(w.is_none_or(|w| w.len() == d) && b.is_none_or(|b| b.len() == d));
    let (chunk, grain) = ROWS.units(d);
    let bufs = [y, mean, rstd];
    for_units(
        bufs,
        [d, 1, 1],
        x.len() / d,
        chunk,
        grain,
        &|r0, [y, mean, rstd]| {
            let x = &x[r0 * d..][..y.len()];
            for (r, (x, y)) in x.chunks_exact(d).zip(y.chunks_exact_mut(d)).enumerate() {
                (mean[r], rstd[r]) = simd::layer_norm_row(x, w, b, eps, y);
            }
        },
    );
}

/// Layer norm's input gradient (PyTorch's formula): with `x̂ = (x − mean) · rstd` and
/// `ĝ = g · w`, `dx = rstd · (ĝ − mean(ĝ) − x̂ · mean(ĝ · x̂))` per row.
///
/// ```
/// use arenagrad::kernels::{Acc, rowwise::layer_norm_backward_x};
/// // row [1, 3] (mean 2, rstd 1, x̂ = [−1, 1]), g = [1, 2]: mean g = 1.5, mean g x̂ = 0.5,
/// // dx = [1 − 1.5 + 0.5, 2 − 1.5 − 0.5] = [0, 0]
/// let mut dx = [9.0; 2];
/// layer_norm_backward_x(&[1.0, 3.0], &[1.0, 2.0], None, &[2.0], &[1.0], 2, &mut dx, Acc::Write);
/// assert_eq!(dx, [0.0, 0.0]);
/// ```
#[allow(clippy::too_many_arguments)] // the saved per-row statistics are separate slices
pub fn layer_norm_backward_x(
    x: &[f32],
    g: &[f32],
    w: Option<&[f32]>,
    mean: &[f32],
    rstd: &[f32],
    d: usize,
    dx: &mut [f32],
    acc: Acc,
) {
    assert!(x.len() == g.len() && x.len() == dx.len() && x.len() == d * mean.len());
    assert!(d > 0 && rstd.len() == mean.len() && w.is_none_or(|w| w.len() == d));
    let (chunk, grain) = ROWS.units(d);
    for_units([dx], [d], mean.len(), chunk, grain, &|r0, [dx]| {
        let (x, g) = (&x[r0 * d..][..dx.len()], &g[r0 * d..][..dx.len()]);
        let rows = x.chunks_exact(d).zip(g.chunks_exact(d));
        for (r, ((x, g), dx)) in rows.zip(dx.chunks_exact_mut(d)).enumerate() {
            let (mu, rs) = (mean[r0 + r], rstd[r0 + r]);
            simd::layer_norm_backward_row(x, g, w, mu, rs, dx, acc);
        }
    });
}

/// Layer norm's weight gradient: `dw_j = Σ_rows g · x̂` (`f64` column sums).
///
/// ```
/// use arenagrad::kernels::{Acc, rowwise::layer_norm_backward_w};
/// // x̂ = [−1, 1], g = [1, 2]: dw = g x̂ = [−1, 2]
/// let mut dw = [0.0; 2];
/// layer_norm_backward_w(&[1.0, 3.0], &[1.0, 2.0], &[2.0], &[1.0], 2, &mut dw, Acc::Write);
/// assert_eq!(dw, [-1.0, 2.0]);
/// ```
pub fn layer_norm_backward_w(
    x: &[f32],
    g: &[f32],
    mean: &[f32],
    rstd: &[f32],
    d: usize,
    dw: &mut [f32],
    acc: Acc,
) {
    assert!(x.len() == g.len() && x.len() == d * mean.len() && dw.len() == d);
    let l = AxisLayout {
        outer: 1,
        len: mean.len(),
        inner: d,
    };
    sum_axis_map(l, 1.0, dw, acc, |e0, s| {
        let (m, rs) = (mean[e0 / d], rstd[e0 / d]);
        let run = e0..e0 + s.len();
        for ((s, &g), &x) in s.iter_mut().zip(&g[run.clone()]).zip(&x[run]) {
            *s += (g * ((x - m) * rs)) as f64;
        }
    });
}

/// Layer norm's bias gradient: `db_j = Σ_rows g`.
///
/// ```
/// use arenagrad::kernels::{Acc, rowwise::layer_norm_backward_b};
/// let mut db = [0.0; 2];
/// layer_norm_backward_b(&[1.0, 2.0, 3.0, 4.0], 2, &mut db, Acc::Write);
/// assert_eq!(db, [4.0, 6.0]);
/// ```
pub fn layer_norm_backward_b(g: &[f32], d: usize, db: &mut [f32], acc: Acc) {
    let l = AxisLayout {
        outer: 1,
        len: g.len() / d,
        inner: d,
    };
    sum_axis(g, l, 1.0, db, acc);
}
