//! The RMSprop update (centered, momentum, weight decay): one fused pass over a parameter's
//! values, gradient, squared-gradient average and (when used) gradient average and momentum
//! buffer, reading the config directly. The maths is in the [parent module](super); rounding,
//! SIMD and the parallel split as described in [`optim::update`](crate::optim::update).

use super::RmspropConfig;
use crate::kernels::par::for_units;
use crate::kernels::simd::{each_lane, Vector};
use crate::optim::update::{ld, lerp, signed, widen, UPDATES};

#[cfg(test)]
pub(crate) mod scalar;
#[cfg(test)]
mod tests;

/// One RMSprop update of `p`, its squared-gradient average `sq`, gradient average `avg`
/// (`centered` only) and momentum buffer `buf` (`momentum > 0` only); unused buffers may be
/// empty. The config is the parameter's group's (its learning rate included); RMSprop's rule
/// does not use the step count.
///
/// ```
/// use arenagrad::optim::rmsprop::kernel::rmsprop;
/// use arenagrad::optim::RmspropConfig;
/// let c = RmspropConfig::default();   // lr 0.01, alpha 0.99, eps 1e-8
/// let (mut p, mut sq) = ([1.0f32], [0.0f32]);
/// rmsprop(&mut p, &[0.5], &mut sq, &mut [], &mut [], &c);   // v = 0.01 g², p -= 0.01 · 10
/// assert!((p[0] - 0.9).abs() < 1e-5);
/// ```
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
    let avg = if c.centered { avg } else { &mut [][..] };
    let buf = if c.momentum > 0.0 { buf } else { &mut [][..] };
    let alpha = widen(c.alpha);
    let w = (1.0 - alpha) as f32;
    let k = (w, alpha as f32, widen(c.eps) as f32);
    let (chunk, grain) = (UPDATES.chunk, UPDATES.grain);
    for_units(
        [p, sq, avg, buf],
        [1; 4],
        n,
        chunk,
        grain,
        &|o, [p, sq, avg, buf]| {
            let (c, n) = (*c, p.len());
            let (g, sq) = (&g[o..][..n], &mut sq[..n]);
            each_lane!(n, rmsprop_at(p, g, sq, avg, buf, c, k));
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
    c: RmspropConfig,
    (w, alpha, eps): (f32, f32, f32),
) {
    let pv = ld::<L>(p, i);
    let mut d = signed(ld::<L>(g, i), c.maximize);
    if c.weight_decay != 0.0 {
        d = pv.mul_add(L::splat(c.weight_decay), d);
    }
    let s = (L::splat(w) * d).mul_add(d, ld::<L>(sq, i) * L::splat(alpha));
    s.store(&mut sq[i..]);
    let denom = if c.centered {
        let mean = lerp(ld::<L>(avg, i), d, w);
        mean.store(&mut avg[i..]);
        (-mean).mul_add(mean, s).sqrt() + L::splat(eps)
    } else {
        s.sqrt() + L::splat(eps)
    };
    let p_new = if c.momentum > 0.0 {
        let b = ld::<L>(buf, i) * L::splat(c.momentum) + d / denom;
        b.store(&mut buf[i..]);
        b.mul_add(L::splat(-c.lr), pv)
    } else {
        pv + L::splat(-c.lr) * d / denom
    };
    p_new.store(&mut p[i..]);
}
