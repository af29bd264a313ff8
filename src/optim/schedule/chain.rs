//! Compositions of schedules: one after another between milestones ([`SequentialLr`]), or
//! all at every step ([`ChainedScheduler`]).
//!
//! `SequentialLr` with milestones `m₁ ≤ m₂ ≤ …`: at epoch `t` phase `k = #{i : mᵢ ≤ t}` runs at
//! local epoch `t − m_k` (`m₀ = 0`). At its first epoch a later phase starts from its closed
//! form at local epoch 0 (PyTorch's `scheduler._update_lr(0)`), so a cosine phase restarts at
//! the base lr whatever the warm-up left; afterwards it steps recursively from the current lr.
//! At `t = 0` the lr is first reset to the base (PyTorch's constructor resets `initial_lr`).
//! `ChainedScheduler` applies its schedules in order at every epoch, each to the lr the
//! previous one produced: `lr ← s_n(t, … s_1(t, lr, base) …, base)`.

use super::{invalid, LrSchedule};
use crate::error::Result;

/// Runs `schedules[k]` from milestone `k` to milestone `k + 1` (`SequentialLR`).
///
/// ```
/// use arenagrad::optim::{LinearLr, LrSchedule, SequentialLr, StepLr};
/// let warm = LinearLr { start_factor: 0.5, end_factor: 1.0, total_iters: 1 };
/// let decay = StepLr { step_size: 1, gamma: 0.5 };
/// let s = SequentialLr::new(vec![Box::new(warm), Box::new(decay)], &[1])?;
/// assert_eq!(s.lr(0, 1.0, 1.0), 0.5);       // warm-up phase
/// assert_eq!(s.lr(1, 0.5, 1.0), 1.0);       // milestone: StepLr's closed form at 0 = base
/// assert_eq!(s.lr(2, 1.0, 1.0), 0.5);       // StepLr at its local epoch 1
/// # Ok::<(), arenagrad::Error>(())
/// ```
#[derive(Debug)]
pub struct SequentialLr {
    schedules: Vec<Box<dyn LrSchedule>>,
    milestones: Vec<usize>,
}

impl SequentialLr {
    /// `schedules.len() == milestones.len() + 1`, milestones non-decreasing, every schedule
    /// valid, and every schedule after the first with a closed form (PyTorch would fail at
    /// the milestone otherwise); anything else is an error.
    pub fn new(schedules: Vec<Box<dyn LrSchedule>>, milestones: &[usize]) -> Result<Self> {
        let s = SequentialLr {
            schedules,
            milestones: milestones.to_vec(),
        };
        s.check()?;
        Ok(s)
    }
}

impl LrSchedule for SequentialLr {
    fn check(&self) -> Result<()> {
        let (n, m) = (self.schedules.len(), &self.milestones);
        if n == 0 || m.len() != n - 1 {
            return Err(invalid(
                "SequentialLr",
                format!(
                    "expects one more schedule than milestones and at least one schedule, got \
                     {n} schedules and milestones {m:?}"
                ),
            ));
        }
        if m.windows(2).any(|w| w[0] > w[1]) {
            return Err(invalid(
                "SequentialLr",
                format!("milestones must be non-decreasing, got {m:?}"),
            ));
        }
        for (k, s) in self.schedules.iter().enumerate() {
            s.check()?;
            if k > 0 && s.closed_form(0, 1.0).is_none() {
                return Err(invalid(
                    "SequentialLr",
                    format!("schedule {k} ({s:?}) has no closed form to start its phase from"),
                ));
            }
        }
        Ok(())
    }
    fn lr(&self, t: usize, lr: f64, base: f64) -> f64 {
        let k = self.milestones.partition_point(|&m| m <= t); // Python's bisect_right
        let start = if k == 0 { 0 } else { self.milestones[k - 1] };
        let phase = &self.schedules[k];
        if t == 0 {
            return phase.lr(0, base, base);
        }
        if k > 0 && start == t {
            return phase
                .closed_form(0, base)
                .expect("checked by SequentialLr::check");
        }
        phase.lr(t - start, lr, base)
    }
    fn closed_form(&self, _t: usize, _base: f64) -> Option<f64> {
        None // as PyTorch: a SequentialLR cannot be a later phase of another
    }
}

/// Applies every schedule at every step, each to the lr the previous one produced
/// (`ChainedScheduler`).
///
/// ```
/// use arenagrad::optim::{ChainedScheduler, LinearLr, LrSchedule, StepLr};
/// let warm = LinearLr { start_factor: 0.5, end_factor: 1.0, total_iters: 2 };
/// let decay = StepLr { step_size: 2, gamma: 0.5 };
/// let s = ChainedScheduler::new(vec![Box::new(warm), Box::new(decay)])?;
/// assert_eq!(s.lr(0, 0.1, 0.1), 0.05);                          // warm-up start
/// assert_eq!(s.lr(2, 0.07500000000000001, 0.1), 0.05);          // warm-up ends, decay
/// # Ok::<(), arenagrad::Error>(())
/// ```
#[derive(Debug)]
pub struct ChainedScheduler {
    schedules: Vec<Box<dyn LrSchedule>>,
}

impl ChainedScheduler {
    /// At least one schedule, each valid; otherwise an error.
    pub fn new(schedules: Vec<Box<dyn LrSchedule>>) -> Result<Self> {
        let s = ChainedScheduler { schedules };
        s.check()?;
        Ok(s)
    }
}

impl LrSchedule for ChainedScheduler {
    fn check(&self) -> Result<()> {
        if self.schedules.is_empty() {
            return Err(invalid(
                "ChainedScheduler",
                "expects at least one schedule to chain".to_string(),
            ));
        }
        self.schedules.iter().try_for_each(|s| s.check())
    }
    fn lr(&self, t: usize, lr: f64, base: f64) -> f64 {
        self.schedules.iter().fold(lr, |lr, s| s.lr(t, lr, base))
    }
    fn closed_form(&self, _t: usize, _base: f64) -> Option<f64> {
        None // PyTorch's ChainedScheduler has none either
    }
}
