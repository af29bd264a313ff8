//! `pad` (constant mode) and `flatten`: the shape changes of convolutional networks.
//!
//! | op | forward | backward (dx from dy) | saved |
//! |---|---|---|---|
//! | pad(p, value) | x inside a border of `value`; negative pads crop | dy's interior, 0 for cropped elements | the per-dim pads |
//! | flatten(s, e) | a reshape merging dims `s..=e` | dy, as is | nothing |
//!
//! `pad` takes PyTorch's list, last dim first: `[left, right]` pads the last dim,
//! `[left, right, top, bottom]` the last two, and so on; the data loops are in
//! [`kernels::pad`](crate::kernels::pad). `flatten` is [`Var::try_reshape`] to the merged
//! shape, so it shares its input's data.
//!
//! Differentiable form: pad's gradient is `g` padded with the negated pads and value 0 (what
//! was added is cropped, what was cropped comes back as zeros), which is pad again: linear in
//! `g`, and its own form the same rule once more.

use crate::error::{or_panic, Error, Result};
use crate::graph::{GradSink, Node, Rule, Sink, Var};
use crate::kernels::pad::{pad, pad_backward, padded_shape};
use crate::shape::{normalize_axis, Dims};

#[derive(Clone, Copy)]
struct Pad<'g> {
    before: &'g [isize],
    after: &'g [isize],
}

impl<'g> Rule<'g> for Pad<'g> {
    fn name(&self) -> &'static str {
        "pad"
    }
    fn backward(&self, node: &Node<'g>, g: &[f32], sink: &mut Sink<'_, 'g>) {
        let shape = node.inputs[0].shape;
        sink.with(0, |out, acc| {
            pad_backward(g, shape, self.before, self.after, out, acc)
        });
    }
    fn backward_graph(
        &self,
        _node: &'g Node<'g>,
        g: Var<'g>,
        sink: &mut GradSink<'_, 'g>,
    ) -> Result<()> {
        let undo: Vec<isize> = (0..self.before.len())
            .rev()
            .flat_map(|d| [-self.before[d], -self.after[d]])
            .collect();
        sink.put(0, g.try_pad(&undo, 0.0)?)
    }
}

impl<'g> Var<'g> {
    /// Pads with `value` (`F.pad(x, pad, mode="constant", value=value)`): `pad` lists
    /// `[before, after]` pairs from the last dim backwards, `[left, right, top, bottom, ...]`;
    /// a negative entry crops. Errors ([`Error::InvalidArgument`]): a list of odd length or
    /// longer than twice the rank, or pads that would make a dim negative (a dim of 0 is
    /// allowed, as in PyTorch).
    ///
    /// ```
    /// use arenagrad::prelude::*;
    /// Graph::new().run(|g| {
    ///     let x = g.leaf(Tensor::new(vec![1.0, 2.0, 3.0, 4.0], &[2, 2])?);
    ///     let y = x.try_pad(&[1, -1, 0, 1], 9.0)?;   // last dim: +1 left, crop 1 right; +1 bottom
    ///     assert_eq!((y.shape(), y.to_vec()), (&[3, 2][..], vec![9.0, 1.0, 9.0, 3.0, 9.0, 9.0]));
    ///     y.sum().backward()?;                       // the cropped column gets no gradient
    ///     assert_eq!(x.grad().unwrap().to_vec(), vec![1.0, 0.0, 1.0, 0.0]);
    ///     assert!(x.try_pad(&[1, 2, 3], 0.0).is_err());
    ///     assert!(x.try_pad(&[-2, -1], 0.0).is_err());
    ///     Ok(())
    /// }).unwrap();
    /// ```
    pub fn try_pad(self, pads: &[isize], value: f32) -> Result<Var<'g>> {
        let (shape, rank) = (self.shape(), self.rank());
        let invalid = |message: String| Error::InvalidArgument { op: "pad", message };
        if !pads.len().is_multiple_of(2) || pads.len() > 2 * rank {
            return Err(invalid(format!(
                "the pad list {pads:?} must hold [before, after] pairs for at most all {rank} \
                 dims of shape {shape:?} (even length <= {}); pass pairs, last dim first",
                2 * rank
            )));
        }
        let scope = self.scope();
        let (before, after) = (
            scope.alloc_fill(rank, 0isize),
            scope.alloc_fill(rank, 0isize),
        );
        for (k, pair) in pads.chunks_exact(2).enumerate() {
            let d = rank - 1 - k;
            (before[d], after[d]) = (pair[0], pair[1]);
            if (shape[d] as isize) + pair[0] + pair[1] < 0 {
                return Err(invalid(format!(
                    "pads {pair:?} crop dim {d} of shape {shape:?} (size {}) below 0; crop at \
                     most the dim's size",
                    shape[d]
                )));
            }
        }
        let out_shape: Dims = padded_shape(shape, before, after);
        let n = crate::shape::numel("pad", &out_shape)?;
        let out = scope.alloc_out(n);
        pad(self.data(), shape, before, after, value, out);
        let (before, after): (&[isize], &[isize]) = (before, after);
        Ok(scope.op(&[self], &out_shape, out, Pad { before, after }))
    }

    /// Panicking form of [`Var::try_pad`].
    ///
    /// ```
    /// use arenagrad::prelude::*;
    /// Graph::new().run(|g| {
    ///     let x = g.input(Tensor::from_slice(&[1.0, 2.0]));
    ///     assert_eq!(x.pad(&[2, 1], 0.0).to_vec(), vec![0.0, 0.0, 1.0, 2.0, 0.0]);
    ///     Ok(())
    /// }).unwrap();
    /// ```
    #[track_caller]
    pub fn pad(self, pads: &[isize], value: f32) -> Var<'g> {
        or_panic(self.try_pad(pads, value))
    }

    /// Merges dims `start_dim..=end_dim` into one (`torch.flatten`; negative dims count from
    /// the end), a reshape sharing this var's data. A 0-d value becomes `[1]`, as in PyTorch.
    /// Errors: a dim out of range ([`Error::BadAxis`]); `start_dim` after `end_dim`
    /// ([`Error::InvalidArgument`]).
    ///
    /// ```
    /// use arenagrad::prelude::*;
    /// Graph::new().run(|g| {
    ///     let x = g.input(Tensor::zeros(&[2, 3, 4, 5])?);
    ///     assert_eq!(x.try_flatten(1, -1)?.shape(), &[2, 60]);   // nn.Flatten's default
    ///     assert_eq!(x.try_flatten(0, 1)?.shape(), &[6, 4, 5]);
    ///     assert!(x.try_flatten(2, 1).is_err());
    ///     Ok(())
    /// }).unwrap();
    /// ```
    pub fn try_flatten(self, start_dim: isize, end_dim: isize) -> Result<Var<'g>> {
        let shape = self.shape();
        if shape.is_empty() {
            let scalar_ok = |d: isize| d == 0 || d == -1;
            if let Some(axis) = [start_dim, end_dim].into_iter().find(|&d| !scalar_ok(d)) {
                let shape = Vec::new();
                return Err(Error::BadAxis {
                    op: "flatten",
                    axis,
                    shape,
                });
            }
            return self.try_reshape(&[1]);
        }
        let s = normalize_axis("flatten", start_dim, shape)?;
        let e = normalize_axis("flatten", end_dim, shape)?;
        if s > e {
            return Err(Error::InvalidArgument {
                op: "flatten",
                message: format!(
                    "start_dim {start_dim} comes after end_dim {end_dim} for shape {shape:?}; \
                     pass start_dim <= end_dim"
                ),
            });
        }
        let mut out = Dims::zeros(shape.len() - (e - s));
        out[..s].copy_from_slice(&shape[..s]);
        out[s] = shape[s..=e].iter().product();
        out[s + 1..].copy_from_slice(&shape[e + 1..]);
        self.try_reshape(&out)
    }

    /// Panicking form of [`Var::try_flatten`].
    ///
    /// ```
    /// use arenagrad::prelude::*;
    /// Graph::new().run(|g| {
    ///     let x = g.input(Tensor::zeros(&[2, 3, 4])?);
    ///     assert_eq!(x.flatten(0, -1).shape(), &[24]);
    ///     Ok(())
    /// }).unwrap();
    /// ```
    #[track_caller]
    pub fn flatten(self, start_dim: isize, end_dim: isize) -> Var<'g> {
        or_panic(self.try_flatten(start_dim, end_dim))
    }
}

#[cfg(test)]
mod tests;
