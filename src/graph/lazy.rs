//! Element-wise nodes whose values wait for their consumer: the graph side of
//! [`kernels::fused`](crate::kernels::fused).
//!
//! A unary op, or a binary op of same-shape operands (or one operand and a one-element
//! value), with at least [`FUSE_MIN`] elements records a *pending* node: its op, inputs and
//! rule, but no values. Chaining element-wise ops onto it records more of them. The values are
//! computed when something reads them ([`Node::data`]: a matrix product, a softmax, `to_vec`,
//! a rule that needs them): the pending nodes below it become one [`Program`] that reads their
//! evaluated inputs once and writes only the node asked for. A whole-tensor `sum` or `mean`
//! of a pending node adds the program's values as they are computed and writes nothing
//! ([`sum64`]). Backward fuses the rules of such chains too (`fused_backward.rs`).
//!
//! Values are bitwise those of op-by-op evaluation (the kernel's contract), so whether a
//! node was fused never shows in a result; it shows in memory traffic only. A pending node
//! reached from two consumers is computed in each of their programs (recomputation instead
//! of a buffer); programs are capped at [`MAX_STEPS`] steps by evaluating the largest pending
//! input of a node that would exceed it.

use std::cell::Cell;

use super::node::{Kind, Node, Rule};
use super::scope::Scope;
use super::var::Var;
use crate::kernels::binary::Binary;
use crate::kernels::fused::{self, Program, Src, Step, MAX_SLOTS};
use crate::kernels::unary::Unary;

/// The fewest elements for which an element-wise op is recorded pending: below it the
/// bookkeeping costs more than the traffic it saves, and scalar graphs stay on their
/// one-element paths.
const FUSE_MIN: usize = 4096;

/// Whether an element-wise op with `n` output elements is recorded pending.
#[inline]
pub(crate) fn fuses(n: usize) -> bool {
    #[cfg(test)]
    if UNFUSED.get() {
        return false;
    }
    n >= FUSE_MIN
}

/// Whether consumers of a value of `n` elements are counted (`Node::uses`): a fused
/// backward reads the count of values of its own size only, and a scalar graph's step is
/// quicker without a store into each input.
#[inline]
pub(crate) fn counts_uses(n: usize) -> bool {
    n >= FUSE_MIN
}

#[cfg(test)]
thread_local! {
    /// Set while tests build the unfused twin of a graph.
    static UNFUSED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `f` with element-wise ops recorded op by op (the reference fused graphs are tested
/// against).
#[cfg(test)]
pub(crate) fn unfused<R>(f: impl FnOnce() -> R) -> R {
    UNFUSED.set(true);
    let r = f();
    UNFUSED.set(false);
    r
}

/// The most steps of a forward program (leaving slots for a backward's gradients).
pub(crate) const MAX_STEPS: usize = 16;

/// An element-wise op, or the whole-tensor sum (`mean`: divided by the count) that ends a
/// chain, or an op whose rule computes its values ([`Scope::deferred`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Elem {
    Unary(Unary),
    Binary(Binary),
    Sum { mean: bool },
    Deferred,
}

/// What a fused node records besides its inputs.
pub(crate) struct Fuse<'g> {
    pub op: Elem,
    pub scope: &'g Scope<'g>,
    /// An upper bound on the steps of the program that evaluates the node (pending inputs
    /// counted once per path to them).
    pub size: usize,
    /// The node's number of elements.
    pub len: usize,
    /// A pending whole-tensor sum of this node: a fused backward that computes this node's
    /// values computes the sum on the way ([`Scope::fused_sum`]).
    pub reduced: Cell<Option<&'g Node<'g>>>,
}

/// Builds a program from pending nodes: steps for pending nodes (each once), leaves for
/// evaluated ones, fills for one-element operands. Everything on the stack; nodes are told
/// apart by address. A program that outgrows the kernel's limits sets `overflow` (and gets
/// placeholder operands), for the caller to check before running it.
pub(crate) struct Builder<'a> {
    len: usize,
    steps: [Step; MAX_SLOTS],
    /// The node of each step (null for a fill).
    step_nodes: [*const (); MAX_SLOTS],
    pub nsteps: usize,
    leaves: [&'a [f32]; 2 * MAX_SLOTS],
    leaf_nodes: [*const (); 2 * MAX_SLOTS],
    nleaves: usize,
    pub overflow: bool,
}

impl<'a> Builder<'a> {
    pub(crate) fn new(len: usize) -> Self {
        Builder {
            len,
            steps: [Step::Fill(0.0); MAX_SLOTS],
            step_nodes: [std::ptr::null(); MAX_SLOTS],
            nsteps: 0,
            leaves: [&[]; 2 * MAX_SLOTS],
            leaf_nodes: [std::ptr::null(); 2 * MAX_SLOTS],
            nleaves: 0,
            overflow: false,
        }
    }

    /// The operand for `n`: its step when it is pending (adding the steps of its pending
    /// inputs first), else its values as a leaf.
    pub(crate) fn src<'g: 'a>(&mut self, n: &Node<'g>) -> Src {
        let p = n as *const Node<'g> as *const ();
        if let Some(i) = self.step_nodes[..self.nsteps].iter().position(|&s| s == p) {
            return Src::Slot(i as u8);
        }
        if !n.is_pending() {
            return self.leaf(n);
        }
        let f = n.fuse.expect("a pending node is fused");
        let step = match f.op {
            Elem::Unary(op) => Step::Unary(op, self.src(n.inputs[0])),
            Elem::Binary(op) => {
                let a = self.operand(n.inputs[0]);
                Step::Binary(op, a, self.operand(n.inputs[1]))
            }
            // a sum is one value: never a step of a program over its input's length; a
            // deferred op is no element-wise step
            Elem::Sum { .. } | Elem::Deferred => return self.leaf(n),
        };
        self.push(step, p)
    }

    /// A binary op's operand: a fill for a one-element value broadcast over the output.
    pub(crate) fn operand<'g: 'a>(&mut self, n: &Node<'g>) -> Src {
        if n.numel() == 1 && self.len != 1 {
            return self.push(Step::Fill(n.data()[0]), std::ptr::null());
        }
        self.src(n)
    }

    /// `n`'s values as a leaf (each node once).
    fn leaf<'g: 'a>(&mut self, n: &Node<'g>) -> Src {
        let p = n as *const Node<'g> as *const ();
        if let Some(i) = self.leaf_nodes[..self.nleaves].iter().position(|&l| l == p) {
            return Src::Leaf(i as u8);
        }
        self.add_leaf(n.data(), p)
    }

    /// A slice that is no node's values (a gradient) as a leaf.
    pub(crate) fn leaf_slice(&mut self, v: &'a [f32]) -> Src {
        self.add_leaf(v, std::ptr::null())
    }

    fn add_leaf(&mut self, v: &'a [f32], p: *const ()) -> Src {
        if self.nleaves == self.leaves.len() {
            self.overflow = true;
            return Src::Leaf(0);
        }
        self.leaves[self.nleaves] = v;
        self.leaf_nodes[self.nleaves] = p;
        self.nleaves += 1;
        Src::Leaf(self.nleaves as u8 - 1)
    }

    /// Appends a step (of node `p`, or null); its slot is its index.
    pub(crate) fn push(&mut self, step: Step, p: *const ()) -> Src {
        if self.nsteps == MAX_SLOTS {
            self.overflow = true;
            return Src::Slot(0);
        }
        self.steps[self.nsteps] = step;
        self.step_nodes[self.nsteps] = p;
        self.nsteps += 1;
        Src::Slot(self.nsteps as u8 - 1)
    }

    /// The program; requires `!overflow`.
    pub(crate) fn program(&self) -> Program<'_> {
        assert!(
            !self.overflow,
            "fused program: more steps or leaves than a program holds"
        );
        Program {
            leaves: &self.leaves[..self.nleaves],
            steps: &self.steps[..self.nsteps],
        }
    }
}

impl<'g> Node<'g> {
    /// Evaluates a pending node into a new arena buffer (its program's root).
    #[cold]
    pub(super) fn evaluate(&self) -> &'g [f32] {
        let f = self.fuse.expect("a pending node is fused");
        match (f.op, self.kind) {
            (Elem::Sum { .. }, _) => return self.set_sum(sum64(self.inputs[0])),
            (Elem::Deferred, Kind::Op(rule)) => return rule.evaluate(self),
            (Elem::Deferred, _) => unreachable!("a deferred node has a rule (Scope::deferred)"),
            _ => {}
        }
        let mut b = Builder::new(self.numel());
        b.src(self);
        let out = f.scope.alloc_out(self.numel());
        fused::eval(&b.program(), out);
        self.set_value(out);
        out
    }
}

impl<'g> Node<'g> {
    /// Stores the value of a pending sum node from the `f64` sum of its input's values: the
    /// rounding of [`reduce::sum`](crate::kernels::reduce::sum), or the mean's.
    pub(super) fn set_sum(&self, s: f64) -> &'g [f32] {
        let f = self.fuse.expect("a pending node is fused");
        let v = match f.op {
            Elem::Sum { mean: true } => (s / self.inputs[0].numel() as f64) as f32,
            _ => s as f32,
        };
        let out = f.scope.alloc_out(1);
        out[0] = v;
        self.set_value(out);
        out
    }
}

/// The sum of `n`'s values in `f64`, bitwise [`reduce::sum64`](crate::kernels::reduce::sum64)
/// of them; a pending element-wise node's values are added as its program computes them,
/// never stored. (A pending sum or deferred op is no step of a program: it is evaluated.)
pub(crate) fn sum64(n: &Node<'_>) -> f64 {
    let steps = n.is_pending()
        && n.fuse
            .is_some_and(|f| matches!(f.op, Elem::Unary(_) | Elem::Binary(_)));
    if !steps {
        return crate::kernels::reduce::sum64(n.data());
    }
    let mut b = Builder::new(n.numel());
    b.src(n);
    fused::sum64(&b.program(), n.numel())
}

impl<'g> Scope<'g> {
    /// Records `op` over `inputs` as a pending node of `shape` (the caller has checked that
    /// the op fuses: see the module doc). Pending inputs whose programs would make this one
    /// longer than [`MAX_STEPS`] are evaluated first, largest first. Out of line: the ops'
    /// one-element paths stay small, with this branch laid out of their way.
    #[cold]
    #[inline(never)]
    pub(crate) fn fused<R>(
        &'g self,
        op: Elem,
        inputs: &[Var<'g>],
        shape: &'g [usize],
        rule: R,
    ) -> Var<'g>
    where
        R: Rule<'g> + Copy + 'g,
    {
        let size = loop {
            let mut size = 1;
            let mut largest: Option<&Node<'g>> = None;
            for v in inputs {
                let n = v.node();
                match n.fuse {
                    Some(f) if n.is_pending() => {
                        size += f.size;
                        if largest.is_none_or(|l| l.fuse.is_some_and(|g| g.size < f.size)) {
                            largest = Some(n);
                        }
                    }
                    _ if n.numel() == 1 => size += 1,
                    _ => {}
                }
            }
            match largest {
                Some(n) if size > MAX_STEPS => {
                    n.data();
                }
                _ => break size,
            }
        };
        let fuse: &'g Fuse<'g> = self.bump.alloc(Fuse {
            op,
            scope: self,
            size,
            len: shape.iter().product(),
            reduced: Cell::new(None),
        });
        self.record(inputs, Node::pending(shape, Kind::Const, fuse), rule, true)
    }

    /// Records the whole-tensor sum (or mean) of a pending node `x` as a pending 0-d node: its
    /// value is computed when read, or by the fused backward that computes `x`'s values anyway
    /// (so `loss.backward()` of `f(x).sum()` reads `x`'s inputs once in all).
    #[cold]
    #[inline(never)]
    pub(crate) fn fused_sum<R>(&'g self, x: Var<'g>, mean: bool, rule: R) -> Var<'g>
    where
        R: Rule<'g> + Copy + 'g,
    {
        let fuse: &'g Fuse<'g> = self.bump.alloc(Fuse {
            op: Elem::Sum { mean },
            scope: self,
            size: 1,
            len: 1,
            reduced: Cell::new(None),
        });
        let shape = self.shape_in_arena(&[]);
        let s = self.record(&[x], Node::pending(shape, Kind::Const, fuse), rule, true);
        if let Some(f) = x.node().fuse {
            f.reduced.set(Some(s.node()));
        }
        s
    }
}

impl<'g> Scope<'g> {
    /// Records an op over `inputs` whose values its rule computes, as a pending node of
    /// `shape`: when first read ([`Rule::evaluate`]) or by its backward, which may compute
    /// them on the way at less cost (cross-entropy: one pass over the logits for the loss
    /// and its gradient). `None`, recording nothing, when the node would be a constant (no
    /// input requires grad, or recording is off): the caller then computes the values now.
    pub(crate) fn deferred<R>(
        &'g self,
        inputs: &[Var<'g>],
        shape: &[usize],
        rule: R,
    ) -> Option<Var<'g>>
    where
        R: Rule<'g> + Copy + 'g,
    {
        if !self.grad_enabled() || !inputs.iter().any(|v| v.requires_grad()) {
            return None;
        }
        let shape = self.shape_in_arena(shape);
        let fuse: &'g Fuse<'g> = self.bump.alloc(Fuse {
            op: Elem::Deferred,
            scope: self,
            size: 1,
            len: shape.iter().product(),
            reduced: Cell::new(None),
        });
        Some(self.record(inputs, Node::pending(shape, Kind::Const, fuse), rule, true))
    }
}

#[cfg(test)]
mod tests;
