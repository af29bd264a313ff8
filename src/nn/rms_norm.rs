//! `RMSNorm` over the last dimension: `y = x / √(mean(x²) + ε) · γ`, PyTorch's
//! `nn.RMSNorm(D, eps)` (with its default `elementwise_affine=True`).
//!
//! `γ` is registered as `"{name}.weight"` (ones, `[D]`), PyTorch's name and initial value, so
//! `state_dict` files move between the two. `eps = None` is PyTorch's default,
//! `torch.finfo(float32).eps`. The maths and the backward pass are the `rms_norm` op's
//! (ops/rms_norm.rs).

use super::{key, Module};
use crate::error::{Error, Result};
use crate::graph::{Scope, Var};
use crate::params::{Param, ParamStore};
use crate::tensor::Tensor;

/// RMS normalisation of the last dimension with a learned scale.
///
/// ```
/// use arenagrad::prelude::*;
/// let mut params = ParamStore::new();
/// let norm = RMSNorm::new(&mut params, "norm", 2, Some(3.5))?;
/// assert_eq!((params.name(norm.weight), params.data(norm.weight)), ("norm.weight", &[1.0, 1.0][..]));
/// Graph::new().run_with(&mut params, |g| {
///     let y = norm.forward(g, g.input(Tensor::new(vec![3.0, 4.0], &[1, 2])?))?;
///     assert_eq!(y.to_vec(), vec![0.75, 1.0]);         // √(12.5 + 3.5) = 4
///     (y * g.input(Tensor::from_slice(&[2.0, 5.0]))).sum().backward()
/// })?;
/// assert_eq!(params.grad(norm.weight), &[1.5, 5.0]);   // Σ dy · x̂
/// # Ok::<(), arenagrad::Error>(())
/// ```
#[derive(Clone, Copy, Debug)]
pub struct RMSNorm {
    /// The scale `γ`, `[dim]`.
    pub weight: Param,
    /// Size of the normalised (last) dimension.
    pub dim: usize,
    /// Added to the mean of squares inside the square root; `None` is PyTorch's default,
    /// `f32::EPSILON`.
    pub eps: Option<f32>,
}

impl RMSNorm {
    /// An RMS norm over a last dimension of size `dim`, registered in `params` under `name`;
    /// `dim = 0`, or a negative or non-finite `eps`, is an error.
    pub fn new(params: &mut ParamStore, name: &str, dim: usize, eps: Option<f32>) -> Result<Self> {
        if dim == 0 || eps.is_some_and(|e| !e.is_finite() || e < 0.0) {
            return Err(Error::InvalidArgument {
                op: "RMSNorm::new",
                message: format!(
                    "dim must be positive and eps finite and >= 0, got dim = {dim} and eps = \
                     {eps:?} (layer {name:?})"
                ),
            });
        }
        let weight = params.add(&key(name, "weight"), Tensor::ones(&[dim])?)?;
        Ok(RMSNorm { weight, dim, eps })
    }
}

impl Module for RMSNorm {
    /// `x` of shape `[.., dim]` normalised row by row; another last dimension is an error.
    fn forward<'g>(&self, g: &'g Scope<'g>, x: Var<'g>) -> Result<Var<'g>> {
        let w = g.try_param(self.weight)?;
        x.try_rms_norm(&[self.dim], Some(w), self.eps)
    }
}

#[cfg(test)]
mod tests;
