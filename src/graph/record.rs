//! How ops record nodes in a scope: arena buffers for values, the tape, gradient buffers and
//! the pass counter backward uses. Crate-internal; the public side of [`Scope`] is in
//! `scope.rs`.

use std::cell::{Cell, RefCell, RefMut};

use super::node::{Kind, Node, Rule};
use super::scope::Scope;
use super::var::Var;
use crate::kernels::Acc;

impl<'g> Scope<'g> {
    pub(crate) fn alloc_node(&self, node: Node<'g>) -> &'g Node<'g> {
        self.bump.alloc(node)
    }

    /// A zero-filled `f32` buffer in the arena.
    pub(crate) fn alloc(&self, n: usize) -> &'g mut [f32] {
        if n == 1 {
            // a 0-d value: one store instead of a call to memset
            return std::slice::from_mut(self.bump.alloc(0.0f32));
        }
        self.bump.alloc_slice_fill_copy(n, 0.0f32)
    }

    /// An `f32` buffer in the arena whose contents are unspecified (stale values; NaN in debug
    /// builds): for an output or gradient that the caller writes in full before reading it.
    /// In the steady state this costs no fill (see `arena.rs`).
    #[inline] // on every op's path: see `Written::alloc`
    pub(crate) fn alloc_out(&self, n: usize) -> &'g mut [f32] {
        self.written.alloc(self.bump, n)
    }

    /// Copies a slice of plain data into the arena (shapes, indices, saved values).
    pub(crate) fn alloc_copy<T: Copy>(&self, src: &[T]) -> &'g mut [T] {
        self.bump.alloc_slice_copy(src)
    }

    /// `n` copies of `v` in the arena: a saved buffer of plain data built in place (argmax
    /// indices), with no heap temporary.
    pub(crate) fn alloc_fill<T: Copy>(&self, n: usize, v: T) -> &'g mut [T] {
        self.bump.alloc_slice_fill_copy(n, v)
    }

    /// A cell in the arena: a value that a rule (which is `Copy`) fills in after recording.
    pub(crate) fn alloc_cell<T: Copy>(&self, v: T) -> &'g std::cell::Cell<T> {
        self.bump.alloc(std::cell::Cell::new(v))
    }

    /// A copy of `shape` that lives as long as the scope. Rank 0 is one empty slice with a
    /// real address in the arena rather than a dangling one (see [`crate::shape::same`] for
    /// why). Not a `static`'s: rustc folds an empty slice of a static into a dangling pointer.
    pub(crate) fn shape_in_arena(&self, shape: &[usize]) -> &'g [usize] {
        if shape.is_empty() {
            self.scalar_shape
        } else {
            self.bump.alloc_slice_copy(shape)
        }
    }

    /// A constant of `shape` whose element `i` is `f(i)`, built in the arena (masks and
    /// derivative factors of the differentiable backward forms).
    pub(crate) fn const_from_fn(&'g self, shape: &[usize], f: impl FnMut(usize) -> f32) -> Var<'g> {
        let shape = self.shape_in_arena(shape);
        let n = shape.iter().product();
        let data = self.bump.alloc_slice_fill_iter((0..n).map(f));
        self.wrap(self.bump.alloc(Node::new(shape, data, Kind::Const)))
    }

    /// Records the result of an op. `data` must have `shape`'s element count. If any input
    /// requires grad (and recording is on) the node gets `rule` and joins the tape; otherwise
    /// it is a constant and `rule` is dropped unused.
    pub(crate) fn op<R>(
        &'g self,
        inputs: &[Var<'g>],
        shape: &[usize],
        data: &'g [f32],
        rule: R,
    ) -> Var<'g>
    where
        R: Rule<'g> + Copy + 'g,
    {
        self.op_shaped(inputs, self.shape_in_arena(shape), data, rule)
    }

    /// [`Scope::op`] with a shape that already lives in the arena (an input's shape, or one
    /// built there), which the node then shares instead of copying.
    pub(crate) fn op_shaped<R>(
        &'g self,
        inputs: &[Var<'g>],
        shape: &'g [usize],
        data: &'g [f32],
        rule: R,
    ) -> Var<'g>
    where
        R: Rule<'g> + Copy + 'g,
    {
        debug_assert_eq!(
            data.len(),
            shape.iter().product::<usize>(),
            "{}: output size",
            rule.name()
        );
        self.record(inputs, Node::new(shape, data, Kind::Const), rule, false)
    }

    /// Links `node` (built as a constant) into the graph: as an op node with `rule` on the
    /// tape when an input requires grad and recording is on, else as the constant it is.
    /// `keep_inputs`: a constant keeps its inputs too (a pending fused node reads them).
    #[inline(always)] // on every op's path: a scalar graph records a node every few instructions
    pub(crate) fn record<R>(
        &'g self,
        inputs: &[Var<'g>],
        mut node: Node<'g>,
        rule: R,
        keep_inputs: bool,
    ) -> Var<'g>
    where
        R: Rule<'g> + Copy + 'g,
    {
        let mut needs = false;
        for v in inputs {
            assert!(
                std::ptr::eq(v.scope(), self),
                "{}: a Var from another graph scope",
                rule.name()
            );
            needs |= v.requires_grad();
        }
        let recorded = needs && self.grad_enabled();
        if recorded || keep_inputs {
            // most ops have one or two inputs: copy an array rather than run an iterator
            node.inputs = match *inputs {
                [a] => self.bump.alloc_slice_copy(&[a.node()]),
                [a, b] => self.bump.alloc_slice_copy(&[a.node(), b.node()]),
                _ => self
                    .bump
                    .alloc_slice_fill_iter(inputs.iter().map(|v| v.node())),
            };
        }
        if !recorded {
            return self.wrap(self.bump.alloc(node));
        }
        for v in inputs {
            let n = v.node();
            // only a fused backward reads the count, and only of values as large as its own
            if super::lazy::counts_uses(n.numel()) {
                n.uses.set(n.uses.get() + 1);
            }
        }
        let rule: &'g dyn Rule<'g> = self.bump.alloc(rule);
        node.kind = Kind::Op(rule);
        node.requires_grad = true;
        node.prev = self.tape.get();
        let node: &'g Node<'g> = self.bump.alloc(node);
        self.tape.set(Some(node));
        self.wrap(node)
    }

    /// A buffer for an op node's gradient in this pass: a released one of the same length,
    /// or a new one. Its contents are unspecified: the first contribution writes every element.
    pub(crate) fn grad_buffer(&self, n: usize) -> &'g mut [f32] {
        match self.pool.acquire(n) {
            Some(buf) => buf,
            None => self.alloc_out(n),
        }
    }

    /// Returns a gradient (or scratch) buffer that is no longer read, for reuse.
    pub(crate) fn recycle(&self, buf: &'g mut [f32]) {
        self.pool.release(self.bump, buf)
    }

    /// Marks that a backward without retain_graph released nodes of this scope.
    pub(crate) fn set_released(&self) {
        self.released.set(true);
    }

    /// Whether any node of this scope may have been released.
    pub(crate) fn any_released(&self) -> bool {
        self.released.get()
    }

    pub(crate) fn pass(&self) -> u32 {
        self.pass.get()
    }

    pub(crate) fn next_pass(&self) -> u32 {
        let p = self.pass.get() + 1;
        self.pass.set(p);
        p
    }

    /// The store's flat gradient buffer, to store parameter `index`'s gradient into, and how:
    /// see [`param_acc`](Self::param_acc).
    pub(crate) fn param_grads_mut(&self, index: usize) -> (RefMut<'_, &'g mut [f32]>, Acc) {
        let acc = self.param_acc(index);
        (self.param_grads(), acc)
    }

    /// How parameter `index`'s next gradient contribution is stored: the first since
    /// `zero_grad` writes (the range holds zeros then, by the store's invariant, so writing
    /// equals adding without reading it: see `ParamStore::zero_grad`), later ones add. Marks
    /// the parameter as having a gradient (PyTorch's `p.grad` is no longer None).
    pub(crate) fn param_acc(&self, index: usize) -> Acc {
        if self.lent().1[index].replace(true) {
            Acc::Add
        } else {
            Acc::Write
        }
    }

    /// Whether parameter `index` was entered more than once in this scope (more than one node
    /// writes its gradient range).
    pub(crate) fn param_shared(&self, index: usize) -> bool {
        match self.params.as_ref().map(|v| &v.access) {
            Some(super::scope::Access::Lent { entered, .. }) => entered[index].get() > 1,
            _ => unreachable!("a Param node exists only in a scope with a lent store"),
        }
    }

    /// Parameter `index`'s has-grad flag.
    pub(crate) fn param_flag(&self, index: usize) -> &Cell<bool> {
        &self.lent().1[index]
    }

    /// The store's flat gradient buffer.
    pub(crate) fn param_grads(&self) -> RefMut<'_, &'g mut [f32]> {
        self.lent().0.borrow_mut()
    }

    /// The store's gradient buffer and has-grad flags.
    fn lent(&self) -> (&RefCell<&'g mut [f32]>, &'g [Cell<bool>]) {
        match self.params.as_ref().map(|v| &v.access) {
            Some(super::scope::Access::Lent {
                grads, has_grad, ..
            }) => (grads, has_grad),
            // an evaluation scope records no gradient, so it holds no Param node
            _ => unreachable!("a Param node exists only in a scope with a lent store"),
        }
    }
}
