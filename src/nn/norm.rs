//! `LayerNorm` over the last dimension: `y = (x − μ)/√(σ² + ε) · γ + β`, with `μ` and the
//! biased variance `σ²` of each row of `D` values, PyTorch's `nn.LayerNorm(D, eps)`.
//!
//! `γ` is registered as `"{name}.weight"` (ones) and `β` as `"{name}.bias"` (zeros), both
//! `[D]`, as PyTorch initialises them. The maths and the backward pass are the `layer_norm`
//! op's (ops/norm.rs). Only a single normalised dimension (PyTorch's `normalized_shape` of
//! length 1) is supported.

use super::{key, Module};
use crate::error::{Error, Result};
use crate::graph::{Scope, Var};
use crate::params::{Param, ParamStore};
use crate::tensor::Tensor;

/// Layer normalisation of the last dimension with a learned scale and shift.
///
/// ```
/// use arenagrad::prelude::*;
/// use arenagrad::nn::{LayerNorm, Module};
/// let mut params = ParamStore::new();
/// let ln = LayerNorm::new(&mut params, "ln", 2, 0.0)?;
/// assert_eq!((params.data(ln.weight), params.data(ln.bias)), (&[1.0, 1.0][..], &[0.0, 0.0][..]));
/// Graph::new().run_with(&mut params, |g| {
///     let y = ln.forward(g, g.input(Tensor::new(vec![1.0, 3.0], &[1, 2])?))?;
///     assert_eq!(y.to_vec(), vec![-1.0, 1.0]);          // mean 2, variance 1
///     (y * g.input(Tensor::from_slice(&[2.0, 5.0]))).sum().backward()
/// })?;
/// assert_eq!(params.grad(ln.weight), &[-2.0, 5.0]);     // Σ dy · x̂
/// assert_eq!(params.grad(ln.bias), &[2.0, 5.0]);        // Σ dy
/// # Ok::<(), arenagrad::Error>(())
/// ```
#[derive(Clone, Copy, Debug)]
pub struct LayerNorm {
    /// The scale `γ`, `[dim]`.
    pub weight: Param,
    /// The shift `β`, `[dim]`.
    pub bias: Param,
    /// Size of the normalised (last) dimension.
    pub dim: usize,
    /// Added to the variance inside the square root (PyTorch's default is `1e-5`).
    pub eps: f32,
}

impl LayerNorm {
    /// A layer norm over a last dimension of size `dim`, registered in `params` under `name`;
    /// `dim = 0`, or a negative or non-finite `eps`, is an error.
    pub fn new(params: &mut ParamStore, name: &str, dim: usize, eps: f32) -> Result<LayerNorm> {
        if dim == 0 || !eps.is_finite() || eps < 0.0 {
            return Err(Error::InvalidArgument {
                op: "LayerNorm::new",
                message: format!(
                    "dim must be positive and eps finite and >= 0, got dim = {dim} and eps = \
                     {eps} (layer {name:?})"
                ),
            });
        }
        let weight = params.add(&key(name, "weight"), Tensor::ones(&[dim])?)?;
        let bias = params.add(&key(name, "bias"), Tensor::zeros(&[dim])?)?;
        Ok(LayerNorm {
            weight,
            bias,
            dim,
            eps,
        })
    }
}

impl Module for LayerNorm {
    /// `x` of shape `[.., dim]` normalised row by row; another last dimension is an error.
    fn forward<'g>(&self, g: &'g Scope<'g>, x: Var<'g>) -> Result<Var<'g>> {
        let (w, b) = (g.try_param(self.weight)?, g.try_param(self.bias)?);
        x.try_layer_norm(Some(w), Some(b), self.eps)
    }
}

#[cfg(test)]
mod tests;
