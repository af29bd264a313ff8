//! Optimizer kernels: one fused pass over a parameter's slice of the flat buffers per update
//! rule (values, gradient, state), every element read and written once.
//!
//! The formulas are PyTorch's single-tensor CPU code paths (`torch/optim/*.py`), rounded the
//! way its CPU kernels round, operation by operation, so a trajectory matches PyTorch's to the
//! last bit where we can: `add(alpha=a)`, `addcmul` and `lerp` are fused multiply-adds there
//! (ATen's vectorised `fmadd` on an FMA machine), so they are [`fma`](super::simd::fma) here (one
//! rounding in a build that targets FMA, two in one that does not); `addcdiv(t1, t2, value=s)`
//! is `self + (s·t1)/t2`; scalar factors (bias corrections, decayed learning rates) are
//! computed in `f64` as Python does and rounded to `f32` where ATen casts them. Hyper-parameters
//! are widened to `f64` through [`widen`]. The maths of each rule is in its optimizer's module
//! (`optim::sgd`, `optim::adam`, `optim::rmsprop`, `optim::adagrad`).
//!
//! `maximize` negates the gradient first; NaN and infinity propagate (never clamped).
//!
//! Speed: each rule is one generic element function over a lane type (`Lanes`), run on
//! `f32x8` lanes and on `f32` for the tail. Every operation in it rounds identically in both —
//! `mul_add` is an FMA in both (or two roundings in both, without FMA), `√` and `÷` are IEEE, `maximize` flips the sign bit — so the
//! SIMD update is bit for bit the [`scalar`] twin (the tests check it on every tail length and
//! on edge values). Above [`UPDATES`]`.grain` values the buffers are cut into fixed chunks
//! updated in parallel; an update is element-wise, so any split gives the same bits.

use crate::kernels::par::for_units;
pub use crate::kernels::par::Par;
use crate::kernels::simd::{each_lane, Vector};

pub mod scalar;
mod scaled;
mod sgd;
pub use scaled::{adagrad, rmsprop, AdagradArgs, RmspropArgs};
pub use sgd::{sgd, sgd_with, SgdArgs};
#[cfg(test)]
mod simd_tests;
#[cfg(test)]
mod tests;

/// Where optimizer updates go parallel: tasks of `chunk` values above `grain` values.
///
/// Sweep (`examples/grain_sweep.rs`, criterion medians, 2 rayon threads, 2-core VM at load
/// average 7 to 13 from other builds). One Adam update of `n` values on the calling thread vs
/// split into 8K tasks:
///
/// | n | 16K | 32K | 64K | 128K | 256K | 512K | 1M |
/// |---|---|---|---|---|---|---|---|
/// | seq (µs) | 19.2 | 33.6 | 73.7 | 104 | 284 | 597 | 1257 |
/// | split (µs) | 29.9 | 43.7 | 111 | 111 | 314 | 520 | 561 |
///
/// (an earlier sitting, two tasks: split won from 32K, 34.5 vs 210 µs). Task size on the
/// `adam_10M_100t` workload (100 parameters of 100,000 values), five sittings, 8K / 16K / 32K /
/// 64K / no split: 16.2/26.4/22.0/22.3/18.9 ms, 14.0/20.0/17.5/23.4/26.5, 22.1/26.3/24.6/26.3/27.5,
/// 25.1/19.9/19.1/19.3/19.9, 20.4/19.1/20.9/21.7/19.4: bandwidth-bound, the split changes
/// little under load; 8K tasks were best or tied. The grain, 64K, splits a parameter of 100K
/// values (about 100 µs of work, against a few µs per rayon task).
pub const UPDATES: Par = Par {
    chunk: 8 * 1024,
    grain: 64 * 1024,
};

/// A hyper-parameter as PyTorch holds it: the `f64` of the decimal literal the user wrote.
///
/// Configs store `f32`; PyTorch keeps Python floats (`0.9` is the double nearest to 0.9, not
/// `0.9f32 as f64`). Going through the shortest decimal that round-trips the `f32` recovers
/// that double for every literal of up to 7 significant digits (`0.9`, `0.999`, `1e-8`, `3e-4`),
/// so `1 - beta1` rounds to the same `f32` as in PyTorch. No heap: the decimal is formatted
/// into a stack buffer.
///
/// ```
/// use arenagrad::kernels::optim::widen;
/// assert_eq!(widen(0.9), 0.9f64);               // not 0.8999999761581421
/// assert_eq!((1.0 - widen(0.9)) as f32, 0.1);   // PyTorch's lerp weight for beta1 = 0.9
/// ```
pub fn widen(x: f32) -> f64 {
    use std::fmt::Write;
    struct Buf([u8; 48], usize);
    impl Write for Buf {
        fn write_str(&mut self, s: &str) -> std::fmt::Result {
            let end = self.1 + s.len();
            let dst = self.0.get_mut(self.1..end).ok_or(std::fmt::Error)?;
            dst.copy_from_slice(s.as_bytes());
            self.1 = end;
            Ok(())
        }
    }
    let mut buf = Buf([0; 48], 0);
    // `{:e}` prints the shortest round-trip digits of the f32 with an exponent.
    if !x.is_finite() || write!(buf, "{x:e}").is_err() {
        return x as f64;
    }
    std::str::from_utf8(&buf.0[..buf.1])
        .ok()
        .and_then(|s| s.parse::<f64>().ok())
        .unwrap_or(x as f64)
}

/// PyTorch's `lerp(start, end, w)` on CPU: `start + w·(end − start)` for `|w| < 0.5`, else
/// `end − (1 − w)·(end − start)`, each a fused multiply-add.
#[inline(always)]
fn lerp<L: Vector>(start: L, end: L, w: f32) -> L {
    let diff = end - start;
    if w.abs() < 0.5 {
        L::splat(w).mul_add(diff, start)
    } else {
        L::splat(w - 1.0).mul_add(diff, end)
    }
}

/// `torch.maximum`: NaN wins.
#[inline(always)]
fn nan_max(a: f32, b: f32) -> f32 {
    a.nan_max(b)
}

#[inline(always)]
fn signed<L: Vector>(g: L, maximize: bool) -> L {
    if maximize {
        -g
    } else {
        g
    }
}

/// Loads lane group `i` of `s`.
#[inline(always)]
fn ld<L: Vector>(s: &[f32], i: usize) -> L {
    L::load(&s[i..])
}

/// Adam's (and AdamW's) hyper-parameters plus the parameter's step count (see
/// `optim::AdamConfig`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AdamArgs {
    /// Learning rate.
    pub lr: f32,
    /// Decay rates of the first and second moments.
    pub betas: (f32, f32),
    /// Added to the denominator.
    pub eps: f32,
    /// Weight decay: an L2 term in the gradient, or AdamW's decoupled shrink.
    pub weight_decay: f32,
    /// AdamW: multiply `p` by `1 − lr·weight_decay` instead of adding to the gradient.
    pub decoupled_weight_decay: bool,
    /// Normalise by the running maximum of the second moment.
    pub amsgrad: bool,
    /// Ascend instead of descend.
    pub maximize: bool,
    /// This parameter's step count, this step included (>= 1).
    pub step: u64,
}

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
    fn new(a: &AdamArgs) -> AdamK {
        let (lr, b1, b2) = (widen(a.lr), widen(a.betas.0), widen(a.betas.1));
        let t = a.step as f64;
        AdamK {
            maximize: a.maximize,
            weight_decay: a.weight_decay,
            decoupled: a.decoupled_weight_decay,
            neg_step_size: (-(lr / (1.0 - b1.powf(t)))) as f32,
            bc2_sqrt: (1.0 - b2.powf(t)).powf(0.5) as f32,
            shrink: (1.0 - lr * widen(a.weight_decay)) as f32,
            w1: (1.0 - b1) as f32,
            w2: (1.0 - b2) as f32,
            b2: b2 as f32,
            eps: widen(a.eps) as f32,
        }
    }
}

/// One Adam update of `p`, its first moment `m`, second moment `v` and (with `amsgrad`; else
/// unused, possibly empty) the running maximum `v_max`.
///
/// ```
/// use arenagrad::kernels::optim::{adam, AdamArgs};
/// let a = AdamArgs { lr: 0.1, betas: (0.9, 0.999), eps: 1e-8, weight_decay: 0.0,
///     decoupled_weight_decay: false, amsgrad: false, maximize: false, step: 1 };
/// let (mut p, mut m, mut v) = ([1.0f32], [0.0f32], [0.0f32]);
/// adam(&mut p, &[0.5], &mut m, &mut v, &mut [], &a);   // step 1: p -= lr · sign(g)
/// assert!((p[0] - 0.9).abs() < 1e-6 && m[0] == 0.05);
/// ```
pub fn adam(
    p: &mut [f32],
    g: &[f32],
    m: &mut [f32],
    v: &mut [f32],
    v_max: &mut [f32],
    a: &AdamArgs,
) {
    adam_with(UPDATES, p, g, m, v, v_max, a)
}

/// [`adam`] with an explicit split (for the grain sweep).
#[doc(hidden)]
pub fn adam_with(
    par: Par,
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
    let v_max = if a.amsgrad { v_max } else { &mut [][..] };
    let k = AdamK::new(a);
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
            if a.amsgrad {
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
