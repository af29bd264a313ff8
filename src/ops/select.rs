//! where and masked_fill: values chosen by a [`Mask`], which carries no gradient.
//!
//! | op | y | da | db / dx |
//! |---|---|---|---|
//! | `where_cond(m, a, b)` | `m ? a : b` | `m ? g : 0`, summed to a's shape | `m ? 0 : g`, summed to b's shape |
//! | `x.masked_fill(m, v)` | `m ? v : x` | | `m ? 0 : g`, summed to x's shape |
//!
//! `m`, `a` and `b` (or `m` and `x`) broadcast together by NumPy rules and the result has the
//! broadcast shape, as PyTorch's out-of-place `torch.where` and `Tensor.masked_fill` do. Saved:
//! the mask expanded to the output's shape, one `bool` per element in the arena; the gradient
//! of an input that broadcast is reduced back by [`Sink::put_reduced`].
//!
//! Differentiable form: the gradient is routed by [`keep_where`], `m == keep ? g : 0`, an op
//! that is linear in `g` and its own adjoint (its backward is `keep_where` again), then summed
//! to each input's shape; the mask carries no gradient, so the second derivative in `a`, `b`,
//! `x` is zero and only the output gradient's part remains. As in PyTorch (`where(m, g, 0)`),
//! a NaN in `g` does not leak into the positions that were not selected.

use super::grad_forms::sum_to;
use crate::error::{or_panic, Result};
use crate::graph::{GradSink, Node, Rule, Sink, Var};
use crate::kernels::select::{expand_mask, select, select_backward};
use crate::kernels::Acc;
use crate::mask::Mask;
use crate::shape::{numel, same, Dims};

#[derive(Clone, Copy)]
struct SelectRule<'g> {
    name: &'static str,
    /// The mask over the output's shape.
    m: &'g [bool],
    /// Whether input `i` is taken where the mask is true.
    keep: [bool; 2],
}

impl<'g> Rule<'g> for SelectRule<'g> {
    fn name(&self) -> &'static str {
        self.name
    }
    fn backward(&self, node: &Node<'g>, g: &[f32], sink: &mut Sink<'_, 'g>) {
        for (i, input) in node.inputs.iter().enumerate() {
            if !sink.needs(i) {
                continue;
            }
            let keep = self.keep[i];
            if same(input.shape, node.shape) {
                sink.with(i, |out, acc| select_backward(self.m, g, keep, out, acc));
            } else {
                let full = sink.scratch(g.len());
                select_backward(self.m, g, keep, full, crate::kernels::Acc::Write);
                sink.put_reduced(i, full, node.shape);
                sink.recycle(full);
            }
        }
    }
    fn backward_graph(
        &self,
        node: &'g Node<'g>,
        g: Var<'g>,
        sink: &mut GradSink<'_, 'g>,
    ) -> Result<()> {
        for (i, input) in node.inputs.iter().enumerate() {
            if sink.needs(i) {
                let routed = keep_where(g, self.m, self.keep[i]);
                sink.put(i, sum_to(routed, input.shape)?)?;
            }
        }
        Ok(())
    }
}

/// `m == keep ? g : 0` element by element (`m` holds one flag per element of `g`): the op that
/// routes a gradient to the selected positions. Linear in `g` and self-adjoint, so its
/// backward, fused or recorded, is itself.
pub(crate) fn keep_where<'g>(g: Var<'g>, m: &'g [bool], keep: bool) -> Var<'g> {
    let scope = g.scope();
    let out = scope.alloc_out(g.numel());
    select_backward(m, g.data(), keep, out, Acc::Write);
    let rule = SelectRule {
        name: "keep_where",
        m,
        keep: [keep, false],
    };
    scope.op(&[g], g.shape(), out, rule)
}

/// What is taken where the mask is true.
#[derive(Clone, Copy)]
enum OnTrue<'g> {
    Var(Var<'g>),
    /// A fill value (masked_fill): a 0-d operand without gradient.
    Value(f32),
}

/// `m ? a : b`; the node's inputs are the vars among `a` and `b`.
fn select_op<'g>(name: &'static str, mask: &Mask, a: OnTrue<'g>, b: Var<'g>) -> Result<Var<'g>> {
    let (a_shape, fill): (&[usize], [f32; 1]) = match a {
        OnTrue::Var(a) => (a.shape(), [0.0]),
        OnTrue::Value(v) => (&[], [v]),
    };
    let shape = Dims::broadcast(name, mask.shape(), a_shape)?;
    let shape = Dims::broadcast(name, &shape, b.shape())?;
    let n = numel(name, &shape)?;
    let scope = b.scope();
    let m = scope.alloc_fill(n, false);
    expand_mask(
        mask.data(),
        &Dims::broadcast_strides(mask.shape(), &shape),
        &shape,
        m,
    );
    let out = scope.alloc_out(n);
    let a_data = match a {
        OnTrue::Var(a) => a.data(),
        OnTrue::Value(_) => &fill[..],
    };
    let (sa, sb) = (
        Dims::broadcast_strides(a_shape, &shape),
        Dims::broadcast_strides(b.shape(), &shape),
    );
    select(m, a_data, &sa, b.data(), &sb, &shape, out);
    let m: &'g [bool] = m;
    Ok(match a {
        OnTrue::Var(a) => {
            let rule = SelectRule {
                name,
                m,
                keep: [true, false],
            };
            scope.op(&[a, b], &shape, out, rule)
        }
        OnTrue::Value(_) => {
            let rule = SelectRule {
                name,
                m,
                keep: [false, false],
            };
            scope.op(&[b], &shape, out, rule)
        }
    })
}

impl<'g> Var<'g> {
    /// `mask ? on_true : on_false` element by element (`torch.where(mask, a, b)`; `where` is a
    /// Rust keyword). The three shapes broadcast together ([`Error::ShapeMismatch`] naming
    /// `where` otherwise) and the result has the broadcast shape; `on_true` gets the gradient
    /// where the mask is true, `on_false` where it is false, each summed back to its shape.
    ///
    /// [`Error::ShapeMismatch`]: crate::Error::ShapeMismatch
    ///
    /// ```
    /// use arenagrad::prelude::*;
    /// Graph::new().run(|g| {
    ///     let a = g.leaf(Tensor::new(vec![1.0, 2.0], &[2, 1])?);
    ///     let b = g.leaf(Tensor::from_slice(&[10.0, 20.0]));
    ///     let m = Mask::tril(2, 2, 0);                     // [[T, F], [T, T]]
    ///     let y = Var::try_where_cond(&m, a, b)?;
    ///     assert_eq!(y.to_vec(), vec![1.0, 20.0, 2.0, 2.0]);
    ///     y.sum().backward()?;
    ///     assert_eq!(a.grad().unwrap().to_vec(), vec![1.0, 2.0]); // row sums of the mask
    ///     assert_eq!(b.grad().unwrap().to_vec(), vec![0.0, 1.0]);
    ///     assert!(Var::try_where_cond(&Mask::tril(3, 3, 0), a, b).is_err());
    ///     Ok(())
    /// }).unwrap();
    /// ```
    pub fn try_where_cond(mask: &Mask, on_true: Var<'g>, on_false: Var<'g>) -> Result<Var<'g>> {
        select_op("where", mask, OnTrue::Var(on_true), on_false)
    }
    /// Panicking form of [`Var::try_where_cond`].
    #[track_caller]
    pub fn where_cond(mask: &Mask, on_true: Var<'g>, on_false: Var<'g>) -> Var<'g> {
        or_panic(Var::try_where_cond(mask, on_true, on_false))
    }

    /// `value` where `mask` is true, this var elsewhere (`x.masked_fill(mask, value)`). The
    /// mask and this var broadcast together (as in PyTorch's out-of-place form, the result
    /// has the broadcast shape; [`Error::ShapeMismatch`] naming `masked_fill` when they do not
    /// broadcast); the gradient is 0 where filled.
    ///
    /// [`Error::ShapeMismatch`]: crate::Error::ShapeMismatch
    ///
    /// ```
    /// use arenagrad::prelude::*;
    /// Graph::new().run(|g| {
    ///     let x = g.leaf(Tensor::new(vec![1.0, 2.0, 3.0, 4.0], &[2, 2])?);
    ///     let y = x.try_masked_fill(&Mask::triu(2, 2, 1), f32::NEG_INFINITY)?;
    ///     assert_eq!(y.to_vec(), vec![1.0, f32::NEG_INFINITY, 3.0, 4.0]);
    ///     y.softmax(-1).sum().backward()?;
    ///     assert_eq!(x.grad().unwrap().to_vec()[1], 0.0);   // filled: no gradient
    ///     assert!(x.try_masked_fill(&Mask::tril(3, 3, 0), 0.0).is_err());
    ///     Ok(())
    /// }).unwrap();
    /// ```
    pub fn try_masked_fill(self, mask: &Mask, value: f32) -> Result<Var<'g>> {
        select_op("masked_fill", mask, OnTrue::Value(value), self)
    }
    /// Panicking form of [`Var::try_masked_fill`].
    #[track_caller]
    pub fn masked_fill(self, mask: &Mask, value: f32) -> Var<'g> {
        or_panic(self.try_masked_fill(mask, value))
    }
}

#[cfg(test)]
mod tests;
