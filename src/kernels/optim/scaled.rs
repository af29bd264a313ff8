//! RMSprop and Adagrad: updates scaled by the root of accumulated squared gradients (ε added
//! after the root). Rounding and SIMD as described in the parent module.

use super::{ld, lerp, signed, widen, UPDATES};
use crate::kernels::par::for_units;
use crate::kernels::simd::{each_lane, Vector};

/// RMSprop's hyper-parameters (see `optim::RmspropConfig`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RmspropArgs {
    /// Learning rate.
    pub lr: f32,
    /// Smoothing constant of the squared-gradient average.
    pub alpha: f32,
    /// Added to the denominator (after the square root).
    pub eps: f32,
    /// L2 penalty added to the gradient.
    pub weight_decay: f32,
    /// Momentum factor (0: no buffer).
    pub momentum: f32,
    /// Normalise by the variance estimate `v − ḡ²` instead of `v`.
    pub centered: bool,
    /// Ascend instead of descend.
    pub maximize: bool,
}

/// One RMSprop update of `p`, its squared-gradient average `sq`, gradient average `avg`
/// (`centered` only) and momentum buffer `buf` (`momentum > 0` only); unused buffers may be
/// empty.
///
/// ```
/// use arenagrad::kernels::optim::{rmsprop, RmspropArgs};
/// let a = RmspropArgs { lr: 0.01, alpha: 0.99, eps: 1e-8, weight_decay: 0.0, momentum: 0.0,
///     centered: false, maximize: false };
/// let (mut p, mut sq) = ([1.0f32], [0.0f32]);
/// rmsprop(&mut p, &[0.5], &mut sq, &mut [], &mut [], &a);   // v = 0.01 g², p -= 0.01 · 10
/// assert!((p[0] - 0.9).abs() < 1e-5);
/// ```
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
    let avg = if a.centered { avg } else { &mut [][..] };
    let buf = if a.momentum > 0.0 { buf } else { &mut [][..] };
    let alpha = widen(a.alpha);
    let w = (1.0 - alpha) as f32;
    let k = (w, alpha as f32, widen(a.eps) as f32);
    let (chunk, grain) = (UPDATES.chunk, UPDATES.grain);
    for_units(
        [p, sq, avg, buf],
        [1; 4],
        n,
        chunk,
        grain,
        &|o, [p, sq, avg, buf]| {
            let (a, n) = (*a, p.len());
            let (g, sq) = (&g[o..][..n], &mut sq[..n]);
            each_lane!(n, rmsprop_at(p, g, sq, avg, buf, a, k));
        },
    );
}

#[inline(always)]
#[allow(clippy::too_many_arguments)] // the four buffers, the gradient and the factors
fn rmsprop_at<L: Vector>(
    i: usize,
    p: &mut [f32],
    g: &[f32],
    sq: &mut [f32],
    avg: &mut [f32],
    buf: &mut [f32],
    a: RmspropArgs,
    (w, alpha, eps): (f32, f32, f32),
) {
    let pv = ld::<L>(p, i);
    let mut d = signed(ld::<L>(g, i), a.maximize);
    if a.weight_decay != 0.0 {
        d = pv.mul_add(L::splat(a.weight_decay), d);
    }
    let s = (L::splat(w) * d).mul_add(d, ld::<L>(sq, i) * L::splat(alpha));
    s.store(&mut sq[i..]);
    let denom = if a.centered {
        let mean = lerp(ld::<L>(avg, i), d, w);
        mean.store(&mut avg[i..]);
        (-mean).mul_add(mean, s).sqrt() + L::splat(eps)
    } else {
        s.sqrt() + L::splat(eps)
    };
    let p_new = if a.momentum > 0.0 {
        let b = ld::<L>(buf, i) * L::splat(a.momentum) + d / denom;
        b.store(&mut buf[i..]);
        b.mul_add(L::splat(-a.lr), pv)
    } else {
        pv + L::splat(-a.lr) * d / denom
    };
    p_new.store(&mut p[i..]);
}

/// Adagrad's hyper-parameters plus the parameter's step count (see `optim::AdagradConfig`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AdagradArgs {
    /// Learning rate.
    pub lr: f32,
    /// Learning-rate decay per step.
    pub lr_decay: f32,
    /// L2 penalty added to the gradient.
    pub weight_decay: f32,
    /// Added to the denominator (after the square root).
    pub eps: f32,
    /// Ascend instead of descend.
    pub maximize: bool,
    /// This parameter's step count, this step included (>= 1).
    pub step: u64,
}

/// One Adagrad update of `p` and its sum of squared gradients `sum`.
///
/// ```
/// use arenagrad::kernels::optim::{adagrad, AdagradArgs};
/// let a = AdagradArgs { lr: 0.1, lr_decay: 0.0, weight_decay: 0.0, eps: 1e-10, maximize: false, step: 1 };
/// let (mut p, mut sum) = ([1.0f32], [0.0f32]);
/// adagrad(&mut p, &[0.5], &mut sum, &a);    // s = g², p -= lr · g / |g|
/// assert!((p[0] - 0.9).abs() < 1e-6 && sum[0] == 0.25);
/// ```
pub fn adagrad(p: &mut [f32], g: &[f32], sum: &mut [f32], a: &AdagradArgs) {
    let n = p.len();
    assert!(
        g.len() == n && sum.len() == n,
        "adagrad: buffer lengths differ"
    );
    let clr = widen(a.lr) / (1.0 + (a.step as f64 - 1.0) * widen(a.lr_decay));
    let k = ((-clr) as f32, widen(a.eps) as f32);
    let (chunk, grain) = (UPDATES.chunk, UPDATES.grain);
    for_units([p, sum], [1; 2], n, chunk, grain, &|o, [p, sum]| {
        let (a, n) = (*a, p.len());
        let (g, sum) = (&g[o..][..n], &mut sum[..n]);
        each_lane!(n, adagrad_at(p, g, sum, a, k));
    });
}

#[inline(always)]
fn adagrad_at<L: Vector>(
    i: usize,
    p: &mut [f32],
    g: &[f32],
    sum: &mut [f32],
    a: AdagradArgs,
    (neg_clr, eps): (f32, f32),
) {
    let pv = ld::<L>(p, i);
    let mut d = signed(ld::<L>(g, i), a.maximize);
    if a.weight_decay != 0.0 {
        d = pv.mul_add(L::splat(a.weight_decay), d);
    }
    let s = d.mul_add(d, ld::<L>(sum, i));
    s.store(&mut sum[i..]);
    (pv + L::splat(neg_clr) * d / (s.sqrt() + L::splat(eps))).store(&mut p[i..]);
}
