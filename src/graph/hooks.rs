//! Gradient hooks and `retain_grad`: code that sees a value's gradient during backward.
//!
//! A hook is a closure registered on a `Var` (PyTorch's `register_hook`): backward calls it
//! with the gradient flowing into that value and uses what it returns in its place (`None`
//! keeps the gradient). It receives the gradient as a `Var` of the scope, so it may use any op
//! (`clamp`, a scale); in a recorded backward (create_graph) that `Var` is a graph node and
//! the hook's ops are recorded too. `retain_grad` keeps a non-leaf value's gradient for
//! [`Var::grad`](super::Var::grad), accumulated over backward passes as a leaf's is.
//!
//! When they run:
//! - on an op's result, once its gradient is complete, just before its rule runs;
//! - on a leaf or a parameter, after the walk: its gradient of this pass is gathered apart from
//!   the accumulated `.grad` (which is set aside and restored), given to the hooks, and only
//!   then added. For a parameter that is its whole gradient of the pass, from every `Var` of
//!   it, which is the moment a per-parameter clip or a gradient allreduce can start.
//!
//! Nodes with a hook or a retained gradient carry a flag, so a backward with none of them
//! pays one branch per node. Hooks are `'static` closures, generic over the scope's lifetime,
//! kept in the scope and dropped with it; state a hook updates is shared with it through an
//! `Rc` (a `Cell`, a `RefCell`), and what it builds comes from the gradient `Var` it gets.

use std::cell::RefCell;

use super::node::{Kind, Node};
use super::scope::Scope;
use super::var::Var;
use crate::error::{Error, Result};
use crate::kernels::elementwise::store;
use crate::kernels::Acc;

/// A gradient hook: sees the gradient, may return a replacement of the same shape.
/// Generic over the scope's lifetime, so that the scope's type owns no closure of `'g` (which
/// the scope could not drop): a hook captures owned state (`Rc<Cell<..>>`), not `Var`s.
pub(crate) type HookFn = std::rc::Rc<dyn for<'a> Fn(Var<'a>) -> Option<Var<'a>>>;

/// The hooks and retained gradients of a scope.
#[derive(Default)]
pub(crate) struct Hooks<'g> {
    hooks: RefCell<Vec<(&'g Node<'g>, HookFn)>>,
    retained: RefCell<Vec<(&'g Node<'g>, &'g [f32])>>,
}

/// A leaf's or parameter's accumulated gradient, set aside during a pass with hooks.
pub(crate) enum Stashed<'g> {
    Leaf(&'g Node<'g>, Option<&'g mut [f32]>),
    Param {
        node: &'g Node<'g>,
        index: usize,
        offset: usize,
        old: Option<&'g [f32]>,
    },
}

impl<'g> Scope<'g> {
    /// Whether any value of the scope has a hook or retains its gradient.
    pub(crate) fn any_hooks(&self) -> bool {
        !(self.hooks.hooks.borrow().is_empty() && self.hooks.retained.borrow().is_empty())
    }

    pub(crate) fn add_hook(&self, node: &'g Node<'g>, f: HookFn) {
        node.hooked.set(true);
        self.hooks.hooks.borrow_mut().push((node, f));
    }

    pub(crate) fn add_retain(&self, node: &'g Node<'g>) {
        node.hooked.set(true);
        let mut kept = self.hooks.retained.borrow_mut();
        if !kept.iter().any(|(n, _)| std::ptr::eq(*n, node)) {
            kept.push((node, &[]));
        }
    }

    /// The gradient retained for `node`, if any backward reached it since `retain_grad`.
    pub(crate) fn retained(&self, node: &Node<'g>) -> Option<&'g [f32]> {
        let kept = self.hooks.retained.borrow();
        let found = kept.iter().find(|(n, _)| std::ptr::eq(*n, node));
        found.and_then(|&(_, g)| (!g.is_empty() || node.numel() == 0).then_some(g))
    }

    /// Runs `node`'s hooks on its gradient `g` (in order, each seeing the previous one's
    /// result) and retains the result if asked; returns the gradient to use.
    pub(crate) fn apply_hooks(&'g self, node: &'g Node<'g>, mut g: Var<'g>) -> Result<Var<'g>> {
        let count = self.hooks.hooks.borrow().len();
        for k in 0..count {
            // copied out, so that a hook may use the scope freely while it runs
            let (n, hook) = {
                let hooks = self.hooks.hooks.borrow();
                (hooks[k].0, hooks[k].1.clone())
            };
            if !std::ptr::eq(n, node) {
                continue;
            }
            if let Some(new) = hook(g) {
                if !crate::shape::same(new.shape(), node.shape) {
                    return Err(Error::GradShape {
                        op: "hook",
                        expected: node.shape.to_vec(),
                        got: new.shape().to_vec(),
                    });
                }
                g = new;
            }
        }
        let mut kept = self.hooks.retained.borrow_mut();
        if let Some(slot) = kept.iter_mut().find(|(n, _)| std::ptr::eq(*n, node)) {
            let buf = self.alloc_out(node.numel());
            match slot.1 {
                old if old.len() == buf.len() && !old.is_empty() => {
                    for ((b, &o), &v) in buf.iter_mut().zip(old).zip(g.data()) {
                        *b = o + v;
                    }
                }
                _ => store(buf, g.data(), Acc::Write),
            }
            slot.1 = buf;
        }
        Ok(g)
    }

    /// [`apply_hooks`](Self::apply_hooks) for a gradient held in a buffer: the hooks see a
    /// constant copy, and a replacement is copied back.
    pub(crate) fn apply_hooks_buf(&'g self, node: &'g Node<'g>, buf: &mut [f32]) -> Result<()> {
        let g = self.no_grad(|| self.try_input_slice(buf, node.shape))?;
        let out = self.apply_hooks(node, g)?;
        if !std::ptr::eq(out.node(), g.node()) {
            store(buf, out.data(), Acc::Write);
        }
        Ok(())
    }

    /// Whether any leaf or parameter has a hook.
    pub(crate) fn leaf_hooks(&self) -> bool {
        let hooks = self.hooks.hooks.borrow();
        hooks.iter().any(|(n, _)| !matches!(n.kind, Kind::Op(_)))
    }

    /// Sets aside the accumulated gradients of hooked leaves and parameters, so that this
    /// pass's gradient is gathered alone (written, as a first contribution is).
    pub(crate) fn stash_hooked(&'g self) -> Vec<Stashed<'g>> {
        let mut out: Vec<Stashed<'g>> = Vec::new();
        for &(node, _) in self.hooks.hooks.borrow().iter() {
            if out.iter().any(|s| match s {
                Stashed::Leaf(n, _) => std::ptr::eq(*n, node),
                Stashed::Param { index, .. } => {
                    matches!(node.kind, Kind::Param { index: i, .. } if i == *index)
                }
            }) {
                continue;
            }
            match node.kind {
                Kind::Leaf => out.push(Stashed::Leaf(node, node.grad.take())),
                Kind::Param { index, offset } => {
                    let had = self.param_flag(index).replace(false);
                    let old = had.then(|| {
                        let flat = self.param_grads();
                        &*self.alloc_copy(&flat[offset..offset + node.numel()])
                    });
                    out.push(Stashed::Param {
                        node,
                        index,
                        offset,
                        old,
                    });
                }
                Kind::Const | Kind::Op(_) => {}
            }
        }
        out
    }

    /// Runs the hooks of the stashed leaves and parameters that this pass reached, then adds
    /// their (possibly replaced) gradients to what was set aside.
    pub(crate) fn finish_hooked(&'g self, stashed: Vec<Stashed<'g>>) -> Result<()> {
        for s in stashed {
            match s {
                Stashed::Leaf(node, old) => match node.grad.take() {
                    Some(new) => {
                        self.apply_hooks_buf(node, new)?;
                        match old {
                            Some(old) => {
                                store(old, new, Acc::Add);
                                node.grad.set(Some(old));
                            }
                            None => node.grad.set(Some(new)),
                        }
                    }
                    None => node.grad.set(old),
                },
                Stashed::Param {
                    node,
                    index,
                    offset,
                    old,
                } => {
                    let flag = self.param_flag(index);
                    let reached = flag.get();
                    flag.set(reached || old.is_some());
                    let n = node.numel();
                    if reached {
                        let tmp = self.alloc_copy(&self.param_grads()[offset..offset + n]);
                        self.apply_hooks_buf(node, tmp)?;
                        let mut flat = self.param_grads();
                        store(&mut flat[offset..offset + n], tmp, Acc::Write);
                        if let Some(old) = old {
                            store(&mut flat[offset..offset + n], old, Acc::Add);
                        }
                    } else if let Some(old) = old {
                        store(&mut self.param_grads()[offset..offset + n], old, Acc::Write);
                    }
                }
            }
        }
        Ok(())
    }
}
