//! Fused cross-entropy with `f32x8` lanes, rows in parallel above [`ROWS`](crate::kernels::rowwise::ROWS).
//!
//! Forward per row: `m = max x` and `Σ e^{x−m}` in two vector passes over the row (which then
//! sits in L1), `lse = m + ln Σ`. Backward writes `g·(e^{x−lse} − ε/C)` over the whole row in
//! one vector pass, then rewrites the target's element with its `−(1−ε)`: softmax minus the
//! one-hot, scaled, straight into the gradient buffer, no softmax buffer in between.
//!
//! Each row's result depends only on its data, so rows can be split among threads at any
//! boundary with the same bits. Against the [scalar twins](super::scalar): within 2e-6 relative
//! (+1e-6 absolute, the size of `lse`'s rounding) — the vectorised `exp` is within 2 ulp and the
//! row sums are `f32` lanes instead of one `f32` running sum.

use super::Upstream;
use crate::kernels::par::{for_units, Par};
use crate::kernels::rowwise::{sum_exp, ROWS};
use crate::kernels::simd::{each_lane, exp, put, row_max, row_sum, Vector};
use crate::kernels::Acc;

/// Per-row cross-entropy of `logits` (`n × c`, row-major) against class `targets`, with label
/// smoothing `eps`; rows whose target is `ignore` get loss 0 (and `lse` 0). Writes `lse[i]`
/// (the row's log-sum-exp, all backward needs) and `loss[i]`.
///
/// ```
/// use arenagrad::kernels::loss::cross_entropy_rows;
/// // row [0, ln 3]: lse = ln 4; target 1 -> ln 4 − ln 3
/// let (mut lse, mut loss) = ([0.0], [0.0]);
/// cross_entropy_rows(&[0.0, 3f32.ln()], 2, &[1], None, 0.0, &mut lse, &mut loss);
/// assert!((loss[0] - (4.0f32 / 3.0).ln()).abs() < 1e-6);
/// ```
pub fn cross_entropy_rows(
    logits: &[f32],
    c: usize,
    targets: &[usize],
    ignore: Option<usize>,
    eps: f32,
    lse: &mut [f32],
    loss: &mut [f32],
) {
    let n = targets.len();
    assert!(
        logits.len() == n * c && lse.len() == n && loss.len() == n,
        "cross_entropy: lengths"
    );
    let (chunk, grain) = ROWS.units(c);
    for_units([lse, loss], [1, 1], n, chunk, grain, &|r0, [lse, loss]| {
        for (r, (lse, loss)) in lse.iter_mut().zip(loss.iter_mut()).enumerate() {
            let t = targets[r0 + r];
            if Some(t) == ignore {
                (*lse, *loss) = (0.0, 0.0);
                continue;
            }
            let row = &logits[(r0 + r) * c..][..c];
            let m = row_max(row);
            let l = m + sum_exp(row, m).ln();
            *lse = l;
            let mut li = (1.0 - eps) * (l - row[t]);
            // skipped at eps = 0 so a -inf logit of another class stays harmless, as in PyTorch
            if eps != 0.0 {
                let sum = row_sum!(c, |i, L| L::load(&row[i..]));
                li += eps * (l - sum / c as f32);
            }
            *loss = li;
        }
    });
}

#[inline(always)]
fn grad<L: Vector>(i: usize, row: &[f32], lse: f32, g: f32, off: f32, out: &mut [f32], acc: Acc) {
    let p = exp(L::load(&row[i..]) - L::splat(lse));
    put(acc, &mut out[i..], L::splat(g) * (p - L::splat(off)));
}

/// Gradient of [`cross_entropy_rows`] w.r.t. the logits: `g_i (p_c − (1−ε)[c = t] − ε/C)`,
/// zero on ignored rows.
///
/// ```
/// use arenagrad::kernels::{Acc, loss::{cross_entropy_backward, Upstream}};
/// // softmax [1/4, 3/4] minus one-hot [0, 1], times g = 2
/// let (x, lse) = ([0.0, 3f32.ln()], [4f32.ln()]);
/// let mut d = [0.0; 2];
/// cross_entropy_backward(&x, 2, &[1], None, 0.0, &lse, Upstream::All(2.0), &mut d, Acc::Write);
/// assert!((d[0] - 0.5).abs() < 1e-6 && (d[1] + 0.5).abs() < 1e-6);
/// ```
#[allow(clippy::too_many_arguments)] // the same inputs as forward plus the upstream and output
pub fn cross_entropy_backward(
    logits: &[f32],
    c: usize,
    targets: &[usize],
    ignore: Option<usize>,
    eps: f32,
    lse: &[f32],
    up: Upstream<'_>,
    out: &mut [f32],
    acc: Acc,
) {
    cross_entropy_backward_with(ROWS, logits, c, targets, ignore, eps, lse, up, out, acc)
}

/// [`cross_entropy_backward`] with an explicit split (for the grain sweep).
#[doc(hidden)]
#[allow(clippy::too_many_arguments)]
pub fn cross_entropy_backward_with(
    par: Par,
    logits: &[f32],
    c: usize,
    targets: &[usize],
    ignore: Option<usize>,
    eps: f32,
    lse: &[f32],
    up: Upstream<'_>,
    out: &mut [f32],
    acc: Acc,
) {
    let n = targets.len();
    assert!(
        logits.len() == n * c && out.len() == n * c && lse.len() == n,
        "cross_entropy: lengths"
    );
    let off = eps / c as f32;
    let (chunk, grain) = par.units(c);
    for_units([out], [c], n, chunk, grain, &|r0, [out]| {
        for (r, dst) in out.chunks_exact_mut(c).enumerate() {
            let i = r0 + r;
            let t = targets[i];
            if Some(t) == ignore {
                each_lane!(c, zero(dst, acc));
                continue;
            }
            let (row, g, l) = (&logits[i * c..][..c], up.at(i), lse[i]);
            let old = dst[t];
            each_lane!(c, grad(row, l, g, off, dst, acc));
            // the target's term, rounded as the twin does: g·((p − (1−ε)) − ε/C)
            let v = g * ((exp(row[t] - l) - (1.0 - eps)) - off);
            dst[t] = match acc {
                Acc::Write => v,
                Acc::Add => old + v,
            };
        }
    });
}

#[inline(always)]
fn zero<L: Vector>(i: usize, out: &mut [f32], acc: Acc) {
    put(acc, &mut out[i..], L::splat(0.0));
}

#[cfg(test)]
mod tests;
