//! `Var<'g>`: a `Copy` handle to a value in a graph scope.
//!
//! A `Var` is two pointers: its node and its scope, both arena-lived for `'g`. The lifetime is
//! invariant and tied to the closure of [`Graph::run`](crate::Graph::run), so a `Var` cannot be
//! returned out of it, stored beyond it, or mixed with another scope's vars.

use std::fmt;
use std::marker::PhantomData;

use super::node::{Kind, Node};
use super::scope::Scope;
use crate::error::{or_panic, Result};
use crate::tensor::Tensor;

/// A value in a graph: the result of an op, a leaf, an input or a parameter.
#[derive(Clone, Copy)]
pub struct Var<'g> {
    node: &'g Node<'g>,
    scope: &'g Scope<'g>,
    _invariant: PhantomData<std::cell::Cell<&'g ()>>,
}

impl fmt::Debug for Var<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Var")
            .field("shape", &self.node.shape)
            .field("requires_grad", &self.node.requires_grad)
            .finish()
    }
}

impl<'g> Var<'g> {
    pub(crate) fn new(node: &'g Node<'g>, scope: &'g Scope<'g>) -> Self {
        Var {
            node,
            scope,
            _invariant: PhantomData,
        }
    }
    pub(crate) fn node(&self) -> &'g Node<'g> {
        self.node
    }
    /// The scope this value lives in (to build constants next to it).
    pub fn scope(&self) -> &'g Scope<'g> {
        self.scope
    }

    /// The dimensions.
    pub fn shape(&self) -> &'g [usize] {
        self.node.shape
    }
    /// The number of dimensions.
    pub fn rank(&self) -> usize {
        self.node.shape.len()
    }
    /// The number of elements.
    pub fn numel(&self) -> usize {
        self.node.numel()
    }
    /// The value, row-major, borrowed from the arena.
    pub fn data(&self) -> &'g [f32] {
        self.node.data()
    }
    /// The sum of the values in `f64` ([`kernels::reduce::sum64`](crate::kernels::reduce::sum64)),
    /// computed without storing them when they are pending (`lazy.rs`).
    pub(crate) fn sum64(&self) -> f64 {
        super::lazy::sum64(self.node)
    }
    /// The value as an owned [`Tensor`].
    pub fn to_tensor(&self) -> Tensor {
        Tensor::new(self.node.data().to_vec(), self.node.shape)
            .expect("a node's data matches its shape")
    }
    /// The value as a `Vec`.
    pub fn to_vec(&self) -> Vec<f32> {
        self.node.data().to_vec()
    }
    /// The single value of a one-element var, or an error naming its shape.
    pub fn try_item(&self) -> Result<f32> {
        match self.node.data() {
            &[v] => Ok(v),
            _ => self.to_tensor().try_item(), // the error, which names the shape
        }
    }
    /// The single value of a one-element var; panics otherwise.
    #[track_caller]
    pub fn item(&self) -> f32 {
        or_panic(self.try_item())
    }
    /// Whether gradients flow to this value (a leaf, a parameter, or an op on one, outside
    /// `no_grad`).
    pub fn requires_grad(&self) -> bool {
        self.node.requires_grad
    }
    /// Whether this is a leaf of the graph (anything not produced by an op that records a
    /// backward rule), as PyTorch's `is_leaf`.
    pub fn is_leaf(&self) -> bool {
        !matches!(self.node.kind, Kind::Op(_))
    }

    /// The accumulated gradient of a leaf, `None` before any backward reached it (PyTorch's
    /// `.grad`). Intermediate values return `None` unless [`retain_grad`](Self::retain_grad)
    /// was called on them, as in PyTorch. For a
    /// parameter, read the gradient from the `ParamStore` after the scope ends.
    pub fn grad(&self) -> Option<Tensor> {
        if let Kind::Op(_) = self.node.kind {
            let g = self.scope.retained(self.node)?;
            return Some(Tensor::new(g.to_vec(), self.node.shape).expect("grad matches shape"));
        }
        if !matches!(self.node.kind, Kind::Leaf) {
            return None;
        }
        let slot = self.node.grad.take();
        let t = slot
            .as_deref()
            .map(|g| Tensor::new(g.to_vec(), self.node.shape).expect("grad matches shape"));
        self.node.grad.set(slot);
        t
    }
    /// The gradient of this leaf or parameter as a `Var`, left by the last
    /// [`Backward::create_graph`] pass that reached it: a graph node when that gradient
    /// depends on values that require grad, so it can be differentiated again (PyTorch's
    /// `x.grad` after `backward(create_graph=True)`). `None` otherwise.
    pub fn grad_var(&self) -> Option<Var<'g>> {
        self.scope.grad_var_of(self.node)
    }
    /// Keeps this intermediate value's gradient, so that [`grad`](Self::grad) returns it after
    /// backward (PyTorch's `retain_grad()`); it accumulates over backward passes as a leaf's
    /// does. Does nothing on a value that does not require grad; a leaf keeps its gradient
    /// anyway.
    ///
    /// ```
    /// use arenagrad::prelude::*;
    /// Graph::new().run(|g| {
    ///     let x = g.leaf(Tensor::scalar(3.0));
    ///     let h = x * x;
    ///     h.retain_grad();
    ///     (h * 2.0).backward()?;
    ///     assert_eq!(h.grad().unwrap().item(), 2.0);
    ///     Ok(())
    /// }).unwrap();
    /// ```
    pub fn retain_grad(&self) {
        if let Kind::Op(_) = self.node.kind {
            self.scope.add_retain(self.node);
        }
    }

    /// Registers a gradient hook (PyTorch's `register_hook`): during each backward that
    /// reaches this value, `f` receives the gradient flowing into it as a `Var` and may return
    /// a replacement of the same shape (`None` keeps it). On an op's result the hook runs
    /// once its gradient is complete, before it flows on; on a leaf or a parameter it runs on
    /// the pass's whole gradient before that is accumulated into `.grad` (for a parameter, at
    /// the end of the pass). In a recorded backward (create_graph) the gradient is a graph
    /// node and what `f` builds is recorded too. A replacement of another shape makes
    /// backward fail with [`Error::GradShape`](crate::Error::GradShape) (the pass stops
    /// midway). Does nothing on a value that does not require grad.
    ///
    /// The hook is `'static` and works for any scope: it owns what it captures (share state
    /// through an `Rc<Cell<..>>`), and builds from the gradient `Var` it is given (its
    /// `scope()` makes constants).
    ///
    /// ```
    /// use arenagrad::prelude::*;
    /// Graph::new().run(|g| {
    ///     let x = g.leaf(Tensor::from_slice(&[1.0, -2.0]));
    ///     x.register_hook(|grad| Some(grad.clamp(Some(-1.0), Some(1.0))));   // clip what reaches x
    ///     (x * 5.0).sum().backward()?;
    ///     assert_eq!(x.grad().unwrap().to_vec(), vec![1.0, 1.0]);
    ///     Ok(())
    /// }).unwrap();
    /// ```
    pub fn register_hook(&self, f: impl for<'a> Fn(Var<'a>) -> Option<Var<'a>> + 'static) {
        if self.node.requires_grad {
            self.scope.add_hook(self.node, std::rc::Rc::new(f));
        }
    }

    /// Sets a leaf's gradient to zeros in place if it has one (`x.grad.zero_()`).
    pub fn zero_grad(&self) {
        if !matches!(self.node.kind, Kind::Leaf) {
            return;
        }
        let mut slot = self.node.grad.take();
        if let Some(g) = slot.as_deref_mut() {
            g.fill(0.0);
        }
        self.node.grad.set(slot);
        self.scope.clear_grad_var(self.node);
    }
    /// Sets a leaf's gradient to `None` (`x.grad = None`, PyTorch's `set_to_none`); the next
    /// backward writes it instead of adding.
    pub fn set_grad_none(&self) {
        if matches!(self.node.kind, Kind::Leaf) {
            self.node.grad.set(None);
            self.scope.clear_grad_var(self.node);
        }
    }
    /// The same value cut from the graph: a constant that shares the data (no copy).
    ///
    /// ```
    /// use arenagrad::prelude::*;
    /// Graph::new().run(|g| {
    ///     let x = g.leaf(Tensor::scalar(3.0));
    ///     let y = x * x.detach();          // d/dx = detach(x) = 3
    ///     y.backward()?;
    ///     assert_eq!(x.grad().unwrap().item(), 3.0);
    ///     Ok(())
    /// }).unwrap();
    /// ```
    pub fn detach(&self) -> Var<'g> {
        let node = Node::new(self.node.shape, self.node.data(), Kind::Const);
        self.scope.wrap(self.scope.alloc_node(node))
    }

    /// Backpropagates from this scalar: seeds 1 and accumulates into every leaf and parameter
    /// it depends on. Releases the graph: a second call is [`Error::GraphFreed`](crate::Error)
    /// unless this call used [`Backward::retain_graph`].
    ///
    /// Unlike PyTorch, which raises only when a node needed saved tensors, a second backward
    /// through any node of a released graph is an error here.
    pub fn backward(&self) -> Result<()> {
        super::backward::run(*self, &Backward::default())
    }
    /// Backpropagates with options: an explicit output gradient and/or retain_graph.
    ///
    /// ```
    /// use arenagrad::prelude::*;
    /// Graph::new().run(|g| {
    ///     let x = g.leaf(Tensor::scalar(4.0));
    ///     let f = x.powf(3.0);
    ///     f.backward_with(&Backward::retain_graph())?;
    ///     f.backward()?;                                  // 48 + 48
    ///     assert_eq!(x.grad().unwrap().item(), 96.0);
    ///     assert!(f.backward().is_err());                 // released now
    ///     Ok(())
    /// }).unwrap();
    /// ```
    pub fn backward_with(&self, opts: &Backward) -> Result<()> {
        super::backward::run(*self, opts)
    }
}

/// Options of [`Var::backward_with`]: PyTorch's `gradient=` and `retain_graph=`.
///
/// ```
/// use arenagrad::prelude::*;
/// let opts = Backward::retain_graph().with_gradient(Tensor::ones(&[3]).unwrap());
/// assert!(opts.retains_graph());
/// ```
#[derive(Clone, Debug, Default)]
pub struct Backward {
    retain: bool,
    create: bool,
    gradient: Option<Tensor>,
}

impl Backward {
    /// Keep the graph for another backward pass.
    pub fn retain_graph() -> Self {
        Backward {
            retain: true,
            create: false,
            gradient: None,
        }
    }
    /// Record the backward pass as graph nodes, so that the gradients it produces can be
    /// differentiated again (PyTorch's `create_graph=True`; implies retain_graph). Leaves and
    /// parameters still accumulate the values; their gradients as `Var`s are
    /// [`Var::grad_var`].
    ///
    /// ```
    /// use arenagrad::prelude::*;
    /// Graph::new().run(|g| {
    ///     let x = g.leaf(Tensor::scalar(4.0));
    ///     x.powf(3.0).backward_with(&Backward::create_graph())?;
    ///     let dx = x.grad_var().unwrap();                   // 3x² = 48, a graph node
    ///     x.zero_grad();
    ///     dx.backward()?;                                   // d(3x²)/dx = 6x = 24
    ///     assert_eq!(x.grad().unwrap().item(), 24.0);
    ///     Ok(())
    /// }).unwrap();
    /// ```
    pub fn create_graph() -> Self {
        Backward {
            retain: true,
            create: true,
            gradient: None,
        }
    }
    /// Use `g` as the output's gradient (needed for a non-scalar output).
    pub fn gradient(g: Tensor) -> Self {
        Backward {
            retain: false,
            create: false,
            gradient: Some(g),
        }
    }
    /// Adds an explicit output gradient to these options.
    pub fn with_gradient(mut self, g: Tensor) -> Self {
        self.gradient = Some(g);
        self
    }
    /// Whether these options keep the graph (create_graph implies it).
    pub fn retains_graph(&self) -> bool {
        self.retain || self.create
    }
    /// Whether these options record the backward pass.
    pub fn creates_graph(&self) -> bool {
        self.create
    }
    pub(crate) fn output_gradient(&self) -> Option<&Tensor> {
        self.gradient.as_ref()
    }
}
