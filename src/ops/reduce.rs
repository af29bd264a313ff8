//! Reductions: sum and mean over all elements or one axis (max and its argmax are in
//! `max.rs`).
//!
//! | op | y | dx |
//! |---|---|---|
//! | `sum()` | Σ x, 0-d | g, broadcast |
//! | `sum_axis(a, keepdim)` | Σ_k x[.., k, ..] | g, repeated along `a` |
//! | `mean()` | Σ x / n, 0-d | g / n |
//! | `mean_axis(a, keepdim)` | Σ_k x[.., k, ..] / len | g / len, repeated along `a` |
//!
//! The input is seen as `[outer, len, inner]` around the axis
//! ([`AxisLayout`]); the rule saves only that layout and the scale, since these gradients read
//! no values. Sums accumulate in `f64`, in f32x8 lanes and over threads at fixed boundaries
//! ([`kernels::reduce`](crate::kernels::reduce)), so results do not depend on the thread
//! count.
//!
//! Axes are PyTorch's: negative ones count from the end, and a 0-d input accepts `0` or `-1`
//! as a size-1 dimension (the result stays 0-d, with or without keepdim). Empty inputs: a sum
//! of nothing is 0; a mean of nothing is [`Error::Empty`] (PyTorch returns NaN; an error names
//! the mistake where it happens instead).

use crate::error::{or_panic, Error, Result};
use crate::graph::{GradSink, Node, Rule, Sink, Var};
use crate::kernels::reduce::{broadcast_axis, sum_axis, AxisLayout};

/// Resolves `axis` of `shape` for a reduction (shared with the eager reductions on `Tensor`).
pub(crate) use crate::tensor::reduce::reduce_axis;

/// Backward of a sum or mean: `dx[o, k, i] = scale · g[o, i]`. A whole-tensor reduction is
/// the layout `[1, n, 1]`.
#[derive(Clone, Copy)]
struct SumRule {
    name: &'static str,
    l: AxisLayout,
    scale: f32,
}

impl<'g> Rule<'g> for SumRule {
    fn name(&self) -> &'static str {
        self.name
    }
    fn backward_graph(
        &self,
        _node: &'g Node<'g>,
        g: Var<'g>,
        sink: &mut GradSink<'_, 'g>,
    ) -> Result<()> {
        // dx = scale·g, broadcast back along the reduced axis
        let l = self.l;
        let x = sink.input(0);
        let dx = (g.try_reshape(&[l.outer, 1, l.inner])?)
            .try_broadcast_to(&[l.outer, l.len, l.inner])?
            .try_reshape(x.shape())?;
        let dx = if self.scale == 1.0 {
            dx
        } else {
            dx * self.scale
        };
        sink.put(0, dx)
    }
    fn backward(&self, _node: &Node<'g>, g: &[f32], sink: &mut Sink<'_, 'g>) {
        if self.l.outer == 1 && self.l.inner == 1 {
            // a whole-tensor reduction: `dx` is one value, which stays one (PyTorch's expand)
            return sink.splat(0, self.scale * g[0]);
        }
        sink.with(0, |out, acc| {
            broadcast_axis(g, self.l, self.scale, out, acc)
        });
    }
}

fn axis_op<'g>(x: Var<'g>, op: &'static str, axis: isize, keepdim: bool) -> Result<Var<'g>> {
    let (l, shape) = reduce_axis(op, x.shape(), axis, keepdim)?;
    let mean = op == "mean";
    if mean && l.len == 0 {
        return Err(Error::Empty {
            op,
            shape: x.shape().to_vec(),
        });
    }
    let scale = if mean { 1.0 / l.len as f64 } else { 1.0 };
    let scope = x.scope();
    let out = scope.alloc(l.reduced());
    sum_axis(x.data(), l, scale, out, crate::kernels::Acc::Write);
    let rule = SumRule {
        name: op,
        l,
        scale: scale as f32,
    };
    Ok(scope.op(&[x], &shape, out, rule))
}

impl<'g> Var<'g> {
    /// The sum of all elements, a 0-d value (0 for an empty input, as PyTorch).
    ///
    /// ```
    /// use arenagrad::prelude::*;
    /// Graph::new().run(|g| {
    ///     let x = g.leaf(Tensor::from_slice(&[1.0, 2.0, 3.0]));
    ///     let s = x.sum();
    ///     assert_eq!((s.shape(), s.item()), (&[][..], 6.0));
    ///     s.backward()?;
    ///     assert_eq!(x.grad().unwrap().to_vec(), vec![1.0; 3]);
    ///     Ok(())
    /// }).unwrap();
    /// ```
    pub fn sum(self) -> Var<'g> {
        let scope = self.scope();
        let l = AxisLayout {
            outer: 1,
            len: self.numel(),
            inner: 1,
        };
        let rule = SumRule {
            name: "sum",
            l,
            scale: 1.0,
        };
        if self.node().is_pending() {
            return scope.fused_sum(self, false, rule);
        }
        let out = scope.alloc(1);
        out[0] = self.sum64() as f32; // `kernels::reduce::sum`'s rounding
        scope.op(&[self], &[], out, rule)
    }

    /// The sum along `axis` (`torch.sum(x, dim, keepdim)`); negative axes count from the end.
    /// Errors with [`Error::BadAxis`] outside `-rank..rank` (a 0-d input accepts 0 and -1).
    ///
    /// ```
    /// use arenagrad::prelude::*;
    /// Graph::new().run(|g| {
    ///     let x = g.input(Tensor::new(vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3])?);
    ///     assert_eq!(x.try_sum_axis(0, false)?.to_vec(), vec![5.0, 7.0, 9.0]);
    ///     assert_eq!(x.try_sum_axis(-1, true)?.shape(), &[2, 1]);
    ///     assert!(matches!(x.try_sum_axis(2, false), Err(Error::BadAxis { .. })));
    ///     Ok(())
    /// }).unwrap();
    /// ```
    pub fn try_sum_axis(self, axis: isize, keepdim: bool) -> Result<Var<'g>> {
        axis_op(self, "sum", axis, keepdim)
    }

    /// Panicking form of [`Var::try_sum_axis`].
    ///
    /// ```
    /// use arenagrad::prelude::*;
    /// Graph::new().run(|g| {
    ///     let x = g.leaf(Tensor::new(vec![1.0, 2.0, 3.0, 4.0], &[2, 2])?);
    ///     let s = x.sum_axis(1, false);           // [3, 7]
    ///     assert_eq!(s.to_vec(), vec![3.0, 7.0]);
    ///     s.sum().backward()?;                    // every element feeds one sum once
    ///     assert_eq!(x.grad().unwrap().to_vec(), vec![1.0; 4]);
    ///     Ok(())
    /// }).unwrap();
    /// ```
    #[track_caller]
    pub fn sum_axis(self, axis: isize, keepdim: bool) -> Var<'g> {
        or_panic(self.try_sum_axis(axis, keepdim))
    }

    /// The mean of all elements, a 0-d value; [`Error::Empty`] for an empty input.
    ///
    /// ```
    /// use arenagrad::prelude::*;
    /// Graph::new().run(|g| {
    ///     assert_eq!(g.input(Tensor::from_slice(&[1.0, 2.0])).try_mean()?.item(), 1.5);
    ///     assert!(g.input(Tensor::zeros(&[0])?).try_mean().is_err());
    ///     Ok(())
    /// }).unwrap();
    /// ```
    pub fn try_mean(self) -> Result<Var<'g>> {
        let n = self.numel();
        if n == 0 {
            return Err(Error::Empty {
                op: "mean",
                shape: self.shape().to_vec(),
            });
        }
        let scope = self.scope();
        let l = AxisLayout {
            outer: 1,
            len: n,
            inner: 1,
        };
        let rule = SumRule {
            name: "mean",
            l,
            scale: (1.0 / n as f64) as f32,
        };
        if self.node().is_pending() {
            return Ok(scope.fused_sum(self, true, rule));
        }
        let out = scope.alloc(1);
        out[0] = (self.sum64() / n as f64) as f32;
        Ok(scope.op(&[self], &[], out, rule))
    }

    /// Panicking form of [`Var::try_mean`].
    ///
    /// ```
    /// use arenagrad::prelude::*;
    /// Graph::new().run(|g| {
    ///     let x = g.leaf(Tensor::from_slice(&[1.0, 2.0, 6.0, 7.0]));
    ///     let m = x.mean();                       // 16 / 4 = 4, dm/dx = 1/4
    ///     m.backward()?;
    ///     assert_eq!((m.item(), x.grad().unwrap().to_vec()), (4.0, vec![0.25; 4]));
    ///     Ok(())
    /// }).unwrap();
    /// ```
    #[track_caller]
    pub fn mean(self) -> Var<'g> {
        or_panic(self.try_mean())
    }

    /// The mean along `axis` (`torch.mean(x, dim, keepdim)`); [`Error::BadAxis`] as
    /// [`Var::try_sum_axis`], and [`Error::Empty`] when the axis has length 0.
    ///
    /// ```
    /// use arenagrad::prelude::*;
    /// Graph::new().run(|g| {
    ///     let x = g.input(Tensor::new(vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3])?);
    ///     assert_eq!(x.try_mean_axis(1, true)?.to_vec(), vec![2.0, 5.0]);
    ///     assert!(g.input(Tensor::zeros(&[2, 0])?).try_mean_axis(1, false).is_err());
    ///     Ok(())
    /// }).unwrap();
    /// ```
    pub fn try_mean_axis(self, axis: isize, keepdim: bool) -> Result<Var<'g>> {
        axis_op(self, "mean", axis, keepdim)
    }

    /// Panicking form of [`Var::try_mean_axis`].
    ///
    /// ```
    /// use arenagrad::prelude::*;
    /// Graph::new().run(|g| {
    ///     let x = g.leaf(Tensor::new(vec![1.0, 2.0, 3.0, 4.0], &[2, 2])?);
    ///     let m = x.mean_axis(0, false);          // [2, 3]
    ///     assert_eq!(m.to_vec(), vec![2.0, 3.0]);
    ///     m.sum().backward()?;                    // each column averages 2 elements
    ///     assert_eq!(x.grad().unwrap().to_vec(), vec![0.5; 4]);
    ///     Ok(())
    /// }).unwrap();
    /// ```
    #[track_caller]
    pub fn mean_axis(self, axis: isize, keepdim: bool) -> Var<'g> {
        or_panic(self.try_mean_axis(axis, keepdim))
    }
}

#[cfg(test)]
mod tests;
