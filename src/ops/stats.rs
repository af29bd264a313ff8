//! logsumexp and var along an axis.
//!
//! | op | y | dx | saved |
//! |---|---|---|---|
//! | `logsumexp(a, keepdim)` | `m + ln Σ_k e^{x_k − m}`, m the max along `a` | `g · e^{x − y}` | nothing (x and y are in the arena) |
//! | `var(a, c, keepdim)` | `Σ_k (x_k − μ)² / max(0, n − c)` | `g · 2(x − μ)/(n − c)` | μ per output |
//!
//! The differentiable forms (`backward_graph`) write the same `dx` in ops on the input seen as
//! `[outer, len, inner]`: logsumexp reads `y` as the node itself; var recomputes `μ` from the
//! input (`mean_axis`), so that the second derivative sees `μ`'s dependence on `x`.
//!
//! Both accumulate in `f64` ([`kernels::reduce::logsumexp`](crate::kernels::reduce::logsumexp),
//! [`kernels::reduce::var`](crate::kernels::reduce::var)): logsumexp subtracts the max first so
//! no exponential overflows, var takes two passes (mean, then squared deviations) so a large
//! mean does not cancel the variance away. Axes as in `sum_axis` (negative from the end, a 0-d
//! input accepts 0 and -1).

use super::reduce::reduce_axis;
use crate::error::{or_panic, Error, Result};
use crate::graph::{GradSink, Node, Rule, Sink, Var};
use crate::kernels::reduce::{logsumexp, logsumexp_backward, var, var_backward, AxisLayout};

#[derive(Clone, Copy)]
struct LogSumExp {
    l: AxisLayout,
}

impl<'g> Rule<'g> for LogSumExp {
    fn name(&self) -> &'static str {
        "logsumexp"
    }
    fn backward_graph(
        &self,
        _node: &'g Node<'g>,
        g: Var<'g>,
        sink: &mut GradSink<'_, 'g>,
    ) -> Result<()> {
        // g · e^{x − y}
        let (x, l) = (sink.input(0), self.l);
        let x3 = x.try_reshape(&[l.outer, l.len, l.inner])?;
        let y = sink.output().try_reshape(&[l.outer, 1, l.inner])?;
        let g3 = g.try_reshape(&[l.outer, 1, l.inner])?;
        let dx = g3.try_mul(x3.try_sub(y)?.exp())?;
        sink.put(0, dx.try_reshape(x.shape())?)
    }
    fn backward(&self, node: &Node<'g>, g: &[f32], sink: &mut Sink<'_, 'g>) {
        let (x, y) = (node.inputs[0].data(), node.data());
        sink.with(0, |out, acc| logsumexp_backward(x, y, g, self.l, out, acc));
    }
}

#[derive(Clone, Copy)]
struct Var_<'g> {
    l: AxisLayout,
    correction: usize,
    mean: &'g [f32],
}

impl<'g> Rule<'g> for Var_<'g> {
    fn name(&self) -> &'static str {
        "var"
    }
    fn backward_graph(
        &self,
        _node: &'g Node<'g>,
        g: Var<'g>,
        sink: &mut GradSink<'_, 'g>,
    ) -> Result<()> {
        // g · 2(x − μ)/(n − c), μ recomputed from x
        let (x, l) = (sink.input(0), self.l);
        let x3 = x.try_reshape(&[l.outer, l.len, l.inner])?;
        let g3 = g.try_reshape(&[l.outer, 1, l.inner])?;
        let scale = (2.0 / (l.len as f64 - self.correction as f64)) as f32;
        let centred = x3.try_sub(x3.try_mean_axis(1, true)?)?;
        let dx = g3.try_mul(centred)? * scale;
        sink.put(0, dx.try_reshape(x.shape())?)
    }
    fn backward(&self, node: &Node<'g>, g: &[f32], sink: &mut Sink<'_, 'g>) {
        let (x, l, c) = (node.inputs[0].data(), self.l, self.correction);
        sink.with(0, |out, acc| var_backward(x, self.mean, g, l, c, out, acc));
    }
}

impl<'g> Var<'g> {
    /// `ln Σ eˣ` along `axis` (`torch.logsumexp(x, dim, keepdim)`), computed as
    /// `m + ln Σ e^{x − m}` so that large inputs neither overflow nor lose precision; an axis of
    /// length 0 gives `−inf`, as PyTorch. [`Error::BadAxis`] outside `-rank..rank`.
    ///
    /// ```
    /// use arenagrad::prelude::*;
    /// Graph::new().run(|g| {
    ///     let x = g.leaf(Tensor::new(vec![1000.0, 1000.0, 0.0, 3f32.ln()], &[2, 2])?);
    ///     let y = x.try_logsumexp(1, false)?;          // [1000 + ln 2, ln 4]
    ///     assert_eq!(y.to_vec(), vec![1000.0 + 2f32.ln(), 4f32.ln()]);
    ///     y.sum().backward()?;                         // e^{x − y}: the softmax of each row
    ///     let dx = x.grad().unwrap().to_vec();
    ///     assert_eq!(dx[2..], [0.25, 0.75]);
    ///     // as in PyTorch, y is rounded to f32 first: 1000 + ln 2 is off by 1.5e-5 there
    ///     assert!((dx[0] - 0.5).abs() < 2e-5);
    ///     Ok(())
    /// }).unwrap();
    /// ```
    pub fn try_logsumexp(self, axis: isize, keepdim: bool) -> Result<Var<'g>> {
        let (l, shape) = reduce_axis("logsumexp", self.shape(), axis, keepdim)?;
        let scope = self.scope();
        let out = scope.alloc_out(l.reduced());
        logsumexp(self.data(), l, out);
        Ok(scope.op(&[self], &shape, out, LogSumExp { l }))
    }
    /// Panicking form of [`Var::try_logsumexp`].
    #[track_caller]
    pub fn logsumexp(self, axis: isize, keepdim: bool) -> Var<'g> {
        or_panic(self.try_logsumexp(axis, keepdim))
    }

    /// The variance along `axis` with `correction` (`torch.var(x, dim, correction=c,
    /// keepdim)`): `Σ (x − mean)² / max(0, n − c)`; 0 is the biased (population) variance, 1
    /// Bessel's unbiased one. As in PyTorch, `n ≤ c` gives `inf` (or NaN for a constant
    /// axis). [`Error::BadAxis`] outside `-rank..rank`, [`Error::Empty`] for an axis of length
    /// 0 (PyTorch returns NaN).
    ///
    /// ```
    /// use arenagrad::prelude::*;
    /// Graph::new().run(|g| {
    ///     let x = g.leaf(Tensor::new(vec![1.0, 3.0, 2.0, 2.0], &[2, 2])?);
    ///     let v = x.try_var(1, 1, true)?;             // [(1 + 1)/1, 0]
    ///     assert_eq!((v.shape(), v.to_vec()), (&[2, 1][..], vec![2.0, 0.0]));
    ///     v.sum().backward()?;                        // 2(x − μ)/(n − 1)
    ///     assert_eq!(x.grad().unwrap().to_vec(), vec![-2.0, 2.0, 0.0, 0.0]);
    ///     assert!(g.input(Tensor::zeros(&[2, 0])?).try_var(1, 1, false).is_err());
    ///     Ok(())
    /// }).unwrap();
    /// ```
    pub fn try_var(self, axis: isize, correction: usize, keepdim: bool) -> Result<Var<'g>> {
        let (l, shape) = reduce_axis("var", self.shape(), axis, keepdim)?;
        if l.len == 0 {
            return Err(Error::Empty {
                op: "var",
                shape: self.shape().to_vec(),
            });
        }
        let scope = self.scope();
        let (out, mean) = (scope.alloc_out(l.reduced()), scope.alloc(l.reduced()));
        var(self.data(), l, correction, out, mean);
        let rule = Var_ {
            l,
            correction,
            mean,
        };
        Ok(scope.op(&[self], &shape, out, rule))
    }
    /// Panicking form of [`Var::try_var`].
    #[track_caller]
    pub fn var(self, axis: isize, correction: usize, keepdim: bool) -> Var<'g> {
        or_panic(self.try_var(axis, correction, keepdim))
    }
}

#[cfg(test)]
mod tests;
