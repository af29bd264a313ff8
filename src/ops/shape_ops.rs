//! Shape ops: results that move values without arithmetic.
//!
//! | op | forward | backward (dx from dy) | saved |
//! |---|---|---|---|
//! | reshape | the same data under a new shape | dy, as is | nothing |
//! | permute(p), transpose | `y[i_p0, .., i_pr] = x[i_0, .., i_r]` (strided copy) | dy permuted back by p⁻¹ | p |
//! | broadcast_to(s) | x read with stride 0 on expanded dims | dy summed over them (`put_reduced`) | nothing |
//! | concat(axis) | the inputs' blocks side by side | each input's block of dy | axis |
//! | narrow(axis, start, len) | one block | dy into the block, 0 elsewhere | axis, start |
//! | split(sizes, axis), chunk(n, axis) | one narrow per piece | the pieces' blocks joined | per piece: axis, start |
//! | stack(axis) | concat of the inputs with a new size-1 dim | each input's slice of dy | axis |
//! | index_select(axis, idx) | `y[.., j, ..] = x[.., idx_j, ..]` | index_add: repeated ids accumulate | idx |
//! | embedding(idx) | rows of the weight | index_add into its rows | idx |
//! | gather(axis, idx) | `y[i] = x[i with i_axis = idx[i]]` | scatter_add | idx |
//!
//! Values in the arena are immutable, so a result whose row-major layout equals its input's —
//! a reshape, a permute that only moves size-1 dims, a broadcast that only adds them, a
//! narrow of a leading block — shares the input's slice instead of copying it. The data loops
//! live in [`kernels::layout`](crate::kernels::layout); saved indices are arena slices.
//!
//! Every op here has a differentiable form (gradients of gradients): each backward in the
//! table is itself one of these ops applied to `dy` (reshape, the inverse permute, a sum over
//! the broadcast dims, narrow and zero-pad for concat and narrow), except the index ops',
//! whose `index_add`/`scatter_add` are small ops of their own whose backward is the read
//! again (`index/adjoint.rs`).

mod index;
mod join;
mod split;

use crate::error::{or_panic, Error, Result};
use crate::graph::{GradSink, Node, Rule, Sink, Var};
use crate::kernels::layout::strided_copy;
use crate::kernels::Acc;
use crate::shape::{check_permutation, numel, same, transpose_perm, Dims};

#[derive(Clone, Copy)]
struct Reshape;

impl<'g> Rule<'g> for Reshape {
    fn name(&self) -> &'static str {
        "reshape"
    }
    fn backward_graph(
        &self,
        _node: &'g Node<'g>,
        g: Var<'g>,
        sink: &mut GradSink<'_, 'g>,
    ) -> Result<()> {
        let shape = sink.input(0).shape();
        sink.put(0, g.try_reshape(shape)?)
    }
    fn backward(&self, _node: &Node<'g>, g: &[f32], sink: &mut Sink<'_, 'g>) {
        sink.put(0, g);
    }
}

#[derive(Clone, Copy)]
struct Permute<'g> {
    name: &'static str,
    perm: &'g [usize],
    /// The output shares the input's data (the permutation moved only size-1 dims).
    shared: bool,
}

impl<'g> Rule<'g> for Permute<'g> {
    fn name(&self) -> &'static str {
        self.name
    }
    fn backward_graph(
        &self,
        _node: &'g Node<'g>,
        g: Var<'g>,
        sink: &mut GradSink<'_, 'g>,
    ) -> Result<()> {
        // the inverse permutation: input dim perm[k] is output dim k
        let mut inverse = Dims::zeros(self.perm.len());
        for (k, &p) in self.perm.iter().enumerate() {
            inverse[p] = k;
        }
        sink.put(0, g.try_permute(&inverse)?)
    }
    fn backward(&self, node: &Node<'g>, g: &[f32], sink: &mut Sink<'_, 'g>) {
        if self.shared {
            return sink.put(0, g);
        }
        // dx[i] = dy[j] with j_k = i_{perm[k]}: stepping input dim perm[k] steps dy by gs[k]
        let gs = Dims::strides(node.shape);
        let mut s = Dims::zeros(gs.len());
        for (k, &p) in self.perm.iter().enumerate() {
            s[p] = gs[k];
        }
        let x_shape = node.inputs[0].shape;
        sink.with(0, |out, acc| strided_copy(g, &s, x_shape, out, acc));
    }
}

#[derive(Clone, Copy)]
struct BroadcastTo;

impl<'g> Rule<'g> for BroadcastTo {
    fn name(&self) -> &'static str {
        "broadcast_to"
    }
    fn backward_graph(
        &self,
        _node: &'g Node<'g>,
        g: Var<'g>,
        sink: &mut GradSink<'_, 'g>,
    ) -> Result<()> {
        let shape = sink.input(0).shape();
        sink.put(0, super::grad_forms::sum_to(g, shape)?)
    }
    fn backward(&self, node: &Node<'g>, g: &[f32], sink: &mut Sink<'_, 'g>) {
        sink.put_reduced(0, g, node.shape);
    }
}

/// `x` with its dims reordered by a validated permutation.
fn permuted<'g>(x: Var<'g>, name: &'static str, perm: &[usize]) -> Var<'g> {
    let (shape, scope) = (x.shape(), x.scope());
    let mut out_shape = Dims::zeros(perm.len());
    for (o, &p) in out_shape.iter_mut().zip(perm) {
        *o = shape[p];
    }
    // size-1 dims carry no layout: if the others keep their order, the bytes are the same
    let shared = perm.iter().filter(|&&p| shape[p] != 1).is_sorted();
    let data: &'g [f32] = if shared {
        x.data()
    } else {
        let own = Dims::strides(shape);
        let mut s = Dims::zeros(perm.len());
        for (v, &p) in s.iter_mut().zip(perm) {
            *v = own[p];
        }
        let out = scope.alloc_out(x.numel()); // the copy writes every element
        strided_copy(x.data(), &s, &out_shape, out, Acc::Write);
        out
    };
    let perm = scope.alloc_copy(perm);
    scope.op(&[x], &out_shape, data, Permute { name, perm, shared })
}

impl<'g> Var<'g> {
    /// The same values under `shape`, which must have the same element count. The result
    /// shares this var's data (no copy).
    ///
    /// ```
    /// use arenagrad::prelude::*;
    /// Graph::new().run(|g| {
    ///     let x = g.leaf(Tensor::new(vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3])?);
    ///     let y = x.try_reshape(&[3, 2])?;
    ///     assert_eq!((y.shape(), y.to_vec()), (&[3, 2][..], x.to_vec()));
    ///     assert!(x.try_reshape(&[4]).is_err());     // 6 elements cannot become 4
    ///     Ok(())
    /// }).unwrap();
    /// ```
    pub fn try_reshape(self, shape: &[usize]) -> Result<Var<'g>> {
        if numel("reshape", shape)? != self.numel() {
            return Err(Error::ReshapeNumel {
                op: "reshape",
                from: self.shape().to_vec(),
                to: shape.to_vec(),
            });
        }
        Ok(self.scope().op(&[self], shape, self.data(), Reshape))
    }
    /// Panicking form of [`Var::try_reshape`].
    #[track_caller]
    pub fn reshape(self, shape: &[usize]) -> Var<'g> {
        or_panic(self.try_reshape(shape))
    }

    /// Swaps dims `d0` and `d1` (negative counts from the end), `torch.transpose`. As in
    /// PyTorch, a 0-d value accepts dims 0 and -1 and is returned unchanged.
    ///
    /// ```
    /// use arenagrad::prelude::*;
    /// Graph::new().run(|g| {
    ///     let x = g.input(Tensor::new(vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3])?);
    ///     let t = x.try_transpose(0, -1)?;
    ///     assert_eq!((t.shape(), t.to_vec()), (&[3, 2][..], vec![1.0, 4.0, 2.0, 5.0, 3.0, 6.0]));
    ///     Ok(())
    /// }).unwrap();
    /// ```
    pub fn try_transpose(self, d0: isize, d1: isize) -> Result<Var<'g>> {
        let perm = transpose_perm("transpose", d0, d1, self.shape())?;
        Ok(permuted(self, "transpose", &perm))
    }
    /// Panicking form of [`Var::try_transpose`].
    #[track_caller]
    pub fn transpose(self, d0: isize, d1: isize) -> Var<'g> {
        or_panic(self.try_transpose(d0, d1))
    }

    /// Reorders the dims: output dim `k` is input dim `perm[k]` (`torch.permute`). `perm` must
    /// list each of `0..rank` once, else [`Error::InvalidArgument`].
    ///
    /// ```
    /// use arenagrad::prelude::*;
    /// Graph::new().run(|g| {
    ///     let x = g.input(Tensor::zeros(&[2, 3, 4])?);
    ///     assert_eq!(x.try_permute(&[2, 0, 1])?.shape(), &[4, 2, 3]);
    ///     assert!(x.try_permute(&[0, 0, 1]).is_err());
    ///     Ok(())
    /// }).unwrap();
    /// ```
    pub fn try_permute(self, perm: &[usize]) -> Result<Var<'g>> {
        check_permutation("permute", perm, self.shape())?;
        Ok(permuted(self, "permute", perm))
    }
    /// Panicking form of [`Var::try_permute`].
    #[track_caller]
    pub fn permute(self, perm: &[usize]) -> Var<'g> {
        or_panic(self.try_permute(perm))
    }

    /// Expands size-1 dims (and new leading dims) to `shape` by NumPy rules
    /// (`torch.broadcast_to`); backward sums the gradient back over the expanded dims.
    ///
    /// ```
    /// use arenagrad::prelude::*;
    /// Graph::new().run(|g| {
    ///     let x = g.leaf(Tensor::new(vec![1.0, 2.0], &[2, 1])?);
    ///     let y = x.try_broadcast_to(&[3, 2, 2])?;
    ///     assert_eq!(y.to_vec()[..4], [1.0, 1.0, 2.0, 2.0]);
    ///     y.sum().backward()?;                       // each x is used 3 * 2 times
    ///     assert_eq!(x.grad().unwrap().to_vec(), vec![6.0, 6.0]);
    ///     Ok(())
    /// }).unwrap();
    /// ```
    pub fn try_broadcast_to(self, shape: &[usize]) -> Result<Var<'g>> {
        let full = Dims::broadcast("broadcast_to", self.shape(), shape)?;
        if !same(&full, shape) {
            return Err(Error::ShapeMismatch {
                op: "broadcast_to",
                lhs: self.shape().to_vec(),
                rhs: shape.to_vec(),
            });
        }
        let scope = self.scope();
        let n = numel("broadcast_to", shape)?;
        let data: &'g [f32] = if n == self.numel() {
            self.data() // only size-1 dims were added: same layout
        } else {
            let out = scope.alloc_out(n); // the copy writes every element
            let s = Dims::broadcast_strides(self.shape(), shape);
            strided_copy(self.data(), &s, shape, out, Acc::Write);
            out
        };
        Ok(scope.op(&[self], shape, data, BroadcastTo))
    }
    /// Panicking form of [`Var::try_broadcast_to`].
    #[track_caller]
    pub fn broadcast_to(self, shape: &[usize]) -> Var<'g> {
        or_panic(self.try_broadcast_to(shape))
    }
}

#[cfg(test)]
mod tests;
