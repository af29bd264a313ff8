//! Where a backward rule writes its inputs' gradients.
//!
//! The first contribution to a gradient *writes* (`Acc::Write`), later ones *add*
//! (`Acc::Add`): a node with one consumer never has its gradient zero-filled. Leaves add into
//! their accumulated `.grad` (or write it when it is `None`). Parameters write into the store's
//! flat gradient buffer on their first contribution since `zero_grad` (which filled it with
//! zeros and cleared their has-grad flag) and add on later ones; the first also sets the flag.
//! See `ParamStore::zero_grad` for the measurements behind this.

use super::node::{Kind, Node};
use super::scope::Scope;
use crate::shape::{same, Dims};

/// Whether a kernel stores into its output or adds to it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Acc {
    /// `out[i] = v`
    Write,
    /// `out[i] += v`
    Add,
}

impl Acc {
    /// Applies the mode to one element.
    #[inline(always)]
    pub fn put(self, out: &mut f32, v: f32) {
        match self {
            Acc::Write => *out = v,
            Acc::Add => *out += v,
        }
    }
}

pub(crate) struct Sink<'s, 'g> {
    scope: &'s Scope<'g>,
    node: &'s Node<'g>,
    /// Op inputs that got their first gradient of this pass from this rule.
    reached: usize,
}

impl<'s, 'g> Sink<'s, 'g> {
    pub(crate) fn new(scope: &'s Scope<'g>, node: &'s Node<'g>) -> Self {
        Sink {
            scope,
            node,
            reached: 0,
        }
    }

    /// How many op inputs this rule reached for the first time in this pass.
    pub(crate) fn reached(&self) -> usize {
        self.reached
    }

    /// Whether input `i` needs a gradient.
    pub fn needs(&self, i: usize) -> bool {
        self.node.inputs[i].requires_grad
    }

    /// A zeroed scratch buffer, from the scope's pool of released gradient buffers when one of
    /// that length is free. Hand it back with [`recycle`](Self::recycle) once read.
    pub fn scratch(&self, n: usize) -> &'g mut [f32] {
        let buf = self.scope.grad_buffer(n);
        buf.fill(0.0);
        buf
    }

    /// Returns a [`scratch`](Self::scratch) buffer to the pool, for later gradients.
    #[allow(dead_code)] // for rules that use scratch buffers
    pub fn recycle(&self, buf: &'g mut [f32]) {
        self.scope.recycle(buf)
    }

    /// Calls `f` with input `i`'s gradient buffer and the mode to store into it; does nothing
    /// when input `i` needs no gradient. The buffer's contents are unspecified when the mode
    /// is [`Acc::Write`]: `f` must then write every element.
    #[inline]
    pub fn with(&mut self, i: usize, f: impl FnOnce(&mut [f32], Acc)) {
        let input = self.node.inputs[i];
        if !input.requires_grad {
            return;
        }
        match input.kind {
            Kind::Const => {}
            Kind::Param { index, offset } => {
                let (mut grads, acc) = self.scope.param_grads_mut(index);
                f(&mut grads[offset..offset + input.numel()], acc);
            }
            Kind::Leaf => {
                let buf = match input.grad.take() {
                    Some(buf) => {
                        f(buf, Acc::Add);
                        buf
                    }
                    None => {
                        let buf = self.scope.alloc_out(input.numel());
                        f(buf, Acc::Write);
                        buf
                    }
                };
                input.grad.set(Some(buf));
            }
            Kind::Op(_) => {
                let pass = self.scope.pass();
                let buf = if input.grad_pass.get() == pass {
                    let buf = input
                        .grad
                        .take()
                        .expect("reached this pass: has a gradient");
                    f(buf, Acc::Add);
                    buf
                } else {
                    input.grad_pass.set(pass);
                    self.reached += 1;
                    let buf = self.scope.grad_buffer(input.numel());
                    f(buf, Acc::Write);
                    buf
                };
                input.grad.set(Some(buf));
            }
        }
    }

    /// Adds (or writes) `values`, which have input `i`'s own shape, into its gradient.
    pub fn put(&mut self, i: usize, values: &[f32]) {
        self.with(i, |out, acc| {
            crate::kernels::elementwise::store(out, values, acc)
        });
    }

    /// Stores `full`, a gradient of broadcast shape `full_shape`, into input `i` after summing
    /// it over the dimensions that broadcasting expanded. This is the one place where a
    /// broadcast gradient is reduced back to its input's shape. The strides are built inline
    /// ([`Dims`]), not on the heap.
    pub fn put_reduced(&mut self, i: usize, full: &[f32], full_shape: &[usize]) {
        let input = self.node.inputs[i];
        if same(input.shape, full_shape) {
            return self.put(i, full);
        }
        let bstrides = Dims::broadcast_strides(input.shape, full_shape);
        self.with(i, |out, acc| {
            crate::kernels::reduce::sum_to_broadcast(full, full_shape, &bstrides, out, acc)
        });
    }
}
