//! Backward recorded as graph nodes: `grad` (PyTorch's `torch.autograd.grad`) and backward
//! with create_graph.
//!
//! The walk is the one of `backward.rs` (tape order is topological, newest first), but a
//! gradient is a `Var` rather than a buffer, and each rule runs its differentiable form
//! ([`Rule::backward_graph`](super::Rule::backward_graph)), written with the library's own
//! ops. With create_graph those ops record nodes in the same arena, after the forward's, so
//! the gradients can be differentiated again, to any order; without it the same code runs
//! under `no_grad` and computes plain values. The fused backward of `backward.rs` is
//! untouched: a training step that never asks for a second derivative pays nothing for this.
//!
//! Nothing is written before the walk has succeeded: `grad` touches no `.grad` at all, and
//! backward with create_graph stores into leaves and parameters only at the end, so an error
//! (a custom op without a differentiable backward, a hook's bad replacement) leaves every
//! gradient as it was.

use super::backward::check_not_released;
use super::grad_sink::{GradSink, Grads};
use super::node::{Kind, Node};
use super::scope::Scope;
use super::var::Var;
use crate::error::{Error, Result};
use crate::kernels::Acc;

/// Options of [`grad`]: PyTorch's `grad_outputs`, `retain_graph`, `create_graph` and
/// `allow_unused`.
///
/// ```
/// use arenagrad::prelude::*;
/// let opts = GradOptions::new().create_graph(true).allow_unused(true);
/// assert!(opts.creates_graph() && opts.retains_graph());
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct GradOptions<'a, 'g> {
    grad_outputs: Option<&'a [Var<'g>]>,
    retain: Option<bool>,
    create: bool,
    allow_unused: bool,
}

impl<'a, 'g> GradOptions<'a, 'g> {
    /// Scalar outputs seeded with 1, graph released, no graph recorded, unused inputs an error.
    pub fn new() -> Self {
        Self::default()
    }
    /// The gradients of the outputs (one per output, of its shape); needed for outputs with
    /// more than one element. With create_graph they may themselves require grad.
    pub fn grad_outputs(mut self, g: &'a [Var<'g>]) -> Self {
        self.grad_outputs = Some(g);
        self
    }
    /// Keep the graph for another backward (default: the value of create_graph).
    pub fn retain_graph(mut self, retain: bool) -> Self {
        self.retain = Some(retain);
        self
    }
    /// Record the backward as graph nodes, so the gradients can be differentiated again.
    pub fn create_graph(mut self, create: bool) -> Self {
        self.create = create;
        self
    }
    /// Give `None` for an input the outputs do not use, instead of an error.
    pub fn allow_unused(mut self, allow: bool) -> Self {
        self.allow_unused = allow;
        self
    }
    /// Whether the graph is kept: PyTorch's rule, create_graph implies retain_graph unless
    /// retain_graph was set.
    pub fn retains_graph(&self) -> bool {
        self.retain.unwrap_or(self.create)
    }
    /// Whether the backward is recorded.
    pub fn creates_graph(&self) -> bool {
        self.create
    }
}

/// The gradients of `outputs` with respect to `inputs`, returned as `Var`s of the same scope
/// instead of accumulated into `.grad` (PyTorch's `torch.autograd.grad`). With
/// [`GradOptions::create_graph`] they are graph nodes themselves and can be differentiated
/// again; `None` is returned for an input the outputs do not use when
/// [`GradOptions::allow_unused`] is set.
///
/// ```
/// use arenagrad::prelude::*;
/// Graph::new().run(|g| {
///     let x = g.leaf(Tensor::scalar(4.0));
///     let f = x.powf(3.0);
///     let opts = GradOptions::new().create_graph(true);
///     let df = grad(&[f], &[x], &opts)?[0].unwrap();        // 3x² = 48
///     let d2f = grad(&[df], &[x], &GradOptions::new())?[0].unwrap(); // 6x = 24
///     assert_eq!((df.item(), d2f.item()), (48.0, 24.0));
///     assert!(x.grad().is_none());                            // .grad untouched
///     Ok(())
/// }).unwrap();
/// ```
pub fn grad<'g>(
    outputs: &[Var<'g>],
    inputs: &[Var<'g>],
    opts: &GradOptions<'_, 'g>,
) -> Result<Vec<Option<Var<'g>>>> {
    let Some(first) = outputs.first() else {
        return Err(Error::InvalidArgument {
            op: "grad",
            message: "no outputs given; pass at least one output to differentiate".into(),
        });
    };
    let scope = first.scope();
    if scope.is_eval() {
        return Err(Error::EvalScope { op: "grad" });
    }
    for (k, x) in inputs.iter().enumerate() {
        if !std::ptr::eq(x.scope(), scope) {
            return Err(Error::InvalidArgument {
                op: "grad",
                message: format!("input {k} belongs to another graph scope than the outputs"),
            });
        }
        if !x.requires_grad() {
            return Err(Error::InvalidArgument {
                op: "grad",
                message: format!(
                    "input {k} (shape {:?}) does not require grad; differentiate with respect \
                     to leaves, parameters or values computed from them",
                    x.shape()
                ),
            });
        }
    }
    let seeds = seeds("grad", scope, outputs, opts.grad_outputs)?;
    let (grads, ran) = walk(scope, outputs, &seeds, Some(inputs), opts.create)?;
    let mut out = Vec::with_capacity(inputs.len());
    for (index, x) in inputs.iter().enumerate() {
        match grads.get(x.node()) {
            Some(g) => out.push(Some(g)),
            None if opts.allow_unused => out.push(None),
            None => {
                return Err(Error::UnusedInput {
                    index,
                    shape: x.shape().to_vec(),
                })
            }
        }
    }
    if !opts.retains_graph() {
        release(scope, &ran);
    }
    Ok(out)
}

/// `out.backward_with(opts)` with create_graph: the recorded walk, then every reached leaf and
/// parameter accumulates the value of its gradient, and its gradient `Var` is kept for
/// [`Var::grad_var`].
pub(crate) fn backward_create<'g>(out: Var<'g>, given: Option<Var<'g>>) -> Result<()> {
    let scope = out.scope();
    let given = given.as_slice();
    let seeds = seeds(
        "backward",
        scope,
        &[out],
        (!given.is_empty()).then_some(given),
    )?;
    let (grads, _) = walk(scope, &[out], &seeds, None, true)?;
    for (node, g) in grads.iter() {
        let g = if node.hooked.get() && !matches!(node.kind, Kind::Op(_)) {
            scope.apply_hooks(node, g)?
        } else {
            g
        };
        match node.kind {
            Kind::Leaf => {
                // the gradient Var tracks `.grad`: the earlier one (recorded or plain) plus this
                let total = match (scope.grad_var_of(node), node.grad.take()) {
                    (Some(prev), old) => {
                        node.grad.set(old);
                        prev.try_add(g)?
                    }
                    (None, Some(old)) => {
                        let prev = scope.try_input_slice(old, node.shape)?;
                        node.grad.set(Some(old));
                        prev.try_add(g)?
                    }
                    (None, None) => g,
                };
                let buf = match node.grad.take() {
                    Some(buf) => buf,
                    None => scope.alloc_out(node.numel()),
                };
                crate::kernels::elementwise::store(buf, total.data(), Acc::Write);
                node.grad.set(Some(buf));
                scope.set_grad_var(node, total);
            }
            Kind::Param { index, offset } => {
                let (mut flat, acc) = scope.param_grads_mut(index);
                let n = node.numel();
                crate::kernels::elementwise::store(&mut flat[offset..offset + n], g.data(), acc);
                drop(flat);
                let total = match scope.grad_var_of(node) {
                    Some(prev) => prev.try_add(g)?,
                    None => g,
                };
                scope.set_grad_var(node, total);
            }
            Kind::Const | Kind::Op(_) => {}
        }
    }
    Ok(())
}

/// The seed gradient of each output: the given ones (shape-checked), or 1 for one-element
/// outputs.
fn seeds<'g>(
    op: &'static str,
    scope: &'g Scope<'g>,
    outputs: &[Var<'g>],
    given: Option<&[Var<'g>]>,
) -> Result<Vec<Var<'g>>> {
    if let Some(given) = given {
        if given.len() != outputs.len() {
            return Err(Error::InvalidArgument {
                op,
                message: format!(
                    "{} output gradients for {} outputs; pass one per output",
                    given.len(),
                    outputs.len()
                ),
            });
        }
    }
    let mut seeds = Vec::with_capacity(outputs.len());
    for (k, o) in outputs.iter().enumerate() {
        if !std::ptr::eq(o.scope(), scope) {
            return Err(Error::InvalidArgument {
                op,
                message: format!("output {k} belongs to another graph scope"),
            });
        }
        if !o.requires_grad() {
            return Err(Error::NoGradFn {
                shape: o.shape().to_vec(),
            });
        }
        seeds.push(match given {
            Some(g) => {
                if !crate::shape::same(g[k].shape(), o.shape())
                    || !std::ptr::eq(g[k].scope(), scope)
                {
                    return Err(Error::GradShape {
                        op,
                        expected: o.shape().to_vec(),
                        got: g[k].shape().to_vec(),
                    });
                }
                g[k]
            }
            None if o.numel() == 1 => scope.full_const(o.shape(), 1.0),
            None => {
                return Err(Error::NonScalarBackward {
                    shape: o.shape().to_vec(),
                })
            }
        });
    }
    Ok(seeds)
}

/// Walks the tape from the outputs, running each reached rule's differentiable form; returns
/// the gradients left at leaves, parameters and (for `grad`) any input node. With `only`,
/// gradients flow only towards those inputs. Releases nothing: it returns the nodes whose
/// rules ran, for the caller to release once everything has succeeded.
#[allow(clippy::type_complexity)]
fn walk<'g>(
    scope: &'g Scope<'g>,
    outputs: &[Var<'g>],
    seeds: &[Var<'g>],
    only: Option<&[Var<'g>]>,
    create: bool,
) -> Result<(Grads<'g>, Vec<&'g Node<'g>>)> {
    let pass = scope.next_pass();
    if scope.any_released() {
        for o in outputs {
            check_not_released(o.node(), pass)?;
        }
    }
    let wanted = only.map(|inputs| mark_wanted(scope, inputs));
    let mut grads = Grads::new();
    for (o, &s) in outputs.iter().zip(seeds) {
        grads.add(o.node(), s)?;
    }
    let mut ran: Vec<&'g Node<'g>> = Vec::new();
    let mut cur = scope.tape.get();
    while grads.pending > 0 {
        let Some(n) = cur else { break };
        if let Kind::Op(rule) = n.kind {
            // the entry stays: `grad` may have been asked for this intermediate value
            if let Some(g) = grads.get(n) {
                grads.pending -= 1;
                if wanted.is_some_and(|m| n.mark.get() != m) {
                    cur = n.prev; // leads to no requested input
                    continue;
                }
                let g = if n.hooked.get() {
                    scope.apply_hooks(n, g)?
                } else {
                    g
                };
                let mut sink = GradSink::new(scope, n, &mut grads, wanted);
                if create {
                    rule.backward_graph(n, g, &mut sink)?;
                } else {
                    scope.no_grad(|| rule.backward_graph(n, g, &mut sink))?;
                }
                ran.push(n);
            }
        }
        cur = n.prev;
    }
    Ok((grads, ran))
}

/// Marks the nodes a backward without retain_graph ran as released.
fn release<'g>(scope: &'g Scope<'g>, ran: &[&'g Node<'g>]) {
    scope.set_released();
    for n in ran {
        n.freed.set(true);
    }
}

/// Marks, with a fresh pass id that it returns, the requested inputs and every op node that
/// depends on one of them (in creation order, so an input's mark is set before its consumers
/// look): the nodes a gradient for `inputs` has to pass through.
fn mark_wanted<'g>(scope: &'g Scope<'g>, inputs: &[Var<'g>]) -> u32 {
    let mark = scope.next_pass();
    for x in inputs {
        x.node().mark.set(mark);
    }
    let mut tape: Vec<&'g Node<'g>> = Vec::new();
    let mut cur = scope.tape.get();
    while let Some(n) = cur {
        tape.push(n);
        cur = n.prev;
    }
    for n in tape.into_iter().rev() {
        if n.inputs.iter().any(|i| i.mark.get() == mark) {
            n.mark.set(mark);
        }
    }
    mark
}
