//! `Embedding`: a lookup table, `y[i…, :] = W[ids[i…], :]` for `W` of shape
//! `[num_embeddings, embedding_dim]`, PyTorch's `nn.Embedding`.
//!
//! Backward scatters the output gradient into the rows of `W` that were looked up, adding
//! where an id repeats (`dW[v] = Σ_{i: ids[i] = v} dy[i]`); rows never looked up get zero.
//! The weight is registered as `"{name}.weight"` and initialised `N(0, 1)` as PyTorch does.
//! Ids index the table directly (an id `>= num_embeddings` is an error naming it); PyTorch's
//! `padding_idx` and `max_norm` options are not provided.

use super::key;
use crate::error::Result;
use crate::graph::{Scope, Var};
use crate::params::{Param, ParamStore};
use crate::rng::Rng;

/// A table of `num_embeddings` vectors of size `embedding_dim`.
///
/// ```
/// use arenagrad::prelude::*;
/// use arenagrad::nn::Embedding;
/// let mut params = ParamStore::new();
/// let emb = Embedding::new(&mut params, "tok", 10, 3, &mut Rng::seed(0))?;
/// assert_eq!(params.shape(emb.weight), &[10, 3]);
/// Graph::new().run_with(&mut params, |g| {
///     let y = emb.forward(g, &[4, 1, 4], &[3])?;     // a sequence of three ids
///     assert_eq!(y.shape(), &[3, 3]);
///     y.sum().backward()
/// })?;
/// let grad = params.grad(emb.weight);
/// assert_eq!((&grad[3..6], &grad[12..15]), (&[1.0; 3][..], &[2.0; 3][..]));  // id 4 twice
/// # Ok::<(), arenagrad::Error>(())
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Embedding {
    /// `[num_embeddings, embedding_dim]`.
    pub weight: Param,
    /// Number of rows (ids `0..num_embeddings`).
    pub num_embeddings: usize,
    /// Size of each vector.
    pub embedding_dim: usize,
}

impl Embedding {
    /// A table registered in `params` as `"{name}.weight"` (`"weight"` for an empty name),
    /// drawn from `N(0, 1)` by `rng`.
    pub fn new(
        params: &mut ParamStore,
        name: &str,
        num_embeddings: usize,
        embedding_dim: usize,
        rng: &mut Rng,
    ) -> Result<Embedding> {
        let w = rng.normal_tensor(&[num_embeddings, embedding_dim], 0.0, 1.0);
        let weight = params.add(&key(name, "weight"), w)?;
        Ok(Embedding {
            weight,
            num_embeddings,
            embedding_dim,
        })
    }

    /// The vectors of `ids` (row-major, of shape `ids_shape`): shape `ids_shape + [dim]`.
    /// `ids` whose length is not the product of `ids_shape`, or an id out of range, is an
    /// error.
    pub fn forward<'g>(
        &self,
        g: &'g Scope<'g>,
        ids: &[usize],
        ids_shape: &[usize],
    ) -> Result<Var<'g>> {
        g.try_param(self.weight)?.try_embedding(ids, ids_shape)
    }
}

#[cfg(test)]
mod tests;
