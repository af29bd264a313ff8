//! How many threads the kernels use: PyTorch's `torch.set_num_threads` / `get_num_threads`.
//!
//! Kernels split work over rayon's global pool (above grain sizes chosen so that results are
//! bitwise the same for any thread count). rayon sizes that pool once, on first use, from
//! `RAYON_NUM_THREADS` or the number of CPUs; [`set_num_threads`] sizes it explicitly and must
//! therefore run before the first parallel kernel, typically first thing in `main`. Unlike
//! PyTorch's, it cannot resize a pool that is already running: calling it later, with a
//! different count, is an error that says so (the same count is accepted). A program that needs
//! several sizes runs work inside its own pools (`rayon::ThreadPoolBuilder::build` and
//! `ThreadPool::install`): kernels use the pool they are called from.

use crate::error::{Error, Result};

/// Sizes the pool the kernels run on to `n` threads (`torch.set_num_threads(n)`); call it
/// before any op runs. `n = 0` is an error, as is a count different from that of a pool
/// already started (rayon's global pool cannot be resized).
///
/// ```
/// // a fresh process would call this first thing in main; here other tests may have started
/// // the pool already, so only a call with its current size is sure to succeed
/// let n = arenagrad::num_threads();
/// arenagrad::set_num_threads(n).unwrap();
/// assert!(arenagrad::set_num_threads(0).is_err());
/// ```
pub fn set_num_threads(n: usize) -> Result<()> {
    if n == 0 {
        return Err(Error::InvalidArgument {
            op: "set_num_threads",
            message: "0 threads requested; pass at least 1".into(),
        });
    }
    match rayon::ThreadPoolBuilder::new()
        .num_threads(n)
        .build_global()
    {
        Ok(()) => Ok(()),
        // the global pool exists already: fine if it has the requested size
        Err(_) if rayon::current_num_threads() == n => Ok(()),
        Err(_) => Err(Error::InvalidArgument {
            op: "set_num_threads",
            message: format!(
                "the thread pool already runs with {} threads and cannot be resized to {n}; \
                 call set_num_threads before the first op (first thing in main), or run the \
                 work inside a rayon::ThreadPool of {n} threads (ThreadPool::install)",
                rayon::current_num_threads()
            ),
        }),
    }
}

/// The number of threads kernels called from here use (`torch.get_num_threads()`): the size of
/// the rayon pool this thread runs in, or of the global pool.
///
/// ```
/// assert!(arenagrad::num_threads() >= 1);
/// ```
pub fn num_threads() -> usize {
    rayon::current_num_threads()
}
