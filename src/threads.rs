//! How many threads the kernels use: PyTorch's `torch.set_num_threads` / `get_num_threads`.
//!
//! Kernels split work over the crate's own team of threads (above grain sizes chosen so that
//! results are bitwise the same for any thread count): the thread that calls a kernel takes
//! part, and helper threads, started on first need, spin for about a millisecond after each
//! kernel before they park, so the kernels of a training step start at once (`docs/perf.md`,
//! "Threads"). The count starts from `ARENAGRAD_NUM_THREADS` (or `RAYON_NUM_THREADS`), else one
//! thread per core; [`set_num_threads`] changes it at any time, and [`with_num_threads`] sets it
//! for a block of one thread's code (a server evaluating several requests at once, each on one
//! thread). One kernel runs on the team at a time: a kernel called from another thread
//! meanwhile runs on its caller alone, with the same results.

use crate::error::{Error, Result};
use crate::kernels::par::count;

/// Sets the number of threads kernels use (`torch.set_num_threads(n)`), for every thread of
/// the process that has not set its own with [`with_num_threads`]; takes effect from the next
/// kernel. `n = 0` is an error; counts above 256 are capped.
///
/// ```
/// arenagrad::set_num_threads(2).unwrap();
/// assert_eq!(arenagrad::num_threads(), 2);
/// assert!(arenagrad::set_num_threads(0).is_err());
/// ```
pub fn set_num_threads(n: usize) -> Result<()> {
    check("set_num_threads", n)?;
    count::set_threads(n);
    Ok(())
}

/// Runs `f` with kernels called from this thread using `n` threads, then restores the previous
/// count (also if `f` panics). Other threads keep theirs. `n = 0` is an error.
///
/// ```
/// let total = arenagrad::with_num_threads(1, || {
///     assert_eq!(arenagrad::num_threads(), 1);
///     arenagrad::Tensor::from_slice(&[1.0, 2.0]).data().iter().sum::<f32>()
/// }).unwrap();
/// assert_eq!(total, 3.0);
/// ```
pub fn with_num_threads<R>(n: usize, f: impl FnOnce() -> R) -> Result<R> {
    check("with_num_threads", n)?;
    Ok(count::with_threads(n, f))
}

fn check(op: &'static str, n: usize) -> Result<()> {
    if n == 0 {
        return Err(Error::InvalidArgument {
            op,
            message: "0 threads requested; pass at least 1".into(),
        });
    }
    Ok(())
}

/// The number of threads kernels called from this thread use (`torch.get_num_threads()`).
///
/// ```
/// assert!(arenagrad::num_threads() >= 1);
/// ```
pub fn num_threads() -> usize {
    count::threads()
}
