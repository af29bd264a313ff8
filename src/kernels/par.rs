//! When to go parallel, and how to split work so that the result does not depend on the
//! number of threads: one splitter (`par/split.rs`) serves the element-wise, row-wise, loss,
//! optimizer, clipping and reduction kernels.
//!
//! Work over `n` units is halved recursively, always at a multiple of a fixed `chunk`, so
//! where the cuts fall depends only on `n` and `chunk`; the pieces run on the team
//! (`par/team.rs`: the calling thread and helpers that spin between kernels). Below a grain
//! everything runs on the calling thread.
//!
//! - Element-wise kernels ([`for_chunks`], [`for_rows`]) and per-row kernels (`for_units`,
//!   several output buffers cut at the same row) only gain speed from the split: each
//!   element's value does not depend on where a piece starts (SIMD tails go through the same
//!   lanes, see [`simd`](super::simd)), so any split gives the same bits.
//! - Reductions fix the order of their additions by the boundaries. [`sum_parts`] /
//!   [`reduce_parts`] cut the input into [`SUM_CHUNK`]-element parts (more when that would
//!   give over [`MAX_PARTS`] parts), reduce each part (in parallel) and fold the partials in
//!   order on the calling thread; `tree_sum` (gradient clipping) adds its partials up the
//!   binary tree of cuts. Either way the result is bitwise the same for 1 and N threads.
//!
//! The grain sizes are where splitting in two starts to win on the team, whose hand-off costs
//! about a microsecond while the helpers spin (`examples/team_sweep.rs`): 32K elements for
//! memory-bound kernels, 8K for a transcendental per element. Every grain of the crate, with
//! the sweep behind it, is in `docs/perf.md` ("Grain sizes").

pub mod count;
mod split;
pub mod team;

#[cfg(test)]
pub(crate) use split::on_1_and_2_threads;
pub(crate) use split::{for_pair, for_units, tree_sum};

/// Grain of cheap element-wise kernels (add, mul, relu, the `g·y`-style backward rules, fills,
/// axis sums): below this many output elements a kernel stays on the calling thread.
pub const EW_GRAIN: usize = 32 * 1024;

/// Grain of element-wise kernels that evaluate a transcendental function (exp, tanh, sigmoid,
/// log, sin, erf …) per element.
pub const MATH_GRAIN: usize = 8 * 1024;

/// Elements per part of a parallel reduction (the fixed boundaries).
pub const SUM_CHUNK: usize = 64 * 1024;

/// At most this many partials (a stack array); longer inputs get longer parts.
pub const MAX_PARTS: usize = 256;

/// Where a row-wise, loss, optimizer or clipping kernel goes parallel: work of fewer than
/// `grain` elements stays on the calling thread; above it, pieces of about `chunk`
/// elements (whole rows: never fewer than one). Each kernel family has its tuned constant
/// (`rowwise::ROWS`, `optim::update::UPDATES`, ...); the `*_with` variants that take one exist for the
/// grain sweep (`examples/grain_sweep.rs`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Par {
    /// Elements per piece.
    pub chunk: usize,
    /// Elements below which nothing is split.
    pub grain: usize,
}

impl Par {
    /// Never split (a grain no work reaches).
    pub const SEQ: Par = Par {
        chunk: usize::MAX,
        grain: usize::MAX,
    };

    /// `(chunk, grain)` counted in units of `unit` elements (rows of `unit` values).
    pub(crate) fn units(self, unit: usize) -> (usize, usize) {
        let unit = unit.max(1);
        ((self.chunk / unit).max(1), self.grain.div_ceil(unit))
    }
}

/// Calls `f(start, chunk)` over `out` split into chunks of `grain` elements (a multiple of 8),
/// in parallel when `out` is longer than `grain`. `start` is the chunk's offset in `out`.
pub fn for_chunks(out: &mut [f32], grain: usize, f: impl Fn(usize, &mut [f32]) + Sync + Send) {
    debug_assert!(grain.is_multiple_of(8) && grain > 0);
    if out.len() <= grain || count::threads() == 1 {
        return f(0, out);
    }
    let n = out.len();
    for_units([out], [1], n, grain, 0, &|start, [chunk]| f(start, chunk));
}

/// Calls `f(first_row, rows)` over `out` seen as rows of `row_len` elements, in parallel
/// groups of whole rows when `out` is longer than `grain`.
pub fn for_rows(
    out: &mut [f32],
    row_len: usize,
    grain: usize,
    f: impl Fn(usize, &mut [f32]) + Sync + Send,
) {
    if row_len == 0 || out.len() <= grain || count::threads() == 1 {
        return f(0, out);
    }
    let rows = grain.div_ceil(row_len).max(1);
    let n = out.len();
    for_units([out], [1], n, rows * row_len, 0, &|start, [chunk]| {
        f(start / row_len, chunk)
    });
}

/// The fixed part length for a reduction over `n` elements: [`SUM_CHUNK`], or longer so that
/// there are at most [`MAX_PARTS`] parts. Depends on `n` only.
pub fn part_len(n: usize) -> usize {
    SUM_CHUNK.max(n.div_ceil(MAX_PARTS).next_multiple_of(8))
}

/// `combine`s `part(p)` over the fixed parts `0..n.div_ceil(part_len(n))` of an `n`-element
/// input, where `part(p)` reduces elements `p·len .. min((p+1)·len, n)`: parts in parallel,
/// combined in order on the calling thread. Bitwise independent of the number of threads.
pub fn reduce_parts<T: Copy + Default + Send + Sync>(
    n: usize,
    part: impl Fn(std::ops::Range<usize>) -> T + Sync + Send,
    combine: impl Fn(T, T) -> T,
) -> T {
    let len = part_len(n);
    if n <= len {
        return part(0..n);
    }
    let count = n.div_ceil(len);
    let mut parts = [T::default(); MAX_PARTS];
    for_units([&mut parts[..count]], [1], count, 1, 0, &|p, [s]| {
        s[0] = part(p * len..((p + 1) * len).min(n))
    });
    parts[1..count].iter().fold(parts[0], |a, &b| combine(a, b))
}

/// [`reduce_parts`] adding `f64` partials.
pub fn sum_parts(n: usize, part: impl Fn(std::ops::Range<usize>) -> f64 + Sync + Send) -> f64 {
    reduce_parts(n, part, |a, b| a + b)
}

#[cfg(test)]
mod tests;
