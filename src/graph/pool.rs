//! Gradient buffers recycled within (and across) backward passes of one scope.
//!
//! An op node's gradient is needed from its first contribution until its own rule has run:
//! tape order is topological, so no contribution arrives after that. Backward then moves the
//! buffer into this pool, and the next node that needs a gradient of the same length takes it
//! instead of growing the arena. Peak gradient memory becomes the widest "frontier" of
//! gradients alive at once (two hidden-layer buffers for an MLP) instead of one buffer per
//! node. With `retain_graph` the buffers stay in the pool for the next pass, which therefore
//! allocates nothing either.
//!
//! The pool is an intrusive free list in the arena, keyed by exact length: [`BUCKETS`] lists,
//! a length hashed to one of them, each searched for at most [`PROBES`] entries (a miss falls
//! back to a fresh arena buffer (unfilled: see `arena.rs`), so the cost per acquire is bounded whatever the graph). The
//! list cells live in the arena too; an emptied cell goes to a spare list and carries the next
//! released buffer, so a steady state allocates no cells. Nothing here touches the heap.
//!
//! A recycled buffer holds the values of its previous owner. That is sound because the first
//! contribution to a gradient in a pass is stored with [`Acc::Write`](super::Acc), which every
//! rule must honour by writing every element. Debug builds fill recycled buffers with NaN so a
//! rule that does not is caught by the tests.

use std::cell::Cell;

use bumpalo::Bump;

/// Number of free lists.
pub(crate) const BUCKETS: usize = 32;
/// Entries examined per list before giving up and allocating.
pub(crate) const PROBES: usize = 8;
/// Buffers shorter than this are not pooled: a fresh one costs less than the pool's
/// bookkeeping, and its bytes are small next to its node's (about 130). Scalar graphs, where
/// every gradient is one float, skip the pool entirely.
pub(crate) const MIN_POOLED: usize = 16;

struct FreeCell<'g> {
    len: Cell<usize>,
    buf: Cell<Option<&'g mut [f32]>>,
    next: Cell<Option<&'g FreeCell<'g>>>,
}

pub(crate) struct Pool<'g> {
    lists: [Cell<Option<&'g FreeCell<'g>>>; BUCKETS],
    spare: Cell<Option<&'g FreeCell<'g>>>,
}

fn bucket(len: usize) -> usize {
    // Fibonacci hashing: nearby lengths (a layer of 512, one of 513) land apart.
    (len.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (usize::BITS - 5)) % BUCKETS
}

impl<'g> Pool<'g> {
    pub(crate) fn new() -> Self {
        Pool {
            lists: std::array::from_fn(|_| Cell::new(None)),
            spare: Cell::new(None),
        }
    }

    /// A released buffer of `n` floats if the pool has one (its contents are stale; poisoned
    /// with NaN in debug builds); `None` means: take a fresh one from the arena.
    #[inline] // the small-buffer test, on every 0-d op's path, stays in the caller
    pub(crate) fn acquire(&self, n: usize) -> Option<&'g mut [f32]> {
        if n < MIN_POOLED {
            return None;
        }
        self.acquire_listed(n)
    }

    fn acquire_listed(&self, n: usize) -> Option<&'g mut [f32]> {
        let list = &self.lists[bucket(n)];
        let mut prev: Option<&'g FreeCell<'g>> = None;
        let mut cur = list.get();
        for _ in 0..PROBES {
            let Some(cell) = cur else { break };
            if cell.len.get() == n {
                match prev {
                    None => list.set(cell.next.get()),
                    Some(p) => p.next.set(cell.next.get()),
                }
                let buf = cell.buf.take().expect("a listed cell holds a buffer");
                cell.next.set(self.spare.get());
                self.spare.set(Some(cell));
                if cfg!(debug_assertions) {
                    buf.fill(f32::NAN);
                }
                return Some(buf);
            }
            prev = cur;
            cur = cell.next.get();
        }
        None
    }

    /// Gives `buf` back for later [`acquire`](Self::acquire)s.
    #[inline]
    pub(crate) fn release(&self, bump: &'g Bump, buf: &'g mut [f32]) {
        if buf.len() < MIN_POOLED {
            return;
        }
        self.release_listed(bump, buf)
    }

    fn release_listed(&self, bump: &'g Bump, buf: &'g mut [f32]) {
        let n = buf.len();
        let cell = match self.spare.get() {
            Some(c) => {
                self.spare.set(c.next.get());
                c
            }
            None => bump.alloc(FreeCell {
                len: Cell::new(0),
                buf: Cell::new(None),
                next: Cell::new(None),
            }),
        };
        let list = &self.lists[bucket(n)];
        cell.len.set(n);
        cell.buf.set(Some(buf));
        cell.next.set(list.get());
        list.set(Some(cell));
    }
}

#[cfg(test)]
mod tests;
