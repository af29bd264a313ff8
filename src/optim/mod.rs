//! Optimizers: they update a [`ParamStore`]'s flat parameter buffer from its
//! flat gradient buffer in one fused pass, outside any graph (a graph borrows the store, so no
//! step can happen while one is alive).
//!
//! [`Sgd`], [`Adam`], [`AdamW`], [`Rmsprop`] and [`Adagrad`] (also by name with keyword
//! options: [`OptimConfig`], [`from_config`]) follow PyTorch's single-tensor
//! code paths formula for formula (each module's doc states its maths); their configs default
//! to PyTorch's defaults. State (momentum, moments, accumulators) lives in flat buffers of the
//! store's layout, step counts are per parameter, and parameters without a gradient
//! ([`ParamStore::has_grad`](crate::ParamStore::has_grad), PyTorch's `p.grad is None`) are
//! skipped. Param groups: [`ParamGroup`]. State save and load: [`OptimState`]. Learning-rate
//! schedules drive any [`Optimizer`] through its per-group learning rates; clipping works on
//! the flat gradient buffer, which holds zeros for parameters without a gradient.
//!
//! Each update rule's kernel sits beside its optimizer, public for direct use on slices:
//! [`sgd::kernel`], [`adam::kernel`] (Adam's and AdamW's), [`rmsprop::kernel`],
//! [`adagrad::kernel`] and the clipping kernels [`clip::kernel`], each reading its optimizer's
//! config directly; what they share (PyTorch's rounding, the parallel split) is [`update`].

pub mod adagrad;
pub mod adam;
mod adamw;
pub mod clip;
mod config;
mod group;
mod options;
pub mod rmsprop;
mod schedule;
pub mod sgd;
mod state;
pub mod update;

pub use adagrad::{Adagrad, AdagradConfig};
pub use adam::{Adam, AdamConfig};
pub use adamw::{AdamW, AdamWConfig};
pub use clip::{clip_grad_norm, clip_grad_norm_p, clip_grad_value};
pub use config::{from_config, OptimConfig, OPTIMIZER_NAMES};
pub use group::ParamGroup;
pub use options::GroupConfig;
pub use rmsprop::{Rmsprop, RmspropConfig};
pub use schedule::{
    ChainedScheduler, CosineAnnealingLr, LinearLr, LrSchedule, LrScheduler, SequentialLr, StepLr,
};
pub use sgd::{Sgd, SgdConfig};
pub use state::OptimState;

use crate::error::{Error, Result};
use crate::params::ParamStore;

/// What every optimizer offers: a step over the store, per-group learning rates that
/// schedules read and set (PyTorch's `optimizer.param_groups[i]["lr"]`), and state save/load.
///
/// ```
/// use arenagrad::prelude::*;
/// use arenagrad::optim::{Optimizer, Sgd, SgdConfig};
/// let mut params = ParamStore::new();
/// params.add("w", Tensor::zeros(&[3])?)?;
/// let mut opt = Sgd::new(&params, SgdConfig { lr: 0.1, ..Default::default() })?;
/// opt.set_group_lr(0, 0.05)?;
/// assert_eq!((opt.num_groups(), opt.group_lr(0)), (1, 0.05));
/// # Ok::<(), arenagrad::Error>(())
/// ```
pub trait Optimizer {
    /// One update of every parameter (of every group) that has a gradient.
    fn step(&mut self, params: &mut ParamStore);
    /// Number of parameter groups (1 without explicit groups).
    fn num_groups(&self) -> usize;
    /// The learning rate of group `i`.
    fn group_lr(&self, i: usize) -> f32;
    /// Sets the learning rate of group `i`; an invalid value is an error.
    fn set_group_lr(&mut self, i: usize, lr: f32) -> Result<()>;

    /// The state to save (see [`OptimState`]). The default, for an optimizer without
    /// per-parameter state, is the groups' learning rates (`group.{i}.lr`).
    fn state_dict(&self, _params: &ParamStore) -> OptimState {
        let scalars = (0..self.num_groups())
            .map(|i| (format!("group.{i}.lr"), self.group_lr(i) as f64))
            .collect();
        OptimState {
            optimizer: String::new(),
            groups: Vec::new(),
            scalars,
            tensors: Vec::new(),
        }
    }

    /// Loads a state saved by [`Optimizer::state_dict`]; a state that does not fit is an error
    /// and changes nothing. The default restores the groups' learning rates.
    fn load_state_dict(&mut self, _params: &ParamStore, state: &OptimState) -> Result<()> {
        let lrs = (0..self.num_groups())
            .map(|i| {
                state
                    .scalar(&format!("group.{i}.lr"))
                    .ok_or_else(|| Error::InvalidArgument {
                        op: "Optimizer::load_state_dict",
                        message: format!("the state has no scalar 'group.{i}.lr'"),
                    })
            })
            .collect::<Result<Vec<f64>>>()?;
        lrs.iter()
            .enumerate()
            .try_for_each(|(i, &lr)| self.set_group_lr(i, lr as f32))
    }
}

/// Implements [`Optimizer`] for an optimizer with inherent `step`, `state_dict`,
/// `load_state_dict` and a `groups: Groups<_>` field.
macro_rules! impl_optimizer {
    ($t:ty) => {
        impl $crate::optim::Optimizer for $t {
            fn step(&mut self, params: &mut $crate::params::ParamStore) {
                <$t>::step(self, params)
            }
            fn num_groups(&self) -> usize {
                self.groups.groups.len()
            }
            fn group_lr(&self, i: usize) -> f32 {
                self.groups.lr(i)
            }
            fn set_group_lr(&mut self, i: usize, lr: f32) -> $crate::error::Result<()> {
                self.groups.set_lr(i, lr)
            }
            fn state_dict(&self, params: &$crate::params::ParamStore) -> $crate::optim::OptimState {
                <$t>::state_dict(self, params)
            }
            fn load_state_dict(
                &mut self,
                params: &$crate::params::ParamStore,
                state: &$crate::optim::OptimState,
            ) -> $crate::error::Result<()> {
                <$t>::load_state_dict(self, params, state)
            }
        }
    };
}
pub(crate) use impl_optimizer;

#[cfg(test)]
mod tests;
