//! `MultiheadAttention`: PyTorch's `nn.MultiheadAttention(embed_dim, num_heads,
//! batch_first=True)` without dropout.
//!
//! `y = concat_h(attention(x_q W_qʰ, x_k W_kʰ, x_v W_vʰ)) W_oᵀ + b_o`: the three input
//! projections are the row blocks of one `[3E, E]` matrix, registered as
//! `"{name}.in_proj_weight"` (Xavier-uniform, as PyTorch) with `"{name}.in_proj_bias"`
//! (zeros), and the output projection is a [`Linear`] named `"{name}.out_proj"` with a zero
//! bias: PyTorch's state_dict keys and initialisation. Inputs are `[B, T, E]` (batch first).
//!
//! For self-attention (`query`, `key` and `value` the same var) the three projections are one
//! product with the whole `[3E, E]` matrix, and the heads read its `[B, T, 3E]` result in
//! place ([`self_attention_packed`](crate::Var::try_self_attention_packed)): no cut into `q`,
//! `k` and `v`, no head permutes. Otherwise each projection is its own product and each head
//! a `[B, H, T, E/H]` view for the fused
//! [`scaled_dot_product_attention`](crate::Var::scaled_dot_product_attention).

use super::{key, Linear};
use crate::error::{Error, Result};
use crate::graph::{Scope, Var};
use crate::mask::Mask;
use crate::params::{Param, ParamStore};
use crate::rng::Rng;
use crate::tensor::Tensor;

/// Multi-head attention with PyTorch's parameter names (see the module doc).
///
/// ```
/// use arenagrad::prelude::*;
/// use arenagrad::nn::MultiheadAttention;
/// let mut params = ParamStore::new();
/// let attn = MultiheadAttention::new(&mut params, "attn", 8, 2, &mut Rng::seed(0))?;
/// assert!(params.get("attn.in_proj_weight").is_some());
/// assert!(params.get("attn.out_proj.bias").is_some());
/// Graph::new().run_with(&mut params, |g| {
///     let x = g.input(Tensor::ones(&[3, 5, 8])?);
///     let y = attn.self_attention(g, x, None, true)?;   // causal self-attention
///     assert_eq!(y.shape(), &[3, 5, 8]);
///     Ok(())
/// })?;
/// # Ok::<(), arenagrad::Error>(())
/// ```
#[derive(Clone, Copy, Debug)]
pub struct MultiheadAttention {
    /// `[3E, E]`: the query, key and value projections, stacked.
    pub in_proj_weight: Param,
    /// `[3E]`.
    pub in_proj_bias: Param,
    /// The output projection `[E, E]` with bias.
    pub out_proj: Linear,
    /// `E`.
    pub embed_dim: usize,
    /// `H`; `E / H` is each head's width.
    pub num_heads: usize,
}

impl MultiheadAttention {
    /// Registers `"{name}.in_proj_weight"`, `"{name}.in_proj_bias"` and `"{name}.out_proj"`'s
    /// weight and bias. `embed_dim` must be a positive multiple of `num_heads`.
    pub fn new(
        params: &mut ParamStore,
        name: &str,
        embed_dim: usize,
        num_heads: usize,
        rng: &mut Rng,
    ) -> Result<MultiheadAttention> {
        if embed_dim == 0 || num_heads == 0 || !embed_dim.is_multiple_of(num_heads) {
            return Err(Error::InvalidArgument {
                op: "MultiheadAttention::new",
                message: format!(
                    "embed_dim ({embed_dim}) must be a positive multiple of num_heads \
                     ({num_heads}) (layer {name:?})"
                ),
            });
        }
        // xavier_uniform_ on [3E, E]: bound = sqrt(6 / (fan_in + fan_out))
        let bound = (6.0 / (4 * embed_dim) as f32).sqrt();
        let w = rng.uniform_tensor(&[3 * embed_dim, embed_dim], -bound, bound);
        let in_proj_weight = params.add(&key(name, "in_proj_weight"), w)?;
        let in_proj_bias =
            params.add(&key(name, "in_proj_bias"), Tensor::zeros(&[3 * embed_dim])?)?;
        let out_proj = Linear::new(params, &key(name, "out_proj"), embed_dim, embed_dim, rng)?;
        if let Some(b) = out_proj.bias {
            params.data_mut(b).fill(0.0);
        }
        Ok(MultiheadAttention {
            in_proj_weight,
            in_proj_bias,
            out_proj,
            embed_dim,
            num_heads,
        })
    }

    /// `[B, T, E]` → `[B, H, T, E/H]`.
    fn heads<'g>(&self, x: Var<'g>) -> Result<Var<'g>> {
        let (b, t) = self.batch_time(x)?;
        let h = self.num_heads;
        x.try_reshape(&[b, t, h, self.embed_dim / h])?
            .try_permute(&[0, 2, 1, 3])
    }

    fn batch_time(&self, x: Var<'_>) -> Result<(usize, usize)> {
        match *x.shape() {
            [b, t, e] if e == self.embed_dim => Ok((b, t)),
            _ => Err(Error::ShapeMismatch {
                op: "MultiheadAttention",
                lhs: x.shape().to_vec(),
                rhs: vec![self.embed_dim],
            }),
        }
    }

    /// Attention of `query` `[B, L, E]` over `key` and `value` `[B, S, E]`:
    /// `attn(query, key, value, attn_mask=mask, is_causal=...)[0]` of PyTorch's module.
    /// `mask` (`true` = may attend) broadcasts to `[B, H, L, S]`.
    pub fn forward<'g>(
        &self,
        g: &'g Scope<'g>,
        query: Var<'g>,
        key: Var<'g>,
        value: Var<'g>,
        mask: Option<&Mask>,
        is_causal: bool,
    ) -> Result<Var<'g>> {
        let e = self.embed_dim;
        let (w, b) = (
            g.try_param(self.in_proj_weight)?,
            g.try_param(self.in_proj_bias)?,
        );
        let same = |a: Var<'g>, b: Var<'g>| std::ptr::eq(a.node(), b.node());
        if same(query, key) && same(key, value) {
            // self-attention: the heads read the fused projection in place
            self.batch_time(query)?;
            let qkv = query.try_linear(w, Some(b))?;
            let y = qkv.try_self_attention_packed(self.num_heads, mask, is_causal, None)?;
            return self.out_proj.forward(g, y);
        }
        let (q, k, v) = {
            let proj = |x: Var<'g>, i: usize| -> Result<Var<'g>> {
                x.try_linear(w.try_narrow(0, i * e, e)?, Some(b.try_narrow(0, i * e, e)?))
            };
            (proj(query, 0)?, proj(key, 1)?, proj(value, 2)?)
        };
        let (bq, l) = self.batch_time(q)?;
        let y = self.heads(q)?.try_scaled_dot_product_attention(
            self.heads(k)?,
            self.heads(v)?,
            mask,
            is_causal,
            None,
        )?;
        let y = y.try_permute(&[0, 2, 1, 3])?.try_reshape(&[bq, l, e])?;
        self.out_proj.forward(g, y)
    }

    /// Self-attention: [`forward`](Self::forward) with `x` as query, key and value (the
    /// three projections in one product).
    pub fn self_attention<'g>(
        &self,
        g: &'g Scope<'g>,
        x: Var<'g>,
        mask: Option<&Mask>,
        is_causal: bool,
    ) -> Result<Var<'g>> {
        self.forward(g, x, x, x, mask, is_causal)
    }
}
