//! Arena buffers that their first user writes in full: no zero-fill in the steady state.
//!
//! An op's output and the first contribution to a gradient store every element (forward
//! kernels write their whole output; gradients follow the `Acc::Write` rule of `sink.rs`).
//! Zero-filling such a buffer first doubles the stores for nothing: for
//! `tanh(a·b + c).sum()` over 2²² floats, 80 MB of the 448 MB a step moved were memsets.
//!
//! Handing out the arena's bytes unfilled is sound only where they are already initialized,
//! since an `&mut [f32]` over uninitialized memory is undefined behaviour whatever is done with
//! it later. [`Graph`](super::Graph) therefore *primes* its chunk: whenever the arena's
//! single chunk is new (first run, or the chunk replaced after a run outgrew it), it writes
//! zeros over the whole chunk once and records the chunk's address range ([`Written`]).
//! bumpalo's `reset` keeps that chunk and never returns its memory to the allocator while the
//! `Bump` lives, and bytes once written stay initialized, so any later allocation inside the
//! range holds plain (stale) floats. An allocation outside it (a chunk added during a run
//! that outgrew the primed one) is zero-filled as before. Debug builds fill every such buffer
//! with NaN instead, so a kernel or rule that leaves an element unwritten fails the tests.

use std::alloc::Layout;
use std::ptr::NonNull;

use bumpalo::Bump;

/// The address range of an arena chunk whose every byte has been written (empty: none).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Written {
    start: usize,
    end: usize,
    /// `bump.allocated_bytes()` when the chunk was primed: a run that adds a chunk raises it,
    /// and after `reset` the kept chunk is then the new, unprimed one.
    total: usize,
}

impl Written {
    /// Whether `bump` still holds exactly the chunk this range was recorded for (no chunk was
    /// added since). Call after `reset`.
    pub(crate) fn still_valid(&self, bump: &Bump) -> bool {
        self.end > self.start && bump.allocated_bytes() == self.total
    }

    /// Writes zeros over all of `bump`'s (single, just reset) chunk and records its range.
    pub(crate) fn prime(bump: &mut Bump) -> Written {
        bump.reset();
        let cap = bump.chunk_capacity();
        if cap == 0 {
            return Written::default();
        }
        // exactly the free bytes of the chunk at alignment 1: fits without a new chunk
        let bytes = bump.alloc_slice_fill_copy(cap, 0u8).as_ptr_range();
        let w = Written {
            start: bytes.start as usize,
            end: bytes.end as usize,
            total: bump.allocated_bytes(),
        };
        bump.reset();
        debug_assert_eq!(bump.allocated_bytes(), w.total, "priming added no chunk");
        w
    }

    /// `n` floats from `bump` whose values are unspecified (stale floats, or zeros, or NaN in
    /// debug builds): the caller must write every element before reading any.
    #[allow(clippy::mut_from_ref)]
    // fresh arena memory, as `Bump::alloc` hands out
    // inlined into every op (one per node of a 0-d graph): without the hint scalar_graph ran
    // 34-36 ns/node instead of 25, depending on how the crate's code units were cut
    #[inline]
    pub(crate) fn alloc<'b>(&self, bump: &'b Bump, n: usize) -> &'b mut [f32] {
        if n <= 1 {
            // one store (or none) instead of the bookkeeping below
            let fill = if cfg!(debug_assertions) {
                f32::NAN
            } else {
                0.0
            };
            return bump.alloc_slice_fill_copy(n, fill);
        }
        let layout = Layout::array::<f32>(n).expect("a valid shape's buffer fits in isize");
        let p: NonNull<f32> = bump.alloc_layout(layout).cast();
        let (a, bytes) = (p.as_ptr() as usize, n * 4);
        let primed = a >= self.start && a + bytes <= self.end;
        if cfg!(debug_assertions) {
            // SAFETY: `p` is a fresh arena allocation of `n` f32s (the layout above), so every
            // `p.add(i)` for i < n is in bounds, aligned and not aliased.
            unsafe { (0..n).for_each(|i| p.add(i).write(f32::NAN)) };
        } else if !primed {
            // SAFETY: as above; all-zero bytes are the float 0.0.
            unsafe { std::ptr::write_bytes(p.as_ptr(), 0, n) };
        }
        // SAFETY: `p` holds `n` f32s, fresh from the arena (no other reference to them) and
        // living as long as `bump`'s borrow. Every byte is initialized: written just above,
        // or inside the primed range, whose bytes were all written once and stay so (module
        // doc).
        unsafe { std::slice::from_raw_parts_mut(p.as_ptr(), n) }
    }
}

#[cfg(test)]
mod tests;
