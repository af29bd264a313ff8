//! A node of the tape: one value of the graph, its backward rule, and its gradient slot.
//!
//! Nodes live in the bump arena and are never dropped (bumpalo runs no `Drop`), so a node owns
//! no heap data: its shape, its value and everything its rule saved are arena slices. Rules are
//! required to be `Copy`, which the compiler only allows for types without `Drop` glue: a
//! rule that owned a `Vec` would not compile, so nothing can leak.
//!
//! Only nodes that require grad and were built by an op are linked into the tape (`prev`), newest
//! first. Creation order is a topological order, so backward walks `prev` and needs no sort.

use std::cell::Cell;

use super::grad_sink::GradSink;
use super::lazy::Fuse;
use super::sink::Sink;
use super::var::Var;
use crate::error::Result;

/// The backward rule of an op: given the gradient of its output, write its inputs' gradients.
///
/// A rule must produce a gradient for every input that requires grad (`sink.needs(i)`), even if
/// it is all zeros: backward marked those inputs as reached and will read their slots.
pub(crate) trait Rule<'g> {
    /// The op's name, for errors and debugging.
    fn name(&self) -> &'static str;
    /// Writes the gradients of `node`'s inputs through `sink`; `grad_out` has `node`'s shape.
    fn backward(&self, node: &Node<'g>, grad_out: &[f32], sink: &mut Sink<'_, 'g>);
    /// [`backward`](Self::backward) given the output gradient's buffer itself, which the
    /// rule may rewrite in place and hand to an input ([`Sink::take_over`]); backward calls
    /// this one. The default only reads it.
    fn backward_mut(&self, node: &Node<'g>, grad_out: &mut [f32], sink: &mut Sink<'_, 'g>) {
        self.backward(node, grad_out, sink)
    }
    /// The backward for a `grad_out` that is `g` in every element (see
    /// [`Sink::splat`]), without reading a buffer of it. Returns `false`, having written
    /// nothing, when the rule has no such form (the default): backward then materialises the
    /// buffer and calls [`backward`](Self::backward).
    fn backward_splat(&self, _node: &Node<'g>, _g: f32, _sink: &mut Sink<'_, 'g>) -> bool {
        false
    }
    /// The differentiable form of [`backward`](Self::backward), used when backward records
    /// its own computation (create_graph, or `grad`): the inputs' gradients as `Var`s built
    /// from the library's ops, stored with [`GradSink::put`]. Recording then depends on the
    /// scope: inside `no_grad` the same code computes plain values. Required, so that every
    /// op can be differentiated again.
    fn backward_graph(
        &self,
        node: &'g Node<'g>,
        grad: Var<'g>,
        sink: &mut GradSink<'_, 'g>,
    ) -> Result<()>;
    /// Computes, stores ([`Node::set_value`]) and returns the values of a node recorded
    /// without them ([`Scope::deferred`](super::scope::Scope)); only the rules of such nodes
    /// are asked.
    fn evaluate(&self, _node: &Node<'g>) -> &'g [f32] {
        unreachable!("{}: records its values", self.name())
    }
}

/// What a node is.
#[derive(Clone, Copy)]
pub(crate) enum Kind<'g> {
    /// A value that needs no gradient: an input, a detached value, or a result under no_grad.
    Const,
    /// A user leaf that requires grad; its gradient accumulates in `Node::grad` across passes.
    Leaf,
    /// A parameter of the scope's `ParamStore` (its `Param::index`); its gradient accumulates
    /// into the flat buffer at `offset`.
    Param { index: usize, offset: usize },
    /// The result of an op that requires grad.
    Op(&'g dyn Rule<'g>),
}

pub(crate) struct Node<'g> {
    pub shape: &'g [usize],
    /// The values, row-major; `None` while a fused node is pending (read through
    /// [`data`](Self::data), which evaluates it then). One field for both, and the element
    /// count of a pending node in its [`Fuse`], so that a node stays within two cache lines:
    /// a scalar graph allocates one every few instructions.
    value: Cell<Option<&'g [f32]>>,
    /// For an element-wise node recorded for fusion (`lazy.rs`): its op and scope. Kept after
    /// the values are evaluated, so backward can fuse the node's rule with its neighbours'.
    pub fuse: Option<&'g Fuse<'g>>,
    /// How many op nodes on the tape read this one (each gives it at most one gradient
    /// contribution per input slot); counted for values of fused size only (`lazy.rs`).
    pub uses: Cell<u32>,
    pub requires_grad: bool,
    pub kind: Kind<'g>,
    pub inputs: &'g [&'g Node<'g>],
    /// The op node created just before this one (the tape, newest first).
    pub prev: Option<&'g Node<'g>>,
    /// For an op: this pass's gradient, from its first contribution until its rule has run
    /// (then the buffer goes back to the scope's pool for older nodes). For a leaf: the
    /// accumulated `.grad` (`None` = PyTorch's `grad is None`). A `Cell`, not a `RefCell`:
    /// the buffer is moved out while used and moved back, so no borrow flag is kept.
    pub grad: Cell<Option<&'g mut [f32]>>,
    /// For an op: this pass's gradient when it is one value in every element and has not
    /// been materialised (`grad` is then `None`); see [`Sink::splat`].
    pub splat: Cell<Option<f32>>,
    /// The backward pass that reached this node (pass ids start at 1).
    pub mark: Cell<u32>,
    /// The backward pass whose first contribution wrote `grad`; later ones add.
    pub grad_pass: Cell<u32>,
    /// Set when a backward without retain_graph has run this node's rule.
    pub freed: Cell<bool>,
    /// Set when the node has a gradient hook or retains its gradient (`hooks.rs`).
    pub hooked: Cell<bool>,
}

impl<'g> Node<'g> {
    pub(crate) fn new(shape: &'g [usize], data: &'g [f32], kind: Kind<'g>) -> Self {
        Node {
            shape,
            value: Cell::new(Some(data)),
            fuse: None,
            uses: Cell::new(0),
            requires_grad: !matches!(kind, Kind::Const),
            kind,
            inputs: &[],
            prev: None,
            grad: Cell::new(None),
            splat: Cell::new(None),
            mark: Cell::new(0),
            grad_pass: Cell::new(0),
            freed: Cell::new(false),
            hooked: Cell::new(false),
        }
    }

    /// A fused element-wise node (of `fuse.len` elements) whose values are evaluated when
    /// first read.
    pub(crate) fn pending(shape: &'g [usize], kind: Kind<'g>, fuse: &'g Fuse<'g>) -> Self {
        let mut node = Node::new(shape, &[], kind);
        node.value = Cell::new(None);
        node.fuse = Some(fuse);
        node
    }

    pub(crate) fn numel(&self) -> usize {
        match (self.value.get(), self.fuse) {
            (Some(v), _) => v.len(),
            (None, Some(f)) => f.len,
            (None, None) => unreachable!("only a fused node is pending"),
        }
    }

    /// The values, row-major. A pending fused node is evaluated here, once.
    #[inline]
    pub(crate) fn data(&self) -> &'g [f32] {
        match self.value.get() {
            Some(v) => v,
            None => self.evaluate(),
        }
    }

    /// The values, or `None` while the node is pending (without evaluating it).
    #[inline]
    pub(crate) fn values(&self) -> Option<&'g [f32]> {
        self.value.get()
    }

    /// Whether this is a fused node whose values have not been evaluated yet.
    pub(crate) fn is_pending(&self) -> bool {
        self.value.get().is_none()
    }

    /// Stores the evaluated values of a pending node.
    pub(crate) fn set_value(&self, v: &'g [f32]) {
        debug_assert_eq!(v.len(), self.numel());
        self.value.set(Some(v));
    }
}
