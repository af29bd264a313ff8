//! Row kernels: softmax, log_softmax and layer norm, each over independent rows.
//!
//! Softmax rows run along any axis: the input is `[outer, len, inner]`
//! ([`AxisLayout`]), a row is the `len` elements `(o, ·, i)` at stride `inner` (1 for the last
//! axis, the common case, where rows are contiguous). Layer norm always normalizes the last
//! dimension, so its rows are contiguous slices of length `d`.
//!
//! Stability: softmax subtracts the row max before `exp`, so no term exceeds 1 and logits of
//! ±100 neither overflow nor lose the largest term; log_softmax returns `x − m − ln Σ e^{x−m}`
//! rather than `ln` of a softmax that may have underflowed to 0. Row sums and layer norm's
//! moments accumulate in `f64`.

use super::reduce::{sum_axis, sum_axis_map, AxisLayout};
use crate::graph::Acc;

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

/// Layer norm's weight gradient: `dw_j = Σ_rows g · x̂` (`f64` column sums).
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
    sum_axis_map(l, 1.0, dw, acc, |e| {
        let r = e / d;
        (g[e] * ((x[e] - mean[r]) * rstd[r])) as f64
    });
}

/// Layer norm's bias gradient: `db_j = Σ_rows g`.
pub fn layer_norm_backward_b(g: &[f32], d: usize, db: &mut [f32], acc: Acc) {
    let l = AxisLayout {
        outer: 1,
        len: g.len() / d,
        inner: d,
    };
    sum_axis(g, l, 1.0, db, acc);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: &[f32], b: &[f32], tol: f32) -> bool {
        a.len() == b.len() && a.iter().zip(b).all(|(x, y)| (x - y).abs() <= tol)
    }

    #[test]
    fn softmax_rows_and_columns() {
        // softmax([0, ln 3]) = [1/4, 3/4]; log_softmax = [-ln 4, ln 3 - ln 4]
        let l3 = 3f32.ln();
        let mut y = [0.0; 2];
        softmax(&[0.0, l3], AxisLayout::new(&[2], 0), &mut y);
        assert!(close(&y, &[0.25, 0.75], 1e-7));
        log_softmax(&[0.0, l3], AxisLayout::new(&[2], 0), &mut y);
        assert!(close(&y, &[-4f32.ln(), l3 - 4f32.ln()], 1e-6));
        // along axis 0 of [2,2] = [[0, 1], [ln 3, 1]]: columns [0, ln3] and [1, 1]
        let mut y = [0.0; 4];
        softmax(&[0.0, 1.0, l3, 1.0], AxisLayout::new(&[2, 2], 0), &mut y);
        assert!(close(&y, &[0.25, 0.5, 0.75, 0.5], 1e-7));
    }

    #[test]
    fn stable_for_large_logits() {
        // e^1000 overflows f32; after subtracting the max the row is [1, e^-1000 = 0]
        let mut y = [0.0; 2];
        softmax(&[1000.0, 0.0], AxisLayout::new(&[2], 0), &mut y);
        assert_eq!(y, [1.0, 0.0]);
        log_softmax(&[1000.0, 0.0], AxisLayout::new(&[2], 0), &mut y);
        assert_eq!(y, [0.0, -1000.0]);
    }

    #[test]
    fn softmax_gradients_from_output() {
        // y = [1/4, 3/4], g = [1, 0]: Σ g y = 1/4; dx = y (g - 1/4) = [3/16, -3/16]
        let l = AxisLayout::new(&[2], 0);
        let mut dx = [0.0; 2];
        softmax_backward(&[0.25, 0.75], &[1.0, 0.0], l, &mut dx, Acc::Write);
        assert!(close(&dx, &[0.1875, -0.1875], 1e-7));
        // log_softmax: y = ln[1/4, 3/4], g = [1, 2]: dx = g - p Σg = [1 - 3/4, 2 - 9/4]
        let y = [0.25f32.ln(), 0.75f32.ln()];
        log_softmax_backward(&y, &[1.0, 2.0], l, &mut dx, Acc::Add);
        assert!(close(&dx, &[0.1875 + 0.25, -0.1875 - 0.25], 1e-6));
    }

    #[test]
    fn layer_norm_row() {
        // row [1, 3]: mean 2, var 1, rstd = 1/√(1 + 0) = 1, x̂ = [-1, 1]; y = x̂ w + b
        let (mut y, mut mean, mut rstd) = ([0.0; 2], [0.0; 1], [0.0; 1]);
        let (w, b) = ([2.0, 3.0], [0.5, -0.5]);
        layer_norm(
            &[1.0, 3.0],
            2,
            Some(&w),
            Some(&b),
            0.0,
            &mut y,
            &mut mean,
            &mut rstd,
        );
        assert_eq!((y, mean, rstd), ([-1.5, 2.5], [2.0], [1.0]));
        // g = [1, 0]: ĝ = g w = [2, 0], mean ĝ = 1, mean ĝ x̂ = -1
        // dx = 1 · ([2, 0] - 1 - [-1, 1] · (-1)) = [0, 0]: a shift of x changes nothing here
        let mut dx = [9.0; 2];
        let g = [1.0, 0.0];
        layer_norm_backward_x(
            &[1.0, 3.0],
            &g,
            Some(&w),
            &mean,
            &rstd,
            2,
            &mut dx,
            Acc::Write,
        );
        assert_eq!(dx, [0.0, 0.0]);
        // g = [1, 2], no weight: mean g = 1.5, mean g x̂ = 0.5; dx = [1-1.5+0.5, 2-1.5-0.5]
        let g = [1.0, 2.0];
        layer_norm_backward_x(&[1.0, 3.0], &g, None, &mean, &rstd, 2, &mut dx, Acc::Write);
        assert_eq!(dx, [0.0, 0.0]);
        // dw = g x̂ = [-1, 2]; db = g
        let mut dw = [0.0; 2];
        layer_norm_backward_w(&[1.0, 3.0], &g, &mean, &rstd, 2, &mut dw, Acc::Write);
        assert_eq!(dw, [-1.0, 2.0]);
        layer_norm_backward_b(&g, 2, &mut dw, Acc::Add);
        assert_eq!(dw, [0.0, 4.0]);
    }

    #[test]
    fn layer_norm_eps_and_rows() {
        // rows [0, 0, 0] (var 0, rstd = 1/√eps = 10 at eps 0.01) and [1, 2, 3]
        // (mean 2, var 2/3, rstd = 1/√(2/3 + 0.01))
        let x = [0.0, 0.0, 0.0, 1.0, 2.0, 3.0];
        let (mut y, mut mean, mut rstd) = ([0.0; 6], [0.0; 2], [0.0; 2]);
        layer_norm(&x, 3, None, None, 0.01, &mut y, &mut mean, &mut rstd);
        let r = 1.0 / (2.0f32 / 3.0 + 0.01).sqrt();
        assert!(close(&rstd, &[10.0, r], 1e-5) && mean == [0.0, 2.0]);
        assert!(close(&y, &[0.0, 0.0, 0.0, -r, 0.0, r], 1e-6));
        // the x gradient of a row sums to 0 (layer norm is shift-invariant)
        let mut dx = [0.0; 6];
        let g = [0.3, -1.0, 2.0, 0.5, 0.25, -4.0];
        layer_norm_backward_x(&x, &g, None, &mean, &rstd, 3, &mut dx, Acc::Write);
        assert!(dx[3..].iter().sum::<f32>().abs() < 1e-5);
        // a constant row: x̂ = 0, dx = rstd (g - mean g) = 10 (g - 0.4333)
        assert!(close(
            &dx[..3],
            &[-1.333_333_4, -14.333_333, 15.666_667],
            1e-4
        ));
    }
}
