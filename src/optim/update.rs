//! What the optimizer update kernels share: PyTorch's rounding ([`widen`], `lerp`), the lane
//! helpers and the parallel split [`UPDATES`].
//!
//! Each update rule is one kernel beside its optimizer ([`sgd::kernel`](super::sgd::kernel),
//! [`adam::kernel`](super::adam::kernel), [`rmsprop::kernel`](super::rmsprop::kernel),
//! [`adagrad::kernel`](super::adagrad::kernel)): one fused pass over a parameter's slice of the
//! flat buffers (values, gradient, state), every element read and written once, reading the
//! optimizer's config directly; the maths of each rule is in its optimizer's module.
//!
//! The formulas are PyTorch's single-tensor CPU code paths (`torch/optim/*.py`), rounded the
//! way its CPU kernels round, operation by operation, so a trajectory matches PyTorch's to the
//! last bit where we can: `add(alpha=a)`, `addcmul` and `lerp` are fused multiply-adds there
//! (ATen's vectorised `fmadd` on an FMA machine), so they are
//! [`fma`](crate::kernels::simd::fma) here (one rounding in a build that targets FMA, two in one
//! that does not); `addcdiv(t1, t2, value=s)` is `self + (s·t1)/t2`; scalar factors (bias
//! corrections, decayed learning rates) are computed in `f64` as Python does and rounded to
//! `f32` where ATen casts them. Hyper-parameters are widened to `f64` through [`widen`].
//!
//! `maximize` negates the gradient first; NaN and infinity propagate (never clamped).
//!
//! Speed: each rule is one generic element function over a lane type (`Vector`), run on
//! `f32x8` lanes and on `f32` for the tail. Every operation in it rounds identically in both —
//! `mul_add` is an FMA in both (or two roundings in both, without FMA), `√` and `÷` are IEEE,
//! `maximize` flips the sign bit — so the SIMD update is bit for bit its scalar twin (each
//! kernel's `scalar` module; the tests check it on every tail length and on edge values).
//! Above [`UPDATES`]`.grain` values the buffers are cut into fixed chunks updated in parallel;
//! an update is element-wise, so any split gives the same bits.

use std::cell::Cell;

use crate::kernels::par::Par;
#[cfg(test)]
use crate::kernels::simd::testing::{same_bits, values, EDGES};
use crate::kernels::simd::Vector;

/// Where optimizer updates go parallel: tasks of `chunk` values above `grain` values.
///
/// An update is bandwidth-bound, so the task size changes little: 8K-value tasks were best or
/// tied. The 64K grain splits a parameter of 100K values (about 100 µs of work, against a few
/// µs per rayon task). Measurements: `docs/perf.md`, "Optimizer updates and clipping".
pub const UPDATES: Par = Par {
    chunk: 8 * 1024,
    grain: 32 * 1024,
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
/// use arenagrad::optim::update::widen;
/// assert_eq!(widen(0.9), 0.9f64);               // not 0.8999999761581421
/// assert_eq!((1.0 - widen(0.9)) as f32, 0.1);   // PyTorch's lerp weight for beta1 = 0.9
/// ```
pub fn widen(x: f32) -> f64 {
    if !x.is_finite() {
        return x as f64;
    }
    // Optimizers widen their hyper-parameters on every step, and formatting and parsing are
    // not cheap next to a tiny model's step: the last few results are kept per thread (a
    // direct-mapped table keyed by the bits; a pure function, so the same values).
    let bits = x.to_bits();
    let slot = (bits ^ (bits >> 13) ^ (bits >> 23)) as usize % MEMO_SLOTS;
    let hit = MEMO.with(|m| {
        let (key, value) = m[slot].get();
        (key == bits).then_some(f64::from_bits(value))
    });
    if let Some(v) = hit {
        return v;
    }
    let v = widen_uncached(x);
    MEMO.with(|m| m[slot].set((bits, v.to_bits())));
    v
}

/// Entries of [`widen`]'s per-thread table.
const MEMO_SLOTS: usize = 8;

thread_local! {
    /// `(f32 bits, f64 bits)` of recent [`widen`] calls; the key of an empty entry is a NaN's
    /// bits, which `widen` never looks up.
    static MEMO: [Cell<(u32, u64)>; MEMO_SLOTS] =
        const { [const { Cell::new((0x7fc0_0000, 0)) }; MEMO_SLOTS] };
}

/// [`widen`] without the table: the shortest round-trip decimal of `x`, parsed as `f64`.
pub(crate) fn widen_uncached(x: f32) -> f64 {
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
pub(crate) fn lerp<L: Vector>(start: L, end: L, w: f32) -> L {
    let diff = end - start;
    if w.abs() < 0.5 {
        L::splat(w).mul_add(diff, start)
    } else {
        L::splat(w - 1.0).mul_add(diff, end)
    }
}

/// `torch.maximum`: NaN wins (the scalar twins' form of the lanes' `nan_max`).
#[cfg(test)]
#[inline(always)]
pub(crate) fn nan_max(a: f32, b: f32) -> f32 {
    a.nan_max(b)
}

/// The gradient, negated when `maximize`.
#[inline(always)]
pub(crate) fn signed<L: Vector>(g: L, maximize: bool) -> L {
    if maximize {
        -g
    } else {
        g
    }
}

/// Loads lane group `i` of `s`.
#[inline(always)]
pub(crate) fn ld<L: Vector>(s: &[f32], i: usize) -> L {
    L::load(&s[i..])
}

/// `got` within 2e-6 of the hand-computed `want` (the kernels' step-by-step tests).
#[cfg(test)]
#[track_caller]
pub(crate) fn close(got: f32, want: f64) {
    assert!((got as f64 - want).abs() < 2e-6, "got {got}, want {want}");
}

/// Parameters and gradients of length `n` with the edge values spread in, and a
/// non-negative state buffer (squares accumulate there).
#[cfg(test)]
fn twin_inputs(n: usize, seed: u32) -> (Vec<f32>, Vec<Vec<f32>>, Vec<f32>) {
    let mut p = values(n, seed, 2.0);
    let grads: Vec<Vec<f32>> = (0..3)
        .map(|s| {
            let mut g = values(n, seed + 10 + s, 1.5);
            for (k, e) in EDGES.iter().enumerate() {
                if n > 0 && (k + s as usize).is_multiple_of(3) {
                    g[(k * 7 + s as usize) % n] = *e;
                }
            }
            g
        })
        .collect();
    for (k, e) in EDGES.iter().enumerate().filter(|(k, _)| k % 4 == 1) {
        if n > 0 {
            p[(k * 5) % n] = *e;
        }
    }
    let state = values(n, seed + 20, 0.5).iter().map(|v| v.abs()).collect();
    (p, grads, state)
}

/// The SIMD update against its scalar twin, bit for bit: runs `simd` and `twin` for three
/// steps (so the state evolves) from the same buffers `[p, s1, s2, s3]` of length `n` (edge
/// values spread into the parameters and gradients), comparing all of them after every step.
#[cfg(test)]
pub(crate) fn twin_steps(
    n: usize,
    what: &str,
    simd: impl Fn(&mut [Vec<f32>; 4], &[f32], u64),
    twin: impl Fn(&mut [Vec<f32>; 4], &[f32], u64),
) {
    let (p, grads, state) = twin_inputs(n, n as u32);
    let mut a = [p, state.clone(), state.clone(), state];
    let mut b = a.clone();
    for (t, g) in grads.iter().enumerate() {
        simd(&mut a, g, t as u64 + 1);
        twin(&mut b, g, t as u64 + 1);
        for (k, (x, y)) in a.iter().zip(&b).enumerate() {
            same_bits(&format!("{what} n={n} step {t} buffer {k}"), x, y);
        }
    }
}

#[cfg(test)]
mod tests;
