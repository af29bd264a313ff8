//! softmax and log_softmax along any axis.
//!
//! With `m = max_k x_k` over the axis (subtracted so no `exp` overflows):
//!
//! | op | y | dx, from the output alone |
//! |---|---|---|
//! | softmax | e^{x−m} / Σ e^{x−m} | y · (g − Σ_k g_k y_k) |
//! | log_softmax | x − m − ln Σ e^{x−m} | g − e^y · Σ_k g_k |
//!
//! The differentiable forms (`backward_graph`) are the same two formulas in ops on the tensor
//! seen as `[outer, len, inner]`, reading `y` as the node itself, so a second derivative goes
//! through softmax (or log_softmax) again.
//!
//! Both backward rules read only the output (dfdx's "uses fx"), so nothing is saved beyond the
//! output value, which lives in the arena anyway. The axis may be any one: the kernels walk
//! rows of an `[outer, len, inner]` layout at stride `inner`. As in PyTorch a 0-d input accepts
//! axis 0 or -1 (softmax gives 1, log_softmax 0), and an empty input gives an empty output.

use crate::error::{or_panic, Result};
use crate::graph::{GradSink, Node, Rule, Sink, Var};
use crate::kernels::reduce::AxisLayout;
use crate::kernels::rowwise::{log_softmax, log_softmax_backward, softmax, softmax_backward};

use super::reduce::reduce_axis;

#[derive(Clone, Copy)]
struct SoftmaxRule {
    l: AxisLayout,
    log: bool,
}

impl<'g> Rule<'g> for SoftmaxRule {
    fn name(&self) -> &'static str {
        if self.log {
            "log_softmax"
        } else {
            "softmax"
        }
    }
    fn backward_graph(
        &self,
        _node: &'g Node<'g>,
        g: Var<'g>,
        sink: &mut GradSink<'_, 'g>,
    ) -> Result<()> {
        let l = self.l;
        let rows = [l.outer, l.len, l.inner];
        let (y, g3) = (sink.output().try_reshape(&rows)?, g.try_reshape(&rows)?);
        let dx = if self.log {
            // g − e^y · Σ_k g_k
            g3.try_sub(y.exp().try_mul(g3.try_sum_axis(1, true)?)?)?
        } else {
            // y · (g − Σ_k g_k y_k)
            y.try_mul(g3.try_sub(g3.try_mul(y)?.try_sum_axis(1, true)?)?)?
        };
        sink.put(0, dx.try_reshape(g.shape())?)
    }
    fn backward(&self, node: &Node<'g>, g: &[f32], sink: &mut Sink<'_, 'g>) {
        let (y, l) = (node.data(), self.l);
        sink.with(0, |out, acc| {
            if self.log {
                log_softmax_backward(y, g, l, out, acc)
            } else {
                softmax_backward(y, g, l, out, acc)
            }
        });
    }
}

fn softmax_op(x: Var<'_>, axis: isize, log: bool) -> Result<Var<'_>> {
    let op = if log { "log_softmax" } else { "softmax" };
    let (l, _) = reduce_axis(op, x.shape(), axis, true)?;
    let scope = x.scope();
    let out = scope.alloc(x.numel());
    if log {
        log_softmax(x.data(), l, out);
    } else {
        softmax(x.data(), l, out);
    }
    Ok(scope.op(&[x], x.shape(), out, SoftmaxRule { l, log }))
}

impl<'g> Var<'g> {
    /// Softmax along `axis` (`torch.softmax(x, dim)`); [`Error::BadAxis`](crate::Error)
    /// outside `-rank..rank`.
    ///
    /// ```
    /// use arenagrad::prelude::*;
    /// Graph::new().run(|g| {
    ///     let x = g.input(Tensor::from_slice(&[0.0, 3f32.ln()]));
    ///     let p = x.try_softmax(-1)?.to_vec();   // [1/4, 3/4]
    ///     assert!((p[0] - 0.25).abs() < 1e-6 && (p[1] - 0.75).abs() < 1e-6);
    ///     assert!(x.try_softmax(1).is_err());
    ///     Ok(())
    /// }).unwrap();
    /// ```
    pub fn try_softmax(self, axis: isize) -> Result<Var<'g>> {
        softmax_op(self, axis, false)
    }

    /// Panicking form of [`Var::try_softmax`].
    ///
    /// ```
    /// use arenagrad::prelude::*;
    /// Graph::new().run(|g| {
    ///     // columns of [[0, 5], [0, 5]] are uniform along axis 0
    ///     let x = g.leaf(Tensor::new(vec![0.0, 5.0, 0.0, 5.0], &[2, 2])?);
    ///     let p = x.softmax(0);
    ///     assert_eq!(p.to_vec(), vec![0.5; 4]);
    ///     p.sum().backward()?;                   // Σ softmax = 1 is constant: dx = 0
    ///     assert_eq!(x.grad().unwrap().to_vec(), vec![0.0; 4]);
    ///     Ok(())
    /// }).unwrap();
    /// ```
    #[track_caller]
    pub fn softmax(self, axis: isize) -> Var<'g> {
        or_panic(self.try_softmax(axis))
    }

    /// Log-softmax along `axis` (`torch.log_softmax(x, dim)`), computed as
    /// `x − m − ln Σ e^{x−m}`, never as the log of a softmax.
    ///
    /// ```
    /// use arenagrad::prelude::*;
    /// Graph::new().run(|g| {
    ///     let x = g.input(Tensor::from_slice(&[100.0, -100.0]));
    ///     assert_eq!(x.try_log_softmax(0)?.to_vec(), vec![0.0, -200.0]);
    ///     Ok(())
    /// }).unwrap();
    /// ```
    pub fn try_log_softmax(self, axis: isize) -> Result<Var<'g>> {
        softmax_op(self, axis, true)
    }

    /// Panicking form of [`Var::try_log_softmax`].
    ///
    /// ```
    /// use arenagrad::prelude::*;
    /// Graph::new().run(|g| {
    ///     let x = g.leaf(Tensor::from_slice(&[1.0, 1.0]));
    ///     let y = x.log_softmax(-1);             // ln 1/2 each
    ///     y.sum().backward()?;                   // dx = 1 - p · 2 = 0
    ///     assert_eq!(x.grad().unwrap().to_vec(), vec![0.0, 0.0]);
    ///     Ok(())
    /// }).unwrap();
    /// ```
    #[track_caller]
    pub fn log_softmax(self, axis: isize) -> Var<'g> {
        or_panic(self.try_log_softmax(axis))
    }
}

#[cfg(test)]
mod tests;
