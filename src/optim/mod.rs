//! Optimizers: they update a [`ParamStore`](crate::ParamStore)'s flat parameter buffer from its
//! flat gradient buffer in one pass, outside any graph (a graph borrows the store, so no step
//! can happen while one is alive).

mod clip;
mod schedule;
mod sgd;

pub use clip::{clip_grad_norm, clip_grad_norm_p, clip_grad_value};
pub use schedule::{
    ChainedScheduler, CosineAnnealingLr, LinearLr, LrSchedule, LrScheduler, SequentialLr, StepLr,
};
pub use sgd::{Sgd, SgdConfig};

use crate::error::Result;
use crate::params::ParamStore;

/// What every optimizer offers: a step over the store, and per-group learning rates that
/// schedules read and set (PyTorch's `optimizer.param_groups[i]["lr"]`).
///
/// ```
/// use arenagrad::prelude::*;
/// use arenagrad::optim::{Optimizer, Sgd, SgdConfig};
/// let params = ParamStore::new();
/// let mut opt = Sgd::new(&params, SgdConfig { lr: 0.1 })?;
/// opt.set_group_lr(0, 0.05)?;
/// assert_eq!((opt.num_groups(), opt.group_lr(0)), (1, 0.05));
/// # Ok::<(), arenagrad::Error>(())
/// ```
pub trait Optimizer {
    /// One update of every parameter (of every group) from its gradient.
    fn step(&mut self, params: &mut ParamStore);
    /// Number of parameter groups (1 without explicit groups).
    fn num_groups(&self) -> usize;
    /// The learning rate of group `i`.
    fn group_lr(&self, i: usize) -> f32;
    /// Sets the learning rate of group `i`; an invalid value is an error.
    fn set_group_lr(&mut self, i: usize, lr: f32) -> Result<()>;
}

impl Optimizer for Sgd {
    fn step(&mut self, params: &mut ParamStore) {
        Sgd::step(self, params)
    }
    fn num_groups(&self) -> usize {
        1
    }
    fn group_lr(&self, _i: usize) -> f32 {
        self.config().lr
    }
    fn set_group_lr(&mut self, _i: usize, lr: f32) -> Result<()> {
        self.set_lr(lr)
    }
}
