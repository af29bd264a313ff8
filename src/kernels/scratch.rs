//! Per-thread scratch buffers for kernels that need working space of a size known only at the
//! call (im2col's column matrix, attention's packed tiles): kept across calls and grown, never
//! shrunk, so a training step allocates nothing once every buffer has reached its size.
//!
//! A kernel that holds one buffer while it runs rayon tasks needing their own takes one per
//! nesting depth; each depth grows to the largest request any thread has made at that depth,
//! so a worker that saw only small requests during warm-up is still ready for the largest.

use std::cell::{Cell, RefCell};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

thread_local! {
    /// This thread's scratch buffers, each grown to the largest request seen at its depth
    /// and never shrunk: one in a plain call, more while the holder of one runs a rayon task
    /// that needs one (the weight gradient's caller holds the pieces' sums while it runs
    /// pieces), or while im2col pads inside a caller's column buffer.
    static COLS: RefCell<Vec<Vec<f32>>> = const { RefCell::new(Vec::new()) };
}

/// The largest request seen at each nesting depth of [`with_scratch`] (0: the outermost), on
/// any thread. A buffer that grows grows to it, so a thread that serves any request after
/// warm-up is ready for every layer's: a worker that happened to steal no image of the
/// largest layer during warm-up would otherwise grow its buffer in some later step.
static WIDEST: [AtomicUsize; 4] = [const { AtomicUsize::new(0) }; 4];

thread_local! {
    /// How many of this thread's buffers are in use: the depth of its next request.
    static DEPTH: Cell<usize> = const { Cell::new(0) };
}

/// Calls `f` with a buffer of `len` floats of unspecified contents, taken from this thread's
/// kept buffers (a new one when all are in use further up the stack) and put back afterwards:
/// no heap allocation once every buffer has reached its size.
pub(crate) fn with_scratch<R>(len: usize, f: impl FnOnce(&mut [f32]) -> R) -> R {
    let depth = DEPTH.with(|d| d.replace(d.get() + 1));
    let mut buf = COLS.with(|c| c.borrow_mut().pop()).unwrap_or_default();
    // a plain load first: a write to the shared counter on every call would bounce its line
    let widest = WIDEST.get(depth).map_or(len, |w| match w.load(Relaxed) {
        seen if seen >= len => seen,
        _ => w.fetch_max(len, Relaxed).max(len),
    });
    if buf.len() < widest {
        buf.resize(widest, 0.0);
    }
    let r = f(&mut buf[..len]);
    COLS.with(|c| c.borrow_mut().push(buf));
    DEPTH.with(|d| d.set(depth));
    r
}
