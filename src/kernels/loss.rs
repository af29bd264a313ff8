//! Loss kernels: row-wise class losses (cross-entropy, NLL) and element-wise regression and
//! logistic losses, forward and backward.
//!
//! Cross-entropy is fused: per row, `lse = m + ln Σ exp(x_c − m)` with `m = max x`, then
//! `loss = (1−ε)(lse − x_t) + ε(lse − mean_c x_c)`. Softmax is never formed in forward and log
//! is never taken of a probability; backward rebuilds `p_c = e^{x_c − m}·(1/Σ)` from the two
//! numbers saved per row. Targets are validated by the caller (the op), so kernels index freely.

use super::special::sigmoid;
use crate::kernels::Acc;

#[cfg(test)]
pub(crate) mod scalar;
mod xent;
pub use xent::{cross_entropy_backward, cross_entropy_fused, cross_entropy_rows, Xent, STATS};

/// How the output gradient reaches each row or element: its own value (reduction `None`) or one
/// shared value (`Sum`, or `Mean` already divided by the count).
#[derive(Clone, Copy, Debug)]
pub enum Upstream<'a> {
    /// One gradient per row/element.
    Each(&'a [f32]),
    /// The same gradient for all.
    All(f32),
}

impl Upstream<'_> {
    #[inline(always)]
    fn at(self, k: usize) -> f32 {
        match self {
            Upstream::Each(g) => g[k],
            Upstream::All(g) => g,
        }
    }
}

/// Per-row negative log-likelihood `−x[i, t_i]` of log-probabilities `x` (`n × c`); 0 on ignored
/// rows.
pub fn nll_rows(x: &[f32], c: usize, targets: &[usize], ignore: Option<usize>, loss: &mut [f32]) {
    for (i, &t) in targets.iter().enumerate() {
        loss[i] = if Some(t) == ignore {
            0.0
        } else {
            -x[i * c + t]
        };
    }
}

/// Gradient of [`nll_rows`]: `−g_i` at `[i, t_i]`, zero elsewhere and on ignored rows.
pub fn nll_backward(
    c: usize,
    targets: &[usize],
    ignore: Option<usize>,
    up: Upstream<'_>,
    out: &mut [f32],
    acc: Acc,
) {
    if acc == Acc::Write {
        out.fill(0.0);
    }
    for (i, &t) in targets.iter().enumerate() {
        if Some(t) != ignore {
            out[i * c + t] -= up.at(i);
        }
    }
}

/// An element-wise loss of a prediction `x` and a target `t`, with `d = x − t`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Pointwise {
    /// `d²`
    Mse,
    /// `|d|` (gradient 0 at `d = 0`)
    L1,
    /// `½d²` if `|d| < δ`, else `δ(|d| − ½δ)`
    Huber {
        /// The switch point δ > 0.
        delta: f32,
    },
    /// Huber(β)/β: `½d²/β` if `|d| < β`, else `|d| − ½β` (β > 0; β = 0 is [`Pointwise::L1`])
    SmoothL1 {
        /// The switch point β > 0.
        beta: f32,
    },
    /// `max(x, 0) − x·t + ln(1 + e^{−|x|})`, binary cross-entropy on a logit
    BceWithLogits,
}

impl Pointwise {
    /// The loss at one element.
    #[inline(always)]
    pub fn loss(self, x: f32, t: f32) -> f32 {
        let d = x - t;
        match self {
            Pointwise::Mse => d * d,
            Pointwise::L1 => d.abs(),
            Pointwise::Huber { delta } if d.abs() < delta => 0.5 * d * d,
            Pointwise::Huber { delta } => delta * (d.abs() - 0.5 * delta),
            Pointwise::SmoothL1 { beta } if d.abs() < beta => 0.5 * d * d / beta,
            Pointwise::SmoothL1 { beta } => d.abs() - 0.5 * beta,
            Pointwise::BceWithLogits => x.max(0.0) - x * t + (-x.abs()).exp().ln_1p(),
        }
    }

    /// `(∂loss/∂x, ∂loss/∂t)` at one element.
    #[inline(always)]
    pub fn partials(self, x: f32, t: f32) -> (f32, f32) {
        let d = x - t;
        let dx = match self {
            Pointwise::Mse => 2.0 * d,
            Pointwise::L1 => sign(d),
            Pointwise::Huber { delta } => d.clamp(-delta, delta),
            Pointwise::SmoothL1 { beta } => (d / beta).clamp(-1.0, 1.0),
            Pointwise::BceWithLogits => return (sigmoid(x) - t, -x),
        };
        (dx, -dx)
    }
}

/// `sign(d)`, 0 at 0 (and NaN for NaN), like `torch.sgn`.
fn sign(d: f32) -> f32 {
    if d > 0.0 {
        1.0
    } else if d < 0.0 {
        -1.0
    } else {
        d * 0.0
    }
}

/// `out[k] = loss(x[k], t[k])`.
pub fn pointwise_forward(kind: Pointwise, x: &[f32], t: &[f32], out: &mut [f32]) {
    assert!(
        x.len() == t.len() && x.len() == out.len(),
        "pointwise_forward: lengths"
    );
    for ((o, &a), &b) in out.iter_mut().zip(x).zip(t) {
        *o = kind.loss(a, b);
    }
}

/// The gradient w.r.t. the prediction (`wrt = 0`) or the target (`wrt = 1`), times `up`.
pub fn pointwise_backward(
    kind: Pointwise,
    wrt: usize,
    x: &[f32],
    t: &[f32],
    up: Upstream<'_>,
    out: &mut [f32],
    acc: Acc,
) {
    assert!(
        x.len() == t.len() && x.len() == out.len(),
        "pointwise_backward: lengths"
    );
    for (k, o) in out.iter_mut().enumerate() {
        let (dx, dt) = kind.partials(x[k], t[k]);
        acc.put(o, up.at(k) * if wrt == 0 { dx } else { dt });
    }
}

#[cfg(test)]
mod tests;
