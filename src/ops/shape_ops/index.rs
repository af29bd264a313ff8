//! index_select, embedding and gather: reads at given indices; backward adds each output's
//! gradient back where it was read from, so repeated indices accumulate.
//!
//! Embedding is index_select along axis 0 of a `[V, D]` weight with the output reshaped to
//! `indices_shape + [D]` — same flat layout, so they share one rule. Indices are validated
//! before anything is computed and saved as arena slices.
//!
//! Differentiable forms: `dx = Sᵀ g` as an op of its own (`index_add`, `scatter_add`, in
//! `adjoint.rs`), whose backward is the read again; the indices carry no gradient, so the
//! second derivative in `x` is zero and only the output gradient's part remains.

use crate::error::{or_panic, Error, Result};
use crate::graph::{GradSink, Node, Rule, Sink, Var};
use crate::kernels::layout::{gather, index_add, index_select, scatter_add};
use crate::shape::split3;
use crate::shape::{normalize_axis, numel, Dims};

#[derive(Clone, Copy)]
struct IndexSelect<'g> {
    name: &'static str,
    axis: usize,
    indices: &'g [usize],
}

impl<'g> Rule<'g> for IndexSelect<'g> {
    fn name(&self) -> &'static str {
        self.name
    }
    fn backward(&self, node: &Node<'g>, g: &[f32], sink: &mut Sink<'_, 'g>) {
        let (_, a, inner) = split3(node.inputs[0].shape, self.axis);
        sink.with(0, |out, acc| index_add(g, a, inner, self.indices, out, acc));
    }
    fn backward_graph(
        &self,
        node: &'g Node<'g>,
        g: Var<'g>,
        sink: &mut GradSink<'_, 'g>,
    ) -> Result<()> {
        sink.put(0, adjoint::index_add_op(g, *self, node.inputs[0].shape))
    }
}

#[derive(Clone, Copy)]
struct Gather<'g> {
    axis: usize,
    index: &'g [usize],
}

impl<'g> Rule<'g> for Gather<'g> {
    fn name(&self) -> &'static str {
        "gather"
    }
    fn backward(&self, node: &Node<'g>, g: &[f32], sink: &mut Sink<'_, 'g>) {
        let x_shape = node.inputs[0].shape;
        sink.with(0, |out, acc| {
            scatter_add(g, self.index, node.shape, self.axis, x_shape, out, acc)
        });
    }
    fn backward_graph(
        &self,
        node: &'g Node<'g>,
        g: Var<'g>,
        sink: &mut GradSink<'_, 'g>,
    ) -> Result<()> {
        sink.put(0, adjoint::scatter_add_op(g, *self, node.inputs[0].shape))
    }
}

/// The first index `>= size`, as [`Error::IndexOutOfRange`].
fn check_range(op: &'static str, indices: &[usize], size: usize, shape: &[usize]) -> Result<()> {
    match indices.iter().find(|&&i| i >= size) {
        Some(&index) => Err(Error::IndexOutOfRange {
            op,
            index,
            size,
            shape: shape.to_vec(),
        }),
        None => Ok(()),
    }
}

/// `indices` must hold `shape`'s element count.
fn check_len(op: &'static str, indices: &[usize], shape: &[usize]) -> Result<()> {
    if numel(op, shape)? != indices.len() {
        return Err(Error::DataLength {
            op,
            shape: shape.to_vec(),
            len: indices.len(),
        });
    }
    Ok(())
}

impl<'g> Var<'g> {
    /// The slices at `indices` along `axis` (`torch.index_select`): output dim `axis` has
    /// `indices.len()` entries. An index past the dim is [`Error::IndexOutOfRange`].
    ///
    /// ```
    /// use arenagrad::prelude::*;
    /// Graph::new().run(|g| {
    ///     let x = g.leaf(Tensor::new(vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3])?);
    ///     let y = x.try_index_select(1, &[2, 0, 2])?;
    ///     assert_eq!(y.to_vec(), vec![3.0, 1.0, 3.0, 6.0, 4.0, 6.0]);
    ///     y.sum().backward()?;                        // column 2 was read twice
    ///     assert_eq!(x.grad().unwrap().to_vec(), vec![1.0, 0.0, 2.0, 1.0, 0.0, 2.0]);
    ///     Ok(())
    /// }).unwrap();
    /// ```
    pub fn try_index_select(self, axis: isize, indices: &[usize]) -> Result<Var<'g>> {
        let shape = self.shape();
        let axis = normalize_axis("index_select", axis, shape)?;
        let (_, a, inner) = split3(shape, axis);
        check_range("index_select", indices, a, shape)?;
        let mut out_shape = Dims::from_slice(shape);
        out_shape[axis] = indices.len();
        let scope = self.scope();
        let out = scope.alloc(numel("index_select", &out_shape)?);
        index_select(self.data(), a, inner, indices, out);
        let indices = scope.alloc_copy(indices);
        let rule = IndexSelect {
            name: "index_select",
            axis,
            indices,
        };
        Ok(scope.op(&[self], &out_shape, out, rule))
    }
    /// Panicking form of [`Var::try_index_select`].
    #[track_caller]
    pub fn index_select(self, axis: isize, indices: &[usize]) -> Var<'g> {
        or_panic(self.try_index_select(axis, indices))
    }

    /// Rows of this `[V, D]` weight at `indices` (row-major, of shape `indices_shape`):
    /// `F.embedding`, output shape `indices_shape + [D]`. Repeated ids accumulate in backward;
    /// an id `>= V` is [`Error::IndexOutOfRange`].
    ///
    /// ```
    /// use arenagrad::prelude::*;
    /// Graph::new().run(|g| {
    ///     let w = g.leaf(Tensor::new(vec![0.0, 0.5, 1.0, 1.5, 2.0, 2.5], &[3, 2])?);
    ///     let e = w.try_embedding(&[2, 0, 2, 2], &[2, 2])?;
    ///     assert_eq!(e.shape(), &[2, 2, 2]);
    ///     assert_eq!(e.to_vec()[..4], [2.0, 2.5, 0.0, 0.5]);
    ///     e.sum().backward()?;                        // row 2 was used 3 times
    ///     assert_eq!(w.grad().unwrap().to_vec(), vec![1.0, 1.0, 0.0, 0.0, 3.0, 3.0]);
    ///     assert!(w.try_embedding(&[3], &[1]).is_err());
    ///     Ok(())
    /// }).unwrap();
    /// ```
    pub fn try_embedding(self, indices: &[usize], indices_shape: &[usize]) -> Result<Var<'g>> {
        let w = self.shape();
        if w.len() != 2 {
            return Err(Error::InvalidArgument {
                op: "embedding",
                message: format!(
                    "the weight must be 2-D [num_embeddings, embedding_dim] but has shape {w:?}"
                ),
            });
        }
        check_len("embedding", indices, indices_shape)?;
        check_range("embedding", indices, w[0], w)?;
        let rank = indices_shape.len();
        let mut out_shape = Dims::zeros(rank + 1);
        out_shape[..rank].copy_from_slice(indices_shape);
        out_shape[rank] = w[1];
        let scope = self.scope();
        let out = scope.alloc(numel("embedding", &out_shape)?);
        index_select(self.data(), w[0], w[1], indices, out);
        let indices = scope.alloc_copy(indices);
        let rule = IndexSelect {
            name: "embedding",
            axis: 0,
            indices,
        };
        Ok(scope.op(&[self], &out_shape, out, rule))
    }
    /// Panicking form of [`Var::try_embedding`].
    #[track_caller]
    pub fn embedding(self, indices: &[usize], indices_shape: &[usize]) -> Var<'g> {
        or_panic(self.try_embedding(indices, indices_shape))
    }

    /// `torch.gather(self, axis, index)`: `out[i] = self[i with coordinate axis = index[i]]`,
    /// `index` row-major of `index_shape` (the output's shape), which has this var's rank and
    /// no dim larger than its own except along `axis`. Backward is a scatter-add.
    ///
    /// ```
    /// use arenagrad::prelude::*;
    /// Graph::new().run(|g| {
    ///     let x = g.leaf(Tensor::new(vec![1.0, 2.0, 3.0, 4.0], &[2, 2])?);
    ///     let y = x.try_gather(1, &[0, 0, 1, 0], &[2, 2])?;
    ///     assert_eq!(y.to_vec(), vec![1.0, 1.0, 4.0, 3.0]);
    ///     y.sum().backward()?;
    ///     assert_eq!(x.grad().unwrap().to_vec(), vec![2.0, 0.0, 1.0, 1.0]);
    ///     Ok(())
    /// }).unwrap();
    /// ```
    pub fn try_gather(
        self,
        axis: isize,
        index: &[usize],
        index_shape: &[usize],
    ) -> Result<Var<'g>> {
        let shape = self.shape();
        let axis = normalize_axis("gather", axis, shape)?;
        check_len("gather", index, index_shape)?;
        let fits = index_shape.len() == shape.len()
            && (0..shape.len()).all(|d| d == axis || index_shape[d] <= shape[d]);
        if !fits {
            return Err(Error::InvalidArgument {
                op: "gather",
                message: format!(
                    "the index shape {index_shape:?} must have the rank of the input shape \
                     {shape:?} and no dim larger than the input's except along axis {axis}"
                ),
            });
        }
        check_range("gather", index, shape[axis], shape)?;
        let scope = self.scope();
        let out = scope.alloc(index.len());
        gather(self.data(), shape, axis, index, index_shape, out);
        let index = scope.alloc_copy(index);
        Ok(scope.op(&[self], index_shape, out, Gather { axis, index }))
    }
    /// Panicking form of [`Var::try_gather`].
    #[track_caller]
    pub fn gather(self, axis: isize, index: &[usize], index_shape: &[usize]) -> Var<'g> {
        or_panic(self.try_gather(axis, index, index_shape))
    }
}

mod adjoint;
#[cfg(test)]
mod tests;
