//! Backward: walk the tape newest-first, once to find what is reachable, once to run rules.
//!
//! Tape order is creation order, which is topological: every input of a node was created
//! before it. So walking `prev` links from the output visits each node after all of its
//! consumers, and a node's gradient is complete when its rule runs. No sort, no map.
//!
//! Pass 1 marks the nodes that receive gradient from the output (and checks none was released
//! by an earlier backward, so an error leaves every `.grad` untouched). Pass 2 seeds the
//! output's gradient and runs the rule of each marked node; without retain_graph each rule's
//! node is then marked released.

use super::node::Kind;
use super::sink::{Acc, Sink};
use super::var::{Backward, Var};
use crate::error::{Error, Result};

pub(crate) fn run(out: Var<'_>, opts: &Backward) -> Result<()> {
    let node = out.node();
    let scope = out.scope();
    if !node.requires_grad {
        return Err(Error::NoGradFn {
            shape: node.shape.to_vec(),
        });
    }
    let seed_given = opts.output_gradient();
    if let Some(t) = seed_given {
        if t.shape() != node.shape {
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
    let seed = |out: &mut [f32], acc: Acc| match seed_given {
        Some(t) => crate::kernels::elementwise::store(out, t.data(), acc),
        None => acc.put(&mut out[0], 1.0),
    };

    // Pass 1: reachability and the released check, before anything is written.
    let pass = scope.next_pass();
    node.mark.set(pass);
    let mut cur = Some(node);
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

    // Seed the output's gradient.
    match node.kind {
        Kind::Const => unreachable!("checked requires_grad above"),
        Kind::Param { index, offset } => {
            let (mut grads, acc) = scope.param_grads_mut(index);
            seed(&mut grads[offset..offset + node.numel()], acc);
            return Ok(());
        }
        Kind::Leaf => {
            let mut slot = node.grad.borrow_mut();
            match slot.as_deref_mut() {
                Some(buf) => seed(buf, Acc::Add),
                None => {
                    let buf = scope.alloc(node.numel());
                    seed(buf, Acc::Write);
                    *slot = Some(buf);
                }
            }
            return Ok(());
        }
        Kind::Op(_) => {
            let mut slot = node.grad.borrow_mut();
            if slot.is_none() {
                *slot = Some(scope.alloc(node.numel()));
            }
            seed(slot.as_deref_mut().expect("filled above"), Acc::Write);
            node.grad_pass.set(pass);
        }
    }

    // Pass 2: run the rules of reached nodes, newest first.
    let retain = opts.retains_graph();
    let mut cur = Some(node);
    while let Some(n) = cur {
        if n.mark.get() == pass {
            if let Kind::Op(rule) = n.kind {
                debug_assert_eq!(
                    n.grad_pass.get(),
                    pass,
                    "{}: reached but no gradient",
                    rule.name()
                );
                let slot = n.grad.borrow();
                let grad_out: &[f32] = slot.as_deref().expect("a reached node has a gradient");
                let mut sink = Sink { scope, node: n };
                rule.backward(n, grad_out, &mut sink);
                if !retain {
                    n.freed.set(true);
                }
            }
        }
        cur = n.prev;
    }
    Ok(())
}
