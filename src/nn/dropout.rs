//! `Dropout` layer: in training mode `y = x · m` with `m = 1/(1 − p)` with probability `1 − p`
//! and 0 otherwise (so `E[y] = x`); in evaluation mode `y = x`. PyTorch's `nn.Dropout(p)`.
//!
//! Design: the layer owns its generator, a stream forked from the model's [`Rng`] at
//! construction, in a `Mutex` (so the layer is `Send + Sync` like every nn type), so that
//! `forward` takes `&self` like every other [`Module`] and a [`Sequential`](super::Sequential)
//! holding dropout layers is used exactly like one without. Two threads running the same layer
//! in training mode take turns drawing masks from the one stream. A model built from one seed therefore gives the same masks run after run.
//! Modes switch with [`Module::set_training`] (training at construction, as PyTorch's modules);
//! in a `Graph::eval_with` scope ([`Scope::is_eval`]) the layer is the identity whatever its
//! mode, and draws nothing.

use std::sync::Mutex;

use super::Module;
use crate::error::{Error, Result};
use crate::graph::{Scope, Var};
use crate::rng::Rng;

/// Zeroes each element with probability `p` while training and rescales the rest.
///
/// ```
/// use arenagrad::prelude::*;
/// use arenagrad::nn::{Dropout, Module};
/// let mut drop = Dropout::new(0.5, &mut Rng::seed(0))?;
/// Graph::new().run(|g| {
///     let x = g.leaf(Tensor::ones(&[8])?);
///     let y = drop.forward(g, x)?;
///     assert!(y.data().iter().all(|&v| v == 0.0 || v == 2.0));
///     Ok(())
/// })?;
/// drop.set_training(false);                        // eval mode: the identity
/// Graph::new().run(|g| {
///     let x = g.input(Tensor::ones(&[8])?);
///     assert_eq!(drop.forward(g, x)?.to_vec(), vec![1.0; 8]);
///     Ok(())
/// })?;
/// assert!(Dropout::new(1.5, &mut Rng::seed(0)).is_err());
/// # Ok::<(), arenagrad::Error>(())
/// ```
#[derive(Debug)]
pub struct Dropout {
    p: f32,
    training: bool,
    rng: Mutex<Rng>,
}

impl Dropout {
    /// A dropout layer with probability `p` in `[0, 1]` (otherwise an error), in training
    /// mode, with a generator seeded from one draw of `rng`.
    pub fn new(p: f32, rng: &mut Rng) -> Result<Dropout> {
        if !(0.0..=1.0).contains(&p) {
            return Err(Error::InvalidArgument {
                op: "Dropout::new",
                message: format!("probability has to be between 0 and 1, but got {p}"),
            });
        }
        Ok(Dropout {
            p,
            training: true,
            rng: Mutex::new(Rng::seed(rng.next_u64())),
        })
    }
    /// The drop probability.
    pub fn p(&self) -> f32 {
        self.p
    }
    /// Whether the layer is in training mode.
    pub fn is_training(&self) -> bool {
        self.training
    }
}

impl Module for Dropout {
    fn forward<'g>(&self, g: &'g Scope<'g>, x: Var<'g>) -> Result<Var<'g>> {
        // an evaluation scope (Graph::eval_with) means evaluation mode: the identity, no draw
        if !self.training || g.is_eval() {
            return Ok(x);
        }
        // a panic elsewhere while the lock was held leaves the generator valid: use it as is
        let mut rng = self.rng.lock().unwrap_or_else(|e| e.into_inner());
        x.dropout(self.p, &mut rng, true)
    }
    fn set_training(&mut self, training: bool) {
        self.training = training;
    }
}

#[cfg(test)]
mod tests;
