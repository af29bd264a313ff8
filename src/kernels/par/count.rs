//! How many threads a kernel may use: a process-wide count ([`set_threads`], PyTorch's
//! `torch.set_num_threads`), which a thread can lower or raise for a block of its own code
//! ([`with_threads`]); and which team thread the current one is.
//!
//! The process-wide count starts from the environment on first use: `ARENAGRAD_NUM_THREADS`,
//! else `RAYON_NUM_THREADS` (read for programs written against earlier versions), else one
//! thread per available core.

use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

use super::team::MAX_THREADS;

/// The process-wide count; 0 until first read or set.
static THREADS: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    /// This thread's own count inside [`with_threads`]; 0 outside.
    static SCOPED: Cell<usize> = const { Cell::new(0) };
    /// `i + 1` on team helper `i`; 0 on other threads.
    static WORKER: Cell<usize> = const { Cell::new(0) };
}

/// The count from the environment (see the module doc).
fn from_env() -> usize {
    ["ARENAGRAD_NUM_THREADS", "RAYON_NUM_THREADS"]
        .iter()
        .find_map(|k| std::env::var(k).ok()?.trim().parse::<usize>().ok())
        .filter(|&n| n > 0)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .min(MAX_THREADS)
}

/// The number of threads a kernel called from this thread may use.
pub fn threads() -> usize {
    let scoped = SCOPED.with(Cell::get);
    if scoped > 0 {
        return scoped;
    }
    match THREADS.load(Relaxed) {
        0 => {
            let n = from_env();
            // a concurrent `set_threads` wins over the environment
            match THREADS.compare_exchange(0, n, Relaxed, Relaxed) {
                Ok(_) => n,
                Err(set) => set,
            }
        }
        n => n,
    }
}

/// Sets the process-wide count (`1..=MAX_THREADS`; larger counts are capped).
pub fn set_threads(n: usize) {
    THREADS.store(n.clamp(1, MAX_THREADS), Relaxed);
}

/// Runs `f` with kernels called from this thread using `n` threads (capped as
/// [`set_threads`] caps), then restores the previous count, also if `f` panics.
pub fn with_threads<R>(n: usize, f: impl FnOnce() -> R) -> R {
    struct Restore(usize);
    impl Drop for Restore {
        fn drop(&mut self) {
            SCOPED.with(|s| s.set(self.0));
        }
    }
    let _restore = Restore(SCOPED.with(|s| s.replace(n.clamp(1, MAX_THREADS))));
    f()
}

/// `Some(i)` on the team's helper `i` (`0..threads() - 1`), `None` on any other thread.
pub fn worker_index() -> Option<usize> {
    WORKER.with(Cell::get).checked_sub(1)
}

/// Marks this thread as the team's helper `index - 1`.
pub(super) fn set_worker(index: usize) {
    WORKER.with(|w| w.set(index));
}
