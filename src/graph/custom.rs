//! Custom ops: a forward over slices and a backward of your own (PyTorch's
//! `torch.autograd.Function`).
//!
//! Implement [`CustomOp`] and apply it with [`Scope::custom`] (or [`Var::custom`] for one
//! input). The op then behaves as a built-in one: backward, [`grad`](crate::grad),
//! create_graph and `gradcheck::check` go through it.
//!
//! **Forward** reads its inputs as [`TensorRef`]s (row-major data and shape) and declares its
//! output once through [`Forward`]: [`Forward::output`] copies a slice,
//! [`Forward::output_with`] fills an arena buffer in place. [`Forward::save`] and
//! [`Forward::save_with`] keep extra values for backward (PyTorch's `save_for_backward`); the
//! inputs and the output need no saving, they live in the arena as graph values anyway.
//!
//! **Two backwards.** [`CustomOp::backward`] (required) is the fast path: it reads the inputs,
//! output and saved values as slices ([`Saved`]) with the output gradient, and writes each
//! input's gradient into a zeroed buffer of that input's shape ([`InputGrads::get`]: `None`
//! for an input that needs none; an input whose buffer it never asks for gets no gradient
//! from the op, PyTorch's `None`), so the number and shapes of its gradients are right by
//! construction and it allocates nothing on the heap.
//! [`CustomOp::backward_graph`] (optional) is the same vector-Jacobian product written with
//! `Var` ops ([`SavedVars`] gives the inputs and output as `Var`s) and returns one
//! `Option<Var>` per input: create_graph records it, so gradients through the op can be
//! differentiated again, to any order. Without it, create_graph (and `grad` with
//! create_graph) through the op is [`Error::CustomNotDifferentiable`](crate::Error); `grad`
//! without create_graph uses the plain backward. A wrong number of gradients or a gradient of
//! the wrong shape is [`Error::CustomGradCount`](crate::Error) or
//! [`Error::CustomGradShape`](crate::Error), raised before any gradient is stored.
//!
//! **Lifetimes and memory.** An op is `'static` (it cannot borrow the graph's values or
//! outside data; share large data through an `Rc` or `Arc`) and is moved in by value. When
//! the output requires grad the op is moved into the graph's arena next to its node; the arena
//! runs no `Drop`, so an op with drop glue (a `Vec`, an `Rc`) is also put on its scope's drop
//! list (linked through the arena) and dropped when the scope ends, at the end of
//! [`Graph::run`](crate::Graph::run), even on an error or a panic: nothing leaks. An op
//! without drop glue (the usual unit struct) costs only its arena bytes, and one whose output
//! needs no gradient is dropped on return. Saved values, the output and the plain backward's
//! gradient buffers are arena (or pooled) buffers too, so a training step through custom ops
//! allocates nothing on the heap unless the ops themselves do (`tests/custom_op_alloc.rs`).
//!
//! A fused SiLU, `x·σ(x)` in one pass, saving `σ(x)` for the plain backward:
//!
//! ```
//! use arenagrad::prelude::*;
//! use arenagrad::custom::{CustomOp, Forward, InputGrads, Saved, SavedVars, TensorRef};
//!
//! struct FusedSilu;
//!
//! impl CustomOp for FusedSilu {
//!     fn name(&self) -> &'static str {
//!         "fused_silu"
//!     }
//!     fn forward(&self, inputs: &[TensorRef<'_>], out: &mut Forward<'_>) -> Result<()> {
//!         let x = inputs[0];
//!         let s = out.save_with(x.data.len(), |s| {
//!             for (s, &v) in s.iter_mut().zip(x.data) {
//!                 *s = 1.0 / (1.0 + (-v).exp());
//!             }
//!         });
//!         out.output_with(x.shape, |y| {
//!             for ((y, &v), &s) in y.iter_mut().zip(x.data).zip(s) {
//!                 *y = v * s;
//!             }
//!         })
//!     }
//!     // d/dx x·σ(x) = σ(x)·(1 + x·(1 − σ(x)))
//!     fn backward(&self, saved: &Saved<'_>, grad: &[f32], grads: &mut InputGrads<'_>) {
//!         let (x, s) = (saved.input(0).data, saved.saved(0));
//!         if let Some(dx) = grads.get(0) {
//!             for (i, dx) in dx.iter_mut().enumerate() {
//!                 *dx = grad[i] * s[i] * (1.0 + x[i] * (1.0 - s[i]));
//!             }
//!         }
//!     }
//!     // the same in Var ops, σ(x) recomputed from x so that it is differentiable again
//!     fn backward_graph<'g>(
//!         &self,
//!         saved: &SavedVars<'g>,
//!         grad: Var<'g>,
//!     ) -> Result<Vec<Option<Var<'g>>>> {
//!         let x = saved.input(0);
//!         let s = x.sigmoid();
//!         Ok(vec![Some(grad * (s * (x * (1.0 - s) + 1.0)))])
//!     }
//! }
//!
//! Graph::new().run(|g| {
//!     let x = g.leaf(Tensor::from_slice(&[-1.0, 0.0, 2.0]));
//!     let y = x.custom(FusedSilu)?;
//!     let close = |a: &[f32], b: &[f32]| a.iter().zip(b).all(|(a, b)| (a - b).abs() < 1e-6);
//!     assert!(close(&y.to_vec(), &x.silu().to_vec()));
//!     // second derivative through the differentiable backward, against the built-in silu
//!     let opts = GradOptions::new().create_graph(true);
//!     let dy = grad(&[y.sum()], &[x], &opts)?[0].unwrap();
//!     let d2y = grad(&[dy.sum()], &[x], &GradOptions::new())?[0].unwrap();
//!     let ds = grad(&[x.silu().sum()], &[x], &opts)?[0].unwrap();
//!     let d2s = grad(&[ds.sum()], &[x], &GradOptions::new())?[0].unwrap();
//!     assert!(close(&dy.to_vec(), &ds.to_vec()) && close(&d2y.to_vec(), &d2s.to_vec()));
//!     // the fast path: plain backward into .grad
//!     y.sum().backward()?;
//!     assert!(close(&x.grad().unwrap().to_vec(), &ds.to_vec()));
//!     Ok(())
//! })?;
//! # Ok::<(), arenagrad::Error>(())
//! ```

mod ctx;
mod rule;

pub use ctx::{Forward, InputGrads, Saved, SavedVars, TensorRef};
pub(crate) use rule::Owned;

use super::node::{Kind, Node};
use super::scope::Scope;
use super::var::Var;
use crate::error::{Error, Result};
use rule::CustomRule;

/// An op with a forward and backward of your own (see the [module docs](self)).
pub trait CustomOp: 'static {
    /// The op's name, used in errors.
    fn name(&self) -> &'static str;

    /// Computes the output from `inputs` and declares it with [`Forward::output`] or
    /// [`Forward::output_with`] (exactly once); saves what backward needs with
    /// [`Forward::save`]. An error here is returned by [`Scope::custom`].
    fn forward(&self, inputs: &[TensorRef<'_>], out: &mut Forward<'_>) -> Result<()>;

    /// The plain (fast-path) backward: given the output gradient `grad` (of the output's
    /// shape), writes each input's gradient into [`InputGrads::get`]`(i)`.
    fn backward(&self, saved: &Saved<'_>, grad: &[f32], grads: &mut InputGrads<'_>);

    /// The differentiable backward: the inputs' gradients, one `Option` per input (`None`
    /// for one it does not differentiate), built with `Var` ops from `grad` and
    /// [`SavedVars`], so that create_graph can differentiate them again. The default has
    /// none and fails with [`Error::CustomNotDifferentiable`].
    fn backward_graph<'g>(
        &self,
        saved: &SavedVars<'g>,
        grad: Var<'g>,
    ) -> Result<Vec<Option<Var<'g>>>> {
        let _ = (saved, grad);
        Err(Error::CustomNotDifferentiable { op: self.name() })
    }
}

impl<'g> Scope<'g> {
    /// Applies the custom op `op` to `inputs`: runs its forward now and records its backward
    /// when an input requires grad (outside `no_grad`). Errors are the forward's own, and an
    /// output not declared exactly once or not matching its declared shape.
    ///
    /// ```
    /// use arenagrad::prelude::*;
    /// use arenagrad::custom::{CustomOp, Forward, InputGrads, Saved, TensorRef};
    ///
    /// /// `x·y` for inputs of one shape, with the plain backward only.
    /// struct Mul;
    ///
    /// impl CustomOp for Mul {
    ///     fn name(&self) -> &'static str {
    ///         "mul"
    ///     }
    ///     fn forward(&self, v: &[TensorRef<'_>], out: &mut Forward<'_>) -> Result<()> {
    ///         let (x, y) = (v[0], v[1]);
    ///         if x.shape != y.shape {
    ///             let (lhs, rhs) = (x.shape.to_vec(), y.shape.to_vec());
    ///             return Err(Error::ShapeMismatch { op: "mul", lhs, rhs });
    ///         }
    ///         out.output_with(x.shape, |o| {
    ///             for ((o, a), b) in o.iter_mut().zip(x.data).zip(y.data) {
    ///                 *o = a * b;
    ///             }
    ///         })
    ///     }
    ///     fn backward(&self, s: &Saved<'_>, g: &[f32], grads: &mut InputGrads<'_>) {
    ///         for (i, other) in [(0, 1), (1, 0)] {
    ///             let o = s.input(other).data;
    ///             if let Some(d) = grads.get(i) {
    ///                 for ((d, o), g) in d.iter_mut().zip(o).zip(g) {
    ///                     *d = o * g;
    ///                 }
    ///             }
    ///         }
    ///     }
    /// }
    ///
    /// Graph::new().run(|g| {
    ///     let x = g.leaf(Tensor::from_slice(&[1.0, 2.0]));
    ///     let y = g.leaf(Tensor::from_slice(&[3.0, 4.0]));
    ///     let p = g.custom(Mul, &[x, y])?;
    ///     p.sum().backward_with(&Backward::retain_graph())?;
    ///     assert_eq!(x.grad().unwrap().to_vec(), vec![3.0, 4.0]);
    ///     assert_eq!(y.grad().unwrap().to_vec(), vec![1.0, 2.0]);
    ///     // no Var-based backward: no gradient of a gradient through it
    ///     let opts = GradOptions::new().create_graph(true);
    ///     let err = grad(&[p.sum()], &[x], &opts).unwrap_err();
    ///     assert_eq!(err, Error::CustomNotDifferentiable { op: "mul" });
    ///     Ok(())
    /// })?;
    /// # Ok::<(), arenagrad::Error>(())
    /// ```
    pub fn custom<O: CustomOp>(&'g self, op: O, inputs: &[Var<'g>]) -> Result<Var<'g>> {
        let name = op.name();
        let requires_grad = self.grad_enabled() && inputs.iter().any(|v| v.requires_grad());
        let views = self
            .bump
            .alloc_slice_fill_iter(inputs.iter().map(|v| TensorRef {
                data: v.data(),
                shape: v.shape(),
            }));
        let mut out = Forward {
            scope: self,
            op: name,
            requires_grad,
            output: None,
            saved: &[],
        };
        op.forward(views, &mut out)?;
        let Some((shape, data)) = out.output else {
            return Err(Error::InvalidArgument {
                op: name,
                message: "forward returned without declaring its output; call \
                          Forward::output (or output_with) once"
                    .into(),
            });
        };
        if !requires_grad {
            return Ok(self.wrap(self.alloc_node(Node::new(shape, data, Kind::Const))));
        }
        let op: &'g dyn CustomOp = self.owned.keep(self.bump, op);
        let saved = out.saved;
        Ok(self.op_shaped(inputs, shape, data, CustomRule { op, saved }))
    }
}

impl<'g> Var<'g> {
    /// Applies the one-input custom op `op` to this value: [`Scope::custom`] with
    /// `&[self]`.
    pub fn custom<O: CustomOp>(self, op: O) -> Result<Var<'g>> {
        self.scope().custom(op, &[self])
    }
}
