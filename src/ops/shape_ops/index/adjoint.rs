//! The adjoints of index_select/embedding and gather, as ops: `index_add` and `scatter_add`.
//!
//! With `S` the read of index_select (`y[.., j, ..] = x[.., idx_j, ..]`) or of gather
//! (`y[i] = x[i with i_axis = idx[i]]`), the gradient `dx = Sᵀ g` adds each output's gradient
//! back where it was read from. `Sᵀ` is linear, so its own vector-Jacobian product is
//! `(Sᵀ)ᵀ h = S h`: the backward of `index_add` is `index_select` with the same indices (and
//! of `scatter_add`, `gather`), fused or recorded. The pair closes under differentiation, so
//! the recorded gradients of these ops can be differentiated to any order.

use super::{Gather, IndexSelect};
use crate::error::Result;
use crate::graph::{GradSink, Node, Rule, Sink, Var};
use crate::kernels::layout::{gather, index_add, index_select, scatter_add};
use crate::kernels::Acc;

use crate::shape::split3;

/// `Sᵀ g` of an index_select or embedding `read` whose input had shape `x_shape`.
pub(super) fn index_add_op<'g>(g: Var<'g>, read: IndexSelect<'g>, x_shape: &[usize]) -> Var<'g> {
    let scope = g.scope();
    let (_, a, inner) = split3(x_shape, read.axis);
    let out = scope.alloc_out(x_shape.iter().product());
    index_add(g.data(), a, inner, read.indices, out, Acc::Write);
    scope.op(&[g], x_shape, out, IndexAdd(read))
}

/// `Sᵀ g` of a gather `read` whose input had shape `x_shape`.
pub(super) fn scatter_add_op<'g>(g: Var<'g>, read: Gather<'g>, x_shape: &[usize]) -> Var<'g> {
    let scope = g.scope();
    let out = scope.alloc_out(x_shape.iter().product());
    scatter_add(
        g.data(),
        read.index,
        g.shape(),
        read.axis,
        x_shape,
        out,
        Acc::Write,
    );
    scope.op(&[g], x_shape, out, ScatterAdd(read))
}

/// The node of `index_add`: its input is the gradient (shape of the read's output), its
/// output has the read's input shape.
#[derive(Clone, Copy)]
struct IndexAdd<'g>(IndexSelect<'g>);

impl<'g> Rule<'g> for IndexAdd<'g> {
    fn name(&self) -> &'static str {
        "index_add"
    }
    fn backward(&self, node: &Node<'g>, h: &[f32], sink: &mut Sink<'_, 'g>) {
        let (_, a, inner) = split3(node.shape, self.0.axis);
        let dg = sink.scratch(node.inputs[0].numel());
        index_select(h, a, inner, self.0.indices, dg);
        sink.put(0, dg);
        sink.recycle(dg);
    }
    fn backward_graph(
        &self,
        node: &'g Node<'g>,
        h: Var<'g>,
        sink: &mut GradSink<'_, 'g>,
    ) -> Result<()> {
        let scope = sink.scope();
        let (_, a, inner) = split3(node.shape, self.0.axis);
        let g_shape = node.inputs[0].shape;
        let out = scope.alloc_out(node.inputs[0].numel());
        index_select(h.data(), a, inner, self.0.indices, out);
        sink.put(0, scope.op(&[h], g_shape, out, self.0))
    }
}

/// The node of `scatter_add`: its input is the gradient (the index's shape), its output has
/// the gather's input shape.
#[derive(Clone, Copy)]
struct ScatterAdd<'g>(Gather<'g>);

impl<'g> Rule<'g> for ScatterAdd<'g> {
    fn name(&self) -> &'static str {
        "scatter_add"
    }
    fn backward(&self, node: &Node<'g>, h: &[f32], sink: &mut Sink<'_, 'g>) {
        let (x_shape, i_shape) = (node.shape, node.inputs[0].shape);
        let dg = sink.scratch(node.inputs[0].numel());
        gather(h, x_shape, self.0.axis, self.0.index, i_shape, dg);
        sink.put(0, dg);
        sink.recycle(dg);
    }
    fn backward_graph(
        &self,
        node: &'g Node<'g>,
        h: Var<'g>,
        sink: &mut GradSink<'_, 'g>,
    ) -> Result<()> {
        let scope = sink.scope();
        let (x_shape, i_shape) = (node.shape, node.inputs[0].shape);
        let out = scope.alloc_out(node.inputs[0].numel());
        gather(h.data(), x_shape, self.0.axis, self.0.index, i_shape, out);
        sink.put(0, scope.op(&[h], i_shape, out, self.0))
    }
}
