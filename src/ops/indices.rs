//! `argmax` and `topk` of a [`Var`]'s values: plain indices and values, no graph node (a
//! sampled token or a predicted class carries no gradient). The functions are the `Tensor`
//! ones (`tensor/indices.rs`), read from the arena without a copy.

use crate::error::{or_panic, Result};
use crate::graph::Var;
use crate::tensor::indices::{argmax_all, argmax_axis, topk};
use crate::tensor::Tensor;

impl Var<'_> {
    /// The flat index of the largest value (`torch.argmax(x)`), as [`Tensor::try_argmax`].
    ///
    /// ```
    /// use arenagrad::prelude::*;
    /// Graph::new().run(|g| {
    ///     let logits = g.input(Tensor::new(vec![0.1, 2.0, -1.0, 2.0], &[2, 2])?);
    ///     assert_eq!(logits.try_argmax()?, 1);                    // the first of the ties
    ///     assert_eq!(logits.try_argmax_axis(-1, false)?, vec![1, 1]);
    ///     let (v, i) = logits.try_topk(1, 0)?;
    ///     assert_eq!((v.data(), &i[..]), (&[0.1, 2.0][..], &[0, 0][..]));
    ///     Ok(())
    /// }).unwrap();
    /// ```
    pub fn try_argmax(&self) -> Result<usize> {
        argmax_all(self.data(), self.shape())
    }
    /// Panicking form of [`Var::try_argmax`].
    #[track_caller]
    pub fn argmax(&self) -> usize {
        or_panic(self.try_argmax())
    }
    /// The first maximum's index along `axis` (`torch.argmax(x, dim, keepdim)`), as
    /// [`Tensor::try_argmax_axis`].
    pub fn try_argmax_axis(&self, axis: isize, keepdim: bool) -> Result<Vec<usize>> {
        argmax_axis(self.data(), self.shape(), axis, keepdim)
    }
    /// Panicking form of [`Var::try_argmax_axis`].
    #[track_caller]
    pub fn argmax_axis(&self, axis: isize, keepdim: bool) -> Vec<usize> {
        or_panic(self.try_argmax_axis(axis, keepdim))
    }
    /// The `k` largest values along `axis` and their indices, as [`Tensor::try_topk`]: a
    /// plain tensor, outside the graph.
    pub fn try_topk(&self, k: usize, axis: isize) -> Result<(Tensor, Vec<usize>)> {
        topk(self.data(), self.shape(), k, axis)
    }
    /// Panicking form of [`Var::try_topk`].
    #[track_caller]
    pub fn topk(&self, k: usize, axis: isize) -> (Tensor, Vec<usize>) {
        or_panic(self.try_topk(k, axis))
    }
}
