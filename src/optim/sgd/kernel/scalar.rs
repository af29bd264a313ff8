//! The scalar twin of the SGD update: the plain element loop (PyTorch's rounding, see
//! [`optim::update`](crate::optim::update)) that the SIMD update is tested against bit for bit.

use crate::kernels::simd::fma;
use crate::optim::update::{signed, widen};
use crate::optim::SgdConfig;

/// One SGD update (see [`super::sgd`]).
pub fn sgd(p: &mut [f32], g: &[f32], buf: &mut [f32], c: &SgdConfig, first: bool) {
    assert_eq!(
        p.len(),
        g.len(),
        "sgd: parameter and gradient lengths differ"
    );
    let keep = (1.0 - widen(c.dampening)) as f32;
    if c.momentum == 0.0 {
        for (p, &g) in p.iter_mut().zip(g) {
            let mut d = signed(g, c.maximize);
            if c.weight_decay != 0.0 {
                d = fma(*p, c.weight_decay, d);
            }
            *p = fma(d, -c.lr, *p);
        }
        return;
    }
    assert_eq!(p.len(), buf.len(), "sgd: momentum buffer length differs");
    for ((p, &g), b) in p.iter_mut().zip(g).zip(buf) {
        let mut d = signed(g, c.maximize);
        if c.weight_decay != 0.0 {
            d = fma(*p, c.weight_decay, d);
        }
        *b = if first {
            d
        } else {
            fma(d, keep, *b * c.momentum)
        };
        d = if c.nesterov {
            fma(*b, c.momentum, d)
        } else {
            *b
        };
        *p = fma(d, -c.lr, *p);
    }
}
