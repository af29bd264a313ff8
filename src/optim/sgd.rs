//! Stochastic gradient descent, PyTorch's `torch.optim.SGD`, one fused pass over the flat
//! buffers.
//!
//! For each parameter with a gradient `g` (negated first when `maximize`):
//! ```text
//! g ← g + weight_decay · p                       if weight_decay ≠ 0
//! b ← g                                           first step, if momentum ≠ 0
//! b ← momentum · b + (1 − dampening) · g          later steps
//! g ← g + momentum · b  if nesterov,  else  g ← b
//! p ← p − lr · g
//! ```
//! The momentum buffer `b` (`momentum_buffer`) has the store's flat layout and exists only
//! when some group has momentum. Padding between parameters is never touched.

use super::group::{Groups, ParamGroup};
use super::options::{config_options, invalid, non_negative, GroupConfig};
use super::OptimState;
use crate::error::Result;
use crate::params::{AlignedBuf, ParamStore};
use kernel::sgd;

pub mod kernel;

/// Options of [`Sgd`], with PyTorch's defaults (`lr` has defaulted to 1e-3 since PyTorch 2.2,
/// pytorch/pytorch#114467).
///
/// ```
/// use arenagrad::optim::SgdConfig;
/// let c = SgdConfig { momentum: 0.9, nesterov: true, ..Default::default() };
/// assert_eq!((c.lr, c.dampening, c.weight_decay), (1e-3, 0.0, 0.0));
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SgdConfig {
    /// Learning rate, `>= 0`.
    pub lr: f32,
    /// Momentum factor, `>= 0` (0: no momentum buffer).
    pub momentum: f32,
    /// Dampening of new gradients in the momentum buffer.
    pub dampening: f32,
    /// L2 penalty added to the gradient, `>= 0`.
    pub weight_decay: f32,
    /// Nesterov momentum (needs `momentum > 0` and `dampening == 0`).
    pub nesterov: bool,
    /// Maximize the objective instead of minimizing it.
    pub maximize: bool,
}

impl Default for SgdConfig {
    fn default() -> Self {
        SgdConfig {
            lr: 1e-3,
            momentum: 0.0,
            dampening: 0.0,
            weight_decay: 0.0,
            nesterov: false,
            maximize: false,
        }
    }
}

impl GroupConfig for SgdConfig {
    config_options!("SGD"; "lr" => lr, "momentum" => momentum, "dampening" => dampening, "weight_decay" => weight_decay; "nesterov" => nesterov, "maximize" => maximize);

    fn validate(&self, op: &'static str) -> Result<()> {
        non_negative(op, "learning rate", self.lr)?;
        non_negative(op, "momentum value", self.momentum)?;
        non_negative(op, "weight_decay value", self.weight_decay)?;
        if self.dampening.is_nan() {
            return Err(invalid(op, "invalid dampening NaN".into()));
        }
        if self.nesterov && (self.momentum <= 0.0 || self.dampening != 0.0) {
            return Err(invalid(
                op,
                format!(
                    "Nesterov momentum requires a momentum and zero dampening (momentum {}, \
                     dampening {})",
                    self.momentum, self.dampening
                ),
            ));
        }
        Ok(())
    }
}

/// SGD with momentum, dampening, Nesterov, weight decay and `maximize`, over param groups.
///
/// ```
/// use arenagrad::prelude::*;
/// use arenagrad::optim::{Sgd, SgdConfig};
/// let mut params = ParamStore::new();
/// let w = params.add("w", Tensor::scalar(3.0))?;
/// let mut opt = Sgd::new(&params, SgdConfig { lr: 0.1, ..Default::default() })?;
/// let mut graph = Graph::new();
/// graph.run_with(&mut params, |g| {
///     let w = g.param(w);
///     ((w - 1.0) * (w - 1.0)).backward()   // d/dw (w - 1)^2 = 2(w - 1) = 4
/// })?;
/// opt.step(&mut params);                   // 3 - 0.1 * 4
/// assert!((params.data(w)[0] - 2.6).abs() < 1e-6);
/// # Ok::<(), arenagrad::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Sgd {
    groups: Groups<SgdConfig>,
    momentum: AlignedBuf,
    /// Whether `momentum` exists (an empty buffer may also mean a store of empty parameters).
    has_momentum: bool,
}

impl Sgd {
    /// An optimizer for every parameter of `params`; invalid options are an error.
    pub fn new(params: &ParamStore, config: SgdConfig) -> Result<Sgd> {
        Self::build(Groups::all("SGD", params, config)?)
    }

    /// An optimizer for the given param groups (see [`ParamGroup`]).
    pub fn with_groups(
        params: &ParamStore,
        groups: Vec<ParamGroup<SgdConfig>>,
        base: SgdConfig,
    ) -> Result<Sgd> {
        Self::build(Groups::new("SGD", params, groups, base)?)
    }

    fn build(groups: Groups<SgdConfig>) -> Result<Sgd> {
        let any = groups.groups.iter().any(|g| g.config.momentum != 0.0);
        let momentum = AlignedBuf::zeros(if any { groups.flat_len() } else { 0 });
        Ok(Sgd {
            groups,
            momentum,
            has_momentum: any,
        })
    }

    /// The base options (those of groups that set nothing else).
    pub fn config(&self) -> &SgdConfig {
        &self.groups.base
    }

    /// The options of group `i`.
    pub fn group_config(&self, i: usize) -> &SgdConfig {
        &self.groups.group(i).config
    }

    /// Sets every group's learning rate; a negative or NaN `lr` is an error.
    pub fn set_lr(&mut self, lr: f32) -> Result<()> {
        non_negative("SGD", "learning rate", lr)?;
        self.groups.base.lr = lr;
        (0..self.groups.groups.len()).try_for_each(|i| self.groups.set_lr(i, lr))
    }

    /// One update of every parameter that has a gradient; no allocation.
    pub fn step(&mut self, params: &mut ParamStore) {
        let buf = self.momentum.as_mut_slice();
        self.groups.step(params, |c, r, step, p, g| {
            let b = if c.momentum != 0.0 {
                &mut buf[r]
            } else {
                &mut []
            };
            sgd(p, g, b, c, step == 1);
        });
    }

    /// The state to save: options, step counts and `momentum_buffer`s.
    pub fn state_dict(&self, params: &ParamStore) -> OptimState {
        let bufs: &[(&str, &[f32])] = &[("momentum_buffer", self.momentum.as_slice())];
        self.groups.export(
            params,
            "SGD",
            if self.has_momentum { bufs } else { &[] },
            false,
        )
    }

    /// Loads a state saved by [`Sgd::state_dict`] for the same groups.
    pub fn load_state_dict(&mut self, params: &ParamStore, state: &OptimState) -> Result<()> {
        // not `momentum.is_empty()`: a store of empty parameters has an empty buffer too, and
        // then rejected its own state (fuzz target `optim`)
        let empty = !self.has_momentum;
        let mut bufs = [("momentum_buffer", self.momentum.as_mut_slice())];
        let bufs: &mut [(&str, &mut [f32])] = if empty { &mut [] } else { &mut bufs };
        self.groups.import(
            params,
            "SGD",
            state,
            bufs,
            |_, _| 0.0,
            |c| c.momentum == 0.0 || !empty,
        )
    }
}

super::impl_optimizer!(Sgd);

#[cfg(test)]
mod tests;
