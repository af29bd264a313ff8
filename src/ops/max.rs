//! Max over all elements or one axis.
//!
//! | op | y | dx | saved |
//! |---|---|---|---|
//! | `max()` | max x, 0-d | g / c at each of the c elements equal to y, 0 elsewhere | nothing |
//! | `max_axis(a, keepdim)` | max_k x[.., k, ..] | g at the first argmax k*, 0 elsewhere | k* per output |
//!
//! The two gradients differ on ties exactly as PyTorch's do: `torch.max(x)` (and `amax`)
//! split the gradient evenly among tied maxima (`evenly_distribute_backward`), while
//! `torch.max(x, dim)` returns one index, the first maximum, and routes the gradient there.
//! NaN propagates: a NaN is the max, and along an axis the first NaN is the argmax.
//!
//! `max()` needs no saved buffer (the mask is recomputed from the input and the output value);
//! `max_axis` saves its argmax indices as an arena slice, the only way to know which tie won.
//!
//! Differentiable forms: `dx = g / c` where `x = y` and 0 elsewhere for `max()` (PyTorch's
//! `evenly_distribute_backward`, a masked fill on CPU, NaN matching NaN), and for `max_axis`
//! `g` broadcast along the axis and kept only at the saved argmax (zeros elsewhere, as
//! PyTorch's scatter); both route with `keep_where` (select.rs), so a NaN gradient does not
//! leak into the other positions. Both are linear in `g` with a mask that carries no
//! gradient: the second derivative in `x` is zero away from ties, and the maxima stay the ones
//! the forward chose.

use crate::error::{or_panic, Error, Result};
use crate::graph::{GradSink, Node, Rule, Sink, Var};
use crate::kernels::reduce::{max_all, max_all_backward, max_axis, max_axis_backward, AxisLayout};

use super::reduce::reduce_axis;

#[derive(Clone, Copy)]
struct MaxAll;

impl<'g> Rule<'g> for MaxAll {
    fn name(&self) -> &'static str {
        "max"
    }
    fn backward(&self, node: &Node<'g>, g: &[f32], sink: &mut Sink<'_, 'g>) {
        let (x, y) = (node.inputs[0].data(), node.data()[0]);
        sink.with(0, |out, acc| max_all_backward(x, y, g[0], out, acc));
    }
    fn backward_graph(
        &self,
        node: &'g Node<'g>,
        g: Var<'g>,
        sink: &mut GradSink<'_, 'g>,
    ) -> Result<()> {
        let (x, y) = (node.inputs[0].data(), node.data()[0]);
        let hit = |v: f32| if y.is_nan() { v.is_nan() } else { v == y };
        let scope = sink.scope();
        let mask = scope.alloc_fill(x.len(), false);
        for (m, &v) in mask.iter_mut().zip(x) {
            *m = hit(v);
        }
        let count = mask.iter().filter(|&&m| m).count();
        let share = g.try_div(scope.full_const(&[], count as f32))?;
        let spread = share.try_broadcast_to(node.inputs[0].shape)?;
        sink.put(0, super::select::keep_where(spread, mask, true))
    }
}

#[derive(Clone, Copy)]
struct MaxAxis<'g> {
    l: AxisLayout,
    arg: &'g [usize],
}

impl<'g> Rule<'g> for MaxAxis<'g> {
    fn name(&self) -> &'static str {
        "max"
    }
    fn backward(&self, _node: &Node<'g>, g: &[f32], sink: &mut Sink<'_, 'g>) {
        sink.with(0, |out, acc| {
            max_axis_backward(g, self.arg, self.l, out, acc)
        });
    }
    fn backward_graph(
        &self,
        node: &'g Node<'g>,
        g: Var<'g>,
        sink: &mut GradSink<'_, 'g>,
    ) -> Result<()> {
        let l = self.l;
        let at_arg = sink.scope().alloc_fill(l.numel(), false);
        for o in 0..l.outer {
            for i in 0..l.inner {
                at_arg[(o * l.len + self.arg[o * l.inner + i]) * l.inner + i] = true;
            }
        }
        let spread = g
            .try_reshape(&[l.outer, 1, l.inner])?
            .try_broadcast_to(&[l.outer, l.len, l.inner])?;
        let dx = super::select::keep_where(spread, at_arg, true);
        sink.put(0, dx.try_reshape(node.inputs[0].shape)?)
    }
}

impl<'g> Var<'g> {
    /// The largest element, a 0-d value (`torch.max(x)`); [`Error::Empty`] for an empty input.
    /// Tied maxima share the gradient evenly.
    ///
    /// ```
    /// use arenagrad::prelude::*;
    /// Graph::new().run(|g| {
    ///     assert_eq!(g.input(Tensor::from_slice(&[1.0, 5.0, 2.0])).try_max()?.item(), 5.0);
    ///     assert!(matches!(g.input(Tensor::zeros(&[0])?).try_max(), Err(Error::Empty { .. })));
    ///     Ok(())
    /// }).unwrap();
    /// ```
    pub fn try_max(self) -> Result<Var<'g>> {
        let Some(m) = max_all(self.data()) else {
            return Err(Error::Empty {
                op: "max",
                shape: self.shape().to_vec(),
            });
        };
        let scope = self.scope();
        let out = scope.alloc(1);
        out[0] = m;
        Ok(scope.op(&[self], &[], out, MaxAll))
    }

    /// Panicking form of [`Var::try_max`].
    ///
    /// ```
    /// use arenagrad::prelude::*;
    /// Graph::new().run(|g| {
    ///     let x = g.leaf(Tensor::from_slice(&[3.0, 1.0, 3.0]));
    ///     x.max().backward()?;                      // two tied maxima: 1/2 each
    ///     assert_eq!(x.grad().unwrap().to_vec(), vec![0.5, 0.0, 0.5]);
    ///     Ok(())
    /// }).unwrap();
    /// ```
    #[track_caller]
    pub fn max(self) -> Var<'g> {
        or_panic(self.try_max())
    }

    /// The maximum along `axis` (the values of `torch.max(x, dim, keepdim)`); the gradient
    /// goes to the first argmax. [`Error::BadAxis`] outside `-rank..rank` (a 0-d input accepts
    /// 0 and -1), [`Error::Empty`] when the axis has length 0.
    ///
    /// ```
    /// use arenagrad::prelude::*;
    /// Graph::new().run(|g| {
    ///     let x = g.input(Tensor::new(vec![1.0, 5.0, 2.0, 4.0], &[2, 2])?);
    ///     assert_eq!(x.try_max_axis(0, true)?.to_vec(), vec![2.0, 5.0]);
    ///     assert!(g.input(Tensor::zeros(&[0, 2])?).try_max_axis(0, false).is_err());
    ///     Ok(())
    /// }).unwrap();
    /// ```
    pub fn try_max_axis(self, axis: isize, keepdim: bool) -> Result<Var<'g>> {
        let (l, shape) = reduce_axis("max", self.shape(), axis, keepdim)?;
        if l.len == 0 {
            return Err(Error::Empty {
                op: "max",
                shape: self.shape().to_vec(),
            });
        }
        let scope = self.scope();
        let out = scope.alloc(l.reduced());
        let arg = scope.alloc_fill(l.reduced(), 0usize);
        max_axis(self.data(), l, out, arg);
        Ok(scope.op(&[self], &shape, out, MaxAxis { l, arg }))
    }

    /// Panicking form of [`Var::try_max_axis`].
    ///
    /// ```
    /// use arenagrad::prelude::*;
    /// Graph::new().run(|g| {
    ///     let x = g.leaf(Tensor::new(vec![1.0, 5.0, 5.0, 4.0], &[2, 2])?);
    ///     let m = x.max_axis(-1, false);            // rows [1, 5] and [5, 4]
    ///     assert_eq!(m.to_vec(), vec![5.0, 5.0]);
    ///     m.sum().backward()?;
    ///     assert_eq!(x.grad().unwrap().to_vec(), vec![0.0, 1.0, 1.0, 0.0]);
    ///     Ok(())
    /// }).unwrap();
    /// ```
    #[track_caller]
    pub fn max_axis(self, axis: isize, keepdim: bool) -> Var<'g> {
        or_panic(self.try_max_axis(axis, keepdim))
    }
}

#[cfg(test)]
mod tests;
