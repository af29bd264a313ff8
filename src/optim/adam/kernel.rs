//! The Adam update (and AdamW's, through [`AdamConfig::from`]): one fused pass over a
//! parameter's values, gradient, moments and (amsgrad) running maximum, reading the config
//! directly. The maths is in the [parent module](super); rounding, SIMD and the parallel split
//! as described in [`optim::update`](crate::optim::update).

use super::AdamConfig;
use crate::kernels::par::{for_units, Par};
use crate::kernels::simd::{each_lane, Vector};
use crate::optim::update::{ld, lerp, signed, widen, UPDATES};

#[cfg(test)]
pub(crate) mod scalar;
#[cfg(test)]
mod tests;

/// Adam's per-step factors, computed once per call as PyTorch does (in `f64`, rounded to
/// `f32` where ATen casts them), and its flags: passed by value so the hot loop keeps them in
/// registers.
#[derive(Clone, Copy)]
struct AdamK {
    maximize: bool,
    weight_decay: f32,
    decoupled: bool,
    neg_step_size: f32,
    bc2_sqrt: f32,
    shrink: f32,
    w1: f32,
    w2: f32,
    b2: f32,
    eps: f32,
}

impl AdamK {
    fn new(c: &AdamConfig, step: u64) -> AdamK {
        let (lr, b1, b2) = (widen(c.lr), widen(c.betas.0), widen(c.betas.1));
        let t = step as f64;
        AdamK {
            maximize: c.maximize,
            weight_decay: c.weight_decay,
            decoupled: c.decoupled_weight_decay,
            neg_step_size: (-(lr / (1.0 - b1.powf(t)))) as f32,
            bc2_sqrt: (1.0 - b2.powf(t)).powf(0.5) as f32,
            shrink: (1.0 - lr * widen(c.weight_decay)) as f32,
            w1: (1.0 - b1) as f32,
            w2: (1.0 - b2) as f32,
            b2: b2 as f32,
            eps: widen(c.eps) as f32,
        }
    }
}

/// One Adam update of `p`, its first moment `m`, second moment `v` and (with `amsgrad`; else
/// unused, possibly empty) the running maximum `v_max`, at the parameter's step count `step`
/// (this step included, `>= 1`). The config is the parameter's group's (its learning rate
/// included); AdamW passes its config as an [`AdamConfig`] (`AdamConfig::from`).
///
/// ```
/// use arenagrad::optim::adam::kernel::adam;
/// use arenagrad::optim::AdamConfig;
/// let c = AdamConfig { lr: 0.1, ..Default::default() };
/// let (mut p, mut m, mut v) = ([1.0f32], [0.0f32], [0.0f32]);
/// adam(&mut p, &[0.5], &mut m, &mut v, &mut [], &c, 1);   // step 1: p -= lr · sign(g)
/// assert!((p[0] - 0.9).abs() < 1e-6 && m[0] == 0.05);
/// ```
pub fn adam(
    p: &mut [f32],
    g: &[f32],
    m: &mut [f32],
    v: &mut [f32],
    v_max: &mut [f32],
    c: &AdamConfig,
    step: u64,
) {
    adam_with(UPDATES, p, g, m, v, v_max, c, step)
}

/// [`adam`] with an explicit split (for the grain sweep).
#[doc(hidden)]
#[allow(clippy::too_many_arguments)] // adam's arguments and the split
pub fn adam_with(
    par: Par,
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
    let v_max = if c.amsgrad { v_max } else { &mut [][..] };
    let k = AdamK::new(c, step);
    let bufs = [p, m, v, v_max];
    for_units(
        bufs,
        [1; 4],
        n,
        par.chunk,
        par.grain,
        &|o, [p, m, v, vm]| {
            let (k, n) = (k, p.len());
            let (g, m, v) = (&g[o..][..n], &mut m[..n], &mut v[..n]);
            if c.amsgrad {
                let vm = &mut vm[..n];
                each_lane!(n, adam_at_ams(p, g, m, v, vm, k));
            } else {
                each_lane!(n, adam_at_plain(p, g, m, v, k));
            }
        },
    );
}

#[inline(always)]
fn adam_at_ams<L: Vector>(
    i: usize,
    p: &mut [f32],
    g: &[f32],
    m: &mut [f32],
    v: &mut [f32],
    vm: &mut [f32],
    k: AdamK,
) {
    adam_at::<L, true>(i, p, g, m, v, vm, k)
}

#[inline(always)]
fn adam_at_plain<L: Vector>(
    i: usize,
    p: &mut [f32],
    g: &[f32],
    m: &mut [f32],
    v: &mut [f32],
    k: AdamK,
) {
    adam_at::<L, false>(i, p, g, m, v, &mut [], k)
}

/// One lane group of the update; `AMS` (amsgrad) is a constant so each variant's loop has
/// no branch on it.
#[inline(always)]
fn adam_at<L: Vector, const AMS: bool>(
    i: usize,
    p: &mut [f32],
    g: &[f32],
    m: &mut [f32],
    v: &mut [f32],
    v_max: &mut [f32],
    k: AdamK,
) {
    let mut pv = ld::<L>(p, i);
    let mut d = signed(ld::<L>(g, i), k.maximize);
    if k.weight_decay != 0.0 {
        if k.decoupled {
            pv = pv * L::splat(k.shrink);
        } else {
            d = pv.mul_add(L::splat(k.weight_decay), d);
        }
    }
    let mv = lerp(ld::<L>(m, i), d, k.w1);
    let vv = (L::splat(k.w2) * d).mul_add(d, ld::<L>(v, i) * L::splat(k.b2));
    mv.store(&mut m[i..]);
    vv.store(&mut v[i..]);
    let second = if AMS {
        let vm = ld::<L>(v_max, i).nan_max(vv);
        vm.store(&mut v_max[i..]);
        vm
    } else {
        vv
    };
    let denom = second.sqrt() / L::splat(k.bc2_sqrt) + L::splat(k.eps);
    (pv + L::splat(k.neg_step_size) * mv / denom).store(&mut p[i..]);
}
