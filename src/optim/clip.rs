//! Gradient clipping over a [`ParamStore`]'s flat gradient buffer
//! (`torch.nn.utils.clip_grad_norm_` and `clip_grad_value_`).
//!
//! Norm clipping: the total norm `‖g‖_p = (Σᵢ |gᵢ|ᵖ)^{1/p}` (`max |gᵢ|` for `p = ∞`) over *all*
//! gradients at once, then `g ← g·c` with `c = min(1, max_norm / (‖g‖ + 10⁻⁶))`; the norm is
//! returned. The norm is one reduction over the flat buffer (the zero padding between
//! parameters adds nothing), summed in `f64` ([`kernel`]). `c` is computed as PyTorch does,
//! in `f32`: `(1/(‖g‖ + 1e-6f32))·max_norm` (its `max_norm / tensor` is a reciprocal and a
//! product), so clipped gradients match PyTorch's to the bit when the norms agree.
//!
//! A non-finite norm is an error when `error_if_nonfinite`; otherwise the gradients are
//! scaled anyway as in PyTorch: an infinite norm gives `c = 0` (so `0·∞ = NaN` where a gradient
//! is infinite, 0 elsewhere) and a NaN norm makes every gradient NaN. One deliberate
//! difference: the `f64` sum does not overflow, so gradients of about `1e19` and more, whose
//! `f32` squares PyTorch sums to `inf`, get their true (finite) norm here.
//!
//! Value clipping: `g ← min(max(g, −clip), clip)`, NaN staying NaN.

use crate::error::{Error, Result};
use crate::params::ParamStore;
use kernel::{clamp, max_abs, scale, sum_abs_pow, sum_squares};

pub mod kernel;

/// Scales all gradients so that their global L2 norm is at most `max_norm`, and returns the
/// norm before clipping (`clip_grad_norm_(params, max_norm, error_if_nonfinite=..)`).
///
/// A negative or NaN `max_norm` is an error; so is a non-finite norm when
/// `error_if_nonfinite` (the gradients are then left untouched).
///
/// ```
/// use arenagrad::prelude::*;
/// use arenagrad::optim::clip_grad_norm;
/// let mut params = ParamStore::new();
/// let w = params.add("w", Tensor::zeros(&[2])?)?;
/// Graph::new().run_with(&mut params, |g| {
///     let w = g.param(w);
///     (w * g.input(Tensor::from_slice(&[3.0, 4.0]))).sum().backward()   // grad = [3, 4]
/// })?;
/// let norm = clip_grad_norm(&mut params, 1.0, true)?;
/// assert_eq!(norm, 5.0);
/// assert_eq!(params.grad(w), &[0.5999999, 0.79999983]);   // [3, 4] / (5 + 1e-6)
/// # Ok::<(), arenagrad::Error>(())
/// ```
pub fn clip_grad_norm(
    params: &mut ParamStore,
    max_norm: f32,
    error_if_nonfinite: bool,
) -> Result<f32> {
    clip_grad_norm_p(params, max_norm, 2.0, error_if_nonfinite)
}

/// [`clip_grad_norm`] for the norm of order `norm_type` (`p > 0`, or `f32::INFINITY` for the
/// largest absolute value); any other order is an error.
///
/// ```
/// use arenagrad::prelude::*;
/// use arenagrad::optim::clip_grad_norm_p;
/// let mut params = ParamStore::new();
/// let w = params.add("w", Tensor::zeros(&[3])?)?;
/// params.flat_grad_mut()[..3].copy_from_slice(&[1.0, -4.0, 2.0]);
/// assert_eq!(clip_grad_norm_p(&mut params, 8.0, 1.0, false)?, 7.0);   // L1 under the max
/// assert_eq!(clip_grad_norm_p(&mut params, 2.0, f32::INFINITY, false)?, 4.0);
/// assert_eq!(params.grad(w), &[0.49999988, -1.9999995, 0.99999976]);
/// # Ok::<(), arenagrad::Error>(())
/// ```
pub fn clip_grad_norm_p(
    params: &mut ParamStore,
    max_norm: f32,
    norm_type: f32,
    error_if_nonfinite: bool,
) -> Result<f32> {
    if max_norm.is_nan() || max_norm < 0.0 {
        return Err(invalid(
            "clip_grad_norm",
            format!("max_norm must be >= 0, got {max_norm}"),
        ));
    }
    let p = norm_type as f64;
    if p.is_nan() || p <= 0.0 {
        return Err(invalid(
            "clip_grad_norm",
            format!("norm_type must be > 0 or inf, got {norm_type}"),
        ));
    }
    let grads = params.flat_grad_mut();
    let norm = if p == f64::INFINITY {
        max_abs(grads)
    } else if p == 2.0 {
        sum_squares(grads).sqrt() as f32
    } else {
        sum_abs_pow(grads, p).powf(1.0 / p) as f32
    };
    if error_if_nonfinite && !norm.is_finite() {
        return Err(invalid(
            "clip_grad_norm",
            format!(
                "the total norm of order {norm_type} of the gradients is {norm}, so it cannot \
                 be clipped; to scale the gradients by it anyway (as PyTorch does, giving NaN \
                 or zero gradients), pass error_if_nonfinite = false"
            ),
        ));
    }
    let coef = (1.0 / (norm + 1e-6)) * max_norm;
    if coef.is_nan() {
        // every gradient becomes NaN; the padding between parameters stays 0
        let ranges: Vec<(usize, usize)> =
            params.metas().iter().map(|m| (m.offset, m.numel)).collect();
        let grads = params.flat_grad_mut();
        for (o, n) in ranges {
            grads[o..o + n].fill(f32::NAN);
        }
    } else if coef < 1.0 {
        scale(grads, coef);
    }
    Ok(norm)
}

/// Clamps every gradient into `[−clip, clip]` (`clip_grad_value_`); a negative or NaN `clip`
/// is an error.
///
/// ```
/// use arenagrad::prelude::*;
/// use arenagrad::optim::clip_grad_value;
/// let mut params = ParamStore::new();
/// let w = params.add("w", Tensor::zeros(&[3])?)?;
/// params.flat_grad_mut()[..3].copy_from_slice(&[0.5, -3.0, 7.0]);
/// clip_grad_value(&mut params, 1.0)?;
/// assert_eq!(params.grad(w), &[0.5, -1.0, 1.0]);
/// assert!(clip_grad_value(&mut params, -1.0).is_err());
/// # Ok::<(), arenagrad::Error>(())
/// ```
pub fn clip_grad_value(params: &mut ParamStore, clip: f32) -> Result<()> {
    if clip.is_nan() || clip < 0.0 {
        return Err(invalid(
            "clip_grad_value",
            format!("clip must be >= 0, got {clip}"),
        ));
    }
    clamp(params.flat_grad_mut(), -clip, clip);
    Ok(())
}

fn invalid(op: &'static str, message: String) -> Error {
    Error::InvalidArgument { op, message }
}

#[cfg(test)]
mod tests;
