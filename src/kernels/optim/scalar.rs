//! Scalar twins of the optimizer updates: the plain element loops (PyTorch's rounding, see the
//! [parent module](super)) that the SIMD updates are tested against bit for bit.

use super::{lerp, nan_max, signed, widen, AdagradArgs, AdamArgs, RmspropArgs, SgdArgs};
use crate::kernels::simd::fma;

/// One SGD update (see [`super::sgd`]).
pub fn sgd(p: &mut [f32], g: &[f32], buf: &mut [f32], a: &SgdArgs, first: bool) {
    assert_eq!(
        p.len(),
        g.len(),
        "sgd: parameter and gradient lengths differ"
    );
    let keep = (1.0 - widen(a.dampening)) as f32;
    if a.momentum == 0.0 {
        for (p, &g) in p.iter_mut().zip(g) {
            let mut d = signed(g, a.maximize);
            if a.weight_decay != 0.0 {
                d = fma(*p, a.weight_decay, d);
            }
            *p = fma(d, -a.lr, *p);
        }
        return;
    }
    assert_eq!(p.len(), buf.len(), "sgd: momentum buffer length differs");
    for ((p, &g), b) in p.iter_mut().zip(g).zip(buf) {
        let mut d = signed(g, a.maximize);
        if a.weight_decay != 0.0 {
            d = fma(*p, a.weight_decay, d);
        }
        *b = if first {
            d
        } else {
            fma(d, keep, *b * a.momentum)
        };
        d = if a.nesterov {
            fma(*b, a.momentum, d)
        } else {
            *b
        };
        *p = fma(d, -a.lr, *p);
    }
}

/// One Adam update (see [`super::adam`]).
pub fn adam(
    p: &mut [f32],
    g: &[f32],
    m: &mut [f32],
    v: &mut [f32],
    v_max: &mut [f32],
    a: &AdamArgs,
) {
    let n = p.len();
    assert!(
        g.len() == n && m.len() == n && v.len() == n,
        "adam: buffer lengths differ"
    );
    assert!(
        !a.amsgrad || v_max.len() == n,
        "adam: max buffer length differs"
    );
    let (lr, b1, b2) = (widen(a.lr), widen(a.betas.0), widen(a.betas.1));
    let t = a.step as f64;
    let neg_step_size = (-(lr / (1.0 - b1.powf(t)))) as f32;
    let bc2_sqrt = (1.0 - b2.powf(t)).powf(0.5) as f32;
    let shrink = (1.0 - lr * widen(a.weight_decay)) as f32;
    let (w1, w2) = ((1.0 - b1) as f32, (1.0 - b2) as f32);
    let (b2, eps) = (b2 as f32, widen(a.eps) as f32);
    for i in 0..n {
        let mut d = signed(g[i], a.maximize);
        if a.weight_decay != 0.0 {
            if a.decoupled_weight_decay {
                p[i] *= shrink;
            } else {
                d = fma(p[i], a.weight_decay, d);
            }
        }
        m[i] = lerp(m[i], d, w1);
        v[i] = fma(w2 * d, d, v[i] * b2);
        let second = if a.amsgrad {
            v_max[i] = nan_max(v_max[i], v[i]);
            v_max[i]
        } else {
            v[i]
        };
        let denom = second.sqrt() / bc2_sqrt + eps;
        p[i] += neg_step_size * m[i] / denom;
    }
}

/// One RMSprop update (see [`super::rmsprop`]).
pub fn rmsprop(
    p: &mut [f32],
    g: &[f32],
    sq: &mut [f32],
    avg: &mut [f32],
    buf: &mut [f32],
    a: &RmspropArgs,
) {
    let n = p.len();
    assert!(
        g.len() == n && sq.len() == n,
        "rmsprop: buffer lengths differ"
    );
    assert!(
        !a.centered || avg.len() == n,
        "rmsprop: average buffer length differs"
    );
    assert!(
        a.momentum <= 0.0 || buf.len() == n,
        "rmsprop: momentum buffer length differs"
    );
    let alpha = widen(a.alpha);
    let w = (1.0 - alpha) as f32;
    let (alpha, eps) = (alpha as f32, widen(a.eps) as f32);
    for i in 0..n {
        let mut d = signed(g[i], a.maximize);
        if a.weight_decay != 0.0 {
            d = fma(p[i], a.weight_decay, d);
        }
        sq[i] = fma(w * d, d, sq[i] * alpha);
        let denom = if a.centered {
            avg[i] = lerp(avg[i], d, w);
            fma(-avg[i], avg[i], sq[i]).sqrt() + eps
        } else {
            sq[i].sqrt() + eps
        };
        if a.momentum > 0.0 {
            buf[i] = buf[i] * a.momentum + d / denom;
            p[i] = fma(buf[i], -a.lr, p[i]);
        } else {
            p[i] += -a.lr * d / denom;
        }
    }
}

/// One Adagrad update (see [`super::adagrad`]).
pub fn adagrad(p: &mut [f32], g: &[f32], sum: &mut [f32], a: &AdagradArgs) {
    let n = p.len();
    assert!(
        g.len() == n && sum.len() == n,
        "adagrad: buffer lengths differ"
    );
    let clr = widen(a.lr) / (1.0 + (a.step as f64 - 1.0) * widen(a.lr_decay));
    let (neg_clr, eps) = ((-clr) as f32, widen(a.eps) as f32);
    for i in 0..n {
        let mut d = signed(g[i], a.maximize);
        if a.weight_decay != 0.0 {
            d = fma(p[i], a.weight_decay, d);
        }
        sum[i] = fma(d, d, sum[i]);
        p[i] += neg_clr * d / (sum[i].sqrt() + eps);
    }
}
