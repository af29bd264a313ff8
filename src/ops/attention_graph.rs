//! The differentiable backward form of scaled dot-product attention (`Rule::backward_graph`).
//!
//! The fused op never materialises the probabilities; this form does, with ops, so that the
//! gradients it records can be differentiated again. Per (batch, head) pair, with `B` the
//! constant bias (0 where query `i` may attend to key `j`, −∞ where the mask forbids it) and
//! `r` the constant row mask (0 for a query that may attend to no key, whose bias row is set
//! to 0 so that nothing is `−∞ − (−∞)`):
//!
//! ```text
//! P  = softmax(scale · Q·Kᵀ + B) · r        (fully masked rows: 0, as the fused op)
//! dV = Pᵀ · dO
//! dP = dO · Vᵀ
//! dS = P · (dP − Σ_j dP·P)                 (softmax's backward, row-wise)
//! dQ = scale · dS · K,    dK = scale · dSᵀ · Q
//! ```
//!
//! `P` is computed from `Q` and `K` with recorded ops, so a second derivative sees its
//! dependence on them. A fully masked row has `P = 0`, hence zero output and zero gradient.

use crate::error::Result;
use crate::graph::{GradSink, Var};
use crate::kernels::attention::{Dims, Mask};

/// Whether query `i` of pair `p` may attend to key `j`.
fn allowed(mask: &Mask<'_>, p: usize, i: usize, j: usize) -> bool {
    match *mask {
        Mask::None => true,
        Mask::Causal => j <= i,
        Mask::Bool {
            data,
            offsets,
            row,
            col,
        } => data[offsets[p] + i * row + j * col],
    }
}

/// Puts `dQ`, `dK`, `dV` for the output gradient `g` (`[..., L, Ev]`).
pub(crate) fn attention_grads<'g>(
    d: Dims,
    mask: Mask<'g>,
    scale: f32,
    g: Var<'g>,
    sink: &mut GradSink<'_, 'g>,
) -> Result<()> {
    let qkv = [0, 1, 2].map(|i| sink.input(i));
    let needs = [0, 1, 2].map(|i| sink.needs(i));
    let grads = attention_grad_vars(d, mask, scale, qkv, g, needs)?;
    for (i, grad) in grads.into_iter().enumerate() {
        if let Some(grad) = grad {
            sink.put(i, grad)?;
        }
    }
    Ok(())
}

/// `[dQ, dK, dV]` (recorded, differentiable) of attention over `[q, k, v]` (`[..., L, E]`,
/// `[..., S, E]`, `[..., S, Ev]`) for the output gradient `g`; `None` where `needs` says no.
pub(crate) fn attention_grad_vars<'g>(
    d: Dims,
    mask: Mask<'g>,
    scale: f32,
    [q, k, v]: [Var<'g>; 3],
    g: Var<'g>,
    needs: [bool; 3],
) -> Result<[Option<Var<'g>>; 3]> {
    let scope = q.scope();
    let mut out = [None; 3];
    if d.s == 0 {
        // no key: every row is fully masked, nothing passes
        for (i, x) in [q, k, v].into_iter().enumerate() {
            if needs[i] {
                out[i] = Some(scope.full_const(x.shape(), 0.0));
            }
        }
        return Ok(out);
    }
    let (l, s) = (d.l, d.s);
    // rows (pair, query) with at least one allowed key
    let open: Vec<bool> = (0..d.pairs * l)
        .map(|r| (0..s).any(|j| allowed(&mask, r / l, r % l, j)))
        .collect();
    let mut score_shape = q.shape().to_vec();
    *score_shape.last_mut().expect("rank >= 2") = s;
    let scores = q.try_matmul(k.try_transpose(-1, -2)?)? * scale;
    let logits = if matches!(mask, Mask::None) {
        scores
    } else {
        let bias = scope.const_from_fn(&score_shape, |idx| {
            let (r, j) = (idx / s, idx % s);
            if !open[r] || allowed(&mask, r / l, r % l, j) {
                0.0
            } else {
                f32::NEG_INFINITY
            }
        });
        scores.try_add(bias)?
    };
    let mut p = logits.try_softmax(-1)?;
    if open.iter().any(|&o| !o) {
        let mut row_shape = score_shape.clone();
        *row_shape.last_mut().expect("rank >= 2") = 1;
        p = p.try_mul(scope.const_from_fn(&row_shape, |r| f32::from(open[r])))?;
    }
    if needs[2] {
        out[2] = Some(p.try_transpose(-1, -2)?.try_matmul(g)?);
    }
    if !needs[0] && !needs[1] {
        return Ok(out);
    }
    let dp = g.try_matmul(v.try_transpose(-1, -2)?)?;
    let ds = p.try_mul(dp.try_sub(dp.try_mul(p)?.try_sum_axis(-1, true)?)?)? * scale;
    if needs[0] {
        out[0] = Some(ds.try_matmul(k)?);
    }
    if needs[1] {
        out[1] = Some(ds.try_transpose(-1, -2)?.try_matmul(q)?);
    }
    Ok(out)
}
