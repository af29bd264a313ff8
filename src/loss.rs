//! Losses, with PyTorch's definitions, reductions and edge cases.
//!
//! **Class losses** take `[N, C]` scores (or `[C]` with one target, PyTorch's unbatched form)
//! and `N` class indices `t_i`:
//!
//! - `cross_entropy`: `ℓ_i = (1−ε)(lse_i − x_{i,t_i}) + ε(lse_i − mean_c x_{i,c})`, with
//!   `lse_i = ln Σ_c e^{x_{i,c}}` computed fused (max-shifted), never as `ln(softmax)`; that is
//!   PyTorch's `−(1−ε) logp_t − (ε/C) Σ_c logp_c` for label smoothing ε. Gradient:
//!   `∂ℓ_i/∂x_{i,c} = softmax_{i,c} − (1−ε)[c = t_i] − ε/C`. Saved: one `lse` per row.
//! - `nll_loss` on log-probabilities: `ℓ_i = −x_{i,t_i}`; gradient −1 at the target.
//! - `ignore_index`: rows with that target contribute 0 (and no gradient) and `Mean` divides by
//!   the number of the other rows; if every row is ignored, or `N = 0`, `Mean` is NaN (0/0) as in
//!   PyTorch, with zero gradients. Ignored rows may hold any target value, as in PyTorch.
//! - Errors: a target `>= C` is [`Error::IndexOutOfRange`](crate::Error); `N` scores rows but a
//!   different number of targets is [`Error::ShapeMismatch`](crate::Error); `C = 0` is
//!   [`Error::Empty`](crate::Error) (no class can be a target; PyTorch has no useful answer
//!   here); scores of rank other than 1 or 2 (PyTorch's `[N, C, d1, ..]`) are not supported:
//!   move the class axis last and flatten to `[N·d, C]`; ε outside `[0, 1]` is
//!   [`Error::InvalidArgument`](crate::Error).
//!
//! **Element-wise losses** take a prediction `x` and a target `t` of the **same shape** (no
//! broadcasting — PyTorch only warns when they differ, which usually hides a bug — so different
//! shapes are [`Error::ShapeMismatch`](crate::Error)), `d = x − t`, and give gradients to both:
//!
//! | loss | ℓ | ∂ℓ/∂x | ∂ℓ/∂t |
//! |---|---|---|---|
//! | mse | d² | 2d | −2d |
//! | l1 | \|d\| | sign d (0 at 0) | −sign d |
//! | huber(δ > 0) | ½d² if \|d\| < δ, else δ(\|d\| − ½δ) | clamp(d, −δ, δ) | −∂ℓ/∂x |
//! | smooth_l1(β ≥ 0) | huber(β)/β; l1 at β = 0 | clamp(d/β, −1, 1) | −∂ℓ/∂x |
//! | bce_with_logits | max(x, 0) − xt + ln(1 + e^{−\|x\|}) | σ(x) − t | −x |
//!
//! **Reductions**: `Mean` (the default) and `Sum` give a 0-d value; `None` gives the per-row
//! (class losses, shape `[N]`) or per-element loss (element-wise losses, the input's shape).
//! `Mean` of nothing is NaN, as PyTorch's.

mod class;
mod forms;
mod pointwise;
#[cfg(test)]
mod tests;

/// How per-element losses are combined (PyTorch's `reduction=`).
///
/// ```
/// use arenagrad::loss::Reduction;
/// assert_eq!(Reduction::default(), Reduction::Mean);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Reduction {
    /// The mean over elements (over non-ignored rows for class losses); a 0-d result.
    #[default]
    Mean,
    /// The sum; a 0-d result.
    Sum,
    /// No reduction: one loss per row or element.
    None,
}

/// Options of [`Var::cross_entropy_with`](crate::Var::cross_entropy_with), defaulting to
/// PyTorch's: `reduction = Mean`, `label_smoothing = 0.0`, `ignore_index = None` (PyTorch's
/// −100, which no `usize` class index equals).
///
/// ```
/// use arenagrad::loss::{CrossEntropy, Reduction};
/// let opts = CrossEntropy { label_smoothing: 0.1, ..Default::default() };
/// assert_eq!((opts.reduction, opts.ignore_index), (Reduction::Mean, None));
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct CrossEntropy {
    /// How row losses are combined.
    pub reduction: Reduction,
    /// ε in `[0, 1]`: the target distribution is `(1−ε)·onehot + ε/C`.
    pub label_smoothing: f32,
    /// Rows whose target equals this contribute nothing.
    pub ignore_index: Option<usize>,
}

use crate::graph::Scope;
use crate::kernels::loss::Upstream;
use crate::kernels::reduce::sum;

/// The forward reduction: `per` itself for `None`, else a one-element arena buffer holding the
/// sum, or the sum over `count` (NaN when `count = 0`, as PyTorch's mean of nothing).
fn reduce<'g>(scope: &Scope<'g>, reduction: Reduction, per: &'g [f32], count: usize) -> &'g [f32] {
    let total = match reduction {
        Reduction::None => return per,
        Reduction::Sum => sum(per),
        Reduction::Mean => sum(per) / count as f32,
    };
    let out = scope.alloc(1);
    out[0] = total;
    out
}

/// The backward of [`reduce`]: how `grad_out` reaches each row or element.
fn upstream(reduction: Reduction, grad_out: &[f32], count: usize) -> Upstream<'_> {
    match reduction {
        Reduction::None => Upstream::Each(grad_out),
        Reduction::Sum => Upstream::All(grad_out[0]),
        Reduction::Mean => Upstream::All(grad_out[0] / count as f32),
    }
}
