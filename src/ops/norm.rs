//! Layer norm over the last dimension (`F.layer_norm(x, [D], weight, bias, eps)`).
//!
//! Per row of `D` elements: `μ = mean x`, `σ² = mean (x − μ)²` (biased), `rstd = 1/√(σ² + ε)`,
//! `x̂ = (x − μ) · rstd`, `y = x̂ · w + b` (w = 1, b = 0 when absent). Backward, PyTorch's
//! formulas with `ĝ = g · w`:
//!
//! - `dx = rstd · (ĝ − mean(ĝ) − x̂ · mean(ĝ · x̂))` per row,
//! - `dw = Σ_rows g · x̂`, `db = Σ_rows g`.
//!
//! The differentiable form (`backward_graph`) is the same in ops ([`norm_forms`](super::norm_forms)),
//! with `μ` and `rstd` recomputed from `x` so that second derivatives see their dependence on
//! it.
//!
//! Saved: the per-row `μ` and `rstd` (two arena slices of `rows` floats), from which `x̂` is
//! recomputed from the input rather than stored (`D` times smaller than saving `x̂`).

use super::norm_forms::{norm_dx, normalized};
use crate::error::{or_panic, Error, Result};
use crate::graph::{GradSink, Node, Rule, Sink, Var};
use crate::kernels::rowwise::{
    layer_norm, layer_norm_backward_b, layer_norm_backward_w, layer_norm_backward_x,
};

#[derive(Clone, Copy)]
struct LayerNormRule<'g> {
    d: usize,
    mean: &'g [f32],
    rstd: &'g [f32],
    eps: f32,
    /// Positions of weight and bias among the node's inputs (x is input 0).
    w: Option<usize>,
    b: Option<usize>,
}

impl<'g> Rule<'g> for LayerNormRule<'g> {
    fn name(&self) -> &'static str {
        "layer_norm"
    }
    fn backward_graph(
        &self,
        node: &'g Node<'g>,
        g: Var<'g>,
        sink: &mut GradSink<'_, 'g>,
    ) -> Result<()> {
        let x = sink.input(0);
        let rows = [x.numel() / self.d, self.d];
        let (x2, g2) = (x.try_reshape(&rows)?, g.try_reshape(&rows)?);
        let (xhat, rstd) = normalized(x2, self.eps, true)?;
        if sink.needs(0) {
            let gh = match self.w {
                Some(i) => g2.try_mul(sink.input(i))?,
                None => g2,
            };
            let dx = norm_dx(gh, xhat, rstd, true)?;
            sink.put(0, dx.try_reshape(node.shape)?)?;
        }
        if let Some(i) = self.w.filter(|&i| sink.needs(i)) {
            sink.put(i, g2.try_mul(xhat)?.try_sum_axis(0, false)?)?;
        }
        if let Some(i) = self.b.filter(|&i| sink.needs(i)) {
            sink.put(i, g2.try_sum_axis(0, false)?)?;
        }
        Ok(())
    }
    fn backward(&self, node: &Node<'g>, g: &[f32], sink: &mut Sink<'_, 'g>) {
        let (x, d, mean, rstd) = (node.inputs[0].data(), self.d, self.mean, self.rstd);
        let w = self.w.map(|i| node.inputs[i].data());
        sink.with(0, |out, acc| {
            layer_norm_backward_x(x, g, w, mean, rstd, d, out, acc)
        });
        if let Some(i) = self.w {
            sink.with(i, |out, acc| {
                layer_norm_backward_w(x, g, mean, rstd, d, out, acc)
            });
        }
        if let Some(i) = self.b {
            sink.with(i, |out, acc| layer_norm_backward_b(g, d, out, acc));
        }
    }
}

fn check_param(x: Var<'_>, p: Option<Var<'_>>, d: usize) -> Result<()> {
    match p {
        Some(p) if p.shape() != [d] => Err(Error::ShapeMismatch {
            op: "layer_norm",
            lhs: x.shape().to_vec(),
            rhs: p.shape().to_vec(),
        }),
        _ => Ok(()),
    }
}

impl<'g> Var<'g> {
    /// Layer norm over the last dimension `D`: `(x − mean) / √(var + eps) · weight + bias`
    /// with the biased variance. `weight` and `bias` must have shape `[D]`
    /// ([`Error::ShapeMismatch`] otherwise); a 0-d input is [`Error::BadAxis`] and `D = 0`
    /// is [`Error::Empty`].
    ///
    /// ```
    /// use arenagrad::prelude::*;
    /// Graph::new().run(|g| {
    ///     let x = g.input(Tensor::new(vec![1.0, 3.0], &[1, 2])?);
    ///     // mean 2, var 1: x̂ = [-1, 1]; eps = 0
    ///     assert_eq!(x.try_layer_norm(None, None, 0.0)?.to_vec(), vec![-1.0, 1.0]);
    ///     let w = g.input(Tensor::from_slice(&[1.0, 2.0, 3.0]));
    ///     assert!(x.try_layer_norm(Some(w), None, 1e-5).is_err());
    ///     Ok(())
    /// }).unwrap();
    /// ```
    pub fn try_layer_norm(
        self,
        weight: Option<Var<'g>>,
        bias: Option<Var<'g>>,
        eps: f32,
    ) -> Result<Var<'g>> {
        let Some(&d) = self.shape().last() else {
            return Err(Error::BadAxis {
                op: "layer_norm",
                axis: -1,
                shape: Vec::new(),
            });
        };
        if d == 0 {
            return Err(Error::Empty {
                op: "layer_norm",
                shape: self.shape().to_vec(),
            });
        }
        check_param(self, weight, d)?;
        check_param(self, bias, d)?;
        let scope = self.scope();
        let rows = self.numel() / d;
        // the kernel writes every row's output, mean and rstd
        let (out, mean, rstd) = (
            scope.alloc_out(self.numel()),
            scope.alloc_out(rows),
            scope.alloc_out(rows),
        );
        let (wd, bd) = (weight.map(|w| w.data()), bias.map(|b| b.data()));
        layer_norm(self.data(), d, wd, bd, eps, out, mean, rstd);
        let mut inputs = [self; 3];
        let mut n = 1;
        let mut slot = |v: Option<Var<'g>>| {
            v.map(|v| {
                inputs[n] = v;
                n += 1;
                n - 1
            })
        };
        let (w, b) = (slot(weight), slot(bias));
        let rule = LayerNormRule {
            d,
            mean,
            rstd,
            eps,
            w,
            b,
        };
        Ok(scope.op(&inputs[..n], self.shape(), out, rule))
    }

    /// Panicking form of [`Var::try_layer_norm`].
    ///
    /// ```
    /// use arenagrad::prelude::*;
    /// Graph::new().run(|g| {
    ///     let x = g.leaf(Tensor::from_slice(&[1.0, 3.0]));
    ///     let w = g.leaf(Tensor::from_slice(&[2.0, 3.0]));
    ///     let b = g.leaf(Tensor::from_slice(&[0.5, -0.5]));
    ///     let y = x.layer_norm(Some(w), Some(b), 0.0);  // x̂ w + b = [-1.5, 2.5]
    ///     assert_eq!(y.to_vec(), vec![-1.5, 2.5]);
    ///     y.sum().backward()?;
    ///     assert_eq!(w.grad().unwrap().to_vec(), vec![-1.0, 1.0]);   // Σ g x̂
    ///     assert_eq!(b.grad().unwrap().to_vec(), vec![1.0, 1.0]);    // Σ g
    ///     Ok(())
    /// }).unwrap();
    /// ```
    #[track_caller]
    pub fn layer_norm(self, weight: Option<Var<'g>>, bias: Option<Var<'g>>, eps: f32) -> Var<'g> {
        or_panic(self.try_layer_norm(weight, bias, eps))
    }
}

#[cfg(test)]
mod tests;
