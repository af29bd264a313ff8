//! The Adagrad update (learning-rate decay, weight decay): one fused pass over a parameter's
//! values, gradient and sum of squared gradients, reading the config directly. The maths is in
//! the [parent module](super); rounding, SIMD and the parallel split as described in
//! [`optim::update`](crate::optim::update).

use super::AdagradConfig;
use crate::kernels::par::for_units;
use crate::kernels::simd::{each_lane, Vector};
use crate::optim::update::{ld, signed, widen, UPDATES};

#[cfg(test)]
pub(crate) mod scalar;
#[cfg(test)]
mod tests;

/// One Adagrad update of `p` and its sum of squared gradients `sum`, at the parameter's step
/// count `step` (this step included, `>= 1`). The config is the parameter's group's (its
/// learning rate included; `initial_accumulator_value` is for the optimizer to fill `sum`).
///
/// ```
/// use arenagrad::optim::adagrad::kernel::adagrad;
/// use arenagrad::optim::AdagradConfig;
/// let c = AdagradConfig { lr: 0.1, ..Default::default() };
/// let (mut p, mut sum) = ([1.0f32], [0.0f32]);
/// adagrad(&mut p, &[0.5], &mut sum, &c, 1);    // s = g², p -= lr · g / |g|
/// assert!((p[0] - 0.9).abs() < 1e-6 && sum[0] == 0.25);
/// ```
pub fn adagrad(p: &mut [f32], g: &[f32], sum: &mut [f32], c: &AdagradConfig, step: u64) {
    let n = p.len();
    assert!(
        g.len() == n && sum.len() == n,
        "adagrad: buffer lengths differ"
    );
    let clr = widen(c.lr) / (1.0 + (step as f64 - 1.0) * widen(c.lr_decay));
    let k = ((-clr) as f32, widen(c.eps) as f32);
    let (chunk, grain) = (UPDATES.chunk, UPDATES.grain);
    for_units([p, sum], [1; 2], n, chunk, grain, &|o, [p, sum]| {
        let (c, n) = (*c, p.len());
        let (g, sum) = (&g[o..][..n], &mut sum[..n]);
        each_lane!(n, adagrad_at(p, g, sum, c, k));
    });
}

#[inline(always)]
fn adagrad_at<L: Vector>(
    i: usize,
    p: &mut [f32],
    g: &[f32],
    sum: &mut [f32],
    c: AdagradConfig,
    (neg_clr, eps): (f32, f32),
) {
    let pv = ld::<L>(p, i);
    let mut d = signed(ld::<L>(g, i), c.maximize);
    if c.weight_decay != 0.0 {
        d = pv.mul_add(L::splat(c.weight_decay), d);
    }
    let s = d.mul_add(d, ld::<L>(sum, i));
    s.store(&mut sum[i..]);
    (pv + L::splat(neg_clr) * d / (s.sqrt() + L::splat(eps))).store(&mut p[i..]);
}
