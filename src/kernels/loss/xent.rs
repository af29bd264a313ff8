//! Fused cross-entropy with `f32x8` (or `f32x16`) lanes, rows in parallel above
//! [`ROWS`](crate::kernels::rowwise::ROWS).
//!
//! Forward per row: `m = max x` and `S = Σ e^{x−m}` in two vector passes over the row (which
//! then sits in L1), `lse = m + ln S`; the row's *statistics* `(m, 1/S)` are all backward
//! needs. Backward writes `g·(e^{x−m}·(1/S) − ε/C)` over the whole row in one vector pass, then
//! rewrites the target's element with its `−(1−ε)`: softmax minus the one-hot, scaled,
//! straight into the gradient buffer, no softmax buffer in between.
//!
//! [`cross_entropy_fused`] is both in one pass over the logits, for a loss whose value nobody
//! read before backward: the row's exponentials from the sum go to a scratch row (in L1) and
//! the gradient is formed from them, so each logit is read from memory once and `exp` runs
//! once per element instead of twice. Softmax as `e^{x−m}·(1/S)` rather than `e^{x−lse}` is
//! what makes that possible, and it gives the two-pass kernels the same bits: the fused pass
//! is bitwise forward then backward.
//!
//! Each row's result depends only on its data, so rows can be split among threads at any
//! boundary with the same bits. Against the [scalar twins](super::scalar): within 2e-6 relative
//! (+1e-6 absolute, the size of `lse`'s rounding) — the vectorised `exp` is within 2 ulp and the
//! row sums are `f32` lanes instead of one `f32` running sum.

use super::Upstream;
use crate::kernels::par::{for_units, Par};
use crate::kernels::rowwise::{sum_exp, ROWS};
use crate::kernels::scratch::with_scratch;
use crate::kernels::simd::{each_lane, exp, put, row_max, row_sum, Vector};
use crate::kernels::Acc;

/// Statistics kept per row: `[m, 1/S]`.
pub const STATS: usize = 2;

/// A cross-entropy problem: `n × c` row-major `logits` against class `targets` (`n` of them),
/// rows whose target is `ignore` left out, label smoothing `eps`. Targets are validated by the
/// caller (the op): every one not ignored is below `c`.
#[derive(Clone, Copy, Debug)]
pub struct Xent<'a> {
    /// The scores, `n × c`, row-major.
    pub logits: &'a [f32],
    /// Classes per row.
    pub c: usize,
    /// One class index per row.
    pub targets: &'a [usize],
    /// A target value whose rows give loss 0 and gradient 0.
    pub ignore: Option<usize>,
    /// Label smoothing ε in `[0, 1]`.
    pub eps: f32,
}

impl Xent<'_> {
    /// Checks the buffers' lengths against the problem's `n` rows; returns `n`.
    fn rows(&self, stats: usize, loss: usize, out: usize) -> usize {
        let n = self.targets.len();
        assert!(
            self.logits.len() == n * self.c
                && stats == n * STATS
                && (loss == n || loss == 0)
                && (out == n * self.c || out == 0),
            "cross_entropy: lengths"
        );
        n
    }

    /// Row `i`'s logits.
    #[inline(always)]
    fn row(&self, i: usize) -> &[f32] {
        &self.logits[i * self.c..][..self.c]
    }

    /// The loss of row `i` (target `t`, not ignored) from its `m` and `S`.
    #[inline(always)]
    fn loss(&self, row: &[f32], t: usize, m: f32, s: f32) -> f32 {
        let l = m + s.ln();
        let mut li = (1.0 - self.eps) * (l - row[t]);
        // skipped at eps = 0 so a -inf logit of another class stays harmless, as in PyTorch
        if self.eps != 0.0 {
            let sum = row_sum!(self.c, |i, L| L::load(&row[i..]));
            li += self.eps * (l - sum / self.c as f32);
        }
        li
    }
}

/// Per-row cross-entropy: writes each row's statistics `stats[2i..2i+2] = [m, 1/S]` (all
/// backward needs; `[0, 0]` on ignored rows) and its loss `loss[i]` (0 on ignored rows).
///
/// ```
/// use arenagrad::kernels::loss::{cross_entropy_rows, Xent};
/// // row [0, ln 3]: lse = ln 4; target 1 -> ln 4 − ln 3
/// let p = Xent { logits: &[0.0, 3f32.ln()], c: 2, targets: &[1], ignore: None, eps: 0.0 };
/// let (mut stats, mut loss) = ([0.0; 2], [0.0]);
/// cross_entropy_rows(p, &mut stats, &mut loss);
/// assert!((loss[0] - (4.0f32 / 3.0).ln()).abs() < 1e-6);
/// ```
pub fn cross_entropy_rows(p: Xent<'_>, stats: &mut [f32], loss: &mut [f32]) {
    let n = p.rows(stats.len(), loss.len(), 0);
    let (chunk, grain) = ROWS.units(p.c);
    for_units(
        [stats, loss],
        [STATS, 1],
        n,
        chunk,
        grain,
        &|r0, [stats, loss]| {
            for (r, (st, loss)) in stats.chunks_exact_mut(STATS).zip(loss).enumerate() {
                let t = p.targets[r0 + r];
                if Some(t) == p.ignore {
                    (st[0], st[1], *loss) = (0.0, 0.0, 0.0);
                    continue;
                }
                let row = p.row(r0 + r);
                let m = row_max(row);
                let s = sum_exp(row, m);
                (st[0], st[1]) = (m, 1.0 / s);
                *loss = p.loss(row, t, m, s);
            }
        },
    );
}

#[inline(always)]
fn grad<L: Vector>(
    i: usize,
    row: &[f32],
    (m, r): (f32, f32),
    g: f32,
    off: f32,
    out: &mut [f32],
    acc: Acc,
) {
    let p = exp(L::load(&row[i..]) - L::splat(m)) * L::splat(r);
    put(acc, &mut out[i..], L::splat(g) * (p - L::splat(off)));
}

#[inline(always)]
fn grad_of_exp<L: Vector>(
    i: usize,
    e: &[f32],
    r: f32,
    g: f32,
    off: f32,
    out: &mut [f32],
    acc: Acc,
) {
    let p = L::load(&e[i..]) * L::splat(r);
    put(acc, &mut out[i..], L::splat(g) * (p - L::splat(off)));
}

/// The target's element of a row's gradient, `g·((p_t − (1−ε)) − ε/C)` (`p_t = e_t·(1/S)`),
/// rounded as the twin does, written over what the row pass stored there (`old`: what was
/// there before it).
#[inline(always)]
fn fix_target(dst: &mut [f32], t: usize, p_t: f32, g: f32, eps: f32, old: f32, acc: Acc) {
    let v = g * ((p_t - (1.0 - eps)) - eps / dst.len() as f32);
    dst[t] = match acc {
        Acc::Write => v,
        Acc::Add => old + v,
    };
}

/// Gradient of [`cross_entropy_rows`] w.r.t. the logits: `g_i (p_c − (1−ε)[c = t] − ε/C)`
/// with `p = e^{x−m}·(1/S)` from the row's statistics; zero on ignored rows.
///
/// ```
/// use arenagrad::kernels::{Acc, loss::{cross_entropy_backward, cross_entropy_rows, Upstream, Xent}};
/// // softmax [1/4, 3/4] minus one-hot [0, 1], times g = 2
/// let p = Xent { logits: &[0.0, 3f32.ln()], c: 2, targets: &[1], ignore: None, eps: 0.0 };
/// let (mut stats, mut loss, mut d) = ([0.0; 2], [0.0], [0.0; 2]);
/// cross_entropy_rows(p, &mut stats, &mut loss);
/// cross_entropy_backward(p, &stats, Upstream::All(2.0), &mut d, Acc::Write);
/// assert!((d[0] - 0.5).abs() < 1e-6 && (d[1] + 0.5).abs() < 1e-6);
/// ```
pub fn cross_entropy_backward(
    p: Xent<'_>,
    stats: &[f32],
    up: Upstream<'_>,
    out: &mut [f32],
    acc: Acc,
) {
    cross_entropy_backward_with(ROWS, p, stats, up, out, acc)
}

/// [`cross_entropy_backward`] with an explicit split (for the grain sweep).
#[doc(hidden)]
pub fn cross_entropy_backward_with(
    par: Par,
    p: Xent<'_>,
    stats: &[f32],
    up: Upstream<'_>,
    out: &mut [f32],
    acc: Acc,
) {
    let n = p.rows(stats.len(), 0, out.len());
    let (c, eps) = (p.c, p.eps);
    let off = eps / c as f32;
    let (chunk, grain) = par.units(c);
    for_units([out], [c], n, chunk, grain, &|r0, [out]| {
        for (r, dst) in out.chunks_exact_mut(c).enumerate() {
            let i = r0 + r;
            let t = p.targets[i];
            if Some(t) == p.ignore {
                each_lane!(c, zero(dst, acc));
                continue;
            }
            let (row, g) = (p.row(i), up.at(i));
            let (m, s) = (stats[STATS * i], stats[STATS * i + 1]);
            let old = dst[t];
            each_lane!(c, grad(row, (m, s), g, off, dst, acc));
            fix_target(dst, t, exp(row[t] - m) * s, g, eps, old, acc);
        }
    });
}

/// [`cross_entropy_rows`] and [`cross_entropy_backward`] in one pass over the logits, bit for
/// bit: each row is read once, its exponentials kept in a scratch row for the gradient.
///
/// ```
/// use arenagrad::kernels::{Acc, loss::{cross_entropy_fused, Upstream, Xent}};
/// let p = Xent { logits: &[0.0, 3f32.ln()], c: 2, targets: &[1], ignore: None, eps: 0.0 };
/// let (mut stats, mut loss, mut d) = ([0.0; 2], [0.0], [0.0; 2]);
/// cross_entropy_fused(p, Upstream::All(2.0), &mut stats, &mut loss, &mut d, Acc::Write);
/// assert!((loss[0] - (4.0f32 / 3.0).ln()).abs() < 1e-6);
/// assert!((d[0] - 0.5).abs() < 1e-6 && (d[1] + 0.5).abs() < 1e-6);
/// ```
pub fn cross_entropy_fused(
    p: Xent<'_>,
    up: Upstream<'_>,
    stats: &mut [f32],
    loss: &mut [f32],
    out: &mut [f32],
    acc: Acc,
) {
    let n = p.rows(stats.len(), loss.len(), out.len());
    assert!(
        loss.len() == n && out.len() == n * p.c,
        "cross_entropy: lengths"
    );
    let (c, eps) = (p.c, p.eps);
    let off = eps / c as f32;
    let (chunk, grain) = ROWS.units(c);
    let bufs = [stats, loss, out];
    for_units(
        bufs,
        [STATS, 1, c],
        n,
        chunk,
        grain,
        &|r0, [stats, loss, out]| {
            with_scratch(c, |e| {
                let e = &mut e[..c];
                let rows = stats
                    .chunks_exact_mut(STATS)
                    .zip(loss)
                    .zip(out.chunks_exact_mut(c));
                for (r, ((st, loss), dst)) in rows.enumerate() {
                    let i = r0 + r;
                    let t = p.targets[i];
                    if Some(t) == p.ignore {
                        (st[0], st[1], *loss) = (0.0, 0.0, 0.0);
                        each_lane!(c, zero(dst, acc));
                        continue;
                    }
                    let row = p.row(i);
                    let m = row_max(row);
                    // `sum_exp`'s sum, keeping each exponential
                    let s = row_sum!(c, |k, L| {
                        let v = exp(L::load(&row[k..]) - L::splat(m));
                        v.store(&mut e[k..]);
                        v
                    });
                    let r = 1.0 / s;
                    (st[0], st[1]) = (m, r);
                    *loss = p.loss(row, t, m, s);
                    let g = up.at(i);
                    let old = dst[t];
                    each_lane!(c, grad_of_exp(e, r, g, off, dst, acc));
                    fix_target(dst, t, e[t] * r, g, eps, old, acc);
                }
            })
        },
    );
}

#[inline(always)]
fn zero<L: Vector>(i: usize, out: &mut [f32], acc: Acc) {
    put(acc, &mut out[i..], L::splat(0.0));
}

#[cfg(test)]
mod tests;
