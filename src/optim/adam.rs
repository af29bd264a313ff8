//! Adam, PyTorch's `torch.optim.Adam`, one fused pass over the flat buffers.
//!
//! For each parameter with a gradient `g` (negated first when `maximize`), at its step `t`:
//! ```text
//! g ← g + λ·p                      if weight_decay λ ≠ 0 (decoupled: p ← p·(1 − lr·λ) instead)
//! m ← m + (1 − β₁)·(g − m)         (torch's lerp)
//! v ← β₂·v + (1 − β₂)·g²
//! v̂ ← max(v̂, v)                    if amsgrad (the max is used below instead of v)
//! p ← p − (lr / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε)
//! ```
//! `m` (`exp_avg`), `v` (`exp_avg_sq`) and `v̂` (`max_exp_avg_sq`, only when some group has
//! amsgrad) are flat buffers of the store's layout. [`AdamW`](super::AdamW) is this rule with
//! decoupled weight decay: its config converts to an [`AdamConfig`] (`AdamConfig::from`), which
//! is what the update, [`kernel::adam`], reads.

use super::group::{Groups, ParamGroup};
use super::options::{config_options, invalid, non_negative, GroupConfig};
use super::OptimState;
use crate::error::Result;
use crate::params::{AlignedBuf, ParamStore};
use kernel::adam;

pub mod kernel;

/// Options of [`Adam`], with PyTorch's defaults.
///
/// ```
/// use arenagrad::optim::AdamConfig;
/// let c = AdamConfig::default();
/// assert_eq!((c.lr, c.betas, c.eps, c.weight_decay), (1e-3, (0.9, 0.999), 1e-8, 0.0));
/// assert!(!c.amsgrad && !c.maximize && !c.decoupled_weight_decay);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AdamConfig {
    /// Learning rate, `>= 0`.
    pub lr: f32,
    /// Decay rates `(β₁, β₂)` of the moment estimates, each in `[0, 1)`.
    pub betas: (f32, f32),
    /// Added to the denominator, `>= 0`.
    pub eps: f32,
    /// Weight decay, `>= 0`: an L2 term in the gradient (or decoupled, below).
    pub weight_decay: f32,
    /// Use the running maximum of the second moment (AMSGrad).
    pub amsgrad: bool,
    /// Maximize the objective instead of minimizing it.
    pub maximize: bool,
    /// Decay the weights directly, as AdamW does (PyTorch's `decoupled_weight_decay`).
    pub decoupled_weight_decay: bool,
}

impl Default for AdamConfig {
    fn default() -> Self {
        AdamConfig {
            lr: 1e-3,
            betas: (0.9, 0.999),
            eps: 1e-8,
            weight_decay: 0.0,
            amsgrad: false,
            maximize: false,
            decoupled_weight_decay: false,
        }
    }
}

/// The checks PyTorch's Adam and AdamW make.
pub(crate) fn check(op: &'static str, lr: f32, betas: (f32, f32), eps: f32, wd: f32) -> Result<()> {
    non_negative(op, "learning rate", lr)?;
    non_negative(op, "epsilon value", eps)?;
    for (i, b) in [betas.0, betas.1].into_iter().enumerate() {
        if !(0.0..1.0).contains(&b) {
            return Err(invalid(
                op,
                format!("invalid beta parameter at index {i}: {b}; it must be in [0, 1)"),
            ));
        }
    }
    non_negative(op, "weight_decay value", wd)
}

impl GroupConfig for AdamConfig {
    config_options!("Adam"; "lr" => lr, "betas.0" => betas.0, "betas.1" => betas.1, "eps" => eps, "weight_decay" => weight_decay; "amsgrad" => amsgrad, "maximize" => maximize, "decoupled_weight_decay" => decoupled_weight_decay);

    fn validate(&self, op: &'static str) -> Result<()> {
        check(op, self.lr, self.betas, self.eps, self.weight_decay)
    }
}

/// Adam's flat state buffers, shared with [`AdamW`](super::AdamW).
#[derive(Clone, Debug)]
pub(crate) struct Moments {
    m: AlignedBuf,
    v: AlignedBuf,
    v_max: AlignedBuf,
    /// Whether `v_max` exists: not `!v_max.is_empty()`, which is also true of a store whose
    /// parameters are all empty (fuzz target `optim`: such an optimizer rejected its own state).
    amsgrad: bool,
}

impl Moments {
    pub fn new(len: usize, amsgrad: bool) -> Self {
        let v_max = AlignedBuf::zeros(if amsgrad { len } else { 0 });
        Moments {
            m: AlignedBuf::zeros(len),
            v: AlignedBuf::zeros(len),
            v_max,
            amsgrad,
        }
    }

    /// One step, each group's config read as an [`AdamConfig`].
    pub fn step<C: GroupConfig + Into<AdamConfig>>(
        &mut self,
        groups: &mut Groups<C>,
        params: &mut ParamStore,
    ) {
        let (m, v, v_max) = (
            self.m.as_mut_slice(),
            self.v.as_mut_slice(),
            self.v_max.as_mut_slice(),
        );
        groups.step(params, |c, r, step, p, g| {
            let c: AdamConfig = (*c).into();
            let vm = if c.amsgrad {
                &mut v_max[r.clone()]
            } else {
                &mut []
            };
            adam(p, g, &mut m[r.clone()], &mut v[r], vm, &c, step);
        });
    }

    pub fn export<C: GroupConfig>(
        &self,
        groups: &Groups<C>,
        params: &ParamStore,
        name: &str,
    ) -> OptimState {
        let mut bufs = vec![
            ("exp_avg", self.m.as_slice()),
            ("exp_avg_sq", self.v.as_slice()),
        ];
        if self.amsgrad {
            bufs.push(("max_exp_avg_sq", self.v_max.as_slice()));
        }
        groups.export(params, name, &bufs, false)
    }

    pub fn import<C: GroupConfig + Into<AdamConfig>>(
        &mut self,
        groups: &mut Groups<C>,
        params: &ParamStore,
        name: &str,
        state: &OptimState,
    ) -> Result<()> {
        let ams = self.amsgrad;
        let mut bufs = vec![
            ("exp_avg", self.m.as_mut_slice()),
            ("exp_avg_sq", self.v.as_mut_slice()),
        ];
        if ams {
            bufs.push(("max_exp_avg_sq", self.v_max.as_mut_slice()));
        }
        groups.import(
            params,
            name,
            state,
            &mut bufs,
            |_, _| 0.0,
            |c| !Into::<AdamConfig>::into(*c).amsgrad || ams,
        )
    }
}

/// Adam (with AMSGrad, L2 or decoupled weight decay and `maximize`) over param groups.
///
/// ```
/// use arenagrad::prelude::*;
/// use arenagrad::optim::{Adam, AdamConfig};
/// let mut params = ParamStore::new();
/// let w = params.add("w", Tensor::scalar(1.0))?;
/// let mut opt = Adam::new(&params, AdamConfig { lr: 0.1, ..Default::default() })?;
/// params.set_grad(w, &[0.5])?;
/// opt.step(&mut params);          // first step: m̂ = g, v̂ = g², so p -= lr · sign(g)
/// assert!((params.data(w)[0] - 0.9).abs() < 1e-6);
/// assert!(Adam::new(&params, AdamConfig { betas: (1.0, 0.999), ..Default::default() }).is_err());
/// # Ok::<(), arenagrad::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Adam {
    groups: Groups<AdamConfig>,
    moments: Moments,
}

/// The inherent methods of an Adam-family optimizer (constructors, accessors, `step`, state
/// dict): a struct `{ groups: Groups<$config>, moments: Moments }` whose `$config` converts
/// `Into<AdamConfig>`. [`Adam`] and [`AdamW`](super::AdamW) differ only in their config.
macro_rules! adam_methods {
    ($t:ident, $config:ident) => {
        impl $t {
            /// An optimizer for every parameter of `params`; invalid options are an error.
            pub fn new(params: &ParamStore, config: $config) -> Result<$t> {
                Ok(Self::build(Groups::all(stringify!($t), params, config)?))
            }

            /// An optimizer for the given param groups (see [`ParamGroup`]).
            pub fn with_groups(
                params: &ParamStore,
                groups: Vec<ParamGroup<$config>>,
                base: $config,
            ) -> Result<$t> {
                Ok(Self::build(Groups::new(stringify!($t), params, groups, base)?))
            }

            fn build(groups: Groups<$config>) -> $t {
                let amsgrad = groups.groups.iter().any(|g| g.config.amsgrad);
                let moments = Moments::new(groups.flat_len(), amsgrad);
                $t { groups, moments }
            }

            /// The base options.
            pub fn config(&self) -> &$config {
                &self.groups.base
            }

            /// The options of group `i`.
            pub fn group_config(&self, i: usize) -> &$config {
                &self.groups.group(i).config
            }

            /// One update of every parameter that has a gradient; no allocation.
            pub fn step(&mut self, params: &mut ParamStore) {
                self.moments.step(&mut self.groups, params);
            }

            /// The state to save: options, step counts, `exp_avg`, `exp_avg_sq` (and
            /// `max_exp_avg_sq`).
            pub fn state_dict(&self, params: &ParamStore) -> OptimState {
                self.moments.export(&self.groups, params, stringify!($t))
            }

            #[doc = concat!("Loads a state saved by [`", stringify!($t), "::state_dict`] for the same groups.")]
            pub fn load_state_dict(
                &mut self,
                params: &ParamStore,
                state: &OptimState,
            ) -> Result<()> {
                self.moments
                    .import(&mut self.groups, params, stringify!($t), state)
            }
        }
    };
}
pub(super) use adam_methods;

adam_methods!(Adam, AdamConfig);

super::impl_optimizer!(Adam);
