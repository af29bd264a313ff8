//! Backward: walk the tape newest-first and run the rule of every node that received gradient.
//!
//! Tape order is creation order, which is topological: every input of a node was created
//! before it. So walking `prev` links from the output visits each node after all of its
//! consumers, and a node's gradient is complete when its rule runs. No sort, no map, and no
//! separate reachability pass: a node was reached exactly when some consumer's rule stored
//! into its gradient during this pass (`grad_pass`), which has happened by the time the walk
//! gets to it. The walk stops as soon as no reached node is left pending, so a backward from
//! an early node of a long tape does not visit the rest.
//!
//! Once a node's rule has run, its gradient buffer goes back to the scope's pool for older
//! nodes (see `pool.rs`), unless the rule handed it to an input (`Sink::take_over`: add
//! passes it on, a unary op rewrites it in place); without retain_graph the node is also
//! marked released. A gradient that is one value everywhere (a whole-tensor sum's) is kept
//! as that value (`Sink::splat`) and given to the rule's `backward_splat`, or made dense
//! for rules without one.
//!
//! Releasing is checked before anything is written, so an error leaves every `.grad` as it
//! was: when an earlier backward of this scope released nodes, a first walk marks what the
//! output reaches and fails on a released node. A scope with one backward (the usual training
//! step) never pays for that walk.

use super::node::{Kind, Node};
use super::scope::Scope;
use super::sink::Sink;
use super::var::{Backward, Var};
use crate::error::{Error, Result};
use crate::kernels::Acc;

pub(crate) fn run(out: Var<'_>, opts: &Backward) -> Result<()> {
    let scope = out.scope();
    if scope.is_eval() {
        return Err(Error::EvalScope { op: "backward" });
    }
    if opts.creates_graph() || !scope.leaf_hooks() {
        return walk(out, opts);
    }
    // leaves and parameters with hooks gather this pass's gradient apart (`hooks.rs`)
    let stashed = scope.stash_hooked();
    let r = walk(out, opts);
    let finished = scope.finish_hooked(stashed);
    r.and(finished)
}

fn walk(out: Var<'_>, opts: &Backward) -> Result<()> {
    let node = out.node();
    let scope = out.scope();
    if !node.requires_grad {
        return Err(Error::NoGradFn {
            shape: node.shape.to_vec(),
        });
    }
    if opts.creates_graph() {
        let given = opts.output_gradient().map(|t| scope.input(t));
        return super::higher::backward_create(out, given);
    }
    let seed_given = opts.output_gradient();
    if let Some(t) = seed_given {
        if !crate::shape::same(t.shape(), node.shape) {
            return Err(Error::GradShape {
                op: "backward",
                expected: node.shape.to_vec(),
                got: t.shape().to_vec(),
            });
        }
    } else if node.numel() != 1 {
        return Err(Error::NonScalarBackward {
            shape: node.shape.to_vec(),
        });
    }
    let pass = scope.next_pass();
    if scope.any_released() {
        check_not_released(node, pass)?;
    }
    let seed = |out: &mut [f32], acc: Acc| match seed_given {
        Some(t) => crate::kernels::elementwise::store(out, t.data(), acc),
        None => acc.put(&mut out[0], 1.0),
    };

    // Seed the output's gradient.
    match node.kind {
        Kind::Const => unreachable!("checked requires_grad above"),
        Kind::Param { index, offset } => {
            let (mut grads, acc) = scope.param_grads_mut(index);
            seed(&mut grads[offset..offset + node.numel()], acc);
            return Ok(());
        }
        Kind::Leaf => {
            let slot = match node.grad.take() {
                Some(buf) => {
                    seed(buf, Acc::Add);
                    buf
                }
                None => {
                    let buf = scope.alloc_out(node.numel());
                    seed(buf, Acc::Write);
                    buf
                }
            };
            node.grad.set(Some(slot));
            return Ok(());
        }
        Kind::Op(_) => {
            let buf = scope.grad_buffer(node.numel());
            seed(buf, Acc::Write);
            node.grad.set(Some(buf));
            node.grad_pass.set(pass);
        }
    }

    let retain = opts.retains_graph();
    if !retain {
        scope.set_released();
    }
    // one copy of the loop without the hook checks, for the usual backward that has none
    if scope.any_hooks() {
        rules::<true>(scope, node, pass, retain)
    } else {
        rules::<false>(scope, node, pass, retain)
    }
}

/// Runs the rules of the nodes reached from `node` (whose gradient is seeded), newest first;
/// `HOOKS`: whether nodes may carry hooks or retained gradients.
fn rules<'g, const HOOKS: bool>(
    scope: &'g Scope<'g>,
    node: &'g Node<'g>,
    pass: u32,
    retain: bool,
) -> Result<()> {
    // Reached op nodes whose rule has not run yet.
    let mut pending = 1usize;
    let mut cur = Some(node);
    while let Some(n) = cur {
        if n.grad_pass.get() == pass {
            if let Kind::Op(rule) = n.kind {
                // a fused chain's rules in one pass, when it qualifies
                let fused = match n.fuse {
                    Some(_) if !(HOOKS && n.hooked.get()) => {
                        super::fused_backward::run(scope, n, pass, retain)
                    }
                    _ => None,
                };
                let reached = match fused {
                    Some(reached) => reached,
                    None => run_rule::<HOOKS>(scope, n, rule)?,
                };
                pending += reached;
                if !retain {
                    n.freed.set(true);
                }
                pending -= 1;
                if pending == 0 {
                    break;
                }
            }
        }
        cur = n.prev;
    }
    Ok(())
}

/// Runs `n`'s rule on its gradient (a splat read as such when the rule can) and returns how
/// many op nodes it reached for the first time in this pass.
#[inline(always)] // the loop above, written apart: a scalar graph runs it per node
fn run_rule<'g, const HOOKS: bool>(
    scope: &'g Scope<'g>,
    n: &'g Node<'g>,
    rule: &'g dyn super::node::Rule<'g>,
) -> Result<usize> {
    let mut sink = Sink::new(scope, n);
    let grad_out = match n.splat.take() {
        // one value in every element, read as such by the rule
        Some(v) if !(HOOKS && n.hooked.get()) && rule.backward_splat(n, v, &mut sink) => None,
        Some(v) => {
            let buf = scope.grad_buffer(n.numel());
            crate::kernels::elementwise::fill(buf, v, Acc::Write);
            Some(buf)
        }
        None => Some(n.grad.take().expect("a reached node has a gradient")),
    };
    if let Some(grad_out) = grad_out {
        if HOOKS && n.hooked.get() {
            scope.apply_hooks_buf(n, grad_out)?;
        }
        rule.backward_mut(n, grad_out, &mut sink);
        match sink.moved() {
            // the rule passed its gradient through: the buffer is now that input's
            Some(input) => input.grad.set(Some(grad_out)),
            None => scope.recycle(grad_out),
        }
    }
    Ok(sink.reached())
}

/// Fails if `out` reaches a node released by an earlier backward, writing nothing else than
/// the reachability marks of this pass.
pub(super) fn check_not_released(out: &Node<'_>, pass: u32) -> Result<()> {
    out.mark.set(pass);
    let mut cur = Some(out);
    while let Some(n) = cur {
        if n.mark.get() == pass {
            if n.freed.get() {
                return Err(Error::GraphFreed { op: "backward" });
            }
            for input in n.inputs {
                if input.requires_grad {
                    input.mark.set(pass);
                }
            }
        }
        cur = n.prev;
    }
    Ok(())
}
