//! Batch normalisation layers: PyTorch's `nn.BatchNorm1d` and `nn.BatchNorm2d`.
//!
//! `y = (x − μ) / √(σ² + eps) · weight + bias` per channel (dimension 1). In training mode μ
//! and σ² are the batch's mean and biased variance over every dimension but the channel, and
//! the running statistics move towards the batch's: `r ← (1 − m)·r + m·batch`, with the
//! unbiased variance for `running_var`; `num_batches_tracked` counts the updates, and a layer
//! built with `momentum: None` uses `m = 1/num_batches_tracked` (a cumulative average), as
//! PyTorch does. In evaluation mode the running statistics normalise.
//!
//! State: parameters `"{name}.weight"` (ones) and `"{name}.bias"` (zeros), buffers
//! `"{name}.running_mean"` (zeros), `"{name}.running_var"` (ones) and
//! `"{name}.num_batches_tracked"` (0, a scalar; an [`I64`](BufferDtype::I64) buffer, so files
//! hold it as `int64`): PyTorch's state_dict entries and dtypes, so files move between the
//! two. The buffers live in the [`ParamStore`] and are updated through the scope during
//! `forward` (`Scope::buffer_mut`); a forward that fails leaves them unchanged.
//!
//! Mode: the `training` flag ([`Module::set_training`]) decides in `Graph::run` and
//! `Graph::run_with` scopes; a `Graph::eval_with` scope ([`Scope::is_eval`]) always means
//! evaluation mode, with the running statistics read in place from the shared store.

use crate::error::{Error, Result};
use crate::graph::{Scope, Var};
use crate::nn::Module;
use crate::ops::BatchNormMode;
use crate::params::{Buffer, BufferDtype, Param, ParamStore};
use crate::tensor::Tensor;

/// The shared state of [`BatchNorm1d`] and [`BatchNorm2d`].
#[derive(Clone, Copy, Debug)]
pub struct BatchNorm {
    /// `[C]`, initialised to ones.
    pub weight: Param,
    /// `[C]`, initialised to zeros.
    pub bias: Param,
    /// `[C]` buffer, initialised to zeros.
    pub running_mean: Buffer,
    /// `[C]` buffer, initialised to ones.
    pub running_var: Buffer,
    /// Scalar buffer counting the training-mode forwards.
    pub num_batches_tracked: Buffer,
    /// Added to the variance inside the square root (PyTorch's default `1e-5`).
    pub eps: f32,
    /// Weight of the batch statistics in the running update (PyTorch's default `Some(0.1)`);
    /// `None` for a cumulative average.
    pub momentum: Option<f32>,
    /// Training (batch statistics, running update) or evaluation (running statistics).
    pub training: bool,
    /// The input ranks the layer accepts (`[2, 3]` for 1-d, `[4, 4]` for 2-d).
    ranks: [usize; 2],
    op: &'static str,
}

impl BatchNorm {
    fn new(
        params: &mut ParamStore,
        name: &str,
        num_features: usize,
        op: &'static str,
        ranks: [usize; 2],
    ) -> Result<BatchNorm> {
        if num_features == 0 {
            return Err(Error::InvalidArgument {
                op,
                message: format!("layer {name:?}: num_features must be positive"),
            });
        }
        let c = [num_features];
        let key = |leaf: &str| format!("{name}.{leaf}");
        Ok(BatchNorm {
            weight: params.add(&key("weight"), Tensor::ones(&c)?)?,
            bias: params.add(&key("bias"), Tensor::zeros(&c)?)?,
            running_mean: params.add_buffer(&key("running_mean"), Tensor::zeros(&c)?)?,
            running_var: params.add_buffer(&key("running_var"), Tensor::ones(&c)?)?,
            num_batches_tracked: params.add_buffer_as(
                &key("num_batches_tracked"),
                Tensor::scalar(0.0),
                BufferDtype::I64,
            )?,
            eps: 1e-5,
            momentum: Some(0.1),
            training: true,
            ranks,
            op,
        })
    }

    fn forward<'g>(&self, g: &'g Scope<'g>, x: Var<'g>) -> Result<Var<'g>> {
        let rank = x.shape().len();
        if rank < self.ranks[0] || rank > self.ranks[1] {
            let want = if self.ranks[0] == self.ranks[1] {
                format!("{}-d", self.ranks[0])
            } else {
                format!("{}-d or {}-d", self.ranks[0], self.ranks[1])
            };
            return Err(Error::InvalidArgument {
                op: self.op,
                message: format!(
                    "expected {want} input, got shape {:?}; reshape to [N, C, ...]",
                    x.shape()
                ),
            });
        }
        let (w, b) = (g.try_param(self.weight)?, g.try_param(self.bias)?);
        // an evaluation scope (Graph::eval_with) means evaluation mode, whatever the flag
        if !self.training || g.is_eval() {
            let (mean, var) = (g.buffer(self.running_mean)?, g.buffer(self.running_var)?);
            let mode = BatchNormMode::Eval {
                mean,
                var,
                eps: self.eps,
            };
            return x.try_batch_norm(Some(w), Some(b), mode);
        }
        let mut count = g.buffer_mut(self.num_batches_tracked)?;
        let momentum = self.momentum.unwrap_or(1.0 / (count[0] + 1.0));
        let (mut mean, mut var) = (
            g.buffer_mut(self.running_mean)?,
            g.buffer_mut(self.running_var)?,
        );
        let mode = BatchNormMode::Train {
            running: Some((&mut mean, &mut var)),
            momentum,
            eps: self.eps,
        };
        let y = x.try_batch_norm(Some(w), Some(b), mode)?;
        count[0] += 1.0;
        Ok(y)
    }
}

/// Batch normalisation over `[N, C]` or `[N, C, L]` (PyTorch's `nn.BatchNorm1d`).
///
/// ```
/// use arenagrad::prelude::*;
/// use arenagrad::nn::BatchNorm1d;
/// let mut params = ParamStore::new();
/// let mut bn = BatchNorm1d::new(&mut params, "bn", 2)?;
/// let x = Tensor::new(vec![1.0, 10.0, 3.0, 30.0], &[2, 2])?;
/// Graph::new().run_with(&mut params, |g| {
///     let y = bn.forward(g, g.input(&x))?;
///     assert!((y.to_vec()[0] + 1.0).abs() < 1e-4);          // (1 − 2) / √(1 + eps)
///     Ok(())
/// })?;
/// // running_mean = 0.9·0 + 0.1·[2, 20]; num_batches_tracked = 1
/// let mean = params.buffer(bn.0.running_mean);
/// assert!((mean[0] - 0.2).abs() < 1e-6 && (mean[1] - 2.0).abs() < 1e-6);
/// assert_eq!(params.buffer(bn.0.num_batches_tracked), &[1.0]);
/// bn.set_training(false);                                     // eval: running statistics
/// # Ok::<(), arenagrad::Error>(())
/// ```
#[derive(Clone, Copy, Debug)]
pub struct BatchNorm1d(pub BatchNorm);

impl BatchNorm1d {
    /// A layer over `num_features` channels registered under `name`, in training mode, with
    /// PyTorch's defaults (`eps = 1e-5`, `momentum = 0.1`; change the fields to differ).
    pub fn new(params: &mut ParamStore, name: &str, num_features: usize) -> Result<BatchNorm1d> {
        BatchNorm::new(params, name, num_features, "BatchNorm1d", [2, 3]).map(BatchNorm1d)
    }
}

impl Module for BatchNorm1d {
    fn forward<'g>(&self, g: &'g Scope<'g>, x: Var<'g>) -> Result<Var<'g>> {
        self.0.forward(g, x)
    }
    fn set_training(&mut self, training: bool) {
        self.0.training = training;
    }
}

/// Batch normalisation over `[N, C, H, W]` (PyTorch's `nn.BatchNorm2d`).
///
/// ```
/// use arenagrad::prelude::*;
/// use arenagrad::nn::BatchNorm2d;
/// let mut params = ParamStore::new();
/// let bn = BatchNorm2d::new(&mut params, "1", 3)?;
/// assert!(params.get_buffer("1.running_var").is_some());
/// Graph::new().run_with(&mut params, |g| {
///     let y = bn.forward(g, g.input(Tensor::ones(&[2, 3, 4, 4])?))?;
///     assert_eq!(y.shape(), &[2, 3, 4, 4]);
///     assert!(bn.forward(g, g.input(Tensor::ones(&[2, 3, 4])?)).is_err()); // not 4-d
///     Ok(())
/// })?;
/// # Ok::<(), arenagrad::Error>(())
/// ```
#[derive(Clone, Copy, Debug)]
pub struct BatchNorm2d(pub BatchNorm);

impl BatchNorm2d {
    /// A layer over `num_features` channels registered under `name`, in training mode, with
    /// PyTorch's defaults (`eps = 1e-5`, `momentum = 0.1`; change the fields to differ).
    pub fn new(params: &mut ParamStore, name: &str, num_features: usize) -> Result<BatchNorm2d> {
        BatchNorm::new(params, name, num_features, "BatchNorm2d", [4, 4]).map(BatchNorm2d)
    }
}

impl Module for BatchNorm2d {
    fn forward<'g>(&self, g: &'g Scope<'g>, x: Var<'g>) -> Result<Var<'g>> {
        self.0.forward(g, x)
    }
    fn set_training(&mut self, training: bool) {
        self.0.training = training;
    }
}

#[cfg(test)]
mod tests;
