//! SGD with momentum, dampening, Nesterov and weight decay. Rounding and SIMD as described in
//! the parent module.

use super::{ld, signed, widen, Par, UPDATES};
use crate::kernels::par::for_units;
use crate::kernels::simd::{each_lane, Vector};

/// SGD's hyper-parameters (see `optim::SgdConfig`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SgdArgs {
    /// Learning rate.
    pub lr: f32,
    /// Momentum factor (0: no buffer).
    pub momentum: f32,
    /// Dampening of the gradient in the momentum buffer.
    pub dampening: f32,
    /// L2 penalty added to the gradient.
    pub weight_decay: f32,
    /// Nesterov momentum.
    pub nesterov: bool,
    /// Ascend instead of descend.
    pub maximize: bool,
}

/// One SGD update of `p` from `g`; `buf` is the momentum buffer (unused, possibly empty, when
/// `momentum == 0`) and `first` says it has never been set: it then becomes the gradient
/// itself, without dampening, as in PyTorch.
///
/// ```
/// use arenagrad::kernels::optim::{sgd, SgdArgs};
/// let a = SgdArgs { lr: 0.1, momentum: 0.9, dampening: 0.0, weight_decay: 0.0, nesterov: false, maximize: false };
/// let (mut p, mut buf) = ([1.0f32], [0.0f32]);
/// sgd(&mut p, &[0.5], &mut buf, &a, true);      // buf = g = 0.5, p = 1 - 0.05
/// sgd(&mut p, &[1.0], &mut buf, &a, false);     // buf = 0.45 + 1, p = 0.95 - 0.145
/// assert!((p[0] - 0.805).abs() < 1e-6 && buf[0] == 1.45);
/// ```
pub fn sgd(p: &mut [f32], g: &[f32], buf: &mut [f32], a: &SgdArgs, first: bool) {
    sgd_with(UPDATES, p, g, buf, a, first)
}

/// [`sgd`] with an explicit split (for the grain sweep).
#[doc(hidden)]
pub fn sgd_with(par: Par, p: &mut [f32], g: &[f32], buf: &mut [f32], a: &SgdArgs, first: bool) {
    assert_eq!(
        p.len(),
        g.len(),
        "sgd: parameter and gradient lengths differ"
    );
    let buf = if a.momentum == 0.0 {
        &mut [][..]
    } else {
        assert_eq!(p.len(), buf.len(), "sgd: momentum buffer length differs");
        buf
    };
    let keep = (1.0 - widen(a.dampening)) as f32;
    let n = p.len();
    for_units([p, buf], [1, 1], n, par.chunk, par.grain, &|o, [p, b]| {
        // by value and resliced to `n`: the loop keeps the options in registers and LLVM
        // sees every access in bounds
        let (a, n) = (*a, p.len());
        let g = &g[o..][..n];
        if a.momentum != 0.0 {
            let b = &mut b[..n];
            each_lane!(n, sgd_at(p, g, b, a, keep, first));
        } else {
            each_lane!(n, sgd_at(p, g, &mut [], a, keep, first));
        }
    });
}

#[inline(always)]
fn sgd_at<L: Vector>(
    i: usize,
    p: &mut [f32],
    g: &[f32],
    b: &mut [f32],
    a: SgdArgs,
    keep: f32,
    first: bool,
) {
    let pv = ld::<L>(p, i);
    let mut d = signed(ld::<L>(g, i), a.maximize);
    if a.weight_decay != 0.0 {
        d = pv.mul_add(L::splat(a.weight_decay), d);
    }
    if a.momentum != 0.0 {
        let mom = L::splat(a.momentum);
        let bv = if first {
            d
        } else {
            d.mul_add(L::splat(keep), ld::<L>(b, i) * mom)
        };
        bv.store(&mut b[i..]);
        d = if a.nesterov { bv.mul_add(mom, d) } else { bv };
    }
    d.mul_add(L::splat(-a.lr), pv).store(&mut p[i..]);
}
