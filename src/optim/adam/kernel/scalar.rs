//! The scalar twin of the Adam update: the plain element loop (PyTorch's rounding, see
//! [`optim::update`](crate::optim::update)) that the SIMD update is tested against bit for bit.

use crate::kernels::simd::fma;
use crate::optim::update::{lerp, nan_max, signed, widen};
use crate::optim::AdamConfig;

/// One Adam update (see [`super::adam`]).
pub fn adam(
    p: &mut [f32],
    g: &[f32],
    m: &mut [f32],
    v: &mut [f32],
    v_max: &mut [f32],
    c: &AdamConfig,
    step: u64,
) {
    let n = p.len();
    assert!(
        g.len() == n && m.len() == n && v.len() == n,
        "adam: buffer lengths differ"
    );
    assert!(
        !c.amsgrad || v_max.len() == n,
        "adam: max buffer length differs"
    );
    let (lr, b1, b2) = (widen(c.lr), widen(c.betas.0), widen(c.betas.1));
    let t = step as f64;
    let neg_step_size = (-(lr / (1.0 - b1.powf(t)))) as f32;
    let bc2_sqrt = (1.0 - b2.powf(t)).powf(0.5) as f32;
    let shrink = (1.0 - lr * widen(c.weight_decay)) as f32;
    let (w1, w2) = ((1.0 - b1) as f32, (1.0 - b2) as f32);
    let (b2, eps) = (b2 as f32, widen(c.eps) as f32);
    for i in 0..n {
        let mut d = signed(g[i], c.maximize);
        if c.weight_decay != 0.0 {
            if c.decoupled_weight_decay {
                p[i] *= shrink;
            } else {
                d = fma(p[i], c.weight_decay, d);
            }
        }
        m[i] = lerp(m[i], d, w1);
        v[i] = fma(w2 * d, d, v[i] * b2);
        let second = if c.amsgrad {
            v_max[i] = nan_max(v_max[i], v[i]);
            v_max[i]
        } else {
            v[i]
        };
        let denom = second.sqrt() / bc2_sqrt + eps;
        p[i] += neg_step_size * m[i] / denom;
    }
}
