//! Scalar twins of the cross-entropy kernels: the reference implementations (the standard
//! library's `exp` and `ln`, the smoothing term's mean in `f64`) that the SIMD kernels of the
//! [parent module](super) are tested against.

use super::Upstream;
use crate::kernels::Acc;

/// Per-row cross-entropy of `logits` (`n × c`, row-major) against class `targets`, with label
/// smoothing `eps`; rows whose target is `ignore` get loss 0 (and `lse` 0). Writes `lse[i]`
/// (the row's log-sum-exp, all backward needs) and `loss[i]`.
pub fn cross_entropy_rows(
    logits: &[f32],
    c: usize,
    targets: &[usize],
    ignore: Option<usize>,
    eps: f32,
    lse: &mut [f32],
    loss: &mut [f32],
) {
    for (i, &t) in targets.iter().enumerate() {
        if Some(t) == ignore {
            (lse[i], loss[i]) = (0.0, 0.0);
            continue;
        }
        let row = &logits[i * c..(i + 1) * c];
        let m = row.iter().fold(f32::NEG_INFINITY, |a, &v| a.max(v));
        let s: f32 = row.iter().map(|&v| (v - m).exp()).sum();
        let l = m + s.ln();
        lse[i] = l;
        let mut li = (1.0 - eps) * (l - row[t]);
        // skipped at eps = 0 so a -inf logit of another class stays harmless, as in PyTorch
        if eps != 0.0 {
            let mean = row.iter().map(|&v| v as f64).sum::<f64>() / c as f64;
            li += eps * (l - mean as f32);
        }
        loss[i] = li;
    }
}

/// Gradient of [`cross_entropy_rows`] w.r.t. the logits: `g_i (p_c − (1−ε)[c = t] − ε/C)`,
/// zero on ignored rows.
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
    let off = eps / c as f32;
    for (i, &t) in targets.iter().enumerate() {
        let row = &logits[i * c..(i + 1) * c];
        let dst = &mut out[i * c..(i + 1) * c];
        if Some(t) == ignore {
            dst.iter_mut().for_each(|o| acc.put(o, 0.0));
            continue;
        }
        let g = up.at(i);
        for (k, (o, &v)) in dst.iter_mut().zip(row).enumerate() {
            let hit = if k == t { 1.0 - eps } else { 0.0 };
            acc.put(o, g * ((v - lse[i]).exp() - hit - off));
        }
    }
}
