//! Learning-rate schedules, step for step PyTorch's `torch.optim.lr_scheduler`.
//!
//! With `t` the epoch (scheduler steps taken; 0 at construction), `base` a group's lr when the
//! scheduler was built and `lr` its current lr, PyTorch's `get_lr` is *recursive*: each step
//! maps the current lr to the next, so schedules chain by composition.
//!
//! | schedule | `t = 0` | `t > 0` (recursive, what `step` uses) | closed form |
//! |---|---|---|---|
//! | [`StepLr`] | `lr` | `lr·γ` if `s ∣ t`, else `lr` | `base·γ^⌊t/s⌋` |
//! | [`LinearLr`] | `lr·f₀` | `lr·(1 + (f₁−f₀)/(n·f₀ + (t−1)(f₁−f₀)))` for `t ≤ n`, else `lr` | `base·(f₀ + (f₁−f₀)·min(n, t)/n)` |
//! | [`CosineAnnealingLr`] | `lr` | `η + (lr − η)·(1 + cos(πt/T))/(1 + cos(π(t−1)/T))`, or `lr + (base − η)(1 − cos(π/T))/2` when `t − 1 ≡ T (mod 2T)` | `η + (base − η)(1 + cos(πt/T))/2` |
//!
//! The cosine's recursion reproduces its closed form (period `2T`: past `T_max` the lr climbs
//! back to `base`, as PyTorch's does) up to rounding, and PyTorch steps with the recursion, so
//! arenagrad does too: the lr sequences are PyTorch's bit for bit. [`SequentialLr`] runs one
//! schedule per phase between milestones (a phase starts from its closed form at local epoch 0,
//! PyTorch's `_update_lr(0)`); [`ChainedScheduler`] applies several schedules one after the
//! other at every step (each reads the lr the previous one wrote).
//!
//! Design: a schedule ([`LrSchedule`]) is only this maths, a pure function of `(t, lr, base)`;
//! one driver, [`LrScheduler`], records the base lrs of every group of an [`Optimizer`] at
//! construction (PyTorch's shared `initial_lr`), takes the initial step, and writes the new lr
//! of every group at each [`step`](LrScheduler::step). So warm-up-then-cosine is one driver
//! over one `SequentialLr` value, and no schedule can read a base that another has already
//! changed. PyTorch computes lrs in Python floats (`f64`); so does the driver, which keeps its
//! own `f64` lrs and rounds once, when writing the optimizer's `f32`. If the optimizer's lr was
//! changed from outside since the last step, the driver continues from that value, as PyTorch
//! (which reads `group["lr"]`) does.

mod basic;
mod chain;

pub use basic::{CosineAnnealingLr, LinearLr, StepLr};
pub use chain::{ChainedScheduler, SequentialLr};

use std::fmt::Debug;

use super::Optimizer;
use crate::error::{Error, Result};

/// The maths of a learning-rate schedule (PyTorch's `get_lr` and `_get_closed_form_lr`),
/// driven by an [`LrScheduler`].
///
/// ```
/// use arenagrad::optim::{LrSchedule, StepLr};
/// let s = StepLr { step_size: 2, gamma: 0.5 };
/// assert_eq!(s.lr(2, 0.8, 0.8), 0.4);                 // decays at multiples of step_size
/// assert_eq!(s.closed_form(5, 0.8), Some(0.2));       // 0.8 · 0.5^⌊5/2⌋
/// assert!(StepLr { step_size: 0, gamma: 0.5 }.check().is_err());
/// ```
pub trait LrSchedule: Debug {
    /// Whether the settings are valid; [`LrScheduler::new`] calls it, so an invalid schedule
    /// is an error at construction.
    fn check(&self) -> Result<()>;
    /// The lr of one group at epoch `t` (`t = 0` is the step taken at construction), given
    /// its current lr `lr` and its base lr `base`.
    fn lr(&self, t: usize, lr: f64, base: f64) -> f64;
    /// The lr at epoch `t` from `base` alone, or `None` where PyTorch has no closed form.
    fn closed_form(&self, t: usize, base: f64) -> Option<f64>;
}

impl<S: LrSchedule + ?Sized> LrSchedule for Box<S> {
    fn check(&self) -> Result<()> {
        (**self).check()
    }
    fn lr(&self, t: usize, lr: f64, base: f64) -> f64 {
        (**self).lr(t, lr, base)
    }
    fn closed_form(&self, t: usize, base: f64) -> Option<f64> {
        (**self).closed_form(t, base)
    }
}

/// Drives the learning rates of every group of an [`Optimizer`] by a schedule
/// (`torch.optim.lr_scheduler.*` objects): call [`step`](Self::step) after each optimizer
/// step (or epoch).
///
/// ```
/// use arenagrad::prelude::*;
/// use arenagrad::optim::{CosineAnnealingLr, LinearLr, LrScheduler, Optimizer, SequentialLr, Sgd, SgdConfig};
/// let mut params = ParamStore::new();
/// params.add("w", Tensor::zeros(&[3])?)?;
/// let mut opt = Sgd::new(&params, SgdConfig { lr: 0.5, ..Default::default() })?;
/// // 2 epochs of linear warm-up from 0.5·0.5, then cosine annealing to 0 over 4 epochs
/// let warmup = LinearLr { start_factor: 0.5, end_factor: 1.0, total_iters: 2 };
/// let cosine = CosineAnnealingLr { t_max: 4, eta_min: 0.0 };
/// let schedule = SequentialLr::new(vec![Box::new(warmup), Box::new(cosine)], &[2])?;
/// let mut sched = LrScheduler::new(&mut opt, schedule)?;   // the initial step: lr = 0.25
/// let mut lrs = vec![opt.group_lr(0)];
/// for _ in 0..6 {
///     // opt.step(&mut params) here
///     sched.step(&mut opt)?;
///     lrs.push(sched.last_lr()[0]);
/// }
/// assert_eq!(lrs[..4], [0.25, 0.375, 0.5, 0.4267767]);
/// assert_eq!(lrs[6], 0.0);
/// # Ok::<(), arenagrad::Error>(())
/// ```
#[derive(Debug)]
pub struct LrScheduler<S: LrSchedule = Box<dyn LrSchedule>> {
    schedule: S,
    base_lrs: Vec<f64>,
    lrs: Vec<f64>,
    last_lr: Vec<f32>,
    last_epoch: usize,
}

impl<S: LrSchedule> LrScheduler<S> {
    /// Checks `schedule`, records every group's current lr of `opt` as its base lr and takes
    /// the initial step (epoch 0), which already sets the lrs (e.g. `base·start_factor` for a
    /// warm-up), as PyTorch's constructors do.
    pub fn new(opt: &mut dyn Optimizer, schedule: S) -> Result<Self> {
        schedule.check()?;
        let base_lrs: Vec<f64> = (0..opt.num_groups())
            .map(|i| opt.group_lr(i) as f64)
            .collect();
        let mut s = LrScheduler {
            schedule,
            lrs: base_lrs.clone(),
            last_lr: base_lrs.iter().map(|&l| l as f32).collect(),
            base_lrs,
            last_epoch: 0,
        };
        s.apply(opt, 0)?;
        Ok(s)
    }

    /// Advances one epoch and writes the new lr of every group into `opt`. An optimizer with
    /// a different number of groups than at construction is an error.
    pub fn step(&mut self, opt: &mut dyn Optimizer) -> Result<()> {
        self.apply(opt, self.last_epoch + 1)
    }

    fn apply(&mut self, opt: &mut dyn Optimizer, t: usize) -> Result<()> {
        if opt.num_groups() != self.base_lrs.len() {
            return Err(Error::InvalidArgument {
                op: "LrScheduler::step",
                message: format!(
                    "the optimizer has {} parameter groups but the scheduler was built for {}; \
                     step the optimizer the scheduler was built with",
                    opt.num_groups(),
                    self.base_lrs.len()
                ),
            });
        }
        for i in 0..self.base_lrs.len() {
            let now = opt.group_lr(i);
            // our f64 value unless someone changed the optimizer's lr since our last write
            let lr = if now == self.last_lr[i] {
                self.lrs[i]
            } else {
                now as f64
            };
            let next = self.schedule.lr(t, lr, self.base_lrs[i]);
            opt.set_group_lr(i, next as f32)?;
            self.lrs[i] = next;
            self.last_lr[i] = next as f32;
        }
        self.last_epoch = t;
        Ok(())
    }

    /// The lr of every group after the last step, as written into the optimizer
    /// (`get_last_lr()`).
    pub fn last_lr(&self) -> &[f32] {
        &self.last_lr
    }
    /// The same lrs before rounding to `f32`: PyTorch's Python floats.
    pub fn last_lr_f64(&self) -> &[f64] {
        &self.lrs
    }
    /// The base lr of every group, recorded at construction (`base_lrs`).
    pub fn base_lrs(&self) -> &[f64] {
        &self.base_lrs
    }
    /// Steps taken since construction (`last_epoch`).
    pub fn last_epoch(&self) -> usize {
        self.last_epoch
    }
    /// The schedule being driven.
    pub fn schedule(&self) -> &S {
        &self.schedule
    }
}

/// The error of an invalid schedule setting.
fn invalid(op: &'static str, message: String) -> Error {
    Error::InvalidArgument { op, message }
}

#[cfg(test)]
mod tests;
