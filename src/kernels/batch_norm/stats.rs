//! Batch norm's statistics: the per-channel batch mean and variances (`f64`, two passes), the
//! `rstd` of given variances, and the running-statistics update (module docs of
//! [`batch_norm`](super)).

use super::{sums, ChannelLayout, CHANNELS};
use crate::kernels::par::for_units;

/// The batch statistics of each channel: `mean`, `rstd = 1/√(σ² + eps)` with the biased
/// variance, and `var` = the unbiased variance (NaN when `m = 1`).
///
/// ```
/// use arenagrad::kernels::batch_norm::{batch_stats, ChannelLayout};
/// // one channel holding [1, 3]: mean 2, biased var 1, unbiased var 2
/// let l = ChannelLayout { n: 2, c: 1, l: 1 };
/// let (mut mean, mut rstd, mut var) = ([0.0], [0.0], [0.0]);
/// batch_stats(&[1.0, 3.0], l, 0.0, &mut mean, &mut rstd, &mut var);
/// assert_eq!((mean, rstd, var), ([2.0], [1.0], [2.0]));
/// ```
pub fn batch_stats(
    x: &[f32],
    l: ChannelLayout,
    eps: f32,
    mean: &mut [f32],
    rstd: &mut [f32],
    var: &mut [f32],
) {
    assert!(x.len() == l.numel() && mean.len() == l.c && rstd.len() == l.c && var.len() == l.c);
    let m = l.per_channel() as f64;
    let (chunk, grain) = CHANNELS.units(l.per_channel());
    for_units(
        [mean, rstd, var],
        [1, 1, 1],
        l.c,
        chunk,
        grain,
        &|j0, [mu, rs, v]| {
            for k in 0..mu.len() {
                let j = j0 + k;
                let mean = l.channel_sum(j, |r| sums::sum(&x[r])) / m;
                let ss = l.channel_sum(j, |r| sums::sq_dev(&x[r], mean));
                mu[k] = mean as f32;
                rs[k] = (1.0 / (ss / m + eps as f64).sqrt()) as f32;
                v[k] = (ss / (m - 1.0)) as f32;
            }
        },
    );
}

/// `rstd = 1/√(var + eps)` of given (running) variances.
///
/// ```
/// use arenagrad::kernels::batch_norm::rstd_of;
/// let mut rstd = [0.0; 2];
/// rstd_of(&[3.0, 0.25], 1.0, &mut rstd);
/// assert_eq!(rstd, [0.5, 1.0 / 1.25f32.sqrt()]);
/// ```
pub fn rstd_of(var: &[f32], eps: f32, rstd: &mut [f32]) {
    assert_eq!(var.len(), rstd.len(), "rstd_of: lengths");
    for (r, &v) in rstd.iter_mut().zip(var) {
        *r = (1.0 / (v as f64 + eps as f64).sqrt()) as f32;
    }
}

/// `running ← (1 − momentum)·running + momentum·batch`, in `f64`.
///
/// ```
/// use arenagrad::kernels::batch_norm::update_running;
/// let mut r = [1.0, 0.0];
/// update_running(&mut r, &[3.0, 2.0], 0.5);
/// assert_eq!(r, [2.0, 1.0]);
/// ```
pub fn update_running(running: &mut [f32], batch: &[f32], momentum: f32) {
    assert_eq!(running.len(), batch.len(), "update_running: lengths");
    let m = momentum as f64;
    for (r, &b) in running.iter_mut().zip(batch) {
        *r = ((1.0 - m) * *r as f64 + m * b as f64) as f32;
    }
}
