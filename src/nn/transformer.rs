//! `TransformerBlock`: the pre-norm block of GPT-style models,
//! `x + attn(norm1(x))` then `x + linear2(gelu(linear1(norm2(x))))`.
//!
//! It is PyTorch's `nn.TransformerEncoderLayer(d_model, nhead, dim_feedforward, dropout=0,
//! activation="gelu", batch_first=True, norm_first=True)` called with a causal mask, with the
//! same parameter names (`self_attn.in_proj_weight`, `linear1.weight`, `norm1.bias`, ...) and
//! initialisation, so a state_dict moves between the two. GELU is the exact (erf) form;
//! layer norms use eps = 1e-5.

use super::{key, LayerNorm, Linear, Module, MultiheadAttention};
use crate::error::Result;
use crate::graph::{Scope, Var};
use crate::mask::Mask;
use crate::params::ParamStore;
use crate::rng::Rng;

/// A pre-norm transformer block (see the module doc); as a [`Module`] it is causal.
///
/// ```
/// use arenagrad::prelude::*;
/// use arenagrad::nn::TransformerBlock;
/// let mut params = ParamStore::new();
/// let block = TransformerBlock::new(&mut params, "blocks.0", 16, 4, 64, &mut Rng::seed(0))?;
/// assert!(params.get("blocks.0.self_attn.out_proj.weight").is_some());
/// assert!(params.get("blocks.0.linear2.bias").is_some());
/// Graph::new().run_with(&mut params, |g| {
///     let x = g.input(Tensor::ones(&[2, 7, 16])?);
///     assert_eq!(block.forward(g, x)?.shape(), &[2, 7, 16]);
///     Ok(())
/// })?;
/// # Ok::<(), arenagrad::Error>(())
/// ```
#[derive(Clone, Copy, Debug)]
pub struct TransformerBlock {
    /// Layer norm before attention.
    pub norm1: LayerNorm,
    /// Causal self-attention.
    pub self_attn: MultiheadAttention,
    /// Layer norm before the feed-forward part.
    pub norm2: LayerNorm,
    /// `d_model → dim_feedforward`.
    pub linear1: Linear,
    /// `dim_feedforward → d_model`.
    pub linear2: Linear,
}

impl TransformerBlock {
    /// Registers the block's parameters under `name` (in PyTorch's order: attention, the two
    /// linear layers, the two norms).
    pub fn new(
        params: &mut ParamStore,
        name: &str,
        d_model: usize,
        nhead: usize,
        dim_feedforward: usize,
        rng: &mut Rng,
    ) -> Result<TransformerBlock> {
        let self_attn =
            MultiheadAttention::new(params, &key(name, "self_attn"), d_model, nhead, rng)?;
        let linear1 = Linear::new(params, &key(name, "linear1"), d_model, dim_feedforward, rng)?;
        let linear2 = Linear::new(params, &key(name, "linear2"), dim_feedforward, d_model, rng)?;
        let norm1 = LayerNorm::new(params, &key(name, "norm1"), d_model, 1e-5)?;
        let norm2 = LayerNorm::new(params, &key(name, "norm2"), d_model, 1e-5)?;
        Ok(TransformerBlock {
            norm1,
            self_attn,
            norm2,
            linear1,
            linear2,
        })
    }

    /// The block on `x` `[B, T, d_model]` with a mask of its own or the causal one.
    pub fn forward_masked<'g>(
        &self,
        g: &'g Scope<'g>,
        x: Var<'g>,
        mask: Option<&Mask>,
        is_causal: bool,
    ) -> Result<Var<'g>> {
        let h = self.norm1.forward(g, x)?;
        let x = x.try_add(self.self_attn.self_attention(g, h, mask, is_causal)?)?;
        let h = self.linear1.forward(g, self.norm2.forward(g, x)?)?.gelu();
        x.try_add(self.linear2.forward(g, h)?)
    }
}

impl Module for TransformerBlock {
    /// The causal block.
    fn forward<'g>(&self, g: &'g Scope<'g>, x: Var<'g>) -> Result<Var<'g>> {
        self.forward_masked(g, x, None, true)
    }
}
