//! Scalar twins of the row kernels: the plain reference implementations (`f64` sums, the
//! standard library's `exp`) that the SIMD kernels of the parent module are tested against.
//! The maths and stability notes are in the [parent module](super).

use crate::kernels::reduce::AxisLayout;
use crate::kernels::Acc;

/// Calls `f(base, stride)` for every row of `l`: row element `k` is at `base + k * stride`.
fn rows(l: AxisLayout, mut f: impl FnMut(usize, usize)) {
    for o in 0..l.outer {
        for i in 0..l.inner {
            f(o * l.len * l.inner + i, l.inner);
        }
    }
}

/// The row max and `Σ_k e^{x_k − max}` (in `f64`) of one row.
fn max_and_sum_exp(x: &[f32], base: usize, stride: usize, len: usize) -> (f32, f64) {
    let at = |k: usize| x[base + k * stride];
    let m = (0..len).map(at).fold(f32::NEG_INFINITY, f32::max);
    let s = (0..len).map(|k| ((at(k) - m).exp()) as f64).sum::<f64>();
    (m, s)
}

/// `y = e^{x − max} / Σ e^{x − max}` along the axis of `l`.
pub fn softmax(x: &[f32], l: AxisLayout, y: &mut [f32]) {
    assert!(
        x.len() == l.numel() && y.len() == l.numel(),
        "softmax: lengths"
    );
    rows(l, |base, st| {
        let (m, s) = max_and_sum_exp(x, base, st, l.len);
        for k in 0..l.len {
            let e = base + k * st;
            y[e] = (((x[e] - m).exp()) as f64 / s) as f32;
        }
    });
}

/// `y = x − max − ln Σ e^{x − max}` along the axis of `l`.
pub fn log_softmax(x: &[f32], l: AxisLayout, y: &mut [f32]) {
    assert!(
        x.len() == l.numel() && y.len() == l.numel(),
        "log_softmax: lengths"
    );
    rows(l, |base, st| {
        let (m, s) = max_and_sum_exp(x, base, st, l.len);
        let lse = s.ln();
        for k in 0..l.len {
            let e = base + k * st;
            y[e] = ((x[e] - m) as f64 - lse) as f32;
        }
    });
}

/// Softmax's gradient from its output: `dx = y · (g − Σ_k g_k y_k)`.
pub fn softmax_backward(y: &[f32], g: &[f32], l: AxisLayout, dx: &mut [f32], acc: Acc) {
    assert!(y.len() == l.numel() && g.len() == l.numel() && dx.len() == l.numel());
    rows(l, |base, st| {
        let idx = |k: usize| base + k * st;
        let dot = (0..l.len)
            .map(|k| (g[idx(k)] * y[idx(k)]) as f64)
            .sum::<f64>() as f32;
        for k in 0..l.len {
            let e = idx(k);
            acc.put(&mut dx[e], y[e] * (g[e] - dot));
        }
    });
}

/// log_softmax's gradient from its output: `dx = g − e^y · Σ_k g_k`.
pub fn log_softmax_backward(y: &[f32], g: &[f32], l: AxisLayout, dx: &mut [f32], acc: Acc) {
    assert!(y.len() == l.numel() && g.len() == l.numel() && dx.len() == l.numel());
    rows(l, |base, st| {
        let idx = |k: usize| base + k * st;
        let sg = (0..l.len).map(|k| g[idx(k)] as f64).sum::<f64>() as f32;
        for k in 0..l.len {
            let e = idx(k);
            acc.put(&mut dx[e], g[e] - y[e].exp() * sg);
        }
    });
}

/// Layer norm over contiguous rows of length `d > 0`: per row `mean`, `rstd = 1/√(var + eps)`
/// (biased variance), and `y = (x − mean) · rstd · w + b` (`w`, `b` of length `d`, or 1 and 0).
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
    for (r, (xr, yr)) in x.chunks_exact(d).zip(y.chunks_exact_mut(d)).enumerate() {
        let mu = xr.iter().map(|&v| v as f64).sum::<f64>() / d as f64;
        let var = xr.iter().map(|&v| (v as f64 - mu).powi(2)).sum::<f64>() / d as f64;
        let (mu, rs) = (mu as f32, (1.0 / (var + eps as f64).sqrt()) as f32);
        (mean[r], rstd[r]) = (mu, rs);
        for (j, (o, &v)) in yr.iter_mut().zip(xr).enumerate() {
            let xhat = (v - mu) * rs;
            *o = xhat * w.map_or(1.0, |w| w[j]) + b.map_or(0.0, |b| b[j]);
        }
    }
}

/// Layer norm's input gradient (PyTorch's formula): with `x̂ = (x − mean) · rstd` and
/// `ĝ = g · w`, `dx = rstd · (ĝ − mean(ĝ) − x̂ · mean(ĝ · x̂))` per row.
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
    let gw = |j: usize, gv: f32| gv * w.map_or(1.0, |w| w[j]);
    for r in 0..mean.len() {
        let (xr, gr) = (&x[r * d..(r + 1) * d], &g[r * d..(r + 1) * d]);
        let (mu, rs) = (mean[r], rstd[r]);
        let (mut s1, mut s2) = (0.0f64, 0.0f64);
        for j in 0..d {
            let gh = gw(j, gr[j]);
            s1 += gh as f64;
            s2 += (gh * (xr[j] - mu) * rs) as f64;
        }
        let (a, b) = ((s1 / d as f64) as f32, (s2 / d as f64) as f32);
        for (j, o) in dx[r * d..(r + 1) * d].iter_mut().enumerate() {
            let xhat = (xr[j] - mu) * rs;
            acc.put(o, rs * (gw(j, gr[j]) - a - xhat * b));
        }
    }
}

/// RMS norm over contiguous rows of length `d > 0`: `rstd = 1/√(mean(x²) + eps)`,
/// `y = x · rstd · w`.
pub fn rms_norm(x: &[f32], d: usize, w: Option<&[f32]>, eps: f32, y: &mut [f32], rstd: &mut [f32]) {
    assert!(d > 0 && x.len() == y.len() && x.len() == d * rstd.len());
    for (r, (xr, yr)) in x.chunks_exact(d).zip(y.chunks_exact_mut(d)).enumerate() {
        let ms = xr.iter().map(|&v| (v as f64).powi(2)).sum::<f64>() / d as f64;
        let rs = (1.0 / (ms + eps as f64).sqrt()) as f32;
        rstd[r] = rs;
        for (j, (o, &v)) in yr.iter_mut().zip(xr).enumerate() {
            *o = v * rs * w.map_or(1.0, |w| w[j]);
        }
    }
}

/// RMS norm's input gradient: `dx = rstd · (ĝ − x̂ · mean(ĝ · x̂))` per row, `ĝ = g · w`.
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
    let gw = |j: usize, gv: f32| gv * w.map_or(1.0, |w| w[j]);
    for (r, &rs) in rstd.iter().enumerate() {
        let (xr, gr) = (&x[r * d..(r + 1) * d], &g[r * d..(r + 1) * d]);
        let s: f64 = (0..d).map(|j| (gw(j, gr[j]) * xr[j] * rs) as f64).sum();
        let b = (s / d as f64) as f32;
        for (j, o) in dx[r * d..(r + 1) * d].iter_mut().enumerate() {
            acc.put(o, rs * (gw(j, gr[j]) - xr[j] * rs * b));
        }
    }
}
