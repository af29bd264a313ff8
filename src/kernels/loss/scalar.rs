//! Scalar twins of the cross-entropy kernels: the reference implementations (the standard
//! library's `exp` and `ln`, the smoothing term's mean in `f64`) that the SIMD kernels of the
//! [parent module](super) are tested against.

use super::{Upstream, Xent, STATS};
use crate::kernels::Acc;

/// Per-row cross-entropy: writes each row's statistics `[m, 1/S]` (`[0, 0]` on ignored rows)
/// and its loss (0 on ignored rows).
pub fn cross_entropy_rows(p: Xent<'_>, stats: &mut [f32], loss: &mut [f32]) {
    let Xent {
        logits,
        c,
        targets,
        ignore,
        eps,
    } = p;
    for (i, &t) in targets.iter().enumerate() {
        if Some(t) == ignore {
            (stats[STATS * i], stats[STATS * i + 1], loss[i]) = (0.0, 0.0, 0.0);
            continue;
        }
        let row = &logits[i * c..(i + 1) * c];
        let m = row.iter().fold(f32::NEG_INFINITY, |a, &v| a.max(v));
        let s: f32 = row.iter().map(|&v| (v - m).exp()).sum();
        let l = m + s.ln();
        (stats[STATS * i], stats[STATS * i + 1]) = (m, 1.0 / s);
        let mut li = (1.0 - eps) * (l - row[t]);
        // skipped at eps = 0 so a -inf logit of another class stays harmless, as in PyTorch
        if eps != 0.0 {
            let mean = row.iter().map(|&v| v as f64).sum::<f64>() / c as f64;
            li += eps * (l - mean as f32);
        }
        loss[i] = li;
    }
}

/// Gradient of [`cross_entropy_rows`] w.r.t. the logits: `g_i (p_c − (1−ε)[c = t] − ε/C)`
/// with `p = e^{x−m}·(1/S)`, zero on ignored rows.
pub fn cross_entropy_backward(
    p: Xent<'_>,
    stats: &[f32],
    up: Upstream<'_>,
    out: &mut [f32],
    acc: Acc,
) {
    let Xent {
        logits,
        c,
        targets,
        ignore,
        eps,
    } = p;
    let off = eps / c as f32;
    for (i, &t) in targets.iter().enumerate() {
        let row = &logits[i * c..(i + 1) * c];
        let dst = &mut out[i * c..(i + 1) * c];
        if Some(t) == ignore {
            dst.iter_mut().for_each(|o| acc.put(o, 0.0));
            continue;
        }
        let (g, m, r) = (up.at(i), stats[STATS * i], stats[STATS * i + 1]);
        for (k, (o, &v)) in dst.iter_mut().zip(row).enumerate() {
            let hit = if k == t { 1.0 - eps } else { 0.0 };
            acc.put(o, g * ((v - m).exp() * r - hit - off));
        }
    }
}
