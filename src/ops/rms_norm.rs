//! RMS norm over the trailing dims (`F.rms_norm(x, normalized_shape, weight, eps)`).
//!
//! Per row of the `D = Π normalized_shape` trailing elements: `rstd = 1/√(mean(x²) + ε)`,
//! `x̂ = x · rstd`, `y = x̂ · w` (w = 1 when absent). Backward with `ĝ = g · w`:
//!
//! - `dx = rstd · (ĝ − x̂ · mean(ĝ · x̂))` per row,
//! - `dw = Σ_rows g · x̂`.
//!
//! The differentiable form (`backward_graph`) is the same in ops ([`norm_forms`](super::norm_forms)),
//! with `rstd` recomputed from `x` so that second derivatives see its dependence on it.
//!
//! `ε` defaults to PyTorch's `torch.finfo(float32).eps` (`f32::EPSILON`, 1.19e-7) when `None`.
//! Saved: the per-row `rstd` (one arena slice of `rows` floats); `x̂` is recomputed from the
//! input. The loops are [`kernels::rowwise::rms_norm`](crate::kernels::rowwise::rms_norm).

use super::norm_forms::{norm_dx, normalized};
use crate::error::{or_panic, Error, Result};
use crate::graph::{GradSink, Node, Rule, Sink, Var};
use crate::kernels::rowwise::{rms_norm, rms_norm_backward_w, rms_norm_backward_x};

#[derive(Clone, Copy)]
struct RmsNormRule<'g> {
    d: usize,
    rstd: &'g [f32],
    eps: f32,
    has_weight: bool,
}

impl<'g> Rule<'g> for RmsNormRule<'g> {
    fn name(&self) -> &'static str {
        "rms_norm"
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
        let (xhat, rstd) = normalized(x2, self.eps, false)?;
        let w = self.has_weight.then(|| sink.input(1));
        if sink.needs(0) {
            let gh = match w {
                Some(w) => g2.try_mul(w.try_reshape(&[self.d])?)?,
                None => g2,
            };
            let dx = norm_dx(gh, xhat, rstd, false)?;
            sink.put(0, dx.try_reshape(node.shape)?)?;
        }
        if let Some(w) = w.filter(|_| sink.needs(1)) {
            let dw = g2.try_mul(xhat)?.try_sum_axis(0, false)?;
            sink.put(1, dw.try_reshape(w.shape())?)?;
        }
        Ok(())
    }
    fn backward(&self, node: &Node<'g>, g: &[f32], sink: &mut Sink<'_, 'g>) {
        let (x, d, rstd) = (node.inputs[0].data(), self.d, self.rstd);
        let w = self.has_weight.then(|| node.inputs[1].data());
        sink.with(0, |out, acc| {
            rms_norm_backward_x(x, g, w, rstd, d, out, acc)
        });
        if self.has_weight {
            sink.with(1, |out, acc| rms_norm_backward_w(x, g, rstd, d, out, acc));
        }
    }
}

impl<'g> Var<'g> {
    /// RMS norm over the trailing dims `normalized_shape` (usually `[D]`, the last dim):
    /// `x / √(mean(x²) + eps) · weight`, with `eps = f32::EPSILON` when `None` (PyTorch's
    /// default). `normalized_shape` must be the trailing dims of this var and `weight` (if any)
    /// must have that shape ([`Error::ShapeMismatch`] naming `rms_norm` otherwise); no
    /// elements to normalise is [`Error::Empty`].
    ///
    /// ```
    /// use arenagrad::prelude::*;
    /// Graph::new().run(|g| {
    ///     let x = g.leaf(Tensor::new(vec![3.0, 4.0], &[1, 2])?);
    ///     let w = g.leaf(Tensor::from_slice(&[2.0, 1.0]));
    ///     // mean(x²) = 12.5, + eps 3.5 = 16: x / 4 · w
    ///     let y = x.try_rms_norm(&[2], Some(w), Some(3.5))?;
    ///     assert_eq!(y.to_vec(), vec![1.5, 1.0]);
    ///     y.sum().backward()?;
    ///     assert_eq!(w.grad().unwrap().to_vec(), vec![0.75, 1.0]);   // Σ g x̂
    ///     assert!(x.try_rms_norm(&[3], None, None).is_err());
    ///     Ok(())
    /// }).unwrap();
    /// ```
    pub fn try_rms_norm(
        self,
        normalized_shape: &[usize],
        weight: Option<Var<'g>>,
        eps: Option<f32>,
    ) -> Result<Var<'g>> {
        let shape = self.shape();
        let k = normalized_shape.len();
        let mismatch = |rhs: &[usize]| Error::ShapeMismatch {
            op: "rms_norm",
            lhs: shape.to_vec(),
            rhs: rhs.to_vec(),
        };
        if k > shape.len() || shape[shape.len() - k..] != *normalized_shape {
            return Err(mismatch(normalized_shape));
        }
        if let Some(w) = weight.filter(|w| w.shape() != normalized_shape) {
            return Err(mismatch(w.shape()));
        }
        let d: usize = normalized_shape.iter().product();
        if d == 0 || self.numel() == 0 {
            return Err(Error::Empty {
                op: "rms_norm",
                shape: shape.to_vec(),
            });
        }
        let eps = eps.unwrap_or(f32::EPSILON);
        let scope = self.scope();
        let rows = self.numel() / d;
        let (out, rstd) = (scope.alloc_out(self.numel()), scope.alloc(rows));
        rms_norm(self.data(), d, weight.map(|w| w.data()), eps, out, rstd);
        let rule = RmsNormRule {
            d,
            rstd,
            eps,
            has_weight: weight.is_some(),
        };
        Ok(match weight {
            Some(w) => scope.op_shaped(&[self, w], shape, out, rule),
            None => scope.op_shaped(&[self], shape, out, rule),
        })
    }

    /// Panicking form of [`Var::try_rms_norm`].
    #[track_caller]
    pub fn rms_norm(
        self,
        normalized_shape: &[usize],
        weight: Option<Var<'g>>,
        eps: Option<f32>,
    ) -> Var<'g> {
        or_panic(self.try_rms_norm(normalized_shape, weight, eps))
    }
}

#[cfg(test)]
mod tests;
