//! Evaluation through a shared `&ParamStore`: PyTorch's `model.eval()` inside
//! `with torch.no_grad():`, as one scope.
//!
//! [`Graph::eval_with`] lends its closure a [`Scope`] that borrows the store immutably, so any
//! number of threads can evaluate one model at once (each with its own [`Graph`], the store
//! shared as `&ParamStore` through `std::thread::scope` or an `Arc`), and a model can be scored
//! between two training steps without giving up the `&mut` an optimizer holds elsewhere. The
//! design follows from what a scope would otherwise write into the store:
//!
//! - **Gradients: none.** The scope is a `no_grad` block that never ends. A parameter enters
//!   as a constant node pointing into the store's flat value buffer (no copy), every op runs
//!   its forward only (no backward rule recorded, nothing saved for one), and `backward` or
//!   [`grad`](crate::grad) fail with [`Error::EvalScope`](crate::Error::EvalScope), which says to
//!   build the graph with [`Graph::run_with`] instead. So the gradient buffer and the has-grad
//!   flags are never touched and need no borrow.
//! - **Buffers: read only.** [`Scope::buffer`] reads a buffer (batch norm's running
//!   statistics) in place; [`Scope::buffer_mut`] is an `Error::EvalScope`.
//! - **Evaluation mode.** [`Scope::is_eval`] is true, and the library's layers that behave
//!   differently in training (batch norm: batch statistics and a running update; dropout: random
//!   masks) act as in evaluation mode whatever their own `training` flag: the model can stay in
//!   training mode between steps and still be evaluated, as PyTorch's
//!   `model.eval(); ...; model.train()` would do, without the `&mut` that `set_training` takes.
//!   A layer of one's own with a training mode should test `self.training && !g.is_eval()`.
//!   In [`Graph::run_with`] nothing changes: each layer's flag decides, as before.
//!
//! The values are bit for bit those of `run_with` with the same layers in evaluation mode
//! inside [`Scope::no_grad`]: the same kernels run on the same values, and results never
//! depend on the thread that computes them.
//!
//! Why the name: `eval` is the word a PyTorch user reaches for (`model.eval()`), and `_with`
//! pairs it with [`Graph::run_with`]. `inference_mode` was rejected: PyTorch's inference tensors
//! carry extra restrictions (they cannot later enter autograd) that have no counterpart here.

use super::scope::{foreign_buffer, Access, ParamsView};
use super::{Graph, Scope};
use crate::error::{Error, Result};
use crate::params::{Buffer, ParamStore};

impl Graph {
    /// Runs `f` with an evaluation scope on a shared store: PyTorch's `model.eval()` and
    /// `torch.no_grad()` together. [`Scope::param`] reads `params` in place, nothing records
    /// a backward, buffers are read-only ([`Scope::buffer`]), and layers act in evaluation
    /// mode ([`Scope::is_eval`]). Since `params` is only borrowed, several threads can
    /// evaluate the same store at once, each with its own graph.
    ///
    /// ```
    /// use arenagrad::prelude::*;
    /// let mut params = ParamStore::new();
    /// let w = params.add("w", Tensor::new(vec![1.0, 2.0, 3.0, 4.0], &[2, 2])?)?;
    /// let x = Tensor::new(vec![1.0, 1.0], &[1, 2])?;
    /// let params = &params;                       // shared: no &mut from here on
    /// let y = Graph::new().eval_with(params, |g| {
    ///     let y = g.input(&x).linear(g.param(w), None);   // x · wᵀ
    ///     assert!(!y.requires_grad());            // no_grad: nothing to backward
    ///     Ok(y.to_vec())
    /// })?;
    /// assert_eq!(y, [3.0, 7.0]);
    ///
    /// // four threads, one store, one graph each
    /// std::thread::scope(|s| {
    ///     let workers: Vec<_> = (0..4)
    ///         .map(|_| s.spawn(|| Graph::new().eval_with(params, |g| Ok(g.param(w).sum().item()))))
    ///         .collect();
    ///     for h in workers {
    ///         assert_eq!(h.join().unwrap().unwrap(), 10.0);
    ///     }
    /// });
    /// # Ok::<(), arenagrad::Error>(())
    /// ```
    pub fn eval_with<R>(
        &mut self,
        params: &ParamStore,
        f: impl for<'g> FnOnce(&'g Scope<'g>) -> Result<R>,
    ) -> Result<R> {
        self.eval_with_err(params, f)
    }

    /// [`eval_with`](Self::eval_with) for a closure that returns its own error type `E` (see
    /// [`run_err`](Self::run_err)).
    ///
    /// ```
    /// use arenagrad::prelude::*;
    /// let mut params = ParamStore::new();
    /// let w = params.add("w", Tensor::scalar(2.0))?;
    /// let r: Result<f32, Box<dyn std::error::Error>> = Graph::new().eval_with_err(&params, |g| {
    ///     let y = g.try_param(w)?.powf(2.0);
    ///     let n: u32 = "7".parse()?;                       // another library's error
    ///     Ok(y.item() + n as f32)
    /// });
    /// assert_eq!(r.unwrap(), 11.0);
    /// # Ok::<(), arenagrad::Error>(())
    /// ```
    pub fn eval_with_err<R, E>(
        &mut self,
        params: &ParamStore,
        f: impl for<'g> FnOnce(&'g Scope<'g>) -> Result<R, E>,
    ) -> Result<R, E> {
        self.bump.reset();
        let r = {
            let (store, buffers) = params.view_for_eval();
            let view = ParamsView {
                store,
                access: Access::Shared { buffers },
            };
            let scope = Scope::new(&self.bump, self.written, Some(view));
            f(&scope)
        };
        self.reset_after_run();
        r
    }
}

impl<'g> Scope<'g> {
    /// Whether this scope evaluates ([`Graph::eval_with`]): layers then act in evaluation mode
    /// whatever their own training flag, and nothing records a backward. False in
    /// [`Graph::run`] and [`Graph::run_with`] scopes, also inside [`Scope::no_grad`].
    ///
    /// ```
    /// use arenagrad::prelude::*;
    /// let mut params = ParamStore::new();
    /// assert!(Graph::new().eval_with(&params, |g| Ok(g.is_eval()))?);
    /// assert!(!Graph::new().run_with(&mut params, |g| Ok(g.no_grad(|| g.is_eval())))?);
    /// # Ok::<(), arenagrad::Error>(())
    /// ```
    pub fn is_eval(&self) -> bool {
        matches!(
            self.params,
            Some(ParamsView {
                access: Access::Shared { .. },
                ..
            })
        )
    }

    /// The values of buffer `b` of the store this scope runs with, to read (batch norm's
    /// running statistics in evaluation mode). In an evaluation scope they are the store's own
    /// memory; in a [`Graph::run_with`] scope, a copy in the arena of their values now (a
    /// later [`buffer_mut`](Self::buffer_mut) in the same graph does not change it). Errors if
    /// the scope has no store, `b` is another store's handle, or `b` is lent out by
    /// `buffer_mut` at the moment.
    ///
    /// ```
    /// use arenagrad::prelude::*;
    /// let mut params = ParamStore::new();
    /// let mean = params.add_buffer("running_mean", Tensor::from_slice(&[0.5, 1.5]))?;
    /// Graph::new().eval_with(&params, |g| {
    ///     assert_eq!(g.buffer(mean)?, &[0.5, 1.5]);
    ///     assert!(g.buffer_mut(mean).is_err());   // an evaluation scope changes no buffer
    ///     Ok(())
    /// })?;
    /// # Ok::<(), arenagrad::Error>(())
    /// ```
    pub fn buffer(&'g self, b: Buffer) -> Result<&'g [f32]> {
        let op = "Scope::buffer";
        let view = self.params.as_ref().ok_or_else(|| foreign_buffer(op, b))?;
        let i = view
            .store
            .buffer_index(b)
            .ok_or_else(|| foreign_buffer(op, b))?;
        match &view.access {
            Access::Shared { buffers } => {
                let m = &view.store.buffer_metas[i];
                Ok(&buffers[m.offset..m.offset + m.numel])
            }
            Access::Lent { buffers, .. } => {
                let values = buffers[i]
                    .try_borrow()
                    .map_err(|_| Error::InvalidArgument {
                        op,
                        message: format!(
                        "buffer #{i} is lent out by Scope::buffer_mut in this graph; drop that \
                         borrow before reading the buffer"
                    ),
                    })?;
                Ok(self.bump.alloc_slice_copy(&values))
            }
        }
    }
}

#[cfg(test)]
mod tests;
