//! `Linear`: `y = x · Wᵀ + b`, PyTorch's `nn.Linear`.
//!
//! Parameters are registered as `"{name}.weight"` `[out, in]` and `"{name}.bias"` `[out]`
//! (PyTorch's state_dict layout). Default init is PyTorch's: `kaiming_uniform_(W, a = √5)`
//! draws from `U(−bound, bound)` with `bound = gain·√(3/fan_in)`, `gain = √(2/(1 + a²)) =
//! √(1/3)`, so `bound = 1/√in`; the bias is drawn from `U(−1/√in, 1/√in)` too. Weight first,
//! then bias, from the caller's [`Rng`].
//!
//! `forward` is one fused graph node (see the linear op): the product uses `W` through a
//! transposed strided view, no copy.

use crate::error::{Error, Result};
use crate::graph::{Scope, Var};
use crate::params::{Param, ParamStore};
use crate::rng::Rng;
use crate::tensor::Tensor;

/// A fully connected layer, `y = x · Wᵀ + b` on the last dimension of `x`.
///
/// ```
/// use arenagrad::prelude::*;
/// use arenagrad::nn::Linear;
/// let mut params = ParamStore::new();
/// let mut rng = Rng::seed(0);
/// let layer = Linear::new(&mut params, "fc", 3, 2, &mut rng)?;
/// assert_eq!(params.shape(layer.weight), &[2, 3]);
/// assert!(params.data(layer.weight).iter().all(|w| w.abs() <= 1.0 / 3f32.sqrt()));
/// Graph::new().run_with(&mut params, |g| {
///     let x = g.input(Tensor::ones(&[5, 4, 3])?);
///     let y = layer.forward(g, x)?;               // leading dimensions are kept
///     assert_eq!(y.shape(), &[5, 4, 2]);
///     y.sum().backward()
/// })?;
/// // d(sum y)/db = number of rows = 20
/// assert_eq!(params.grad(layer.bias.unwrap()), &[20.0, 20.0]);
/// # Ok::<(), arenagrad::Error>(())
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Linear {
    /// `[out_features, in_features]`.
    pub weight: Param,
    /// `[out_features]`, or `None` for a layer built with [`Linear::new_no_bias`].
    pub bias: Option<Param>,
    /// Size of each input's last dimension.
    pub in_features: usize,
    /// Size of each output's last dimension.
    pub out_features: usize,
}

impl Linear {
    /// A layer with weight and bias registered in `params` under `name`, initialised as
    /// PyTorch does from `rng`; `in_features == 0` is an error.
    pub fn new(
        params: &mut ParamStore,
        name: &str,
        in_features: usize,
        out_features: usize,
        rng: &mut Rng,
    ) -> Result<Linear> {
        Self::build(params, name, in_features, out_features, Some(rng), true)
    }

    /// A layer whose weight (and bias, when `bias`) are registered as zeros, with no `Rng`: for
    /// a model whose weights will be loaded next ([`ParamStore::load_state_dict`],
    /// `io::load_into`), PyTorch's `torch.nn.utils.skip_init`. Same
    /// names, shapes and errors as [`Linear::new`].
    ///
    /// ```
    /// use arenagrad::prelude::*;
    /// use arenagrad::nn::Linear;
    /// let mut params = ParamStore::new();
    /// let layer = Linear::zeros(&mut params, "fc", 3, 2, true)?;
    /// assert_eq!(params.shape(layer.weight), &[2, 3]);
    /// assert!(params.flat_data().iter().all(|&v| v == 0.0));
    /// params.set_value(layer.weight, &Tensor::ones(&[2, 3])?)?;        // or load_state_dict
    /// # Ok::<(), arenagrad::Error>(())
    /// ```
    pub fn zeros(
        params: &mut ParamStore,
        name: &str,
        in_features: usize,
        out_features: usize,
        bias: bool,
    ) -> Result<Linear> {
        Self::build(params, name, in_features, out_features, None, bias)
    }

    /// A layer without bias (`nn.Linear(.., bias=False)`): `y = x · Wᵀ`.
    ///
    /// ```
    /// use arenagrad::prelude::*;
    /// use arenagrad::nn::Linear;
    /// let mut params = ParamStore::new();
    /// let layer = Linear::new_no_bias(&mut params, "proj", 4, 4, &mut Rng::seed(1))?;
    /// assert!(layer.bias.is_none() && params.get("proj.bias").is_none());
    /// assert!(Linear::new(&mut params, "bad", 0, 4, &mut Rng::seed(1)).is_err());
    /// # Ok::<(), arenagrad::Error>(())
    /// ```
    pub fn new_no_bias(
        params: &mut ParamStore,
        name: &str,
        in_features: usize,
        out_features: usize,
        rng: &mut Rng,
    ) -> Result<Linear> {
        Self::build(params, name, in_features, out_features, Some(rng), false)
    }

    fn build(
        params: &mut ParamStore,
        name: &str,
        in_features: usize,
        out_features: usize,
        rng: Option<&mut Rng>,
        bias: bool,
    ) -> Result<Linear> {
        if in_features == 0 {
            return Err(Error::InvalidArgument {
                op: "Linear::new",
                message: format!(
                    "in_features must be positive (layer {name:?}, out_features = \
                     {out_features}); the default init bound 1/sqrt(in_features) is undefined"
                ),
            });
        }
        let bound = 1.0 / (in_features as f32).sqrt();
        let mut rng = rng;
        let mut init = |shape: &[usize]| match rng.as_deref_mut() {
            Some(rng) => Ok(rng.uniform_tensor(shape, -bound, bound)),
            None => Tensor::zeros(shape),
        };
        let w = init(&[out_features, in_features])?;
        let weight = params.add(&format!("{name}.weight"), w)?;
        let bias = if bias {
            let b = init(&[out_features])?;
            Some(params.add(&format!("{name}.bias"), b)?)
        } else {
            None
        };
        Ok(Linear {
            weight,
            bias,
            in_features,
            out_features,
        })
    }

    /// `x · Wᵀ + b` for `x` of shape `[.., in_features]` (1-D `[in_features]` too), giving
    /// `[.., out_features]`. `g` must run with the store the layer registered in
    /// ([`Graph::run_with`](crate::Graph::run_with)); an input whose last dimension is not
    /// `in_features` is an error naming both shapes.
    pub fn forward<'g>(&self, g: &'g Scope<'g>, x: Var<'g>) -> Result<Var<'g>> {
        let w = g.try_param(self.weight)?;
        let b = self.bias.map(|b| g.try_param(b)).transpose()?;
        crate::ops::linear::linear("Linear", x, w, b)
    }
}

#[cfg(test)]
mod tests;
