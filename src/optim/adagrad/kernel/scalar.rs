//! The scalar twin of the Adagrad update: the plain element loop (PyTorch's rounding, see
//! [`optim::update`](crate::optim::update)) that the SIMD update is tested against bit for bit.

use crate::kernels::simd::fma;
use crate::optim::update::{signed, widen};
use crate::optim::AdagradConfig;

/// One Adagrad update (see [`super::adagrad`]).
pub fn adagrad(p: &mut [f32], g: &[f32], sum: &mut [f32], c: &AdagradConfig, step: u64) {
    let n = p.len();
    assert!(
        g.len() == n && sum.len() == n,
        "adagrad: buffer lengths differ"
    );
    let clr = widen(c.lr) / (1.0 + (step as f64 - 1.0) * widen(c.lr_decay));
    let (neg_clr, eps) = ((-clr) as f32, widen(c.eps) as f32);
    for i in 0..n {
        let mut d = signed(g[i], c.maximize);
        if c.weight_decay != 0.0 {
            d = fma(p[i], c.weight_decay, d);
        }
        sum[i] = fma(d, d, sum[i]);
        p[i] += neg_clr * d / (sum[i].sqrt() + eps);
    }
}
