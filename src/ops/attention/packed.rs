//! Self-attention straight from a fused projection: `qkv [B, T, 3E]` (the queries, keys and
//! values of `H` heads side by side, as `MultiheadAttention`'s `in_proj` writes them) to the
//! heads' outputs side by side, `[B, T, E]`, ready for the output projection.
//!
//! It is `narrow` ×3, `reshape` + `permute(0, 2, 1, 3)` ×3, scaled dot-product attention and
//! the inverse permute, as one node: the [kernel](crate::kernels::attention) reads each head's
//! rows in place ([`Layout::interleaved`]) and writes its gradients into the projection's
//! gradient directly, so the seven copies (and their seven backward copies) are never made.
//! The values and gradients are those of the unfused ops bit for bit (the kernel does the
//! same arithmetic per head in either layout). The differentiable backward (`create_graph`)
//! is the unfused chain's.

use super::kernel_mask;
use crate::error::{Error, Result};
use crate::graph::{GradSink, Node, Rule, Sink, Var};
use crate::kernels::attention::{
    backward_in, forward_in, Dims as KDims, Grads, Inputs, Layout, Mask as KMask,
};
use crate::mask::Mask;
use crate::ops::attention_graph::attention_grad_vars;

#[derive(Clone, Copy)]
struct PackedAttention<'g> {
    dims: KDims,
    heads: usize,
    mask: KMask<'g>,
    scale: f32,
    lse: &'g [f32],
}

/// The projection's rows for `heads` heads of `E = heads · d` in all: `3E` floats each, the
/// `q`, `k`, `v` of every head.
fn layout(heads: usize, e: usize) -> Layout {
    Layout::interleaved(heads, [3 * e; 3])
}

/// `[B, T, E]` → `[B, H, T, E/H]`.
fn heads<'g>(x: Var<'g>, h: usize) -> Result<Var<'g>> {
    let (b, t, e) = (x.shape()[0], x.shape()[1], x.shape()[2]);
    x.try_reshape(&[b, t, h, e / h])?.try_permute(&[0, 2, 1, 3])
}

impl<'g> Rule<'g> for PackedAttention<'g> {
    fn name(&self) -> &'static str {
        "self_attention_packed"
    }
    fn backward_graph(
        &self,
        _node: &'g Node<'g>,
        g: Var<'g>,
        sink: &mut GradSink<'_, 'g>,
    ) -> Result<()> {
        // the unfused chain's backward, recorded
        let qkv = sink.input(0);
        let e = self.heads * self.dims.e;
        let part = |i: usize| heads(qkv.try_narrow(-1, i * e, e)?, self.heads);
        let qkv3 = [part(0)?, part(1)?, part(2)?];
        let (gh, needs) = (heads(g, self.heads)?, [sink.needs(0); 3]);
        let grads = attention_grad_vars(self.dims, self.mask, self.scale, qkv3, gh, needs)?;
        if let [Some(dq), Some(dk), Some(dv)] = grads {
            let (b, t) = (g.shape()[0], g.shape()[1]);
            let back = |x: Var<'g>| x.try_permute(&[0, 2, 1, 3])?.try_reshape(&[b, t, e]);
            sink.put(0, Var::try_concat(&[back(dq)?, back(dk)?, back(dv)?], -1)?)?;
        }
        Ok(())
    }
    fn backward(&self, node: &Node<'g>, g: &[f32], sink: &mut Sink<'_, 'g>) {
        let qkv = node.inputs[0].data();
        let e = self.heads * self.dims.e;
        let ins = Inputs {
            q: qkv,
            k: &qkv[e..],
            v: &qkv[2 * e..],
            out: node.data(),
            lse: self.lse,
            dout: g,
        };
        let lay = layout(self.heads, e);
        sink.with(0, |data, acc| {
            let grads = Grads::Packed {
                data,
                bases: [0, e, 2 * e],
            };
            backward_in(&ins, self.dims, lay, self.mask, self.scale, grads, [acc; 3])
        });
    }
}

impl<'g> Var<'g> {
    /// Self-attention of `heads` heads over a fused projection `self = [B, T, 3E]` (queries,
    /// keys and values side by side, each `E = heads · d` wide): the same values and gradients
    /// as splitting it into `q`, `k`, `v`, viewing each as `[B, heads, T, d]`, running
    /// [`scaled_dot_product_attention`](Var::try_scaled_dot_product_attention) and putting the
    /// heads back side by side, `[B, T, E]`, in one node that copies nothing.
    /// `MultiheadAttention` runs it for self-attention. `attn_mask` broadcasts to
    /// `[B, heads, T, T]`; `scale` defaults to `1/√d`.
    ///
    /// ```
    /// use arenagrad::prelude::*;
    /// Graph::new().run(|g| {
    ///     // one batch, two positions, one head of width 1: q = k = v = x
    ///     let qkv = g.leaf(Tensor::new(vec![1.0, 1.0, 1.0, 2.0, 2.0, 2.0], &[1, 2, 3])?);
    ///     let y = qkv.try_self_attention_packed(1, None, true, None)?;
    ///     // causal: the first position sees only itself
    ///     assert_eq!(y.to_vec()[0], 1.0);
    ///     y.sum().backward()?;
    ///     assert_eq!(qkv.grad().unwrap().shape(), &[1, 2, 3]);
    ///     Ok(())
    /// }).unwrap();
    /// ```
    pub fn try_self_attention_packed(
        self,
        heads: usize,
        attn_mask: Option<&Mask>,
        is_causal: bool,
        scale: Option<f32>,
    ) -> Result<Var<'g>> {
        let op = "self_attention_packed";
        let (b, t, e3) = match *self.shape() {
            [b, t, e3] => (b, t, e3),
            _ => {
                return Err(Error::InvalidArgument {
                    op,
                    message: format!(
                        "expected a [batch, time, 3·embed] projection, got shape {:?}",
                        self.shape()
                    ),
                })
            }
        };
        if heads == 0 || e3 % (3 * heads) != 0 {
            return Err(Error::InvalidArgument {
                op,
                message: format!(
                    "the last dimension of {:?} must be 3 · heads · head width, with {heads} \
                     heads; pass a projection whose width is a multiple of {}",
                    self.shape(),
                    3 * heads.max(1)
                ),
            });
        }
        let (e, d) = (e3 / 3, e3 / 3 / heads);
        let batch = [b, heads];
        let mask = kernel_mask(
            (op, "self_attention_packed mask"),
            self,
            attn_mask,
            is_causal,
            &batch,
            (t, t),
        )?;
        let scale = scale.unwrap_or(1.0 / (d as f32).sqrt());
        let dims = KDims {
            pairs: b * heads,
            l: t,
            s: t,
            e: d,
            ev: d,
        };
        let scope = self.scope();
        let out = scope.alloc_out(b * t * e);
        let lse = scope.alloc_out(b * heads * t);
        let x = self.data();
        let lay = layout(heads, e);
        // l = s = t: an empty call (t = 0 or d = 0) writes nothing and has nothing to write
        forward_in(x, &x[e..], &x[2 * e..], dims, lay, mask, scale, out, lse);
        let rule = PackedAttention {
            dims,
            heads,
            mask,
            scale,
            lse,
        };
        Ok(scope.op(&[self], &[b, t, e], out, rule))
    }
}

#[cfg(test)]
#[path = "packed_tests.rs"]
mod tests;
