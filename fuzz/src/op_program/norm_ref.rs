//! The reference's batch norm (`F.batch_norm`) over `[N, C, ...]`: per channel, over its
//! `m = N·L` values, training normalises with the batch mean μ and biased variance σ², and
//! evaluation with the statistics given; `y = (x − μ)/√(σ² + eps)·w + b` (`w = 1`, `b = 0` when
//! absent). A training forward moves the running statistics: `r ← (1 − momentum)·r +
//! momentum·batch`, with the unbiased variance `Σ(x − μ)²/(m − 1)`. PyTorch accepts rank ≥ 2,
//! a weight, bias and statistics of shape `[C]`, and in training more than one value per
//! channel.

use std::collections::HashSet;

use super::mirror::RT;
use super::tape::{Id, Tape};

/// The statistics a forward normalises with: the batch's (training) or given (evaluation).
pub enum Stats<'a> {
    Batch,
    Given { mean: &'a [f32], var: &'a [f32] },
}

/// A channel's `1/√(σ² + eps)`: its node (training) and value.
type Rstd = (Option<Id>, f64);

/// Whether PyTorch accepts input `x` with these weight and bias shapes and statistics of
/// length `stats` (training when `train`).
pub fn accepted(
    x: &[usize],
    w: Option<&[usize]>,
    b: Option<&[usize]>,
    stats: Option<usize>,
    train: bool,
) -> bool {
    let Some(&c) = x.get(1) else { return false };
    let fits = |s: Option<&[usize]>| s.is_none_or(|s| s == [c]);
    fits(w) && fits(b) && stats.is_none_or(|l| l == c) && (!train || per_channel(x) > 1)
}

/// `m = N·L`, the values of one channel.
fn per_channel(shape: &[usize]) -> usize {
    shape[0] * shape[2..].iter().product::<usize>()
}

/// The flat indices of channel `c`'s elements in a tensor of `shape`.
fn channel(shape: &[usize], c: usize) -> impl Iterator<Item = usize> {
    let (ch, l) = (shape[1], shape[2..].iter().product::<usize>());
    (0..shape[0]).flat_map(move |n| ((n * ch + c) * l)..((n * ch + c + 1) * l))
}

/// Per channel, `(μ, Σ(x − μ)², Σ|x|)` of `x` in `f64` (mean first, then the squares).
fn moments(x: &[f32], shape: &[usize]) -> Vec<(f64, f64, f64)> {
    (0..shape[1])
        .map(|c| {
            let v = || channel(shape, c).map(|e| x[e] as f64);
            let mean = v().sum::<f64>() / per_channel(shape) as f64;
            (
                mean,
                v().map(|x| (x - mean).powi(2)).sum(),
                v().map(f64::abs).sum(),
            )
        })
        .collect()
}

/// `(value, magnitude)` of each output on arenagrad's inputs; the magnitude is infinite where
/// `rstd·w` would overflow in `f32` (not compared).
pub fn values(
    x: &[f32],
    shape: &[usize],
    w: Option<&[f32]>,
    b: Option<&[f32]>,
    stats: &Stats,
    eps: f32,
) -> Vec<(f64, f64)> {
    let mom = moments(x, shape);
    let m = per_channel(shape) as f64;
    let mut out = vec![(0.0, 0.0); x.len()];
    for (c, &(bmean, ss, _)) in mom.iter().enumerate() {
        let (mean, var) = match stats {
            Stats::Batch => (bmean, ss / m),
            Stats::Given { mean, var } => (mean[c] as f64, var[c] as f64),
        };
        let rstd = 1.0 / (var + eps as f64).sqrt();
        let (wc, bc) = (
            w.map_or(1.0, |w| w[c] as f64),
            b.map_or(0.0, |b| b[c] as f64),
        );
        let scale = if (rstd * wc).abs() <= 1e30 {
            rstd * wc.abs()
        } else {
            f64::INFINITY
        };
        for e in channel(shape, c) {
            let xe = x[e] as f64;
            out[e] = (
                (xe - mean) * rstd * wc + bc,
                (xe.abs() + mean.abs()) * scale + bc.abs(),
            );
        }
    }
    out
}

/// The running mean and variance after a training forward on `x` from `mean0` and `var0`:
/// `(value, magnitude)` per channel, each.
pub fn running(
    x: &[f32],
    shape: &[usize],
    (mean0, var0): (&[f32], &[f32]),
    momentum: f32,
) -> [Vec<(f64, f64)>; 2] {
    let (m, per_channel) = (momentum as f64, per_channel(shape) as f64);
    // the batch statistic is an f32 value (it may overflow to ∞, and then 0·∞ is NaN)
    let moved = |r: f32, batch: f64, batch_mag: f64| {
        let (r, batch, batch_mag) = (r as f64, batch as f32 as f64, batch_mag as f32 as f64);
        (
            (1.0 - m) * r + m * batch,
            (1.0 - m).abs() * r.abs() + m.abs() * batch_mag,
        )
    };
    let mom = moments(x, shape);
    let mean = mom
        .iter()
        .zip(mean0)
        .map(|(&(mu, _, abs), &r)| moved(r, mu, abs / per_channel));
    let unbiased = |ss: f64| ss / (per_channel - 1.0);
    let var = mom
        .iter()
        .zip(var0)
        .map(|(&(_, ss, _), &r)| moved(r, unbiased(ss), unbiased(ss)));
    [mean.collect(), var.collect()]
}

impl Tape {
    /// Batch norm of `x` with optional `[C]` weight and bias, one node per step of the
    /// definition (training) or per output (evaluation: the statistics are constants).
    pub fn batch_norm(
        &mut self,
        x: &RT,
        w: Option<&RT>,
        b: Option<&RT>,
        stats: &Stats,
        eps: f32,
    ) -> RT {
        let mut ids: Vec<Id> = vec![0; x.ids.len()];
        // evaluation's weight gradient is Σ g·(x − μ) times rstd: 0·rstd for an empty batch,
        // NaN where rstd is not finite (as arenagrad and PyTorch compute it)
        let mut scale: Vec<(Id, f64)> = vec![];
        for c in 0..x.shape[1] {
            let elems: Vec<usize> = channel(&x.shape, c).collect();
            let m = elems.len() as f64;
            // (x − μ) and rstd as nodes (training) or constants (evaluation)
            let mut rough = false;
            let (diffs, rstd): (Vec<(Id, f64)>, Rstd) = match stats {
                Stats::Batch => {
                    let xs: Vec<Id> = elems.iter().map(|&e| x.ids[e]).collect();
                    let mu = self.sum_of(&xs, 1.0 / m);
                    let mv = self.value(mu);
                    let diffs: Vec<(Id, f64)> = (xs.iter())
                        .map(|&j| {
                            let v = self.value(j) - mv;
                            (self.node(v, &[(j, 1.0), (mu, -1.0)], false), v)
                        })
                        .collect();
                    let var_v = diffs.iter().map(|d| d.1 * d.1).sum::<f64>() / m;
                    let parents: Vec<(Id, f64)> =
                        diffs.iter().map(|d| (d.0, 2.0 * d.1 / m)).collect();
                    let var = self.node(var_v, &parents, false);
                    let ve = var_v + eps as f64;
                    let mean_sq = xs.iter().map(|&j| self.value(j).powi(2)).sum::<f64>() / m;
                    // a tiny variance next to the values: the point is badly conditioned
                    let ill = ve < 1e-4 || ve < 1e-4 * mean_sq;
                    let rstd = self.node(1.0 / ve.sqrt(), &[(var, -0.5 * ve.powf(-1.5))], ill);
                    (diffs, (Some(rstd), self.value(rstd)))
                }
                Stats::Given { mean, var } => {
                    let (mean, ve) = (mean[c] as f64, var[c] as f64 + eps as f64);
                    let diffs: Vec<(Id, f64)> = (elems.iter())
                        .map(|&e| (x.ids[e], self.value(x.ids[e]) - mean))
                        .collect();
                    // as in training: a tiny variance next to the values (here x and the
                    // given mean) is badly conditioned; f32's `x·α + β` (α = rstd·w,
                    // β = b − μ·α, PyTorch's formula) keeps little of `x − μ` there
                    let x_sq = elems.iter().map(|&e| self.value(x.ids[e]).powi(2));
                    let mean_sq = (x_sq.sum::<f64>() / m).max(mean * mean);
                    rough = ve < 1e-4 || ve < 1e-4 * mean_sq;
                    (diffs, (None, 1.0 / ve.sqrt()))
                }
            };
            let (wc, bc) = (w.map(|w| w.ids[c]), b.map(|b| b.ids[c]));
            let wv = wc.map_or(1.0, |i| self.value(i));
            if let (Stats::Given { .. }, Some(i)) = (stats, wc) {
                scale.push((i, rstd.1));
            }
            for (&e, &(d, dv)) in elems.iter().zip(&diffs) {
                let xh = dv * rstd.1;
                // ∂y/∂(x − μ) = rstd·w, ∂y/∂rstd = (x − μ)·w, ∂y/∂w = x̂, ∂y/∂b = 1
                let mut parents = vec![(d, rstd.1 * wv)];
                parents.extend(rstd.0.map(|r| (r, dv * wv)));
                parents.extend(wc.map(|i| (i, xh)));
                parents.extend(bc.map(|i| (i, 1.0)));
                let y = xh * wv + bc.map_or(0.0, |i| self.value(i));
                ids[e] = self.node(y, &parents, rough);
            }
        }
        let out = RT {
            shape: x.shape.clone(),
            ids,
            hidden: None,
        };
        let inputs: Vec<&RT> = [Some(x), w, b].into_iter().flatten().collect();
        // every element is read, unless the output is empty
        let read: HashSet<Id> = match out.ids.is_empty() {
            true => HashSet::new(),
            false => inputs.iter().flat_map(|x| x.ids.iter().copied()).collect(),
        };
        let extra = (!scale.is_empty()).then(|| self.node(0.0, &scale, false));
        self.partial(&inputs, &read, extra, out)
    }
}
