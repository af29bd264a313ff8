//! AdamW, PyTorch's `torch.optim.AdamW`: Adam with decoupled weight decay.
//!
//! For each parameter with a gradient `g` (negated first when `maximize`), at its step `t`:
//! ```text
//! p ← p · (1 − lr·λ)               (weight decay λ shrinks the weights, not the gradient)
//! m ← m + (1 − β₁)·(g − m)
//! v ← β₂·v + (1 − β₂)·g²
//! v̂ ← max(v̂, v)                    if amsgrad
//! p ← p − (lr / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε)
//! ```
//! The same kernel and state as [`Adam`](super::Adam) (whose `decoupled_weight_decay` option
//! is this rule); only the config differs, since PyTorch's AdamW defaults `weight_decay` to 1e-2.
//! The update reads an [`AdamWConfig`] as the [`AdamConfig`] it converts to (`AdamConfig::from`:
//! the same options with `decoupled_weight_decay` set).

use super::adam::{adam_methods, check, AdamConfig, Moments};
use super::group::{Groups, ParamGroup};
use super::options::{config_options, GroupConfig};
use super::OptimState;
use crate::error::Result;
use crate::params::ParamStore;

/// Options of [`AdamW`], with PyTorch's defaults (note `weight_decay: 1e-2`).
///
/// ```
/// use arenagrad::optim::AdamWConfig;
/// let c = AdamWConfig::default();
/// assert_eq!((c.lr, c.betas, c.eps, c.weight_decay), (1e-3, (0.9, 0.999), 1e-8, 1e-2));
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AdamWConfig {
    /// Learning rate, `>= 0`.
    pub lr: f32,
    /// Decay rates `(β₁, β₂)` of the moment estimates, each in `[0, 1)`.
    pub betas: (f32, f32),
    /// Added to the denominator, `>= 0`.
    pub eps: f32,
    /// Decoupled weight decay, `>= 0`.
    pub weight_decay: f32,
    /// Use the running maximum of the second moment (AMSGrad).
    pub amsgrad: bool,
    /// Maximize the objective instead of minimizing it.
    pub maximize: bool,
}

impl Default for AdamWConfig {
    fn default() -> Self {
        AdamWConfig {
            lr: 1e-3,
            betas: (0.9, 0.999),
            eps: 1e-8,
            weight_decay: 1e-2,
            amsgrad: false,
            maximize: false,
        }
    }
}

impl GroupConfig for AdamWConfig {
    config_options!("AdamW"; "lr" => lr, "betas.0" => betas.0, "betas.1" => betas.1, "eps" => eps, "weight_decay" => weight_decay; "amsgrad" => amsgrad, "maximize" => maximize);

    fn validate(&self, op: &'static str) -> Result<()> {
        check(op, self.lr, self.betas, self.eps, self.weight_decay)
    }
}

/// AdamW over param groups.
///
/// ```
/// use arenagrad::prelude::*;
/// use arenagrad::optim::{AdamW, AdamWConfig};
/// let mut params = ParamStore::new();
/// let w = params.add("w", Tensor::scalar(1.0))?;
/// let mut opt = AdamW::new(&params, AdamWConfig { lr: 0.1, weight_decay: 0.1, ..Default::default() })?;
/// params.set_grad(w, &[0.5])?;
/// opt.step(&mut params);          // p = 1 · (1 − 0.1 · 0.1) − 0.1 · sign(g)
/// assert!((params.data(w)[0] - 0.89).abs() < 1e-6);
/// # Ok::<(), arenagrad::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct AdamW {
    groups: Groups<AdamWConfig>,
    moments: Moments,
}

adam_methods!(AdamW, AdamWConfig);

/// AdamW's options as Adam's: the same values with `decoupled_weight_decay` set (PyTorch's AdamW
/// is Adam with decoupled weight decay), the config the update reads.
///
/// ```
/// use arenagrad::optim::{AdamConfig, AdamWConfig};
/// let c = AdamConfig::from(AdamWConfig { lr: 0.1, ..Default::default() });
/// assert_eq!((c.lr, c.weight_decay, c.decoupled_weight_decay), (0.1, 1e-2, true));
/// ```
impl From<AdamWConfig> for AdamConfig {
    fn from(c: AdamWConfig) -> AdamConfig {
        // destructured, so an option added to AdamWConfig cannot be left out here
        let AdamWConfig {
            lr,
            betas,
            eps,
            weight_decay,
            amsgrad,
            maximize,
        } = c;
        AdamConfig {
            lr,
            betas,
            eps,
            weight_decay,
            amsgrad,
            maximize,
            decoupled_weight_decay: true,
        }
    }
}

super::impl_optimizer!(AdamW);
