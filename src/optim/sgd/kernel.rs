//! The SGD update (momentum, dampening, Nesterov, weight decay): one fused pass over a
//! parameter's values, gradient and momentum buffer, reading the config directly. The maths is
//! in the [parent module](super); rounding, SIMD and the parallel split as described in
//! [`optim::update`](crate::optim::update).

use super::SgdConfig;
use crate::kernels::par::{for_units, Par};
use crate::kernels::simd::{each_lane, Vector};
use crate::optim::update::{ld, signed, widen, UPDATES};

#[cfg(test)]
pub(crate) mod scalar;
#[cfg(test)]
mod tests;

/// One SGD update of `p` from `g`; `buf` is the momentum buffer (unused, possibly empty, when
/// `momentum == 0`) and `first` says it has never been set (the parameter's first step): it
/// then becomes the gradient itself, without dampening, as in PyTorch. The config is the
/// parameter's group's (its learning rate included).
///
/// ```
/// use arenagrad::optim::sgd::kernel::sgd;
/// use arenagrad::optim::SgdConfig;
/// let c = SgdConfig { lr: 0.1, momentum: 0.9, ..Default::default() };
/// let (mut p, mut buf) = ([1.0f32], [0.0f32]);
/// sgd(&mut p, &[0.5], &mut buf, &c, true);      // buf = g = 0.5, p = 1 - 0.05
/// sgd(&mut p, &[1.0], &mut buf, &c, false);     // buf = 0.45 + 1, p = 0.95 - 0.145
/// assert!((p[0] - 0.805).abs() < 1e-6 && buf[0] == 1.45);
/// ```
pub fn sgd(p: &mut [f32], g: &[f32], buf: &mut [f32], c: &SgdConfig, first: bool) {
    sgd_with(UPDATES, p, g, buf, c, first)
}

/// [`sgd`] with an explicit split (for the grain sweep).
#[doc(hidden)]
pub fn sgd_with(par: Par, p: &mut [f32], g: &[f32], buf: &mut [f32], c: &SgdConfig, first: bool) {
    assert_eq!(
        p.len(),
        g.len(),
        "sgd: parameter and gradient lengths differ"
    );
    let buf = if c.momentum == 0.0 {
        &mut [][..]
    } else {
        assert_eq!(p.len(), buf.len(), "sgd: momentum buffer length differs");
        buf
    };
    let keep = (1.0 - widen(c.dampening)) as f32;
    let n = p.len();
    for_units([p, buf], [1, 1], n, par.chunk, par.grain, &|o, [p, b]| {
        // by value and resliced to `n`: the loop keeps the options in registers and LLVM
        // sees every access in bounds
        let (c, n) = (*c, p.len());
        let g = &g[o..][..n];
        if c.momentum != 0.0 {
            let b = &mut b[..n];
            each_lane!(n, sgd_at(p, g, b, c, keep, first));
        } else {
            each_lane!(n, sgd_at(p, g, &mut [], c, keep, first));
        }
    });
}

#[inline(always)]
fn sgd_at<L: Vector>(
    i: usize,
    p: &mut [f32],
    g: &[f32],
    b: &mut [f32],
    c: SgdConfig,
    keep: f32,
    first: bool,
) {
    let pv = ld::<L>(p, i);
    let mut d = signed(ld::<L>(g, i), c.maximize);
    if c.weight_decay != 0.0 {
        d = pv.mul_add(L::splat(c.weight_decay), d);
    }
    if c.momentum != 0.0 {
        let mom = L::splat(c.momentum);
        let bv = if first {
            d
        } else {
            d.mul_add(L::splat(keep), ld::<L>(b, i) * mom)
        };
        bv.store(&mut b[i..]);
        d = if c.nesterov { bv.mul_add(mom, d) } else { bv };
    }
    d.mul_add(L::splat(-c.lr), pv).store(&mut p[i..]);
}
