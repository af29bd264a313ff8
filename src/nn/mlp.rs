//! `Mlp`: a multilayer perceptron, `Linear → ReLU → Linear → … → Linear` (no activation after
//! the last layer, so it outputs logits).
//!
//! For sizes `[d₀, d₁, …, d_L]` it is the `nn.Sequential(nn.Linear(d₀, d₁), nn.ReLU(), …,
//! nn.Linear(d_{L−1}, d_L))` of PyTorch, with the same state_dict: the `k`-th linear layer sits
//! at index `2k` and registers `"{2k}.weight"` `[d_{k+1}, d_k]` and `"{2k}.bias"` `[d_{k+1}]`
//! (under an optional prefix: `"encoder.{2k}.weight"`), initialised as `nn.Linear` is.

use super::{Linear, Module, Relu, Sequential};
use crate::error::{Error, Result};
use crate::graph::{Scope, Var};
use crate::params::ParamStore;
use crate::rng::Rng;

/// Linear layers with ReLU between them.
///
/// ```
/// use arenagrad::prelude::*;
/// use arenagrad::nn::Mlp;
/// let mut params = ParamStore::new();
/// let mut rng = Rng::seed(0);
/// let model = Mlp::new(&mut params, &[64, 128, 10], &mut rng)?;
/// let names: Vec<(&str, &[usize])> =
///     params.metas().iter().map(|m| (m.name.as_str(), &m.shape[..])).collect();
/// assert_eq!(names, [
///     ("0.weight", &[128, 64][..]), ("0.bias", &[128][..]),
///     ("2.weight", &[10, 128][..]), ("2.bias", &[10][..]),
/// ]);
/// Graph::new().run_with(&mut params, |g| {
///     let logits = model.forward(g, g.input(Tensor::ones(&[5, 64])?))?;
///     assert_eq!(logits.shape(), &[5, 10]);
///     logits.cross_entropy(&[0, 1, 2, 3, 4])?.backward()
/// })?;
/// # Ok::<(), arenagrad::Error>(())
/// ```
#[derive(Debug)]
pub struct Mlp {
    seq: Sequential,
    linears: Vec<Linear>,
}

impl Mlp {
    /// A top-level MLP with layer sizes `sizes` (input first, at least two entries; every
    /// input size positive), parameters registered in `params` and drawn from `rng`.
    pub fn new(params: &mut ParamStore, sizes: &[usize], rng: &mut Rng) -> Result<Mlp> {
        Self::with_prefix(params, "", sizes, rng)
    }

    /// A top-level MLP whose parameters are registered as zeros, with no `Rng`: for weights
    /// that will be loaded next ([`ParamStore::load_state_dict`],
    /// `io::load_into`). Same names, shapes and errors as
    /// [`Mlp::new`]; [`Mlp::zeros_with_prefix`] for one inside a bigger model.
    ///
    /// ```
    /// use arenagrad::prelude::*;
    /// use arenagrad::nn::Mlp;
    /// let mut trained = ParamStore::new();
    /// Mlp::new(&mut trained, &[3, 4, 2], &mut Rng::seed(0))?;
    /// let mut params = ParamStore::new();
    /// let model = Mlp::zeros(&mut params, &[3, 4, 2])?;
    /// params.load_state_dict(&trained.state_dict(), true)?;
    /// assert_eq!(params.flat_data(), trained.flat_data());
    /// # let _ = model;
    /// # Ok::<(), arenagrad::Error>(())
    /// ```
    pub fn zeros(params: &mut ParamStore, sizes: &[usize]) -> Result<Mlp> {
        Self::build(params, "", sizes, None)
    }

    /// [`Mlp::zeros`] registered as `prefix` inside a bigger model.
    ///
    /// ```
    /// use arenagrad::prelude::*;
    /// use arenagrad::nn::Mlp;
    /// let mut params = ParamStore::new();
    /// Mlp::zeros_with_prefix(&mut params, "head", &[8, 2])?;
    /// assert!(params.get("head.0.bias").is_some());
    /// # Ok::<(), arenagrad::Error>(())
    /// ```
    pub fn zeros_with_prefix(
        params: &mut ParamStore,
        prefix: &str,
        sizes: &[usize],
    ) -> Result<Mlp> {
        Self::build(params, prefix, sizes, None)
    }

    /// An MLP registered as `prefix` inside a bigger model (`"encoder"` gives
    /// `"encoder.0.weight"`, …).
    ///
    /// ```
    /// use arenagrad::prelude::*;
    /// use arenagrad::nn::Mlp;
    /// let mut params = ParamStore::new();
    /// let head = Mlp::with_prefix(&mut params, "head", &[8, 4, 4, 2], &mut Rng::seed(0))?;
    /// assert_eq!(head.linears().len(), 3);
    /// assert_eq!(params.shape(params.get("head.4.weight").unwrap()), &[2, 4]);
    /// assert!(Mlp::new(&mut params, &[8], &mut Rng::seed(0)).is_err());
    /// # Ok::<(), arenagrad::Error>(())
    /// ```
    pub fn with_prefix(
        params: &mut ParamStore,
        prefix: &str,
        sizes: &[usize],
        rng: &mut Rng,
    ) -> Result<Mlp> {
        Self::build(params, prefix, sizes, Some(rng))
    }

    fn build(
        params: &mut ParamStore,
        prefix: &str,
        sizes: &[usize],
        mut rng: Option<&mut Rng>,
    ) -> Result<Mlp> {
        if sizes.len() < 2 {
            return Err(Error::InvalidArgument {
                op: "Mlp::new",
                message: format!(
                    "sizes must list the input size and at least one layer size, got {sizes:?}"
                ),
            });
        }
        let mut seq = Sequential::with_prefix(prefix);
        let mut linears = Vec::with_capacity(sizes.len() - 1);
        for (k, io) in sizes.windows(2).enumerate() {
            if k > 0 {
                seq.push(Relu);
            }
            let name = seq.next_name();
            let layer = match rng.as_deref_mut() {
                Some(rng) => Linear::new(params, &name, io[0], io[1], rng)?,
                None => Linear::zeros(params, &name, io[0], io[1], true)?,
            };
            linears.push(layer);
            seq.push(layer);
        }
        Ok(Mlp { seq, linears })
    }

    /// The logits for `x` of shape `[.., sizes[0]]`: shape `[.., sizes[last]]`.
    pub fn forward<'g>(&self, g: &'g Scope<'g>, x: Var<'g>) -> Result<Var<'g>> {
        self.seq.forward(g, x)
    }

    /// The linear layers, input side first.
    pub fn linears(&self) -> &[Linear] {
        &self.linears
    }
    /// The layers as a [`Sequential`].
    pub fn sequential(&self) -> &Sequential {
        &self.seq
    }
}

impl Module for Mlp {
    fn forward<'g>(&self, g: &'g Scope<'g>, x: Var<'g>) -> Result<Var<'g>> {
        self.seq.forward(g, x)
    }
}

#[cfg(test)]
mod tests;
