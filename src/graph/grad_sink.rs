//! Where a differentiable backward rule stores its inputs' gradients as `Var`s.
//!
//! The recorded backward (`higher.rs`) keeps one gradient `Var` per reached node, in a map
//! keyed by the node's address; the first contribution is stored as is and later ones are
//! added with the library's `add`, so with create_graph the sum is itself a graph node.

use std::collections::HashMap;

use super::node::{Kind, Node};
use super::scope::Scope;
use super::var::Var;
use crate::error::{Error, Result};

/// The gradients of one recorded backward walk, by node.
pub(crate) struct Grads<'g> {
    map: HashMap<*const Node<'g>, (&'g Node<'g>, Var<'g>)>,
    /// Reached op nodes whose rule has not run yet.
    pub pending: usize,
}

impl<'g> Grads<'g> {
    pub(crate) fn new() -> Self {
        Grads {
            map: HashMap::new(),
            pending: 0,
        }
    }

    /// Adds `g` to `node`'s gradient (stores it if it is the first contribution).
    pub(crate) fn add(&mut self, node: &'g Node<'g>, g: Var<'g>) -> Result<()> {
        let key = node as *const Node<'g>;
        match self.map.get(&key) {
            Some(&(_, old)) => {
                let sum = old.try_add(g)?;
                self.map.insert(key, (node, sum));
            }
            None => {
                self.map.insert(key, (node, g));
                if matches!(node.kind, Kind::Op(_)) {
                    self.pending += 1;
                }
            }
        }
        Ok(())
    }

    /// `node`'s gradient, left in the map.
    pub(crate) fn get(&self, node: &Node<'g>) -> Option<Var<'g>> {
        self.map.get(&(node as *const Node<'g>)).map(|&(_, g)| g)
    }

    /// Every node reached and its gradient.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&'g Node<'g>, Var<'g>)> + '_ {
        self.map.values().copied()
    }
}

/// What a rule's [`backward_graph`](super::Rule::backward_graph) sees: its node's inputs and
/// output as `Var`s, and where to put the inputs' gradients.
pub(crate) struct GradSink<'s, 'g> {
    scope: &'g Scope<'g>,
    node: &'g Node<'g>,
    grads: &'s mut Grads<'g>,
    /// For `grad`: the mark of the nodes that lead to a requested input (only those need a
    /// gradient); `None` when every input that requires grad does.
    wanted: Option<u32>,
}

impl<'s, 'g> GradSink<'s, 'g> {
    pub(crate) fn new(
        scope: &'g Scope<'g>,
        node: &'g Node<'g>,
        grads: &'s mut Grads<'g>,
        wanted: Option<u32>,
    ) -> Self {
        GradSink {
            scope,
            node,
            grads,
            wanted,
        }
    }

    /// Input `i` of the node, as a `Var` (differentiable when it requires grad).
    pub(crate) fn input(&self, i: usize) -> Var<'g> {
        self.scope.wrap(self.node.inputs[i])
    }

    /// The node's own value, as a `Var` (differentiable: rules that write the gradient in
    /// terms of the output, as `tanh` does, record through it).
    pub(crate) fn output(&self) -> Var<'g> {
        self.scope.wrap(self.node)
    }

    /// The scope the walk records in.
    pub(crate) fn scope(&self) -> &'g Scope<'g> {
        self.scope
    }

    /// Whether input `i` needs a gradient: it requires grad and, for `grad`, leads to one of
    /// the requested inputs (a rule computes nothing for the others).
    pub(crate) fn needs(&self, i: usize) -> bool {
        let input = self.node.inputs[i];
        input.requires_grad && self.wanted.is_none_or(|m| input.mark.get() == m)
    }

    /// Adds `g` to input `i`'s gradient; nothing when the input needs none. `g` must have the
    /// input's shape: a rule that breaks this gets an error naming it, not a wrong sum.
    pub(crate) fn put(&mut self, i: usize, g: Var<'g>) -> Result<()> {
        let input = self.node.inputs[i];
        if !self.needs(i) {
            return Ok(());
        }
        if !crate::shape::same(g.shape(), input.shape) {
            let op = match self.node.kind {
                Kind::Op(rule) => rule.name(),
                _ => "backward",
            };
            return Err(Error::GradShape {
                op,
                expected: input.shape.to_vec(),
                got: g.shape().to_vec(),
            });
        }
        self.grads.add(input, g)
    }
}
