//! The backward rule of a custom op, and the list that drops user ops when their scope ends.

use std::cell::Cell;
use std::ptr::NonNull;

use bumpalo::Bump;

use super::super::grad_sink::GradSink;
use super::super::node::{Kind, Node, Rule};
use super::super::sink::Sink;
use super::super::var::Var;
use super::ctx::{InputGrads, Saved, SavedVars, Slot, TensorRef};
use super::CustomOp;
use crate::error::{Error, Result};

/// A recorded custom op: the user's op (moved into the arena) and what its forward saved.
#[derive(Clone, Copy)]
pub(super) struct CustomRule<'g> {
    pub op: &'g dyn CustomOp,
    pub saved: &'g [&'g [f32]],
}

impl<'g> CustomRule<'g> {
    fn saved(&self, node: &Node<'g>) -> Saved<'g> {
        Saved {
            inputs: node.inputs,
            output: TensorRef::of(node),
            saved: self.saved,
        }
    }
}

impl<'g> Rule<'g> for CustomRule<'g> {
    fn name(&self) -> &'static str {
        self.op.name()
    }

    fn backward(&self, node: &Node<'g>, g: &[f32], sink: &mut Sink<'_, 'g>) {
        // zeroed buffers of the inputs' shapes (from the gradient pool): the user writes them,
        // so the count and the shapes of the gradients are right by construction
        let slots = sink
            .scope()
            .bump
            .alloc_slice_fill_with(node.inputs.len(), |i| Slot {
                buf: sink.needs(i).then(|| sink.scratch(node.inputs[i].numel())),
                used: false,
            });
        let mut grads = InputGrads { slots };
        self.op.backward(&self.saved(node), g, &mut grads);
        for (i, slot) in grads.slots.iter_mut().enumerate() {
            if let Some(buf) = slot.buf.take() {
                if slot.used {
                    sink.put(i, buf);
                }
                sink.recycle(buf);
            }
        }
    }

    fn backward_graph(
        &self,
        node: &'g Node<'g>,
        g: Var<'g>,
        sink: &mut GradSink<'_, 'g>,
    ) -> Result<()> {
        let scope = sink.scope();
        if !scope.grad_enabled() {
            // values only (`grad` without create_graph): the plain backward, as constants
            let slots = scope
                .bump
                .alloc_slice_fill_with(node.inputs.len(), |i| Slot {
                    buf: sink.needs(i).then(|| scope.alloc(node.inputs[i].numel())),
                    used: false,
                });
            let mut grads = InputGrads { slots };
            self.op.backward(&self.saved(node), g.data(), &mut grads);
            for (i, slot) in grads.slots.iter_mut().enumerate() {
                if let (Some(buf), true) = (slot.buf.take(), slot.used) {
                    let c = Node::new(node.inputs[i].shape, buf, Kind::Const);
                    sink.put(i, scope.wrap(scope.alloc_node(c)))?;
                }
            }
            return Ok(());
        }
        let ctx = SavedVars {
            scope,
            node,
            saved: self.saved,
        };
        let grads = self.op.backward_graph(&ctx, g)?;
        let op = self.op.name();
        if grads.len() != node.inputs.len() {
            return Err(Error::CustomGradCount {
                op,
                expected: node.inputs.len(),
                got: grads.len(),
            });
        }
        // every gradient is checked before any is stored
        for (input, (x, gx)) in node.inputs.iter().zip(&grads).enumerate() {
            if let Some(gx) = gx {
                if !crate::shape::same(gx.shape(), x.shape) {
                    return Err(Error::CustomGradShape {
                        op,
                        input,
                        expected: x.shape.to_vec(),
                        got: gx.shape().to_vec(),
                    });
                }
            }
        }
        for (i, gx) in grads.into_iter().enumerate() {
            if let Some(gx) = gx {
                sink.put(i, gx)?;
            }
        }
        Ok(())
    }
}

/// The user ops of one scope that need dropping, dropped when the scope is (at the end of
/// [`Graph::run`](crate::Graph::run)). The arena runs no `Drop`, so an op holding heap data
/// (a `Vec`, an `Rc`) is registered here when it is moved into the arena; an op without drop
/// glue costs no entry. The list is linked through the arena, so registering allocates
/// nothing on the heap.
///
/// A field of [`Scope`](crate::Scope) only: the scope is dropped before its graph resets or
/// drops the arena that the entries and ops live in, which is what makes the drop sound.
/// Miri (stacked and tree borrows) runs `tests/custom_op` clean:
/// `cargo +nightly miri test --test custom_op`.
#[derive(Default)]
pub(crate) struct Owned(Cell<Option<NonNull<Entry>>>);

/// One registered op: where it is, how to drop it, and the entry registered before it.
#[derive(Clone, Copy)]
struct Entry {
    op: NonNull<u8>,
    drop: unsafe fn(NonNull<u8>),
    next: Option<NonNull<Entry>>,
}

impl Owned {
    /// Moves `op` into `bump` and lends it for the arena's lifetime; registers its drop.
    pub(super) fn keep<'g, O: CustomOp>(&self, bump: &'g Bump, op: O) -> &'g O {
        let raw: *mut O = bump.alloc(op);
        if std::mem::needs_drop::<O>() {
            let entry = bump.alloc(Entry {
                op: NonNull::new(raw).expect("an arena allocation").cast(),
                drop: drop_op::<O>,
                next: self.0.get(),
            });
            self.0.set(Some(NonNull::from(entry)));
        }
        // SAFETY: `raw` points to an initialized `O` that lives as long as the arena, which
        // outlives `'g`; nothing writes to it until `Owned` drops it, which happens when the
        // scope is dropped at the end of the graph run: by then no `Var<'g>` or node of the
        // scope can be reached (they cannot leave the run's closure) and the arena is reset
        // before it is used again, so this shared reference is never used after the drop.
        unsafe { &*raw }
    }
}

/// Drops the `O` at `p` in place.
///
/// # Safety
/// `p` must point to an initialized `O` that is not used afterwards.
unsafe fn drop_op<O>(p: NonNull<u8>) {
    // SAFETY: the caller's contract.
    unsafe { std::ptr::drop_in_place(p.cast::<O>().as_ptr()) }
}

impl Drop for Owned {
    fn drop(&mut self) {
        let mut cur = self.0.take();
        while let Some(entry) = cur {
            // SAFETY: `keep` wrote every entry into the arena, which is still alive (see the
            // type's doc), and nothing else writes to it.
            let Entry { op, drop, next } = unsafe { entry.as_ptr().read() };
            cur = next;
            // SAFETY: `keep` registered `op` once, with the drop function of its type, and the
            // scope that lent it out is ending (see `keep`).
            unsafe { drop(op) }
        }
    }
}
