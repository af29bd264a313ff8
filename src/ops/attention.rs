//! Scaled dot-product attention as one op (`F.scaled_dot_product_attention`).
//!
//! `softmax(scale · Q·Kᵀ + M) · V` over the last two dimensions of `q [..., L, E]`,
//! `k [..., S, E]` and `v [..., S, Ev]`, every leading (batch, head) dimension equal, with `M`
//! 0 where a query may attend and −∞ where the causal or boolean mask forbids it. The
//! [kernel](crate::kernels::attention) computes forward and backward tile by tile with the
//! online softmax; the node saves only the per-row log-sum-exp (`L` floats per pair), never
//! the `[L, S]` probabilities, so the arena grows linearly in the sequence length.
//!
//! The differentiable form (`backward_graph`, for create_graph and `grad`) materialises the
//! probabilities with ops instead: see [`attention_graph`](super::attention_graph).
//!
//! A query row whose mask allows no key gets the output 0 and passes no gradient: what
//! PyTorch 2.15's CPU kernel returns for it (its math fallback would give NaN).

use super::attention_graph::attention_grads;
use crate::error::{or_panic, Error, Result};
use crate::graph::{GradSink, Node, Rule, Sink, Var};
use crate::kernels::attention::{backward, forward, Dims as KDims, Mask as KMask};
use crate::kernels::Acc;
use crate::mask::Mask;
use crate::shape::Dims;

#[derive(Clone, Copy)]
struct Attention<'g> {
    dims: KDims,
    /// The mask, its boolean data copied into the arena.
    mask: KMask<'g>,
    scale: f32,
    lse: &'g [f32],
}

impl<'g> Rule<'g> for Attention<'g> {
    fn name(&self) -> &'static str {
        "scaled_dot_product_attention"
    }
    fn backward_graph(
        &self,
        _node: &'g Node<'g>,
        g: Var<'g>,
        sink: &mut GradSink<'_, 'g>,
    ) -> Result<()> {
        attention_grads(self.dims, self.mask, self.scale, g, sink)
    }
    fn backward(&self, node: &Node<'g>, g: &[f32], sink: &mut Sink<'_, 'g>) {
        let [q, k, v] = [0, 1, 2].map(|i| node.inputs[i].data());
        let (mask, d, scale, lse, y) = (self.mask, self.dims, self.scale, self.lse, node.data());
        if sink.nestable(3) {
            // straight into the three gradient buffers
            return sink.with(0, |dq, aq| {
                sink.with(1, |dk, ak| {
                    sink.with(2, |dv, av| {
                        backward(q, k, v, y, lse, g, d, mask, scale, dq, dk, dv, [aq, ak, av])
                    })
                })
            });
        }
        // an input without a gradient, or one var passed twice: through zeroed scratch
        let [dq, dk, dv] = [q.len(), k.len(), v.len()].map(|n| sink.scratch(n));
        backward(
            q,
            k,
            v,
            y,
            lse,
            g,
            d,
            mask,
            scale,
            dq,
            dk,
            dv,
            [Acc::Add; 3],
        );
        for (i, buf) in [dq, dk, dv].into_iter().enumerate() {
            sink.put(i, buf);
            sink.recycle(buf);
        }
    }
}

fn mismatch(q: Var<'_>, other: Var<'_>) -> Error {
    Error::ShapeMismatch {
        op: "scaled_dot_product_attention",
        lhs: q.shape().to_vec(),
        rhs: other.shape().to_vec(),
    }
}

/// The kernel's mask for an op's `attn_mask` and `is_causal` (`op`: the op's name, and the
/// name its mask errors carry): both at once is an error, as in PyTorch.
fn kernel_mask<'g>(
    (op, mask_op): (&'static str, &'static str),
    q: Var<'g>,
    attn_mask: Option<&Mask>,
    is_causal: bool,
    batch: &[usize],
    ls: (usize, usize),
) -> Result<KMask<'g>> {
    Ok(match (attn_mask, is_causal) {
        (Some(_), true) => {
            return Err(Error::InvalidArgument {
                op,
                message: "pass either attn_mask or is_causal=true, not both (fold the causal \
                          triangle into the mask with Mask::tril)"
                    .into(),
            })
        }
        (Some(m), false) => broadcast_mask(mask_op, q, m, batch, ls)?,
        (None, true) => KMask::Causal,
        (None, false) => KMask::None,
    })
}

/// The mask's offsets per pair and its row and column strides, broadcasting `shape` to
/// `[*batch, L, S]`.
fn broadcast_mask<'g>(
    op: &'static str,
    q: Var<'g>,
    mask: &Mask,
    batch: &[usize],
    (l, s): (usize, usize),
) -> Result<KMask<'g>> {
    let rank = batch.len() + 2;
    let mut target = Dims::zeros(rank); // [*batch, L, S], inline like `strides`
    target[..rank - 2].copy_from_slice(batch);
    target[rank - 2..].copy_from_slice(&[l, s]);
    let ms = mask.shape();
    let fits = ms.len() <= rank
        && (ms.iter().rev().zip(target.iter().rev())).all(|(&m, &t)| m == t || m == 1);
    if !fits {
        return Err(Error::ShapeMismatch {
            op,
            lhs: ms.to_vec(),
            rhs: target.to_vec(),
        });
    }
    // strides of the mask seen with the target's rank, 0 along broadcast dimensions
    let mut strides = Dims::zeros(rank);
    let mut step = 1;
    for (i, &m) in ms.iter().enumerate().rev() {
        let t = rank - ms.len() + i;
        strides[t] = if m == 1 { 0 } else { step };
        step *= m;
    }
    let pairs: usize = batch.iter().product();
    let scope = q.scope();
    let offsets = scope.alloc_fill(pairs, 0usize);
    for (p, off) in offsets.iter_mut().enumerate() {
        let mut rest = p;
        for (d, &n) in batch.iter().enumerate().rev() {
            *off += (rest % n) * strides[d];
            rest /= n;
        }
    }
    Ok(KMask::Bool {
        data: scope.alloc_copy(mask.data()),
        offsets,
        row: strides[rank - 2],
        col: strides[rank - 1],
    })
}

impl<'g> Var<'g> {
    /// `softmax(scale · q·kᵀ + mask) · v` over the last two dimensions, as one fused op
    /// (`F.scaled_dot_product_attention(q, k, v, attn_mask, is_causal=..., scale=...)`).
    ///
    /// `self` is `q [..., L, E]`, `k` is `[..., S, E]`, `v` is `[..., S, Ev]`, with the same
    /// leading dimensions (usually `[batch, heads]`); the result is `[..., L, Ev]`.
    /// `attn_mask` (`true` = may attend) broadcasts to `[..., L, S]`; `is_causal` lets query
    /// `i` attend to keys `j ≤ i`. `scale` defaults to `1/√E`. A query that may attend to no
    /// key gets zeros and no gradient (PyTorch's CPU kernel). Errors: mismatched ranks,
    /// batch dimensions, head widths or key counts, a mask that does not broadcast
    /// ([`Error::ShapeMismatch`]), or both a mask and `is_causal`
    /// ([`Error::InvalidArgument`], as PyTorch).
    ///
    /// ```
    /// use arenagrad::prelude::*;
    /// Graph::new().run(|g| {
    ///     let q = g.leaf(Tensor::new(vec![1.0, 0.0, 0.0, 1.0], &[1, 2, 2])?);
    ///     let v = g.leaf(Tensor::new(vec![1.0, 2.0, 3.0, 4.0], &[1, 2, 2])?);
    ///     // causal: the first query sees only the first key, so its output is v[0]
    ///     let y = q.try_scaled_dot_product_attention(q, v, None, true, None)?;
    ///     assert_eq!(&y.to_vec()[..2], &[1.0, 2.0]);
    ///     y.sum().backward()?;
    ///     assert!(v.grad().is_some());
    ///     Ok(())
    /// }).unwrap();
    /// ```
    pub fn try_scaled_dot_product_attention(
        self,
        k: Var<'g>,
        v: Var<'g>,
        attn_mask: Option<&Mask>,
        is_causal: bool,
        scale: Option<f32>,
    ) -> Result<Var<'g>> {
        let (qs, ks, vs) = (self.shape(), k.shape(), v.shape());
        let r = qs.len();
        if r < 2 || ks.len() != r || vs.len() != r {
            return Err(mismatch(self, if ks.len() != r { k } else { v }));
        }
        let batch = &qs[..r - 2];
        if &ks[..r - 2] != batch || ks[r - 1] != qs[r - 1] {
            return Err(mismatch(self, k));
        }
        if &vs[..r - 2] != batch || vs[r - 2] != ks[r - 2] {
            return Err(mismatch(k, v));
        }
        let (l, e, s, ev) = (qs[r - 2], qs[r - 1], ks[r - 2], vs[r - 1]);
        let op = (
            "scaled_dot_product_attention",
            "scaled_dot_product_attention mask",
        );
        let mask = kernel_mask(op, self, attn_mask, is_causal, batch, (l, s))?;
        let scale = scale.unwrap_or(1.0 / (e as f32).sqrt());
        let pairs: usize = batch.iter().product();
        let dims = KDims { pairs, l, s, e, ev };
        let scope = self.scope();
        let mut shape = Dims::from_slice(qs); // [..., L, Ev]: inline, no heap allocation
        shape[r - 1] = ev;
        let out = scope.alloc_out(pairs * l * ev);
        let lse = scope.alloc_out(pairs * l);
        if s == 0 {
            out.fill(0.0); // no key at all: every row is fully masked
            lse.fill(f32::INFINITY);
        } else {
            forward(self.data(), k.data(), v.data(), dims, mask, scale, out, lse);
        }
        let rule = Attention {
            dims,
            mask,
            scale,
            lse,
        };
        Ok(scope.op(&[self, k, v], &shape, out, rule))
    }

    /// Panicking form of [`Var::try_scaled_dot_product_attention`].
    #[track_caller]
    pub fn scaled_dot_product_attention(
        self,
        k: Var<'g>,
        v: Var<'g>,
        attn_mask: Option<&Mask>,
        is_causal: bool,
        scale: Option<f32>,
    ) -> Var<'g> {
        or_panic(self.try_scaled_dot_product_attention(k, v, attn_mask, is_causal, scale))
    }
}

mod packed;

#[cfg(test)]
mod tests;
