//! The single schedules: step decay, linear warm-up, cosine annealing. Each `lr` is PyTorch's
//! `get_lr` and each `closed_form` its `_get_closed_form_lr`, with the same operations in the
//! same order (so the `f64` results are PyTorch's bit for bit).

use std::f64::consts::PI;

use super::{invalid, LrSchedule};
use crate::error::Result;

/// Multiplies the lr by `gamma` every `step_size` epochs (`StepLR`): `base·γ^⌊t/s⌋`.
///
/// `step_size = 0` or a negative or non-finite `gamma` is an error (PyTorch accepts them and
/// then divides by zero or flips the lr's sign).
///
/// ```
/// use arenagrad::optim::{LrSchedule, StepLr};
/// let s = StepLr { step_size: 3, gamma: 0.1 };
/// assert_eq!(s.lr(3, 0.5, 0.5), 0.5 * 0.1);
/// assert_eq!(s.lr(4, 0.05, 0.5), 0.05);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StepLr {
    /// Epochs between decays, `>= 1`.
    pub step_size: usize,
    /// Decay factor, finite and `>= 0` (PyTorch's default is 0.1).
    pub gamma: f64,
}

impl LrSchedule for StepLr {
    fn check(&self) -> Result<()> {
        if self.step_size == 0 || !(self.gamma >= 0.0 && self.gamma.is_finite()) {
            return Err(invalid(
                "StepLr",
                format!(
                    "step_size must be >= 1 and gamma finite and >= 0, got step_size = {} and \
                     gamma = {}",
                    self.step_size, self.gamma
                ),
            ));
        }
        Ok(())
    }
    fn lr(&self, t: usize, lr: f64, _base: f64) -> f64 {
        if t == 0 || !t.is_multiple_of(self.step_size) {
            lr
        } else {
            lr * self.gamma
        }
    }
    fn closed_form(&self, t: usize, base: f64) -> Option<f64> {
        // Python's `float ** int` is C's pow of two doubles, as `powf` is
        Some(base * self.gamma.powf((t / self.step_size) as f64))
    }
}

/// Scales the lr by a factor going linearly from `start_factor` to `end_factor` over
/// `total_iters` epochs, then holds it (`LinearLR`, the usual warm-up).
///
/// PyTorch's ranges: `0 < start_factor <= 1`, `0 <= end_factor <= 1`; outside them (or NaN)
/// is an error, and so is `total_iters = 0` (the closed form divides by it).
///
/// ```
/// use arenagrad::optim::{LinearLr, LrSchedule};
/// let s = LinearLr { start_factor: 0.25, end_factor: 1.0, total_iters: 3 };
/// assert_eq!(s.lr(0, 1.0, 1.0), 0.25);                 // the first epoch: base · start
/// assert_eq!(s.closed_form(3, 1.0), Some(1.0));
/// assert_eq!(LinearLr::default().start_factor, 1.0 / 3.0);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LinearLr {
    /// Factor at epoch 0, in `(0, 1]` (default 1/3).
    pub start_factor: f64,
    /// Factor from epoch `total_iters` on, in `[0, 1]` (default 1).
    pub end_factor: f64,
    /// Epochs of the ramp, `>= 1` (default 5).
    pub total_iters: usize,
}

impl Default for LinearLr {
    fn default() -> Self {
        LinearLr {
            start_factor: 1.0 / 3.0,
            end_factor: 1.0,
            total_iters: 5,
        }
    }
}

impl LrSchedule for LinearLr {
    fn check(&self) -> Result<()> {
        let (f0, f1) = (self.start_factor, self.end_factor);
        if !(f0 > 0.0 && f0 <= 1.0) {
            return Err(invalid(
                "LinearLr",
                format!("start_factor must be in (0, 1], got {f0}"),
            ));
        }
        if !(0.0..=1.0).contains(&f1) {
            return Err(invalid(
                "LinearLr",
                format!("end_factor must be in [0, 1], got {f1}"),
            ));
        }
        if self.total_iters == 0 {
            return Err(invalid(
                "LinearLr",
                "total_iters must be >= 1 (for a constant factor use total_iters = 1 and \
                 end_factor = start_factor)"
                    .to_string(),
            ));
        }
        Ok(())
    }
    fn lr(&self, t: usize, lr: f64, _base: f64) -> f64 {
        let (f0, f1, n) = (self.start_factor, self.end_factor, self.total_iters);
        if t == 0 {
            return lr * f0;
        }
        if t > n {
            return lr;
        }
        lr * (1.0 + (f1 - f0) / (n as f64 * f0 + (t - 1) as f64 * (f1 - f0)))
    }
    fn closed_form(&self, t: usize, base: f64) -> Option<f64> {
        let (f0, f1, n) = (self.start_factor, self.end_factor, self.total_iters);
        Some(base * (f0 + (f1 - f0) * n.min(t) as f64 / n as f64))
    }
}

/// Cosine annealing from the base lr down to `eta_min` over `t_max` epochs
/// (`CosineAnnealingLR`, no restarts): `η + (base − η)(1 + cos(πt/T))/2`, stepped by PyTorch's
/// recursion. Past `t_max` the lr rises again along the same cosine (period `2·t_max`), as
/// PyTorch's does.
///
/// `t_max = 0` or a negative or non-finite `eta_min` is an error.
///
/// ```
/// use arenagrad::optim::{CosineAnnealingLr, LrSchedule};
/// let s = CosineAnnealingLr { t_max: 2, eta_min: 0.0 };
/// assert_eq!(s.closed_form(1, 1.0), Some(0.5));   // (1 + cos(π/2))/2
/// assert_eq!(s.lr(2, 0.5, 1.0), 0.0);                            // cos(π) = −1
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CosineAnnealingLr {
    /// Epochs from the base lr to `eta_min`, `>= 1`.
    pub t_max: usize,
    /// The minimum lr, finite and `>= 0` (default in PyTorch: 0).
    pub eta_min: f64,
}

impl LrSchedule for CosineAnnealingLr {
    fn check(&self) -> Result<()> {
        if self.t_max == 0 || !(self.eta_min >= 0.0 && self.eta_min.is_finite()) {
            return Err(invalid(
                "CosineAnnealingLr",
                format!(
                    "t_max must be >= 1 and eta_min finite and >= 0, got t_max = {} and \
                     eta_min = {}",
                    self.t_max, self.eta_min
                ),
            ));
        }
        Ok(())
    }
    fn lr(&self, t: usize, lr: f64, base: f64) -> f64 {
        let (tm, eta) = (self.t_max, self.eta_min);
        if t == 0 {
            return lr;
        }
        // Python's (t − 1 − T) % 2T == 0 with t ≥ 1: t − 1 = T, 3T, 5T, ...
        if t > tm && (t - 1 - tm).is_multiple_of(2 * tm) {
            return lr + (base - eta) * (1.0 - (PI / tm as f64).cos()) / 2.0;
        }
        let tm = tm as f64;
        (1.0 + (PI * t as f64 / tm).cos()) / (1.0 + (PI * (t - 1) as f64 / tm).cos()) * (lr - eta)
            + eta
    }
    fn closed_form(&self, t: usize, base: f64) -> Option<f64> {
        let eta = self.eta_min;
        Some(eta + (base - eta) * (1.0 + (PI * t as f64 / self.t_max as f64).cos()) / 2.0)
    }
}
