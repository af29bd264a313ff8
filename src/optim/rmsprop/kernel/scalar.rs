//! The scalar twin of the RMSprop update: the plain element loop (PyTorch's rounding, see
//! [`optim::update`](crate::optim::update)) that the SIMD update is tested against bit for bit.

use crate::kernels::simd::fma;
use crate::optim::update::{lerp, signed, widen};
use crate::optim::RmspropConfig;

/// One RMSprop update (see [`super::rmsprop`]).
pub fn rmsprop(
    p: &mut [f32],
    g: &[f32],
    sq: &mut [f32],
    avg: &mut [f32],
    buf: &mut [f32],
    c: &RmspropConfig,
) {
    let n = p.len();
    assert!(
        g.len() == n && sq.len() == n,
        "rmsprop: buffer lengths differ"
    );
    assert!(
        !c.centered || avg.len() == n,
        "rmsprop: average buffer length differs"
    );
    assert!(
        c.momentum <= 0.0 || buf.len() == n,
        "rmsprop: momentum buffer length differs"
    );
    let alpha = widen(c.alpha);
    let w = (1.0 - alpha) as f32;
    let (alpha, eps) = (alpha as f32, widen(c.eps) as f32);
    for i in 0..n {
        let mut d = signed(g[i], c.maximize);
        if c.weight_decay != 0.0 {
            d = fma(p[i], c.weight_decay, d);
        }
        sq[i] = fma(w * d, d, sq[i] * alpha);
        let denom = if c.centered {
            avg[i] = lerp(avg[i], d, w);
            fma(-avg[i], avg[i], sq[i]).sqrt() + eps
        } else {
            sq[i].sqrt() + eps
        };
        if c.momentum > 0.0 {
            buf[i] = buf[i] * c.momentum + d / denom;
            p[i] = fma(buf[i], -c.lr, p[i]);
        } else {
            p[i] += -c.lr * d / denom;
        }
    }
}
