//! logsumexp and variance along an axis of a `[outer, len, inner]` layout, in `f64`.
//!
//! - `logsumexp`: `y = m + ln Σ_k e^{x_k − m}` with `m` the max along the axis, so no term
//!   exceeds 1 and the largest one is never lost; as in PyTorch an infinite `m` is replaced
//!   by 0 (a row of `−inf` gives `−inf`, a `+inf` gives `+inf`). Backward `dx = g · e^{x − y}`.
//! - `var`: two passes, `μ = Σ x / n` then `Σ (x − μ)² / max(0, n − c)` (`c` the correction),
//!   both in `f64`, so neither a large mean nor a long axis costs accuracy. Backward
//!   `dx = g · 2(x − μ)/(n − c)` (PyTorch's formula, with the unclamped `n − c`).
//!
//! Every output is accumulated by one loop in a fixed order, so results do not depend on
//! threads; these loops are scalar (the ops are not on a hot path of any model here).

use super::AxisLayout;
use crate::kernels::Acc;

/// Calls `f(o·inner + i, base, stride)` for every reduced position: element `k` of its axis is
/// at `base + k·stride`.
fn lines(l: AxisLayout, mut f: impl FnMut(usize, usize, usize)) {
    for o in 0..l.outer {
        for i in 0..l.inner {
            f(o * l.inner + i, o * l.len * l.inner + i, l.inner);
        }
    }
}

/// `out[o, i] = ln Σ_k e^{x[o, k, i]}`, stably (see the module doc); `−inf` for `len = 0`.
///
/// ```
/// use arenagrad::kernels::reduce::{logsumexp, AxisLayout};
/// let mut y = [0.0];
/// logsumexp(&[1000.0, 1000.0], AxisLayout::new(&[2], 0), &mut y);
/// assert_eq!(y, [1000.0 + 2f32.ln()]);
/// ```
pub fn logsumexp(x: &[f32], l: AxisLayout, out: &mut [f32]) {
    assert!(
        x.len() == l.numel() && out.len() == l.reduced(),
        "logsumexp: lengths"
    );
    lines(l, |r, base, st| {
        let at = |k: usize| x[base + k * st];
        let m = (0..l.len).map(at).fold(f32::NEG_INFINITY, f32::max);
        let m = if m.is_infinite() { 0.0 } else { m as f64 };
        let s: f64 = (0..l.len).map(|k| (at(k) as f64 - m).exp()).sum();
        out[r] = (m + s.ln()) as f32;
    });
}

/// `dx[o, k, i] (=|+=) g[o, i] · e^{x[o, k, i] − y[o, i]}`: logsumexp's gradient (softmax of the
/// axis times `g`).
///
/// ```
/// use arenagrad::kernels::{Acc, reduce::{logsumexp_backward, AxisLayout}};
/// let mut dx = [0.0; 2];
/// logsumexp_backward(&[0.0, 0.0], &[2f32.ln()], &[3.0], AxisLayout::new(&[2], 0), &mut dx, Acc::Write);
/// assert_eq!(dx, [1.5, 1.5]);
/// ```
pub fn logsumexp_backward(
    x: &[f32],
    y: &[f32],
    g: &[f32],
    l: AxisLayout,
    dx: &mut [f32],
    acc: Acc,
) {
    assert!(
        x.len() == l.numel() && dx.len() == l.numel(),
        "logsumexp_backward: lengths"
    );
    assert!(
        y.len() == l.reduced() && g.len() == l.reduced(),
        "logsumexp_backward: lengths"
    );
    lines(l, |r, base, st| {
        for k in 0..l.len {
            let e = base + k * st;
            acc.put(&mut dx[e], g[r] * (x[e] - y[r]).exp());
        }
    });
}

/// `out[o, i] = Σ_k (x − μ)² / max(0, len − correction)` and `mean[o, i] = μ`, two passes in
/// `f64` (`len = 0` gives NaN).
///
/// ```
/// use arenagrad::kernels::reduce::{var, AxisLayout};
/// let (mut v, mut m) = ([0.0], [0.0]);
/// var(&[1.0, 2.0, 3.0, 4.0], AxisLayout::new(&[4], 0), 1, &mut v, &mut m);
/// assert_eq!((v, m), ([5.0 / 3.0], [2.5]));
/// ```
pub fn var(x: &[f32], l: AxisLayout, correction: usize, out: &mut [f32], mean: &mut [f32]) {
    assert!(
        x.len() == l.numel() && out.len() == l.reduced(),
        "var: lengths"
    );
    assert_eq!(mean.len(), l.reduced(), "var: lengths");
    let dof = l.len.saturating_sub(correction) as f64;
    lines(l, |r, base, st| {
        let at = |k: usize| x[base + k * st] as f64;
        let mu = (0..l.len).map(at).sum::<f64>() / l.len as f64;
        let m2: f64 = (0..l.len).map(|k| (at(k) - mu).powi(2)).sum();
        (out[r], mean[r]) = ((m2 / dof) as f32, mu as f32);
    });
}

/// `dx[o, k, i] (=|+=) g[o, i] · 2(x − μ[o, i]) / (len − correction)`: the variance's gradient.
///
/// ```
/// use arenagrad::kernels::{Acc, reduce::{var_backward, AxisLayout}};
/// let mut dx = [0.0; 2];
/// var_backward(&[1.0, 3.0], &[2.0], &[1.0], AxisLayout::new(&[2], 0), 0, &mut dx, Acc::Write);
/// assert_eq!(dx, [-1.0, 1.0]);
/// ```
#[allow(clippy::too_many_arguments)] // input, saved mean, gradient, layout, correction, output
pub fn var_backward(
    x: &[f32],
    mean: &[f32],
    g: &[f32],
    l: AxisLayout,
    correction: usize,
    dx: &mut [f32],
    acc: Acc,
) {
    assert!(
        x.len() == l.numel() && dx.len() == l.numel(),
        "var_backward: lengths"
    );
    assert!(
        mean.len() == l.reduced() && g.len() == l.reduced(),
        "var_backward: lengths"
    );
    let scale = (2.0 / (l.len as f64 - correction as f64)) as f32;
    lines(l, |r, base, st| {
        for k in 0..l.len {
            let e = base + k * st;
            acc.put(&mut dx[e], scale * g[r] * (x[e] - mean[r]));
        }
    });
}
