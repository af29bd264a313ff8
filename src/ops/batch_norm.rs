//! Batch norm over the channel dim 1 of `[N, C, ...]` input (`F.batch_norm`).
//!
//! Per channel, with `m = N·L` values (`L` the product of the dims after `C`): training
//! normalizes with the batch mean and biased variance and, when running statistics are given,
//! updates them in place as PyTorch's forward does, with the *unbiased* variance:
//! `r ← (1 − momentum)·r + momentum·batch`. Evaluation normalizes with the running statistics
//! given. Then `y = x̂·w + b` (w = 1, b = 0 when absent). The formulas and the backward are in
//! [`kernels::batch_norm`](crate::kernels::batch_norm).
//!
//! The differentiable form (`backward_graph`) views the input as one row of `N·L` values per
//! channel (`[N, C, L]` permuted to `[C, N·L]`). Training: the formulas of
//! [`norm_forms`](super::norm_forms), with the batch mean and `rstd` recomputed from `x` in ops
//! (they depend on it). Evaluation: the statistics are constants, so `dx = g·w·rstd`,
//! `dw = Σ g·x̂` with `x̂ = (x − mean)·rstd`, `db = Σ g`.
//!
//! The running statistics are plain `f32` slices owned by the caller (a module's non-trainable
//! buffers), not graph values: they get no gradient, and training mode writes them once per
//! forward. Saved: the per-channel mean and `rstd` (2·C floats, the batch's or the running
//! ones), from which backward recomputes `x̂`; the mode decides whether the statistics' own
//! dependence on `x` enters `dx`.

use super::norm_forms::{norm_dx, normalized};
use crate::error::{or_panic, Error, Result};
use crate::graph::{GradSink, Node, Rule, Sink, Var};
use crate::kernels::batch_norm::{
    backward_sums, batch_norm, batch_norm_backward_w, batch_norm_backward_x, batch_stats, rstd_of,
    update_running, ChannelLayout,
};

/// How [`Var::try_batch_norm`] gets its statistics (PyTorch's `training` flag and the
/// `running_mean`, `running_var`, `momentum`, `eps` arguments).
///
/// ```
/// use arenagrad::BatchNormMode;
/// let (mut mean, mut var) = (vec![0.0; 3], vec![1.0; 3]);
/// let train = BatchNormMode::train(Some((&mut mean, &mut var)));   // momentum 0.1, eps 1e-5
/// assert!(matches!(train, BatchNormMode::Train { momentum, .. } if momentum == 0.1));
/// let eval = BatchNormMode::eval(&mean, &var);
/// assert!(matches!(eval, BatchNormMode::Eval { eps, .. } if eps == 1e-5));
/// ```
#[derive(Debug)]
pub enum BatchNormMode<'a> {
    /// Normalize with the batch statistics; update `running = (mean, var)` if given.
    Train {
        /// The running mean and variance, each of length `C`, updated in place.
        running: Option<(&'a mut [f32], &'a mut [f32])>,
        /// The weight of the batch statistic in the update (PyTorch's default 0.1).
        momentum: f32,
        /// Added to the variance inside the square root (PyTorch's default 1e-5).
        eps: f32,
    },
    /// Normalize with these (running) statistics, each of length `C`.
    Eval {
        /// The mean per channel.
        mean: &'a [f32],
        /// The variance per channel.
        var: &'a [f32],
        /// Added to the variance inside the square root.
        eps: f32,
    },
}

impl<'a> BatchNormMode<'a> {
    /// Training with PyTorch's defaults, `momentum = 0.1`, `eps = 1e-5`.
    pub fn train(running: Option<(&'a mut [f32], &'a mut [f32])>) -> Self {
        BatchNormMode::Train {
            running,
            momentum: 0.1,
            eps: 1e-5,
        }
    }
    /// Evaluation with PyTorch's default `eps = 1e-5`.
    pub fn eval(mean: &'a [f32], var: &'a [f32]) -> Self {
        BatchNormMode::Eval {
            mean,
            var,
            eps: 1e-5,
        }
    }
}

#[derive(Clone, Copy)]
struct BatchNormRule<'g> {
    l: ChannelLayout,
    mean: &'g [f32],
    rstd: &'g [f32],
    train: bool,
    eps: f32,
    /// Positions of weight and bias among the node's inputs (x is input 0).
    w: Option<usize>,
    b: Option<usize>,
}

impl<'g> Rule<'g> for BatchNormRule<'g> {
    fn name(&self) -> &'static str {
        "batch_norm"
    }
    fn backward_graph(
        &self,
        node: &'g Node<'g>,
        g: Var<'g>,
        sink: &mut GradSink<'_, 'g>,
    ) -> Result<()> {
        let l = self.l;
        let scope = sink.scope();
        // [N, C, ...] as [C, N·L], and back
        let rows = |v: Var<'g>| -> Result<Var<'g>> {
            v.try_reshape(&[l.n, l.c, l.l])?
                .try_permute(&[1, 0, 2])?
                .try_reshape(&[l.c, l.n * l.l])
        };
        let back = |v: Var<'g>| -> Result<Var<'g>> {
            v.try_reshape(&[l.c, l.n, l.l])?
                .try_permute(&[1, 0, 2])?
                .try_reshape(node.shape)
        };
        let (x2, g2) = (rows(sink.input(0))?, rows(g)?);
        let (xhat, rstd) = if self.train {
            normalized(x2, self.eps, true)?
        } else {
            let mean = scope.try_input_slice(self.mean, &[l.c, 1])?;
            let rstd = scope.try_input_slice(self.rstd, &[l.c, 1])?;
            (x2.try_sub(mean)?.try_mul(rstd)?, rstd)
        };
        if sink.needs(0) {
            let gh = match self.w {
                Some(i) => g2.try_mul(sink.input(i).try_reshape(&[l.c, 1])?)?,
                None => g2,
            };
            let dx = if self.train {
                norm_dx(gh, xhat, rstd, true)?
            } else {
                gh.try_mul(rstd)?
            };
            sink.put(0, back(dx)?)?;
        }
        if let Some(i) = self.w.filter(|&i| sink.needs(i)) {
            sink.put(i, g2.try_mul(xhat)?.try_sum_axis(1, false)?)?;
        }
        if let Some(i) = self.b.filter(|&i| sink.needs(i)) {
            sink.put(i, g2.try_sum_axis(1, false)?)?;
        }
        Ok(())
    }
    fn backward(&self, node: &Node<'g>, g: &[f32], sink: &mut Sink<'_, 'g>) {
        let (x, l, mean, rstd) = (node.inputs[0].data(), self.l, self.mean, self.rstd);
        let w = self.w.map(|i| node.inputs[i].data());
        let (sum_g, dot) = (sink.scratch(l.c), sink.scratch(l.c));
        backward_sums(x, g, l, mean, sum_g, dot);
        let sums = self.train.then_some((&sum_g[..], &dot[..]));
        sink.with(0, |out, acc| {
            batch_norm_backward_x(x, g, l, mean, rstd, w, sums, out, acc)
        });
        if let Some(i) = self.w {
            sink.with(i, |out, acc| batch_norm_backward_w(dot, rstd, out, acc));
        }
        if let Some(i) = self.b {
            sink.put(i, sum_g);
        }
        sink.recycle(sum_g);
        sink.recycle(dot);
    }
}

/// A `[C]` parameter or statistic, or [`Error::ShapeMismatch`] against the input's shape.
fn check_len(x: &[usize], len: Option<&[usize]>, c: usize) -> Result<()> {
    match len {
        Some(s) if s != [c] => Err(Error::ShapeMismatch {
            op: "batch_norm",
            lhs: x.to_vec(),
            rhs: s.to_vec(),
        }),
        _ => Ok(()),
    }
}

impl<'g> Var<'g> {
    /// Batch norm of `[N, C, ...]` input over all dims but `C` (`F.batch_norm`; `[N, C]`,
    /// `[N, C, L]` and `[N, C, H, W]` are the usual shapes). In [`BatchNormMode::Train`] the
    /// output uses the batch mean and biased variance, and the running statistics, if given,
    /// are updated in place with the unbiased variance; in [`BatchNormMode::Eval`] the given
    /// statistics are used. `weight` and `bias` are optional `[C]` values.
    ///
    /// Errors: rank below 2 ([`Error::InvalidArgument`]); a weight, bias or statistic whose
    /// shape is not `[C]` ([`Error::ShapeMismatch`]); training with at most one value per
    /// channel (PyTorch's "Expected more than 1 value per channel when training",
    /// [`Error::InvalidArgument`]).
    ///
    /// ```
    /// use arenagrad::prelude::*;
    /// Graph::new().run(|g| {
    ///     // one channel holding [1, 3]: mean 2, biased var 1 (eps 0): x̂ = [-1, 1]
    ///     let x = g.leaf(Tensor::new(vec![1.0, 3.0], &[2, 1])?);
    ///     let (mut mean, mut var) = ([0.0], [1.0]);
    ///     let mode = BatchNormMode::Train { running: Some((&mut mean, &mut var)), momentum: 0.5, eps: 0.0 };
    ///     assert_eq!(x.try_batch_norm(None, None, mode)?.to_vec(), vec![-1.0, 1.0]);
    ///     // updated with the unbiased var 2: mean 0.5·0 + 0.5·2, var 0.5·1 + 0.5·2
    ///     assert_eq!((mean, var), ([1.0], [1.5]));
    ///     let y = x.try_batch_norm(None, None, BatchNormMode::Eval { mean: &mean, var: &[4.0], eps: 0.0 })?;
    ///     assert_eq!(y.to_vec(), vec![0.0, 1.0]);  // (x - 1) / 2
    ///     let one = g.input(Tensor::new(vec![1.0, 2.0], &[1, 2])?);
    ///     assert!(one.try_batch_norm(None, None, BatchNormMode::train(None)).is_err());
    ///     Ok(())
    /// }).unwrap();
    /// ```
    pub fn try_batch_norm(
        self,
        weight: Option<Var<'g>>,
        bias: Option<Var<'g>>,
        mode: BatchNormMode<'_>,
    ) -> Result<Var<'g>> {
        let shape = self.shape();
        if shape.len() < 2 {
            return Err(Error::InvalidArgument {
                op: "batch_norm",
                message: format!(
                    "expected an input of rank >= 2, [N, C, ...], but got shape {shape:?}; add a \
                     batch dim (reshape [C] to [1, C])"
                ),
            });
        }
        let (n, c) = (shape[0], shape[1]);
        let l = ChannelLayout {
            n,
            c,
            l: shape[2..].iter().product(),
        };
        check_len(shape, weight.map(|w| w.shape()), c)?;
        check_len(shape, bias.map(|b| b.shape()), c)?;
        let scope = self.scope();
        let (mean, rstd) = (scope.alloc_out(c), scope.alloc_out(c));
        let (train, eps) = match mode {
            BatchNormMode::Train { eps, .. } => (true, eps),
            BatchNormMode::Eval { eps, .. } => (false, eps),
        };
        match mode {
            BatchNormMode::Train {
                running,
                momentum,
                eps,
            } => {
                if let Some((m, v)) = &running {
                    check_len(shape, Some(&[m.len()]), c)?;
                    check_len(shape, Some(&[v.len()]), c)?;
                }
                if l.per_channel() <= 1 {
                    return Err(Error::InvalidArgument {
                        op: "batch_norm",
                        message: format!(
                            "Expected more than 1 value per channel when training, got input \
                             size {shape:?}; use a larger batch or evaluation mode"
                        ),
                    });
                }
                let var = scope.alloc_out(c);
                batch_stats(self.data(), l, eps, mean, rstd, var);
                if let Some((rm, rv)) = running {
                    update_running(rm, mean, momentum);
                    update_running(rv, var, momentum);
                }
            }
            BatchNormMode::Eval { mean: m, var, eps } => {
                check_len(shape, Some(&[m.len()]), c)?;
                check_len(shape, Some(&[var.len()]), c)?;
                mean.copy_from_slice(m);
                rstd_of(var, eps, rstd);
            }
        }
        let out = scope.alloc_out(self.numel());
        let (wd, bd) = (weight.map(|w| w.data()), bias.map(|b| b.data()));
        batch_norm(self.data(), l, mean, rstd, wd, bd, out);
        let mut inputs = [self; 3];
        let mut k = 1;
        let mut slot = |v: Option<Var<'g>>| {
            v.map(|v| {
                inputs[k] = v;
                k += 1;
                k - 1
            })
        };
        let (w, b) = (slot(weight), slot(bias));
        let (mean, rstd): (&[f32], &[f32]) = (mean, rstd);
        let rule = BatchNormRule {
            l,
            mean,
            rstd,
            train,
            eps,
            w,
            b,
        };
        Ok(scope.op_shaped(&inputs[..k], shape, out, rule))
    }

    /// Panicking form of [`Var::try_batch_norm`].
    ///
    /// ```
    /// use arenagrad::prelude::*;
    /// Graph::new().run(|g| {
    ///     let x = g.leaf(Tensor::new(vec![1.0, 3.0], &[2, 1])?);
    ///     let (w, b) = (g.leaf(Tensor::from_slice(&[2.0])), g.leaf(Tensor::from_slice(&[0.5])));
    ///     let mode = BatchNormMode::Train { running: None, momentum: 0.1, eps: 0.0 };
    ///     let y = x.batch_norm(Some(w), Some(b), mode);       // x̂ w + b
    ///     assert_eq!(y.to_vec(), vec![-1.5, 2.5]);
    ///     (y * g.input(Tensor::new(vec![1.0, 2.0], &[2, 1])?)).sum().backward()?;
    ///     assert_eq!(w.grad().unwrap().to_vec(), vec![1.0]);  // Σ g x̂
    ///     assert_eq!(b.grad().unwrap().to_vec(), vec![3.0]);  // Σ g
    ///     Ok(())
    /// }).unwrap();
    /// ```
    #[track_caller]
    pub fn batch_norm(
        self,
        weight: Option<Var<'g>>,
        bias: Option<Var<'g>>,
        mode: BatchNormMode<'_>,
    ) -> Var<'g> {
        or_panic(self.try_batch_norm(weight, bias, mode))
    }
}

#[cfg(test)]
mod tests;
