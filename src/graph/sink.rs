//! Where a backward rule writes its inputs' gradients.
//!
//! The first contribution to a gradient *writes* (`Acc::Write`), later ones *add*
//! (`Acc::Add`): a node with one consumer never has its gradient zero-filled. Leaves add into
//! their accumulated `.grad` (or write it when it is `None`). Parameters write into the store's
//! flat gradient buffer on their first contribution since `zero_grad` (which filled it with
//! zeros and cleared their has-grad flag) and add on later ones; the first also sets the flag.
//! See `ParamStore::zero_grad` for the measurements behind this.

use std::cell::Cell;

use super::node::{Kind, Node};
use super::scope::Scope;
use crate::kernels::Acc;
use crate::shape::{same, Dims};

pub(crate) struct Sink<'s, 'g> {
    scope: &'s Scope<'g>,
    node: &'g Node<'g>,
    /// Op inputs that got their first gradient of this pass from this rule (a `Cell`, so that
    /// [`with2`](Self::with2) can nest two [`with`](Self::with)s).
    reached: Cell<usize>,
    /// The input that takes over the output gradient's buffer ([`pass_through`](Self::pass_through)).
    moved: Option<&'g Node<'g>>,
}

impl<'s, 'g> Sink<'s, 'g> {
    pub(crate) fn new(scope: &'s Scope<'g>, node: &'g Node<'g>) -> Self {
        Sink {
            scope,
            node,
            reached: Cell::new(0),
            moved: None,
        }
    }

    /// The scope the rule runs in.
    pub(crate) fn scope(&self) -> &'s Scope<'g> {
        self.scope
    }

    /// How many op inputs this rule reached for the first time in this pass.
    pub(crate) fn reached(&self) -> usize {
        self.reached.get()
    }

    /// The input whose gradient is the output gradient's buffer itself: backward hands the
    /// buffer to it after the rule instead of recycling it.
    pub(crate) fn moved(&self) -> Option<&'g Node<'g>> {
        self.moved
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
    pub fn recycle(&self, buf: &'g mut [f32]) {
        self.scope.recycle(buf)
    }

    /// Calls `f` with input `i`'s gradient buffer and the mode to store into it; does nothing
    /// when input `i` needs no gradient. The buffer's contents are unspecified when the mode
    /// is [`Acc::Write`]: `f` must then write every element.
    #[inline]
    pub fn with(&self, i: usize, f: impl FnOnce(&mut [f32], Acc)) {
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
                    let buf = match input.splat.take() {
                        // a second contribution to a broadcast value: materialise it now
                        Some(v) => {
                            let buf = self.scope.grad_buffer(input.numel());
                            crate::kernels::elementwise::fill(buf, v, Acc::Write);
                            buf
                        }
                        None => input
                            .grad
                            .take()
                            .expect("reached this pass: has a gradient"),
                    };
                    f(buf, Acc::Add);
                    buf
                } else {
                    input.grad_pass.set(pass);
                    self.reached.set(self.reached.get() + 1);
                    let buf = self.scope.grad_buffer(input.numel());
                    f(buf, Acc::Write);
                    buf
                };
                input.grad.set(Some(buf));
            }
        }
    }

    /// Whether inputs 0 and 1 can take their gradients together through
    /// [`with2`](Self::with2): both need one, and they are different nodes of different
    /// parameters (so their buffers are disjoint).
    pub fn pairable(&self) -> bool {
        let (x, y) = (self.node.inputs[0], self.node.inputs[1]);
        let same_param = match (x.kind, y.kind) {
            (Kind::Param { index: i, .. }, Kind::Param { index: j, .. }) => i == j,
            _ => false,
        };
        x.requires_grad && y.requires_grad && !std::ptr::eq(x, y) && !same_param
    }

    /// Whether inputs `0..n` can take their gradients at once through nested
    /// [`with`](Self::with)s: each needs one, no two are the same node, and at most one is a
    /// parameter (a `with` of a parameter borrows the store's flat buffer).
    pub fn nestable(&self, n: usize) -> bool {
        let ins = &self.node.inputs[..n];
        let params = ins
            .iter()
            .filter(|x| matches!(x.kind, Kind::Param { .. }))
            .count();
        params <= 1
            && ins
                .iter()
                .enumerate()
                .all(|(i, &x)| x.requires_grad && ins[..i].iter().all(|&y| !std::ptr::eq(x, y)))
    }

    /// Calls `f` with the gradient buffers and modes of inputs 0 and 1 at once, for a kernel
    /// that computes both in one pass; the contract of [`with`](Self::with) holds for each.
    /// Requires [`pairable`](Self::pairable).
    // inlined into the multiply's rule: a one-element graph's step is a handful of calls like
    // this one, and codegen partitioning may otherwise leave it out of line
    #[inline]
    pub fn with2(&self, f: impl FnOnce((&mut [f32], Acc), (&mut [f32], Acc))) {
        assert!(self.pairable(), "with2: inputs that cannot be paired");
        let (x, y) = (self.node.inputs[0], self.node.inputs[1]);
        if let (
            Kind::Param {
                index: i,
                offset: o,
            },
            Kind::Param {
                index: j,
                offset: p,
            },
        ) = (x.kind, y.kind)
        {
            // one borrow of the flat buffer, split between the two (disjoint) parameters
            let (acc_x, acc_y) = (self.scope.param_acc(i), self.scope.param_acc(j));
            let mut grads = self.scope.param_grads();
            let (gx, gy) = disjoint(&mut grads, (o, x.numel()), (p, y.numel()));
            return f((gx, acc_x), (gy, acc_y));
        }
        // at most one parameter: the flat buffer is borrowed once at most
        self.with(0, |gx, acc_x| {
            self.with(1, |gy, acc_y| f((gx, acc_x), (gy, acc_y)))
        });
    }

    /// Gives input `i` the output gradient `g` itself as its gradient. When that is the
    /// input's first contribution of this pass (an op node that no other rule has reached yet
    /// and that is no other input of this node), nothing is copied: backward hands the output
    /// gradient's buffer over to the input after this rule, instead of recycling it (for
    /// `a + b` over 2²² floats that saves a 16 MB read and a 16 MB write). Otherwise `g` is
    /// stored as by [`put`](Self::put). `g` must be this rule's `grad_out` with input `i`'s
    /// shape, and this must be the rule's only contribution to input `i`.
    #[inline] // part of every add's rule (a scalar graph runs one every few nodes)
    pub fn pass_through(&mut self, i: usize, g: &[f32]) {
        if !self.take_over(i, g.len()) {
            self.put(i, g);
        }
    }

    /// Whether input `i` takes over the output gradient's buffer (of `len` elements) as its
    /// gradient: the conditions of [`pass_through`](Self::pass_through). When `true` the
    /// input counts as reached and the rule must leave input `i`'s gradient in that buffer
    /// (a unary rule rewrites it in place: `g = f'(x)·g`) and store nothing else into it.
    pub fn take_over(&mut self, i: usize, len: usize) -> bool {
        let input = self.node.inputs[i];
        let pass = self.scope.pass();
        let alone =
            (self.node.inputs.iter().enumerate()).all(|(k, &x)| k == i || !std::ptr::eq(x, input));
        let takes = matches!(input.kind, Kind::Op(_))
            && input.grad_pass.get() != pass
            && alone
            && self.moved.is_none()
            && input.numel() == len;
        if takes {
            input.grad_pass.set(pass);
            self.reached.set(self.reached.get() + 1);
            self.moved = Some(input);
        }
        takes
    }

    /// Stores `v` into every element of input `i`'s gradient: what the backward of a
    /// whole-tensor sum or mean contributes. An op node's first contribution is kept as the
    /// value alone: its rule then runs [`Rule::backward_splat`](super::Rule::backward_splat)
    /// (or gets the buffer made dense if it has none), so `tanh(x).sum()` never writes
    /// nor reads a buffer of ones. A second splat adds to the value (`v₁ + v₂`, the bits a
    /// dense buffer would hold); any other contribution materialises it first.
    pub fn splat(&self, i: usize, v: f32) {
        let input = self.node.inputs[i];
        if !input.requires_grad {
            return;
        }
        let pass = self.scope.pass();
        if matches!(input.kind, Kind::Op(_)) {
            if input.grad_pass.get() != pass {
                input.grad_pass.set(pass);
                self.reached.set(self.reached.get() + 1);
                return input.splat.set(Some(v));
            }
            if let Some(s) = input.splat.get() {
                return input.splat.set(Some(s + v));
            }
        }
        self.with(i, |out, acc| crate::kernels::elementwise::fill(out, v, acc));
    }

    /// Adds (or writes) `values`, which have input `i`'s own shape, into its gradient.
    pub fn put(&self, i: usize, values: &[f32]) {
        self.with(i, |out, acc| {
            crate::kernels::elementwise::store(out, values, acc)
        });
    }

    /// Stores `full`, a gradient of broadcast shape `full_shape`, into input `i` after summing
    /// it over the dimensions that broadcasting expanded. This is the one place where a
    /// broadcast gradient is reduced back to its input's shape. The strides are built inline
    /// ([`Dims`]), not on the heap.
    pub fn put_reduced(&self, i: usize, full: &[f32], full_shape: &[usize]) {
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

/// The ranges `x = (offset, len)` and `y` of `buf`, which must not overlap, as two slices.
fn disjoint(buf: &mut [f32], x: (usize, usize), y: (usize, usize)) -> (&mut [f32], &mut [f32]) {
    if x.0 < y.0 {
        let (lo, hi) = buf.split_at_mut(y.0);
        (&mut lo[x.0..x.0 + x.1], &mut hi[..y.1])
    } else {
        let (lo, hi) = buf.split_at_mut(x.0);
        (&mut hi[..x.1], &mut lo[y.0..y.0 + y.1])
    }
}
