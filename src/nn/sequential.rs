//! `Sequential`: layers applied in order, `y = f_n(… f_1(f_0(x)))`, PyTorch's `nn.Sequential`.
//!
//! The layer at index `i` is named `"{prefix}.{i}"` (just `"{i}"` at the top level): the name
//! a layer with parameters is built with, so `Sequential(Linear, ReLU, Linear)` registers
//! `"0.weight"`, `"0.bias"`, `"2.weight"`, `"2.bias"` as PyTorch's state_dict does (the ReLU
//! takes index 1 and registers nothing), and a nested `Sequential` at index 2 of `"encoder"`
//! names its children `"encoder.2.0"`, … [`Sequential::push_with`] hands the builder that
//! name, so it cannot be got wrong.

use super::{key, Module};
use crate::error::Result;
use crate::graph::{Scope, Var};

/// Layers applied one after the other.
///
/// ```
/// use arenagrad::prelude::*;
/// use arenagrad::nn::{Linear, Module, Relu, Sequential};
/// let (mut params, mut rng) = (ParamStore::new(), Rng::seed(0));
/// let mut model = Sequential::new();
/// model
///     .push_with(|name| Linear::new(&mut params, name, 4, 8, &mut rng))?
///     .push(Relu)
///     .push_with(|name| Linear::new(&mut params, name, 8, 2, &mut rng))?;
/// let names: Vec<&str> = params.metas().iter().map(|m| m.name.as_str()).collect();
/// assert_eq!(names, ["0.weight", "0.bias", "2.weight", "2.bias"]);
/// Graph::new().run_with(&mut params, |g| {
///     let y = model.forward(g, g.input(Tensor::ones(&[3, 4])?))?;
///     assert_eq!(y.shape(), &[3, 2]);
///     Ok(())
/// })?;
/// # Ok::<(), arenagrad::Error>(())
/// ```
#[derive(Debug, Default)]
pub struct Sequential {
    prefix: String,
    layers: Vec<Box<dyn Module>>,
}

impl Sequential {
    /// An empty top-level container: its layers are named `"0"`, `"1"`, …
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty container registered as `prefix` inside a bigger model: its layers are named
    /// `"{prefix}.0"`, `"{prefix}.1"`, …
    ///
    /// ```
    /// use arenagrad::prelude::*;
    /// use arenagrad::nn::{LayerNorm, Sequential};
    /// let mut params = ParamStore::new();
    /// let mut enc = Sequential::with_prefix("encoder");
    /// enc.push_with(|name| LayerNorm::new(&mut params, name, 8, 1e-5))?;
    /// assert!(params.get("encoder.0.weight").is_some());
    /// assert_eq!(enc.next_name(), "encoder.1");
    /// # Ok::<(), arenagrad::Error>(())
    /// ```
    pub fn with_prefix(prefix: &str) -> Self {
        Sequential {
            prefix: prefix.to_string(),
            layers: Vec::new(),
        }
    }

    /// The name the next pushed layer gets (build it under this name).
    pub fn next_name(&self) -> String {
        key(&self.prefix, &self.layers.len().to_string())
    }

    /// Appends a layer (one built under [`next_name`](Self::next_name), or one without
    /// parameters).
    pub fn push(&mut self, layer: impl Module + 'static) -> &mut Self {
        self.layers.push(Box::new(layer));
        self
    }

    /// Builds a layer under [`next_name`](Self::next_name) and appends it; the builder's error
    /// is returned as is.
    pub fn push_with<M: Module + 'static>(
        &mut self,
        build: impl FnOnce(&str) -> Result<M>,
    ) -> Result<&mut Self> {
        let layer = build(&self.next_name())?;
        Ok(self.push(layer))
    }

    /// The name this container was registered under (`""` at the top level).
    pub fn prefix(&self) -> &str {
        &self.prefix
    }
    /// Number of layers.
    pub fn len(&self) -> usize {
        self.layers.len()
    }
    /// Whether there are no layers (then `forward` is the identity, as in PyTorch).
    pub fn is_empty(&self) -> bool {
        self.layers.is_empty()
    }
    /// The layers, in order.
    pub fn layers(&self) -> &[Box<dyn Module>] {
        &self.layers
    }
}

impl Module for Sequential {
    fn forward<'g>(&self, g: &'g Scope<'g>, x: Var<'g>) -> Result<Var<'g>> {
        self.layers
            .iter()
            .try_fold(x, |x, layer| layer.forward(g, x))
    }
    fn set_training(&mut self, training: bool) {
        self.layers
            .iter_mut()
            .for_each(|l| l.set_training(training));
    }
}

#[cfg(test)]
mod tests;
