//! `Module`: a layer that maps one var to another, `y = f_θ(x)` with `θ` in a
//! [`ParamStore`](crate::ParamStore), so layers compose ([`Sequential`](super::Sequential)).
//!
//! Design: `forward` takes `&self`, so a model is shared read-only while a graph is built and
//! the store can be lent to the graph at the same time. The one layer with state that changes
//! during a forward pass, [`Dropout`](super::Dropout), keeps its own seeded generator in a
//! `Mutex`; `Module` requires `Send + Sync`, so a model (containers of `Box<dyn Module>`
//! included) can move to a worker thread or be shared by several; the train/eval switch changes between
//! steps, so it takes `&mut self` ([`Module::set_training`], PyTorch's `module.train(mode)`).
//! Parameter names follow PyTorch's state_dict keys: a layer registered under `name` owns
//! `"{name}.weight"` etc., and a container hands its children `"{prefix}.{index}"`.

use std::fmt::Debug;

use super::Linear;
use crate::error::Result;
use crate::graph::{Scope, Var};

/// A layer: `forward` builds its part of a graph; parameters were registered at construction.
///
/// ```
/// use arenagrad::prelude::*;
/// use arenagrad::nn::{Linear, Module, Relu};
/// let mut params = ParamStore::new();
/// let layers: Vec<Box<dyn Module>> = vec![
///     Box::new(Linear::new(&mut params, "0", 2, 2, &mut Rng::seed(0))?),
///     Box::new(Relu),
/// ];
/// Graph::new().run_with(&mut params, |g| {
///     let mut x = g.input(Tensor::ones(&[3, 2])?);
///     for layer in &layers {
///         x = layer.forward(g, x)?;
///     }
///     assert!(x.data().iter().all(|&v| v >= 0.0));
///     Ok(())
/// })?;
/// # Ok::<(), arenagrad::Error>(())
/// ```
///
/// `Send + Sync` is required so that every model, including a [`Sequential`](super::Sequential)
/// of boxed layers, crosses threads: keep per-forward state in a `Mutex` or an atomic rather
/// than a `RefCell` or `Cell`.
pub trait Module: Debug + Send + Sync {
    /// The layer applied to `x`, in the graph of `g` (which must run with the store the layer
    /// registered its parameters in).
    fn forward<'g>(&self, g: &'g Scope<'g>, x: Var<'g>) -> Result<Var<'g>>;
    /// Switches training mode (on at construction) and evaluation mode, for this layer and
    /// every layer inside it; only layers such as dropout behave differently. A
    /// [`Graph::eval_with`](crate::Graph::eval_with) scope means evaluation mode whatever this
    /// switch: a layer with a mode of its own should test `self.training && !g.is_eval()`.
    fn set_training(&mut self, _training: bool) {}
}

impl Module for Linear {
    fn forward<'g>(&self, g: &'g Scope<'g>, x: Var<'g>) -> Result<Var<'g>> {
        Linear::forward(self, g, x)
    }
}

/// The state_dict key of `leaf` inside a module registered as `prefix` (`"weight"` at the top
/// level, `"encoder.0.weight"` inside `"encoder.0"`).
///
/// ```
/// use arenagrad::nn::key;
/// assert_eq!(key("", "0"), "0");
/// assert_eq!(key("encoder.0", "weight"), "encoder.0.weight");
/// ```
pub fn key(prefix: &str, leaf: &str) -> String {
    if prefix.is_empty() {
        leaf.to_string()
    } else {
        format!("{prefix}.{leaf}")
    }
}

#[cfg(test)]
mod tests;
