//! RMSprop, PyTorch's `torch.optim.RMSprop`, one fused pass over the flat buffers.
//!
//! For each parameter with a gradient `g` (negated first when `maximize`):
//! ```text
//! g ← g + weight_decay · p                     if weight_decay ≠ 0
//! v ← α·v + (1 − α)·g²
//! ḡ ← ḡ + (1 − α)·(g − ḡ)                      if centered (torch's lerp)
//! d ← √(v − ḡ²) + ε  if centered,  else  d ← √v + ε      (ε after the square root)
//! b ← momentum·b + g / d,  p ← p − lr·b        if momentum > 0
//! p ← p − lr · g / d                           otherwise
//! ```
//! `v` (`square_avg`), `ḡ` (`grad_avg`, only when some group is centered) and `b`
//! (`momentum_buffer`, only when some group has momentum) are flat buffers of the store's
//! layout. The step count is kept for PyTorch's state layout; the rule does not use it.

use super::group::{Groups, ParamGroup};
use super::options::{config_options, non_negative, GroupConfig};
use super::OptimState;
use crate::error::Result;
use crate::params::{AlignedBuf, ParamStore};
use kernel::rmsprop;

pub mod kernel;

/// Options of [`Rmsprop`], with PyTorch's defaults (note `lr: 1e-2`).
///
/// ```
/// use arenagrad::optim::RmspropConfig;
/// let c = RmspropConfig::default();
/// assert_eq!((c.lr, c.alpha, c.eps, c.momentum), (1e-2, 0.99, 1e-8, 0.0));
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RmspropConfig {
    /// Learning rate, `>= 0`.
    pub lr: f32,
    /// Smoothing constant of the squared-gradient average, `>= 0`.
    pub alpha: f32,
    /// Added to the denominator after the square root, `>= 0`.
    pub eps: f32,
    /// L2 penalty added to the gradient, `>= 0`.
    pub weight_decay: f32,
    /// Momentum factor, `>= 0` (0: no momentum buffer).
    pub momentum: f32,
    /// Normalise by an estimate of the gradient's variance instead of its second moment.
    pub centered: bool,
    /// Maximize the objective instead of minimizing it.
    pub maximize: bool,
}

impl Default for RmspropConfig {
    fn default() -> Self {
        RmspropConfig {
            lr: 1e-2,
            alpha: 0.99,
            eps: 1e-8,
            weight_decay: 0.0,
            momentum: 0.0,
            centered: false,
            maximize: false,
        }
    }
}

impl GroupConfig for RmspropConfig {
    config_options!("RMSprop"; "lr" => lr, "alpha" => alpha, "eps" => eps, "weight_decay" => weight_decay, "momentum" => momentum; "centered" => centered, "maximize" => maximize);

    fn validate(&self, op: &'static str) -> Result<()> {
        non_negative(op, "learning rate", self.lr)?;
        non_negative(op, "epsilon value", self.eps)?;
        non_negative(op, "momentum value", self.momentum)?;
        non_negative(op, "weight_decay value", self.weight_decay)?;
        non_negative(op, "alpha value", self.alpha)
    }
}

/// RMSprop (centered, with momentum, weight decay and `maximize`) over param groups.
///
/// ```
/// use arenagrad::prelude::*;
/// use arenagrad::optim::{Rmsprop, RmspropConfig};
/// let mut params = ParamStore::new();
/// let w = params.add("w", Tensor::scalar(1.0))?;
/// let mut opt = Rmsprop::new(&params, RmspropConfig::default())?;
/// params.set_grad(w, &[0.5])?;
/// opt.step(&mut params);   // v = 0.01 g², so p -= lr · g / (0.1 |g|) = 0.01 · 10
/// assert!((params.data(w)[0] - 0.9).abs() < 1e-5);
/// # Ok::<(), arenagrad::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Rmsprop {
    groups: Groups<RmspropConfig>,
    square_avg: AlignedBuf,
    grad_avg: AlignedBuf,
    momentum: AlignedBuf,
    /// Whether `grad_avg` and `momentum` exist (not their emptiness: a store of empty
    /// parameters has empty buffers and then rejected its own state; fuzz target `optim`).
    has: (bool, bool),
}

impl Rmsprop {
    /// An optimizer for every parameter of `params`; invalid options are an error.
    pub fn new(params: &ParamStore, config: RmspropConfig) -> Result<Rmsprop> {
        Ok(Self::build(Groups::all("RMSprop", params, config)?))
    }

    /// An optimizer for the given param groups (see [`ParamGroup`]).
    pub fn with_groups(
        params: &ParamStore,
        groups: Vec<ParamGroup<RmspropConfig>>,
        base: RmspropConfig,
    ) -> Result<Rmsprop> {
        Ok(Self::build(Groups::new("RMSprop", params, groups, base)?))
    }

    fn build(groups: Groups<RmspropConfig>) -> Rmsprop {
        let n = groups.flat_len();
        let any = |f: fn(&RmspropConfig) -> bool| groups.groups.iter().any(|g| f(&g.config));
        let (centered, momentum) = (any(|c| c.centered), any(|c| c.momentum > 0.0));
        Rmsprop {
            square_avg: AlignedBuf::zeros(n),
            grad_avg: AlignedBuf::zeros(if centered { n } else { 0 }),
            momentum: AlignedBuf::zeros(if momentum { n } else { 0 }),
            has: (centered, momentum),
            groups,
        }
    }

    /// The base options.
    pub fn config(&self) -> &RmspropConfig {
        &self.groups.base
    }

    /// The options of group `i`.
    pub fn group_config(&self, i: usize) -> &RmspropConfig {
        &self.groups.group(i).config
    }

    /// One update of every parameter that has a gradient; no allocation.
    pub fn step(&mut self, params: &mut ParamStore) {
        let sq = self.square_avg.as_mut_slice();
        let (avg, buf) = (self.grad_avg.as_mut_slice(), self.momentum.as_mut_slice());
        self.groups.step(params, |c, r, _step, p, g| {
            let avg = if c.centered {
                &mut avg[r.clone()]
            } else {
                &mut []
            };
            let buf = if c.momentum > 0.0 {
                &mut buf[r.clone()]
            } else {
                &mut []
            };
            rmsprop(p, g, &mut sq[r], avg, buf, c);
        });
    }

    /// The state to save: options, step counts, `square_avg` (and `momentum_buffer`, `grad_avg`).
    pub fn state_dict(&self, params: &ParamStore) -> OptimState {
        let mut bufs = vec![("square_avg", self.square_avg.as_slice())];
        bufs.push(("momentum_buffer", self.momentum.as_slice()));
        bufs.push(("grad_avg", self.grad_avg.as_slice()));
        let (has_avg, has_mom) = self.has;
        bufs.retain(|(name, _)| match *name {
            "momentum_buffer" => has_mom,
            "grad_avg" => has_avg,
            _ => true,
        });
        self.groups.export(params, "RMSprop", &bufs, false)
    }

    /// Loads a state saved by [`Rmsprop::state_dict`] for the same groups.
    pub fn load_state_dict(&mut self, params: &ParamStore, state: &OptimState) -> Result<()> {
        let (has_avg, has_mom) = self.has;
        let mut bufs = vec![("square_avg", self.square_avg.as_mut_slice())];
        bufs.push(("momentum_buffer", self.momentum.as_mut_slice()));
        bufs.push(("grad_avg", self.grad_avg.as_mut_slice()));
        bufs.retain(|(name, _)| match *name {
            "momentum_buffer" => has_mom,
            "grad_avg" => has_avg,
            _ => true,
        });
        let fits = |c: &RmspropConfig| (!c.centered || has_avg) && (c.momentum <= 0.0 || has_mom);
        self.groups
            .import(params, "RMSprop", state, &mut bufs, |_, _| 0.0, fits)
    }
}

super::impl_optimizer!(Rmsprop);
