//! What a [`CustomOp`](super::CustomOp) sees: its inputs and output as slices, the values it
//! saved, and where it writes its inputs' gradients.

use super::super::node::{Kind, Node};
use super::super::scope::Scope;
use super::super::var::Var;
use crate::error::{Error, Result};

/// A value as a custom op reads it: row-major data and its shape.
#[derive(Clone, Copy, Debug)]
pub struct TensorRef<'a> {
    /// The elements, row-major.
    pub data: &'a [f32],
    /// The dimensions (empty for a scalar).
    pub shape: &'a [usize],
}

impl<'a> TensorRef<'a> {
    pub(super) fn of(node: &Node<'a>) -> Self {
        TensorRef {
            data: node.data(),
            shape: node.shape,
        }
    }
}

/// What [`CustomOp::forward`](super::CustomOp::forward) writes: the output (once, with its
/// shape) and any values saved for backward. Everything lands in the graph's arena.
pub struct Forward<'a> {
    pub(super) scope: &'a Scope<'a>,
    pub(super) op: &'static str,
    pub(super) requires_grad: bool,
    pub(super) output: Option<(&'a [usize], &'a [f32])>,
    pub(super) saved: &'a [&'a [f32]],
}

impl<'a> Forward<'a> {
    /// Whether the output will require grad (some input does, outside `no_grad`): when
    /// `false`, backward never runs and nothing needs saving.
    pub fn requires_grad(&self) -> bool {
        self.requires_grad
    }

    /// Declares the output: `shape` and its row-major `data` (copied). Errors if `data` has
    /// not `shape`'s element count, or if the output was already declared.
    pub fn output(&mut self, shape: &[usize], data: &[f32]) -> Result<()> {
        let n = crate::shape::numel(self.op, shape)?;
        if n != data.len() {
            return Err(Error::DataLength {
                op: self.op,
                shape: shape.to_vec(),
                len: data.len(),
            });
        }
        self.output_with(shape, |out| out.copy_from_slice(data))
    }

    /// Declares an output of `shape` whose elements `fill` writes into a zeroed buffer in the
    /// arena (no copy). Errors if the output was already declared.
    pub fn output_with(&mut self, shape: &[usize], fill: impl FnOnce(&mut [f32])) -> Result<()> {
        let n = crate::shape::numel(self.op, shape)?;
        if self.output.is_some() {
            return Err(Error::InvalidArgument {
                op: self.op,
                message: "forward declared its output twice; call Forward::output (or \
                          output_with) once"
                    .into(),
            });
        }
        let buf = self.scope.alloc(n);
        fill(buf);
        self.output = Some((self.scope.shape_in_arena(shape), buf));
        Ok(())
    }

    /// Saves a copy of `values` for backward ([`Saved::saved`]`(k)` for the `k`-th save) and
    /// returns it.
    pub fn save(&mut self, values: &[f32]) -> &'a [f32] {
        self.save_with(values.len(), |buf| buf.copy_from_slice(values))
    }

    /// Saves `n` values that `fill` writes into a zeroed buffer in the arena (no copy), and
    /// returns them, for the forward to use too.
    pub fn save_with(&mut self, n: usize, fill: impl FnOnce(&mut [f32])) -> &'a [f32] {
        let buf = self.scope.alloc(n);
        fill(buf);
        let buf: &'a [f32] = buf;
        // a handful of saves per op: grow the arena list by copying it
        let bump = self.scope.bump;
        let old = self.saved;
        self.saved =
            bump.alloc_slice_fill_with(old.len() + 1, |k| old.get(k).copied().unwrap_or(buf));
        buf
    }
}

/// What the plain [`CustomOp::backward`](super::CustomOp::backward) reads: the op's inputs,
/// output and saved values, by index.
pub struct Saved<'a> {
    pub(super) inputs: &'a [&'a Node<'a>],
    pub(super) output: TensorRef<'a>,
    pub(super) saved: &'a [&'a [f32]],
}

impl<'a> Saved<'a> {
    /// Input `i` as passed to forward.
    pub fn input(&self, i: usize) -> TensorRef<'a> {
        TensorRef::of(self.inputs[i])
    }
    /// The number of inputs.
    pub fn num_inputs(&self) -> usize {
        self.inputs.len()
    }
    /// The output forward declared.
    pub fn output(&self) -> TensorRef<'a> {
        self.output
    }
    /// The `k`-th value forward saved ([`Forward::save`]).
    pub fn saved(&self, k: usize) -> &'a [f32] {
        self.saved[k]
    }
}

/// Where the plain [`CustomOp::backward`](super::CustomOp::backward) writes its inputs'
/// gradients: one zeroed buffer of each input's shape, for the inputs that need one.
pub struct InputGrads<'g> {
    pub(super) slots: &'g mut [Slot<'g>],
}

/// Input `i`'s gradient buffer (`None`: it needs none) and whether backward asked for it.
pub(super) struct Slot<'g> {
    pub buf: Option<&'g mut [f32]>,
    pub used: bool,
}

impl InputGrads<'_> {
    /// Input `i`'s gradient buffer, zeroed, of the input's shape: write or add into it (left
    /// at zero it is a zero gradient). `None` when input `i` needs no gradient. An input whose
    /// buffer is never asked for gets no gradient from this op (PyTorch's `None`).
    pub fn get(&mut self, i: usize) -> Option<&mut [f32]> {
        let slot = &mut self.slots[i];
        slot.used = true;
        slot.buf.as_deref_mut()
    }
    /// Whether input `i` needs a gradient.
    pub fn needs(&self, i: usize) -> bool {
        self.slots[i].buf.is_some()
    }
}

/// What the differentiable [`CustomOp::backward_graph`](super::CustomOp::backward_graph)
/// reads: the op's inputs and output as `Var`s of the graph, and its saved values.
pub struct SavedVars<'g> {
    pub(super) scope: &'g Scope<'g>,
    pub(super) node: &'g Node<'g>,
    pub(super) saved: &'g [&'g [f32]],
}

impl<'g> SavedVars<'g> {
    /// Input `i`, differentiable when it requires grad.
    pub fn input(&self, i: usize) -> Var<'g> {
        self.scope.wrap(self.node.inputs[i])
    }
    /// The number of inputs.
    pub fn num_inputs(&self) -> usize {
        self.node.inputs.len()
    }
    /// Whether input `i` needs a gradient (a gradient returned for one that does not is
    /// checked for shape, then dropped).
    pub fn needs(&self, i: usize) -> bool {
        self.node.inputs[i].requires_grad
    }
    /// The op's output, differentiable (a backward written from the output records
    /// through it).
    pub fn output(&self) -> Var<'g> {
        self.scope.wrap(self.node)
    }
    /// The `k`-th saved value as a constant of `shape` (no copy). A saved value is data, not
    /// a graph node: a backward that must be differentiable through it recomputes it from
    /// [`input`](Self::input) instead. Errors if `shape` does not hold its element count.
    pub fn saved(&self, k: usize, shape: &[usize]) -> Result<Var<'g>> {
        let data = self.saved[k];
        if crate::shape::numel("SavedVars::saved", shape)? != data.len() {
            return Err(Error::DataLength {
                op: "SavedVars::saved",
                shape: shape.to_vec(),
                len: data.len(),
            });
        }
        let shape = self.scope.shape_in_arena(shape);
        Ok(self
            .scope
            .wrap(self.scope.alloc_node(Node::new(shape, data, Kind::Const))))
    }
    /// The scope, to build constants.
    pub fn scope(&self) -> &'g Scope<'g> {
        self.scope
    }
}
