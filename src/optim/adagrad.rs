//! Adagrad, PyTorch's `torch.optim.Adagrad`, one fused pass over the flat buffers.
//!
//! For each parameter with a gradient `g` (negated first when `maximize`), at its step `t`:
//! ```text
//! g ← g + weight_decay · p                     if weight_decay ≠ 0
//! s ← s + g²
//! p ← p − (lr / (1 + (t − 1)·lr_decay)) · g / (√s + ε)
//! ```
//! The accumulator `s` (`sum`) is a flat buffer of the store's layout that starts, as in
//! PyTorch, at `initial_accumulator_value` when the optimizer is built (so Adagrad's state
//! exists for every parameter from the start). One deliberate difference: a group's own
//! `initial_accumulator_value` is honoured, where PyTorch uses the constructor's for every group.

use super::group::{Groups, ParamGroup};
use super::options::{config_options, non_negative, GroupConfig};
use super::OptimState;
use crate::error::Result;
use crate::params::{AlignedBuf, ParamStore};
use kernel::adagrad;

pub mod kernel;

/// Options of [`Adagrad`], with PyTorch's defaults (note `lr: 1e-2`, `eps: 1e-10`).
///
/// ```
/// use arenagrad::optim::AdagradConfig;
/// let c = AdagradConfig::default();
/// assert_eq!((c.lr, c.lr_decay, c.initial_accumulator_value, c.eps), (1e-2, 0.0, 0.0, 1e-10));
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AdagradConfig {
    /// Learning rate, `>= 0`.
    pub lr: f32,
    /// Learning-rate decay per step, `>= 0`.
    pub lr_decay: f32,
    /// L2 penalty added to the gradient, `>= 0`.
    pub weight_decay: f32,
    /// Starting value of the accumulator, `>= 0`.
    pub initial_accumulator_value: f32,
    /// Added to the denominator after the square root, `>= 0`.
    pub eps: f32,
    /// Maximize the objective instead of minimizing it.
    pub maximize: bool,
}

impl Default for AdagradConfig {
    fn default() -> Self {
        AdagradConfig {
            lr: 1e-2,
            lr_decay: 0.0,
            weight_decay: 0.0,
            initial_accumulator_value: 0.0,
            eps: 1e-10,
            maximize: false,
        }
    }
}

impl GroupConfig for AdagradConfig {
    config_options!("Adagrad"; "lr" => lr, "lr_decay" => lr_decay, "weight_decay" => weight_decay, "initial_accumulator_value" => initial_accumulator_value, "eps" => eps; "maximize" => maximize);

    fn validate(&self, op: &'static str) -> Result<()> {
        non_negative(op, "learning rate", self.lr)?;
        non_negative(op, "lr_decay value", self.lr_decay)?;
        non_negative(op, "weight_decay value", self.weight_decay)?;
        non_negative(
            op,
            "initial_accumulator_value value",
            self.initial_accumulator_value,
        )?;
        non_negative(op, "epsilon value", self.eps)
    }
}

/// Adagrad (with learning-rate decay, weight decay and `maximize`) over param groups.
///
/// ```
/// use arenagrad::prelude::*;
/// use arenagrad::optim::{Adagrad, AdagradConfig};
/// let mut params = ParamStore::new();
/// let w = params.add("w", Tensor::scalar(1.0))?;
/// let mut opt = Adagrad::new(&params, AdagradConfig { lr: 0.1, ..Default::default() })?;
/// params.set_grad(w, &[0.5])?;
/// opt.step(&mut params);   // s = g², so p -= lr · g / |g|
/// assert!((params.data(w)[0] - 0.9).abs() < 1e-6);
/// # Ok::<(), arenagrad::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Adagrad {
    groups: Groups<AdagradConfig>,
    sum: AlignedBuf,
}

impl Adagrad {
    /// An optimizer for every parameter of `params`; invalid options are an error.
    pub fn new(params: &ParamStore, config: AdagradConfig) -> Result<Adagrad> {
        Ok(Self::build(Groups::all("Adagrad", params, config)?))
    }

    /// An optimizer for the given param groups (see [`ParamGroup`]).
    pub fn with_groups(
        params: &ParamStore,
        groups: Vec<ParamGroup<AdagradConfig>>,
        base: AdagradConfig,
    ) -> Result<Adagrad> {
        Ok(Self::build(Groups::new("Adagrad", params, groups, base)?))
    }

    fn build(groups: Groups<AdagradConfig>) -> Adagrad {
        let mut sum = AlignedBuf::zeros(groups.flat_len());
        for g in &groups.groups {
            for (_, r) in &g.slots {
                sum.as_mut_slice()[r.clone()].fill(g.config.initial_accumulator_value);
            }
        }
        Adagrad { groups, sum }
    }

    /// The base options.
    pub fn config(&self) -> &AdagradConfig {
        &self.groups.base
    }

    /// The options of group `i`.
    pub fn group_config(&self, i: usize) -> &AdagradConfig {
        &self.groups.group(i).config
    }

    /// One update of every parameter that has a gradient; no allocation.
    pub fn step(&mut self, params: &mut ParamStore) {
        let sum = self.sum.as_mut_slice();
        self.groups.step(params, |c, r, step, p, g| {
            adagrad(p, g, &mut sum[r], c, step);
        });
    }

    /// The state to save: options, step counts and `sum` for every parameter of a group.
    pub fn state_dict(&self, params: &ParamStore) -> OptimState {
        self.groups
            .export(params, "Adagrad", &[("sum", self.sum.as_slice())], true)
    }

    /// Loads a state saved by [`Adagrad::state_dict`] for the same groups.
    pub fn load_state_dict(&mut self, params: &ParamStore, state: &OptimState) -> Result<()> {
        let mut bufs = [("sum", self.sum.as_mut_slice())];
        let fresh = |_: &str, c: &AdagradConfig| c.initial_accumulator_value;
        self.groups
            .import(params, "Adagrad", state, &mut bufs, fresh, |_| true)
    }
}

super::impl_optimizer!(Adagrad);
