//! Scalar twins of the batch-norm kernels: one channel at a time on one thread, every
//! quantity in `f64` straight from the formulas of the [module docs](super). The reference
//! the parallel kernels are tested against.

use super::ChannelLayout;

fn channel(x: &[f32], l: ChannelLayout, j: usize) -> Vec<(usize, f64)> {
    let idx = (0..l.n).flat_map(|i| (0..l.l).map(move |k| (i * l.c + j) * l.l + k));
    idx.map(|e| (e, x[e] as f64)).collect()
}

/// Training forward: `y` and per channel `(mean, rstd, unbiased var)`.
pub fn batch_norm_train(
    x: &[f32],
    l: ChannelLayout,
    w: Option<&[f32]>,
    b: Option<&[f32]>,
    eps: f32,
    y: &mut [f32],
) -> Vec<(f32, f32, f32)> {
    (0..l.c)
        .map(|j| {
            let v = channel(x, l, j);
            let m = v.len() as f64;
            let mean = v.iter().map(|p| p.1).sum::<f64>() / m;
            let ss: f64 = v.iter().map(|p| (p.1 - mean).powi(2)).sum();
            let rstd = 1.0 / (ss / m + eps as f64).sqrt();
            let (wj, bj) = (
                w.map_or(1.0, |w| w[j] as f64),
                b.map_or(0.0, |b| b[j] as f64),
            );
            for &(e, xv) in &v {
                y[e] = ((xv - mean) * rstd * wj + bj) as f32;
            }
            (mean as f32, rstd as f32, (ss / (m - 1.0)) as f32)
        })
        .collect()
}

/// Backward: `(dx, dw, db)` for the statistics `mean`, `rstd` (the batch's when `train`, the
/// running ones otherwise).
#[allow(clippy::too_many_arguments)] // the forward's inputs and statistics, and the mode
pub fn batch_norm_backward(
    x: &[f32],
    g: &[f32],
    l: ChannelLayout,
    mean: &[f32],
    rstd: &[f32],
    w: Option<&[f32]>,
    train: bool,
) -> (Vec<f32>, Vec<f32>, Vec<f32>) {
    let (mut dx, mut dw, mut db) = (vec![0.0; x.len()], vec![0.0; l.c], vec![0.0; l.c]);
    for j in 0..l.c {
        let v = channel(x, l, j);
        let m = v.len() as f64;
        let (mu, rs) = (mean[j] as f64, rstd[j] as f64);
        let wj = w.map_or(1.0, |w| w[j] as f64);
        let sum_g: f64 = v.iter().map(|&(e, _)| g[e] as f64).sum();
        let dot: f64 = v.iter().map(|&(e, xv)| g[e] as f64 * (xv - mu)).sum();
        for &(e, xv) in &v {
            let ge = g[e] as f64;
            let d = if train {
                (ge - sum_g / m - (xv - mu) * rs * rs * dot / m) * rs * wj
            } else {
                ge * rs * wj
            };
            dx[e] = d as f32;
        }
        (dw[j], db[j]) = ((dot * rs) as f32, sum_g as f32);
    }
    (dx, dw, db)
}
