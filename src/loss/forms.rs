//! The differentiable backward forms of the losses (`Rule::backward_graph`), in ops.
//!
//! The reduction's backward is a factor `u` that broadcasts against the per-element (or
//! per-row) gradient: `g` itself for `None`, `g` (0-d) for `Sum`, `g / count` for `Mean`.
//!
//! Element-wise losses, `d = x − t`, each `∂ℓ/∂x` as ops (so its own derivative follows):
//!
//! | loss | ∂ℓ/∂x | ∂ℓ/∂t |
//! |---|---|---|
//! | mse | `2d` | `−2d` |
//! | l1 | `sign d` (a constant) | `−sign d` |
//! | huber(δ) | `d·[|d| < δ] + δ·sign d·[|d| ≥ δ]` | `−∂ℓ/∂x` |
//! | smooth_l1(β) | `d/β·[|d| < β] + sign d·[|d| ≥ β]` | `−∂ℓ/∂x` |
//! | bce_with_logits | `σ(x) − t` | `−x` |
//!
//! The indicator and sign factors are constants read off the forward values: their derivative
//! is zero almost everywhere, as in PyTorch's double backward of these losses.
//!
//! Class losses on `[N, C]` scores with a constant target matrix `T` (row `i`: the smoothed
//! one-hot `(1−ε)·e_{t_i} + ε/C`, or zeros for an ignored row) and a constant row mask `R`
//! (1 for rows not ignored): cross-entropy `dx = (softmax(x)·R − T)·u`, NLL `dx = −T·u`.

use super::Reduction;
use crate::error::Result;
use crate::graph::Var;
use crate::kernels::loss::Pointwise;

/// The reduction's backward factor `u` for `count` averaged elements (rows), broadcastable
/// against `[*shape]` when `per_shape` is the unreduced loss's shape.
pub(super) fn upstream<'g>(
    reduction: Reduction,
    g: Var<'g>,
    per_shape: &[usize],
    count: usize,
) -> Result<Var<'g>> {
    match reduction {
        Reduction::None => g.try_reshape(per_shape),
        Reduction::Sum => Ok(g),
        // as the fused rule: g / count (infinite for count = 0, where nothing is multiplied)
        Reduction::Mean => Ok(g * (1.0 / count as f32)),
    }
}

/// `sign(d)`, 0 at 0.
fn sign(d: f32) -> f32 {
    if d > 0.0 {
        1.0
    } else if d < 0.0 {
        -1.0
    } else {
        0.0
    }
}

/// `(∂ℓ/∂x, ∂ℓ/∂t)` of an element-wise loss, per element, before the reduction's factor.
pub(super) fn pointwise_partials<'g>(
    kind: Pointwise,
    x: Var<'g>,
    t: Var<'g>,
) -> Result<(Var<'g>, Var<'g>)> {
    let scope = x.scope();
    let (xd, td) = (x.data(), t.data());
    let diff = |i: usize| xd[i] - td[i];
    // `d·[|d| < k]/k + sign d·[|d| ≥ k]·c`: huber is (k = δ, scale 1, c = δ), smooth_l1
    // (k = β, scale 1/β, c = 1)
    let piecewise = |k: f32, scale: f32, c: f32| -> Result<Var<'g>> {
        let inside = scope.const_from_fn(x.shape(), |i| f32::from(diff(i).abs() < k) * scale);
        let outside = scope.const_from_fn(x.shape(), |i| {
            let d = diff(i);
            if d.abs() < k {
                0.0
            } else {
                sign(d) * c
            }
        });
        x.try_sub(t)?.try_mul(inside)?.try_add(outside)
    };
    let dx = match kind {
        Pointwise::Mse => x.try_sub(t)? * 2.0,
        Pointwise::L1 => scope.const_from_fn(x.shape(), |i| sign(diff(i))),
        Pointwise::Huber { delta } => piecewise(delta, 1.0, delta)?,
        Pointwise::SmoothL1 { beta } => piecewise(beta, 1.0 / beta, 1.0)?,
        Pointwise::BceWithLogits => return Ok((x.sigmoid().try_sub(t)?, -x)),
    };
    Ok((dx, -dx))
}

/// `dx` of a class loss on scores `x` (`[N, C]` or `[C]`) as above; `eps` is the label
/// smoothing (cross-entropy) or `None` for NLL.
pub(super) fn class_grad<'g>(
    x: Var<'g>,
    g: Var<'g>,
    targets: &[usize],
    ignore: Option<usize>,
    smoothing: Option<f32>,
    (reduction, count): (Reduction, usize),
) -> Result<Var<'g>> {
    let scope = x.scope();
    let n = targets.len();
    let c = x.numel() / n.max(1);
    if n == 0 || (reduction == Reduction::Mean && count == 0) {
        // nothing is averaged: zero gradients, as the fused rule (PyTorch's loss is NaN)
        return Ok(scope.full_const(x.shape(), 0.0));
    }
    let kept = |i: usize| Some(targets[i]) != ignore;
    let eps = smoothing.unwrap_or(0.0);
    let target = scope.const_from_fn(&[n, c], |k| {
        let (i, j) = (k / c, k % c);
        if !kept(i) {
            0.0
        } else {
            (1.0 - eps) * f32::from(j == targets[i]) + eps / c as f32
        }
    });
    let u = upstream(reduction, g, &[n, 1], count)?;
    let dx = match smoothing {
        None => -target,
        Some(_) => {
            let mut p = x.try_reshape(&[n, c])?.try_softmax(1)?;
            if count < n {
                p = p.try_mul(scope.const_from_fn(&[n, 1], |i| f32::from(kept(i))))?;
            }
            p.try_sub(target)?
        }
    };
    dx.try_mul(u)?.try_reshape(x.shape())
}
