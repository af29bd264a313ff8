//! `Scope<'g>`: the handle a graph closure receives; it allocates nodes in the arena.
//!
//! All state is in `Cell`s because the scope is shared (`&'g Scope<'g>`) by every `Var` built
//! in it; that also makes it `!Sync`, so a graph is built on one thread.

use std::cell::{Cell, RefCell, RefMut};
use std::marker::PhantomData;

use bumpalo::Bump;

use super::arena::Written;
use super::node::{Kind, Node};
use super::pool::Pool;
use super::var::Var;
use crate::error::{Error, Result};
use crate::params::{Buffer, Param, StoreView};
use crate::shape::numel;
use crate::tensor::Tensor;

/// The parameters a scope runs with: the store's layout and values (read in place), and what
/// the scope may change in it.
pub(crate) struct ParamsView<'g> {
    pub store: StoreView<'g>,
    pub access: Access<'g>,
}

/// How a scope holds its store: lent for training (`Graph::run_with`) or shared for
/// evaluation (`Graph::eval_with`, see `eval.rs`).
pub(crate) enum Access<'g> {
    /// The writable flat gradient buffer, the per-parameter has-grad flags backward sets, and
    /// each buffer's values, lent out one at a time (`Scope::buffer_mut`).
    Lent {
        grads: RefCell<&'g mut [f32]>,
        has_grad: &'g [Cell<bool>],
        /// How many times each parameter was entered ([`Scope::param`]) with grad enabled:
        /// a fused backward writes a parameter's range only when one node holds it.
        entered: &'g [Cell<u32>],
        buffers: &'g [RefCell<&'g mut [f32]>],
    },
    /// Nothing to write: the buffers' flat values, read in place (a `&ParamStore` shared by
    /// any number of scopes).
    Shared { buffers: &'g [f32] },
}

/// The builder of one graph: creates leaves, inputs and parameters, and (through `Var`'s
/// methods) op nodes. Obtained from [`Graph::run`](crate::Graph::run),
/// [`Graph::run_with`](crate::Graph::run_with) or [`Graph::eval_with`](crate::Graph::eval_with);
/// it cannot outlive that call.
pub struct Scope<'g> {
    pub(super) bump: &'g Bump,
    pub(super) params: Option<ParamsView<'g>>,
    pub(super) tape: Cell<Option<&'g Node<'g>>>,
    no_grad: Cell<u32>,
    pub(super) pass: Cell<u32>,
    /// Whether a backward without retain_graph has run: only then can a node be released,
    /// and only then does backward pre-walk the graph to check for one.
    pub(super) released: Cell<bool>,
    /// Gradient buffers free for reuse (see `pool.rs`).
    pub(super) pool: Pool<'g>,
    /// Where the arena's bytes are known to be written (buffers there need no zero-fill).
    pub(super) written: Written,
    /// The shape of every 0-d node: empty, but pointing into the arena (see `shape_in_arena`).
    pub(super) scalar_shape: &'g [usize],
    /// The differentiable gradients of leaves and parameters left by backward with
    /// create_graph ([`Var::grad_var`]), by node.
    pub(super) grad_vars: RefCell<Vec<(*const Node<'g>, Var<'g>)>>,
    /// Gradient hooks and retained gradients (`hooks.rs`).
    pub(super) hooks: super::hooks::Hooks<'g>,
    /// The custom ops of this scope that need dropping (see `custom/rule.rs`).
    pub(super) owned: super::custom::Owned,
    /// `'g` is invariant: vars of two different scopes never unify.
    _invariant: PhantomData<Cell<&'g ()>>,
}

impl<'g> Scope<'g> {
    pub(crate) fn new(bump: &'g Bump, written: Written, params: Option<ParamsView<'g>>) -> Self {
        // an evaluation scope is a no_grad block that never ends
        let eval = matches!(
            params,
            Some(ParamsView {
                access: Access::Shared { .. },
                ..
            })
        );
        Scope {
            bump,
            written,
            params,
            tape: Cell::new(None),
            no_grad: Cell::new(u32::from(eval)),
            pass: Cell::new(0),
            released: Cell::new(false),
            pool: Pool::new(),
            grad_vars: RefCell::new(Vec::new()),
            hooks: Default::default(),
            owned: Default::default(),
            scalar_shape: &bump.alloc_slice_fill_copy(1, 0usize)[..0],
            _invariant: PhantomData,
        }
    }

    /// A leaf that requires grad, like `torch.tensor(.., requires_grad=True)`. Its gradient
    /// accumulates across backward calls within this scope; read it with [`Var::grad`].
    ///
    /// ```
    /// use arenagrad::prelude::*;
    /// Graph::new().run(|g| {
    ///     let x = g.leaf(Tensor::scalar(4.0));
    ///     assert!(x.requires_grad() && x.grad().is_none());
    ///     Ok(())
    /// }).unwrap();
    /// ```
    pub fn leaf(&'g self, t: impl std::borrow::Borrow<Tensor>) -> Var<'g> {
        let t = t.borrow();
        self.node_from(t.shape(), t.data(), Kind::Leaf)
    }

    /// A constant input (no gradient), copied into the arena.
    pub fn input(&'g self, t: impl std::borrow::Borrow<Tensor>) -> Var<'g> {
        let t = t.borrow();
        self.node_from(t.shape(), t.data(), Kind::Const)
    }

    /// A constant input from a slice and a shape.
    pub fn try_input_slice(&'g self, data: &[f32], shape: &[usize]) -> Result<Var<'g>> {
        let n = numel("input", shape)?;
        if n != data.len() {
            return Err(Error::DataLength {
                op: "input",
                shape: shape.to_vec(),
                len: data.len(),
            });
        }
        Ok(self.node_from(shape, data, Kind::Const))
    }

    /// A constant scalar.
    pub fn scalar(&'g self, v: f32) -> Var<'g> {
        self.node_from(&[], &[v], Kind::Const)
    }

    /// A parameter of the store this scope runs with; backward adds its gradient into the
    /// store's flat gradient buffer. Errors if the scope has no store or `p` is another
    /// store's handle.
    pub fn try_param(&'g self, p: Param) -> Result<Var<'g>> {
        let Some(view) = &self.params else {
            return Err(Error::ForeignParam {
                op: "Scope::param",
                name: crate::params::describe(p),
            });
        };
        let Some(meta) = view.store.meta(p) else {
            return Err(Error::ForeignParam {
                op: "Scope::param",
                name: crate::params::describe(p),
            });
        };
        let offset = meta.offset;
        // The value is borrowed from the store, not copied: the store is borrowed for 'g.
        let data = &view.store.data[offset..offset + meta.numel];
        let shape = self.shape_in_arena(&meta.shape);
        let kind = if self.grad_enabled() {
            if let Access::Lent { entered, .. } = &view.access {
                let e = &entered[p.index()];
                e.set(e.get().saturating_add(1));
            }
            Kind::Param {
                index: p.index(),
                offset,
            }
        } else {
            Kind::Const
        };
        Ok(self.wrap(self.bump.alloc(Node::new(shape, data, kind))))
    }

    /// The values of buffer `b` of the store this scope runs with, to read or update during
    /// the forward pass (batch norm's running statistics in training mode). Errors if the
    /// scope has no store, `b` is another store's handle, or `b` is already lent out.
    ///
    /// ```
    /// use arenagrad::prelude::*;
    /// let mut params = ParamStore::new();
    /// let count = params.add_buffer("num_batches_tracked", Tensor::scalar(0.0))?;
    /// let mut graph = Graph::new();
    /// for _ in 0..3 {
    ///     graph.run_with(&mut params, |g| {
    ///         g.buffer_mut(count)?[0] += 1.0;
    ///         Ok(())
    ///     })?;
    /// }
    /// assert_eq!(params.buffer(count), &[3.0]);
    /// # Ok::<(), arenagrad::Error>(())
    /// ```
    pub fn buffer_mut(&'g self, b: Buffer) -> Result<RefMut<'g, [f32]>> {
        let op = "Scope::buffer_mut";
        let cells = match self.params.as_ref().map(|v| &v.access) {
            Some(Access::Lent { buffers, .. }) => Some(buffers),
            Some(Access::Shared { .. }) => return Err(Error::EvalScope { op }),
            None => None,
        };
        let cell = cells
            .zip(self.params.as_ref())
            .and_then(|(cells, v)| Some(&cells[v.store.buffer_index(b)?]))
            .ok_or_else(|| foreign_buffer(op, b))?;
        let buf = cell.try_borrow_mut().map_err(|_| Error::InvalidArgument {
            op,
            message: format!(
                "buffer #{} is already lent out in this graph; drop the first borrow before \
                 taking it again",
                b.index()
            ),
        })?;
        Ok(RefMut::map(buf, |s| &mut **s))
    }

    /// Panicking form of [`Scope::try_param`].
    #[track_caller]
    pub fn param(&'g self, p: Param) -> Var<'g> {
        crate::error::or_panic(self.try_param(p))
    }

    /// Runs `f` with gradient recording off, like `with torch.no_grad():`. Values built inside
    /// do not require grad and record no backward rule.
    ///
    /// ```
    /// use arenagrad::prelude::*;
    /// Graph::new().run(|g| {
    ///     let x = g.leaf(Tensor::scalar(4.0));
    ///     let y = g.no_grad(|| x * 2.0);
    ///     assert!(!y.requires_grad());
    ///     assert!(y.backward().is_err());
    ///     Ok(())
    /// }).unwrap();
    /// ```
    pub fn no_grad<R>(&self, f: impl FnOnce() -> R) -> R {
        struct Restore<'a>(&'a Cell<u32>);
        impl Drop for Restore<'_> {
            fn drop(&mut self) {
                self.0.set(self.0.get() - 1);
            }
        }
        self.no_grad.set(self.no_grad.get() + 1);
        let _restore = Restore(&self.no_grad);
        f()
    }

    /// Whether ops record backward rules here (false inside [`Scope::no_grad`]).
    pub fn grad_enabled(&self) -> bool {
        self.no_grad.get() == 0
    }

    /// Bytes the arena has allocated so far (all chunks).
    pub fn arena_bytes(&self) -> usize {
        self.bump.allocated_bytes()
    }

    /// Bytes of the arena in use: [`arena_bytes`](Self::arena_bytes) less what is left in the
    /// current chunk (exact while the arena is one chunk, as it is from a graph's second run
    /// on; with several chunks the unused tails of the older ones count as used).
    ///
    /// ```
    /// use arenagrad::prelude::*;
    /// Graph::new().run(|g| {
    ///     let before = g.arena_used();
    ///     g.input(Tensor::zeros(&[1000])?);
    ///     assert!(g.arena_used() - before >= 4000);
    ///     Ok(())
    /// }).unwrap();
    /// ```
    pub fn arena_used(&self) -> usize {
        self.bump.allocated_bytes() - self.bump.chunk_capacity()
    }

    // ---- crate-internal: used by ops and backward ----

    pub(crate) fn wrap(&'g self, node: &'g Node<'g>) -> Var<'g> {
        Var::new(node, self)
    }

    /// A constant of `shape` with `v` in every element.
    pub(crate) fn full_const(&'g self, shape: &[usize], v: f32) -> Var<'g> {
        let shape = self.shape_in_arena(shape);
        let data = self.bump.alloc_slice_fill_copy(shape.iter().product(), v);
        self.wrap(self.bump.alloc(Node::new(shape, data, Kind::Const)))
    }

    /// The differentiable gradient backward with create_graph left for `node`.
    pub(crate) fn grad_var_of(&self, node: &Node<'g>) -> Option<Var<'g>> {
        let key = node as *const Node<'g>;
        let vars = self.grad_vars.borrow();
        vars.iter().find(|(k, _)| *k == key).map(|&(_, v)| v)
    }

    /// Keeps `g` as `node`'s differentiable gradient.
    pub(crate) fn set_grad_var(&self, node: &Node<'g>, g: Var<'g>) {
        let key = node as *const Node<'g>;
        let mut vars = self.grad_vars.borrow_mut();
        match vars.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => slot.1 = g,
            None => vars.push((key, g)),
        }
    }

    /// Forgets `node`'s differentiable gradient (its `.grad` was zeroed or cleared).
    pub(crate) fn clear_grad_var(&self, node: &Node<'g>) {
        let key = node as *const Node<'g>;
        self.grad_vars.borrow_mut().retain(|(k, _)| *k != key);
    }

    fn node_from(&'g self, shape: &[usize], data: &[f32], kind: Kind<'g>) -> Var<'g> {
        let shape = self.shape_in_arena(shape);
        let data = self.bump.alloc_slice_copy(data);
        let kind = if matches!(kind, Kind::Leaf) && !self.grad_enabled() {
            Kind::Const
        } else {
            kind
        };
        self.wrap(self.bump.alloc(Node::new(shape, data, kind)))
    }
}

/// The error for a buffer handle of another store (or a scope without one).
pub(super) fn foreign_buffer(op: &'static str, b: Buffer) -> Error {
    Error::InvalidArgument {
        op,
        message: format!(
            "buffer #{} does not belong to the ParamStore this graph runs with; run the graph \
             with Graph::run_with(&mut store, ..) or Graph::eval_with(&store, ..) on the store \
             that registered it",
            b.index()
        ),
    }
}
