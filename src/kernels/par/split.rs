//! The one splitter: work over `n` units (elements, rows, partial sums) is halved recursively
//! with `rayon::join`, always at a multiple of a fixed `chunk` (`mid = ⌈n/chunk⌉/2 · chunk`).
//! Where the cuts fall depends only on `n` and `chunk`, never on the number of threads; each
//! piece holds at most `chunk` units and all but the last exactly `chunk`.
//!
//! What a piece carries is a [`Cut`]: nothing (a reduction that reads its input by index,
//! [`tree_sum`]) or a set of output buffers cut at the same unit boundary ([`for_units`];
//! buffers may count different elements per unit: a row of `c` logits, one `lse` per row).
//! Disjoint writes go through `split_at_mut`, so no `unsafe` is needed. An empty buffer (an
//! optional state buffer not in use) stays empty in both halves.

use std::ops::Range;

/// What a piece of work carries, cut in two at a unit boundary.
trait Cut: Sized + Send {
    fn cut(self, mid: usize) -> (Self, Self);
}

impl Cut for () {
    fn cut(self, _: usize) -> ((), ()) {
        ((), ())
    }
}

/// `K` buffers of `units[k]` elements per unit.
struct Bufs<'a, T, const K: usize> {
    bufs: [&'a mut [T]; K],
    units: [usize; K],
}

impl<T: Send, const K: usize> Cut for Bufs<'_, T, K> {
    fn cut(self, mid: usize) -> (Self, Self) {
        let units = self.units;
        let mut k = 0;
        let mut halves = self.bufs.map(|b| {
            let at = if b.is_empty() { 0 } else { mid * units[k] };
            k += 1;
            let (lo, hi) = b.split_at_mut(at);
            (Some(lo), Some(hi))
        });
        let lo = std::array::from_fn(|k| halves[k].0.take().expect("each half taken once"));
        let hi = std::array::from_fn(|k| halves[k].1.take().expect("each half taken once"));
        (Bufs { bufs: lo, units }, Bufs { bufs: hi, units })
    }
}

/// `leaf` on each piece of `r` (cut at multiples of `chunk` from `r.start`), the results
/// combined up the binary tree of cuts: `combine(left, right)`. The halves run under
/// `rayon::join` when `par`, one after the other otherwise — the same tree either way.
fn halve<P, R, L, C>(r: Range<usize>, p: P, chunk: usize, par: bool, leaf: &L, combine: &C) -> R
where
    P: Cut,
    R: Send,
    L: Fn(Range<usize>, P) -> R + Sync,
    C: Fn(R, R) -> R + Sync,
{
    let n = r.len();
    if n <= chunk {
        return leaf(r, p);
    }
    let mid = r.start + n.div_ceil(chunk) / 2 * chunk;
    let (lo, hi) = p.cut(mid - r.start);
    let (a, b) = if par {
        rayon::join(
            || halve(r.start..mid, lo, chunk, par, leaf, combine),
            || halve(mid..r.end, hi, chunk, par, leaf, combine),
        )
    } else {
        (
            halve(r.start..mid, lo, chunk, par, leaf, combine),
            halve(mid..r.end, hi, chunk, par, leaf, combine),
        )
    };
    combine(a, b)
}

/// Calls `f(first_unit, bufs)` on consecutive pieces of `n` units covering `[0, n)`: one call
/// with everything when `n < grain` (or `n <= chunk`), else pieces of at most `chunk` units,
/// cut at multiples of `chunk` and run in parallel — or one after the other on the calling
/// thread when the pool has one thread: then a `rayon::join` from outside the pool would only
/// hand each call to the pool's worker and block until it is done (Adam over 100 parameters
/// paid that hand-off 100 times a step). Same pieces either way. Buffer `k` holds `units[k]` elements per
/// unit (`n · units[k]` in all) or is empty.
pub(crate) fn for_units<T: Send, const K: usize, F>(
    bufs: [&mut [T]; K],
    units: [usize; K],
    n: usize,
    chunk: usize,
    grain: usize,
    f: &F,
) where
    F: Fn(usize, [&mut [T]; K]) + Sync,
{
    for (b, &u) in bufs.iter().zip(&units) {
        assert!(b.is_empty() || b.len() == n * u, "for_units: buffer length");
    }
    if n < grain.max(1) || n <= chunk {
        return f(0, bufs);
    }
    let leaf = |r: Range<usize>, p: Bufs<'_, T, K>| f(r.start, p.bufs);
    halve(
        0..n,
        Bufs { bufs, units },
        chunk.max(1),
        rayon::current_num_threads() > 1,
        &leaf,
        &|(), ()| (),
    );
}

/// `Σ leaf(piece)` over pieces of `[0, n)` cut at multiples of `chunk` by recursive halving,
/// the partial sums combined up the same binary tree whether the halves run in parallel
/// (`n >= grain`) or not: the result depends on `n` and `chunk` only.
pub(crate) fn tree_sum<F>(n: usize, chunk: usize, grain: usize, leaf: &F) -> f64
where
    F: Fn(Range<usize>) -> f64 + Sync,
{
    let leaf = |r: Range<usize>, ()| leaf(r);
    let par = n >= grain && rayon::current_num_threads() > 1;
    halve(0..n, (), chunk.max(1), par, &leaf, &|a, b| a + b)
}

/// Runs `f` once on a rayon pool of 1 thread and once on a pool of 2, for determinism tests.
#[cfg(test)]
pub(crate) fn on_1_and_2_threads<T: Send>(f: impl Fn() -> T + Sync) -> (T, T) {
    let pool = |t| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(t)
            .build()
            .expect("thread pool")
    };
    (pool(1).install(&f), pool(2).install(&f))
}

#[cfg(test)]
mod tests;
