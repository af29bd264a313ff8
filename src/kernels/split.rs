//! Fixed-boundary splitting for rayon, shared by the row-wise, loss, optimizer and clipping
//! kernels.
//!
//! Work over `n` units (rows, or values) is halved recursively with `rayon::join`, always at a
//! multiple of a fixed `chunk` (`mid = ⌈n/chunk⌉/2 · chunk`): where the cuts fall depends only
//! on `n` and `chunk`, never on the number of threads. For element-wise and per-row work that
//! only matters for speed; for a reduction ([`tree_sum`]) it fixes the tree of partial sums, so a
//! result is bitwise identical on 1 or N threads, and identical to the sequential evaluation of
//! the same tree. Below the grain everything runs on the calling thread with no rayon call.
//!
//! Disjoint writes go through `split_at_mut` of each output buffer at the same unit boundary
//! (buffers may count different elements per unit: a row of `c` logits, one `lse` per row), so
//! no `unsafe` is needed. An empty buffer (an optional state buffer not in use) stays empty in
//! both halves.

use std::ops::Range;

/// Where a kernel goes parallel: work of fewer than `grain` elements stays on the calling
/// thread; above it, rayon tasks of about `chunk` elements (whole rows: never fewer than one).
/// Each kernel family has its tuned constant (`rowwise::ROWS`, `optim::UPDATES`, ...); the
/// `*_with` variants that take one exist for the grain sweep (`examples/grain_sweep.rs`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Par {
    /// Elements per rayon task.
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

/// Calls `f(first_unit, bufs)` on consecutive pieces of `n` units covering `[0, n)`: one call
/// with everything when `n < grain` (or `n <= chunk`), else pieces of at most `chunk` units,
/// cut at multiples of `chunk` and run in parallel. Buffer `k` holds `units[k]` elements per
/// unit (`n · units[k]` in all) or is empty.
pub(crate) fn for_chunks<const K: usize, F>(
    bufs: [&mut [f32]; K],
    units: [usize; K],
    n: usize,
    chunk: usize,
    grain: usize,
    f: &F,
) where
    F: Fn(usize, [&mut [f32]; K]) + Sync,
{
    for (b, &u) in bufs.iter().zip(&units) {
        assert!(
            b.is_empty() || b.len() == n * u,
            "for_chunks: buffer length"
        );
    }
    if n < grain.max(1) || n <= chunk {
        f(0, bufs);
    } else {
        split(bufs, units, 0, n, chunk.max(1), f);
    }
}

fn split<const K: usize, F>(
    bufs: [&mut [f32]; K],
    units: [usize; K],
    first: usize,
    n: usize,
    chunk: usize,
    f: &F,
) where
    F: Fn(usize, [&mut [f32]; K]) + Sync,
{
    if n <= chunk {
        f(first, bufs);
        return;
    }
    let mid = n.div_ceil(chunk) / 2 * chunk;
    let mut k = 0;
    let mut halves = bufs.map(|b| {
        let at = if b.is_empty() { 0 } else { mid * units[k] };
        k += 1;
        let (lo, hi) = b.split_at_mut(at);
        (Some(lo), Some(hi))
    });
    let lo = std::array::from_fn(|k| halves[k].0.take().expect("each half taken once"));
    let hi = std::array::from_fn(|k| halves[k].1.take().expect("each half taken once"));
    rayon::join(
        || split(lo, units, first, mid, chunk, f),
        || split(hi, units, first + mid, n - mid, chunk, f),
    );
}

/// `Σ leaf(piece)` over pieces of `[0, n)` cut at multiples of `chunk` by recursive halving,
/// the partial sums combined up the same binary tree whether the halves run in parallel
/// (`n >= grain`) or not: the result depends on `n` and `chunk` only.
pub(crate) fn tree_sum<F>(n: usize, chunk: usize, grain: usize, leaf: &F) -> f64
where
    F: Fn(Range<usize>) -> f64 + Sync,
{
    tree(0..n, chunk.max(1), n >= grain, leaf)
}

fn tree<F>(r: Range<usize>, chunk: usize, par: bool, leaf: &F) -> f64
where
    F: Fn(Range<usize>) -> f64 + Sync,
{
    let n = r.len();
    if n <= chunk {
        return leaf(r);
    }
    let mid = r.start + n.div_ceil(chunk) / 2 * chunk;
    let (a, b) = if par {
        rayon::join(
            || tree(r.start..mid, chunk, par, leaf),
            || tree(mid..r.end, chunk, par, leaf),
        )
    } else {
        (
            tree(r.start..mid, chunk, par, leaf),
            tree(mid..r.end, chunk, par, leaf),
        )
    };
    a + b
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
mod tests {
    use super::*;

    #[test]
    fn chunks_cover_every_unit_once_with_fixed_boundaries() {
        // 10 units of 3 values and 1 flag each; chunk 4: pieces [0,4) [4,8) [8,10)
        let (mut vals, mut flags, mut none) = (vec![0.0; 30], vec![0.0; 10], Vec::<f32>::new());
        let bufs = [&mut vals[..], &mut flags[..], &mut none[..]];
        for_chunks(bufs, [3, 1, 5], 10, 4, 0, &|first, [v, fl, e]| {
            assert!(first % 4 == 0 && fl.len() <= 4 && e.is_empty());
            v.iter_mut().for_each(|x| *x += first as f32);
            fl.iter_mut().for_each(|x| *x += 1.0);
        });
        assert!(flags.iter().all(|&x| x == 1.0));
        let want: Vec<f32> = (0..30).map(|i| (i / 3 / 4 * 4) as f32).collect();
        assert_eq!(vals, want);
        // below the grain: one call with everything
        let mut calls = 0;
        let cell = std::sync::Mutex::new(&mut calls);
        for_chunks([&mut vals[..]], [3], 10, 4, 11, &|first, [v]| {
            assert_eq!((first, v.len()), (0, 30));
            **cell.lock().unwrap() += 1;
        });
        assert_eq!(calls, 1);
    }

    #[test]
    fn tree_sum_is_the_same_tree_on_any_thread_count() {
        // 1/3 is inexact, so the bits of the sum depend on the order of additions
        let leaf = |r: Range<usize>| r.map(|i| 1.0 / (3.0 + i as f64)).sum::<f64>();
        let seq = tree_sum(100_003, 1000, usize::MAX, &leaf);
        let (one, two) = on_1_and_2_threads(|| tree_sum(100_003, 1000, 0, &leaf));
        assert_eq!(seq.to_bits(), one.to_bits());
        assert_eq!(one.to_bits(), two.to_bits());
        assert_eq!(tree_sum(0, 8, 0, &leaf), 0.0);
    }
}
