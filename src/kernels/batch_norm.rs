//! Batch norm over the channel dim of `[N, C, L]` (`L` = the product of the dims after `C`; 1
//! for `[N, C]` input), PyTorch's `F.batch_norm`.
//!
//! Per channel `c`, over its `m = N·L` values: `μ = mean x`, `σ² = mean (x − μ)²` (biased),
//! `rstd = 1/√(σ² + ε)`, and `y = (x − μ)·rstd·w + b`, computed as PyTorch does as
//! `y = x·α + β` with `α = rstd·w`, `β = b − μ·α`. Training uses the batch's `μ` and `σ²` and
//! also returns the unbiased variance `σ²·m/(m − 1)`, which the running statistics take:
//! `r ← (1 − momentum)·r + momentum·batch` ([`update_running`]). Evaluation uses the running
//! `μ` and `σ²` given.
//!
//! Backward, PyTorch's formulas, with the per-channel sums `Σg` and `dot = Σ g·(x − μ)`:
//!
//! - training: `dx = (g − Σg/m − (x − μ)·rstd²·dot/m)·rstd·w` (the batch statistics depend on
//!   `x`),
//! - evaluation: `dx = g·rstd·w` (the running statistics are constants),
//! - both: `dw = dot·rstd`, `db = Σg`.
//!
//! Accuracy: statistics and the backward sums are accumulated in `f64`, the variance in two
//! passes (mean first), so a channel with a large mean loses nothing to cancellation.
//!
//! Parallelism: the per-channel reductions split over channels, the element-wise passes over
//! the `N·C` planes of `L` values; every output is computed by one task in a fixed order, so
//! the bits do not depend on the thread count. The [`scalar`] twins compute everything
//! channel by channel in `f64` on one thread.

pub mod scalar;
mod stats;
mod sums;
#[cfg(test)]
mod tests;

pub use stats::{batch_stats, rstd_of, update_running};

use std::ops::Range;

use super::par::{for_units, Par, EW_GRAIN};
use crate::kernels::Acc;

/// Where batch norm's passes go parallel: above `grain` elements, tasks of whole channels
/// (reductions) or planes (element-wise passes) totalling about `chunk` elements.
pub const CHANNELS: Par = Par {
    chunk: 16 * 1024,
    grain: EW_GRAIN,
};

/// A tensor `[N, C, ...]` seen as `[n, c, l]`: element `(i, j, k)` is at `(i·c + j)·l + k`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChannelLayout {
    /// The batch size `N`.
    pub n: usize,
    /// The channels `C`.
    pub c: usize,
    /// Elements per channel per sample (the product of the dims after `C`).
    pub l: usize,
}

impl ChannelLayout {
    /// Elements in all, `n·c·l`.
    pub fn numel(&self) -> usize {
        self.n * self.c * self.l
    }
    /// Values per channel, `m = n·l`.
    pub fn per_channel(&self) -> usize {
        self.n * self.l
    }
    /// `Σ f(range)` over the ranges of flat indices that hold channel `j`'s elements (one per
    /// sample, `l` long), in sample order.
    #[inline]
    pub(super) fn channel_sum(&self, j: usize, f: impl Fn(Range<usize>) -> f64) -> f64 {
        let mut s = 0.0;
        for i in 0..self.n {
            let base = (i * self.c + j) * self.l;
            s += f(base..base + self.l);
        }
        s
    }
}

/// `y = (x − mean)·rstd·w + b` per channel (`w`, `b` of length `C`, or 1 and 0).
///
/// ```
/// use arenagrad::kernels::batch_norm::{batch_norm, ChannelLayout};
/// let l = ChannelLayout { n: 2, c: 1, l: 1 };
/// let mut y = [0.0; 2];
/// batch_norm(&[1.0, 3.0], l, &[2.0], &[1.0], Some(&[2.0]), Some(&[0.5]), &mut y);
/// assert_eq!(y, [-1.5, 2.5]);
/// ```
pub fn batch_norm(
    x: &[f32],
    l: ChannelLayout,
    mean: &[f32],
    rstd: &[f32],
    w: Option<&[f32]>,
    b: Option<&[f32]>,
    y: &mut [f32],
) {
    assert!(x.len() == l.numel() && y.len() == x.len() && mean.len() == l.c);
    assert!(
        rstd.len() == l.c && w.is_none_or(|w| w.len() == l.c) && b.is_none_or(|b| b.len() == l.c)
    );
    let (chunk, grain) = CHANNELS.units(l.l);
    for_units([y], [l.l], l.n * l.c, chunk, grain, &|p0, [y]| {
        for (k, y) in y.chunks_exact_mut(l.l.max(1)).enumerate() {
            let (p, j) = (p0 + k, (p0 + k) % l.c);
            let alpha = rstd[j] * w.map_or(1.0, |w| w[j]);
            let beta = b.map_or(0.0, |b| b[j]) - mean[j] * alpha;
            let x = &x[p * l.l..(p + 1) * l.l];
            for (y, &x) in y.iter_mut().zip(x) {
                *y = x * alpha + beta;
            }
        }
    });
}

/// Backward's per-channel sums: `sum_g = Σ g`, `dot = Σ g·(x − mean)` (`f64`, stored `f32`).
///
/// ```
/// use arenagrad::kernels::batch_norm::{backward_sums, ChannelLayout};
/// let l = ChannelLayout { n: 2, c: 1, l: 1 };
/// let (mut sum_g, mut dot) = ([0.0], [0.0]);
/// backward_sums(&[1.0, 3.0], &[1.0, 2.0], l, &[2.0], &mut sum_g, &mut dot);
/// assert_eq!((sum_g, dot), ([3.0], [1.0]));
/// ```
pub fn backward_sums(
    x: &[f32],
    g: &[f32],
    l: ChannelLayout,
    mean: &[f32],
    sum_g: &mut [f32],
    dot: &mut [f32],
) {
    assert!(x.len() == l.numel() && g.len() == x.len() && mean.len() == l.c);
    let (chunk, grain) = CHANNELS.units(2 * l.per_channel());
    for_units([sum_g, dot], [1, 1], l.c, chunk, grain, &|j0, [s, d]| {
        for k in 0..s.len() {
            let (j, mu) = (j0 + k, mean[j0 + k] as f64);
            s[k] = l.channel_sum(j, |r| sums::sum(&g[r])) as f32;
            d[k] = l.channel_sum(j, |r| sums::dot_dev(&g[r.clone()], &x[r], mu)) as f32;
        }
    });
}

/// The input gradient: with `sums = Some((sum_g, dot))` the training formula, with `None` the
/// evaluation one, `dx = g·rstd·w` (module docs).
///
/// ```
/// use arenagrad::kernels::{Acc, batch_norm::{batch_norm_backward_x, ChannelLayout}};
/// let l = ChannelLayout { n: 2, c: 1, l: 1 };
/// let mut dx = [0.0; 2];
/// // eval: g·rstd·w = [1, 2]·0.5·2
/// batch_norm_backward_x(&[1.0, 3.0], &[1.0, 2.0], l, &[0.0], &[0.5], Some(&[2.0]), None, &mut dx, Acc::Write);
/// assert_eq!(dx, [1.0, 2.0]);
/// ```
#[allow(clippy::too_many_arguments)] // inputs, the saved statistics and the sums are separate slices
pub fn batch_norm_backward_x(
    x: &[f32],
    g: &[f32],
    l: ChannelLayout,
    mean: &[f32],
    rstd: &[f32],
    w: Option<&[f32]>,
    sums: Option<(&[f32], &[f32])>,
    dx: &mut [f32],
    acc: Acc,
) {
    assert!(x.len() == l.numel() && g.len() == x.len() && dx.len() == x.len());
    assert!(mean.len() == l.c && rstd.len() == l.c && w.is_none_or(|w| w.len() == l.c));
    let m = l.per_channel() as f32;
    let (chunk, grain) = CHANNELS.units(2 * l.l);
    for_units([dx], [l.l], l.n * l.c, chunk, grain, &|p0, [dx]| {
        for (k, dx) in dx.chunks_exact_mut(l.l.max(1)).enumerate() {
            let (p, j) = (p0 + k, (p0 + k) % l.c);
            let (x, g) = (&x[p * l.l..(p + 1) * l.l], &g[p * l.l..(p + 1) * l.l]);
            let (rs, mu) = (rstd[j], mean[j]);
            let scale = rs * w.map_or(1.0, |w| w[j]);
            match sums {
                Some((sum_g, dot)) => {
                    let (gm, k) = (sum_g[j] / m, dot[j] * rs * rs / m);
                    for ((d, &x), &g) in dx.iter_mut().zip(x).zip(g) {
                        acc.put(d, (g - gm - (x - mu) * k) * scale);
                    }
                }
                None => {
                    for (d, &g) in dx.iter_mut().zip(g) {
                        acc.put(d, g * scale);
                    }
                }
            }
        }
    });
}

/// The weight gradient `dw = dot·rstd`.
///
/// ```
/// use arenagrad::kernels::{Acc, batch_norm::batch_norm_backward_w};
/// let mut dw = [1.0];
/// batch_norm_backward_w(&[4.0], &[0.5], &mut dw, Acc::Add);
/// assert_eq!(dw, [3.0]);
/// ```
pub fn batch_norm_backward_w(dot: &[f32], rstd: &[f32], dw: &mut [f32], acc: Acc) {
    assert!(dot.len() == dw.len() && rstd.len() == dw.len());
    for ((d, &dot), &rs) in dw.iter_mut().zip(dot).zip(rstd) {
        acc.put(d, dot * rs);
    }
}
