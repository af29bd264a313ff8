//! concat and narrow: block copies on the `[outer, axis, inner]` view of a shape.
//!
//! On that view both ops copy `outer` rows of `len · inner` contiguous elements, so each is
//! one block copy ([`take_block`] / [`put_block`]) per input, forward and backward.
//!
//! Differentiable forms: each of concat's inputs gets `narrow(g, axis, start, len)`, and
//! narrow's input gets `g` zero-padded back to its shape along the axis (`pad` with
//! `[start, size − start − len]`); the two are each other's adjoints, so the recorded
//! gradients differentiate again through the same pair.

use crate::error::{or_panic, Error, Result};
use crate::graph::{GradSink, Node, Rule, Sink, Var};
use crate::kernels::layout::{put_block, take_block};
use crate::kernels::Acc;
use crate::shape::{narrow_split, normalize_axis, numel, split3, Dims};

#[derive(Clone, Copy)]
struct Concat {
    axis: usize,
}

impl<'g> Rule<'g> for Concat {
    fn name(&self) -> &'static str {
        "concat"
    }
    fn backward(&self, node: &Node<'g>, g: &[f32], sink: &mut Sink<'_, 'g>) {
        let (outer, total, inner) = split3(node.shape, self.axis);
        let mut start = 0;
        for (i, x) in node.inputs.iter().enumerate() {
            let len = x.shape[self.axis];
            sink.with(i, |out, acc| {
                take_block(g, (outer, total, inner), start, len, out, acc)
            });
            start += len;
        }
    }
    fn backward_graph(
        &self,
        node: &'g Node<'g>,
        g: Var<'g>,
        sink: &mut GradSink<'_, 'g>,
    ) -> Result<()> {
        let mut start = 0;
        for (i, x) in node.inputs.iter().enumerate() {
            let len = x.shape[self.axis];
            if sink.needs(i) {
                sink.put(i, g.try_narrow(self.axis as isize, start, len)?)?;
            }
            start += len;
        }
        Ok(())
    }
}

#[derive(Clone, Copy)]
struct Narrow {
    axis: usize,
    start: usize,
}

impl<'g> Rule<'g> for Narrow {
    fn name(&self) -> &'static str {
        "narrow"
    }
    fn backward(&self, node: &Node<'g>, g: &[f32], sink: &mut Sink<'_, 'g>) {
        let (outer, size, inner) = split3(node.inputs[0].shape, self.axis);
        let len = node.shape[self.axis];
        sink.with(0, |out, acc| {
            if acc == Acc::Write {
                out.fill(0.0); // outside the block the gradient is 0
            }
            put_block(g, (outer, size, inner), self.start, len, out, acc)
        });
    }
    fn backward_graph(
        &self,
        node: &'g Node<'g>,
        g: Var<'g>,
        sink: &mut GradSink<'_, 'g>,
    ) -> Result<()> {
        let shape = node.inputs[0].shape;
        let after = shape[self.axis] - self.start - node.shape[self.axis];
        // pad's list runs from the last dim back: zeros for the dims after the axis
        let mut pads = vec![0isize; 2 * (shape.len() - self.axis)];
        let k = pads.len() - 2;
        (pads[k], pads[k + 1]) = (self.start as isize, after as isize);
        sink.put(0, g.try_pad(&pads, 0.0)?)
    }
}

impl<'g> Var<'g> {
    /// Joins `vars` along `axis` (`torch.cat`). All must have the same rank and equal dims
    /// except along `axis` ([`Error::ShapeMismatch`] otherwise); an empty list is
    /// [`Error::InvalidArgument`].
    ///
    /// ```
    /// use arenagrad::prelude::*;
    /// Graph::new().run(|g| {
    ///     let a = g.input(Tensor::new(vec![1.0, 2.0], &[2, 1])?);
    ///     let b = g.input(Tensor::new(vec![3.0, 4.0, 5.0, 6.0], &[2, 2])?);
    ///     let c = Var::try_concat(&[a, b], -1)?;
    ///     assert_eq!((c.shape(), c.to_vec()), (&[2, 3][..], vec![1.0, 3.0, 4.0, 2.0, 5.0, 6.0]));
    ///     assert!(Var::try_concat(&[a, b], 0).is_err());  // dim 1 differs: 1 vs 2
    ///     Ok(())
    /// }).unwrap();
    /// ```
    pub fn try_concat(vars: &[Var<'g>], axis: isize) -> Result<Var<'g>> {
        let Some(first) = vars.first() else {
            return Err(Error::InvalidArgument {
                op: "concat",
                message: "expected a non-empty list of vars to concatenate".into(),
            });
        };
        let axis = normalize_axis("concat", axis, first.shape())?;
        let mut out_shape = Dims::from_slice(first.shape());
        out_shape[axis] = 0;
        for v in vars {
            let s = v.shape();
            let fits = s.len() == out_shape.len()
                && (0..s.len()).all(|d| d == axis || s[d] == out_shape[d]);
            if !fits {
                return Err(Error::ShapeMismatch {
                    op: "concat",
                    lhs: first.shape().to_vec(),
                    rhs: s.to_vec(),
                });
            }
            out_shape[axis] =
                out_shape[axis]
                    .checked_add(s[axis])
                    .ok_or_else(|| Error::SizeOverflow {
                        op: "concat",
                        shape: s.to_vec(),
                    })?;
        }
        let scope = first.scope();
        // the blocks' lengths add up to the axis: every element is written once
        let out = scope.alloc_out(numel("concat", &out_shape)?);
        let (outer, total, inner) = split3(&out_shape, axis);
        let mut start = 0;
        for v in vars {
            let len = v.shape()[axis];
            put_block(v.data(), (outer, total, inner), start, len, out, Acc::Write);
            start += len;
        }
        Ok(scope.op(vars, &out_shape, out, Concat { axis }))
    }
    /// Panicking form of [`Var::try_concat`].
    #[track_caller]
    pub fn concat(vars: &[Var<'g>], axis: isize) -> Var<'g> {
        or_panic(Var::try_concat(vars, axis))
    }

    /// Elements `start..start + len` along `axis` (`torch.narrow`); a range past the dim is
    /// [`Error::RangeOutOfBounds`], naming the start, the length and the dim's size. A leading block (all dims before `axis` of size 1) shares
    /// this var's data.
    ///
    /// ```
    /// use arenagrad::prelude::*;
    /// Graph::new().run(|g| {
    ///     let x = g.leaf(Tensor::new(vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3])?);
    ///     let y = x.try_narrow(1, 1, 2)?;
    ///     assert_eq!(y.to_vec(), vec![2.0, 3.0, 5.0, 6.0]);
    ///     y.sum().backward()?;
    ///     assert_eq!(x.grad().unwrap().to_vec(), vec![0.0, 1.0, 1.0, 0.0, 1.0, 1.0]);
    ///     assert!(x.try_narrow(1, 2, 2).is_err());    // 2..4 is past a dim of 3
    ///     Ok(())
    /// }).unwrap();
    /// ```
    pub fn try_narrow(self, axis: isize, start: usize, len: usize) -> Result<Var<'g>> {
        let shape = self.shape();
        let (axis, (outer, size, inner)) = narrow_split("narrow", axis, start, len, shape)?;
        let mut out_shape = Dims::from_slice(shape);
        out_shape[axis] = len;
        let scope = self.scope();
        let data: &'g [f32] = if outer == 1 {
            &self.data()[start * inner..(start + len) * inner]
        } else {
            let out = scope.alloc_out(outer * len * inner); // the copy writes every element
            take_block(
                self.data(),
                (outer, size, inner),
                start,
                len,
                out,
                Acc::Write,
            );
            out
        };
        Ok(scope.op(&[self], &out_shape, data, Narrow { axis, start }))
    }
    /// Panicking form of [`Var::try_narrow`].
    #[track_caller]
    pub fn narrow(self, axis: isize, start: usize, len: usize) -> Var<'g> {
        or_panic(self.try_narrow(axis, start, len))
    }
}

#[cfg(test)]
mod tests;
