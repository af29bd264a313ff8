//! The one splitter: work over `n` units (elements, rows, partial sums) is halved recursively,
//! always at a multiple of a fixed `chunk` (`mid = ⌈n/chunk⌉/2 · chunk`), and the subtrees
//! below the top few cuts run on the team (`team.rs`).
//! Where the cuts fall depends only on `n` and `chunk`, never on the number of threads; each
//! piece holds at most `chunk` units and all but the last exactly `chunk`.
//!
//! What a piece carries is a [`Cut`]: nothing (a reduction that reads its input by index,
//! [`tree_sum`]) or a set of output buffers cut at the same unit boundary ([`for_units`];
//! buffers may count different elements per unit: a row of `c` logits, one `lse` per row).
//! Disjoint writes go through `split_at_mut`, so no `unsafe` is needed. An empty buffer (an
//! optional state buffer not in use) stays empty in both halves.

use std::ops::Range;
use std::sync::Mutex;

use super::{count, team};

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

/// Pairs of cuts, for kernels whose outputs have different element types (values and
/// indices): both halves cut at the same unit.
impl<A: Cut, B: Cut> Cut for (A, B) {
    fn cut(self, mid: usize) -> (Self, Self) {
        let (a0, a1) = self.0.cut(mid);
        let (b0, b1) = self.1.cut(mid);
        ((a0, b0), (a1, b1))
    }
}

/// At most this many subtrees go to the team at once.
const SLOTS: usize = 64;

/// One subtree waiting for a thread: its units and what it carries.
type Slot<P> = Mutex<Option<(Range<usize>, P)>>;

/// `leaf` on each piece of `r` (cut at multiples of `chunk` from `r.start`), the results
/// combined up the binary tree of cuts: `combine(left, right)`. When `par`, the top of the tree
/// is cut into subtrees (about four per thread, at most [`SLOTS`]) that the team runs in any
/// order, and their results are combined up the same top levels on the calling thread: the
/// same tree, so the same result, as one after the other.
fn halve<P, R, L, C>(r: Range<usize>, p: P, chunk: usize, par: bool, leaf: &L, combine: &C) -> R
where
    P: Cut,
    R: Send,
    L: Fn(Range<usize>, P) -> R + Sync,
    C: Fn(R, R) -> R + Sync,
{
    let threads = count::threads();
    if !par || threads <= 1 || r.len() <= chunk {
        return seq(r, p, chunk, leaf, combine);
    }
    let depth = (4 * threads)
        .next_power_of_two()
        .trailing_zeros()
        .min(SLOTS.trailing_zeros());
    let slots: [Slot<P>; SLOTS] = std::array::from_fn(|_| Mutex::new(None));
    let results: [Mutex<Option<R>>; SLOTS] = std::array::from_fn(|_| Mutex::new(None));
    let mut used = 0;
    top(r.clone(), p, chunk, depth, &mut |piece| {
        *take(&slots[used]) = Some(piece);
        used += 1;
    });
    team::run(used, &|i| {
        let (r, p) = take(&slots[i]).take().expect("each subtree runs once");
        let v = seq(r, p, chunk, leaf, combine);
        *take(&results[i]) = Some(v);
    });
    let mut next = 0;
    join_top(
        r,
        chunk,
        depth,
        &mut || {
            next += 1;
            take(&results[next - 1]).take().expect("each subtree ran")
        },
        combine,
    )
}

fn take<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The cut of `r` at a multiple of `chunk`: `mid = r.start + ⌈n/chunk⌉/2 · chunk`.
fn mid(r: &Range<usize>, chunk: usize) -> usize {
    r.start + r.len().div_ceil(chunk) / 2 * chunk
}

/// The whole tree under `r` on this thread.
fn seq<P, R, L, C>(r: Range<usize>, p: P, chunk: usize, leaf: &L, combine: &C) -> R
where
    P: Cut,
    L: Fn(Range<usize>, P) -> R,
    C: Fn(R, R) -> R,
{
    if r.len() <= chunk {
        return leaf(r, p);
    }
    let m = mid(&r, chunk);
    let (lo, hi) = p.cut(m - r.start);
    let a = seq(r.start..m, lo, chunk, leaf, combine);
    let b = seq(m..r.end, hi, chunk, leaf, combine);
    combine(a, b)
}

/// Hands `put` the subtrees `depth` levels down (or leaves, where the tree ends sooner), in
/// order.
fn top<P: Cut>(
    r: Range<usize>,
    p: P,
    chunk: usize,
    depth: u32,
    put: &mut impl FnMut((Range<usize>, P)),
) {
    if depth == 0 || r.len() <= chunk {
        return put((r, p));
    }
    let m = mid(&r, chunk);
    let (lo, hi) = p.cut(m - r.start);
    top(r.start..m, lo, chunk, depth - 1, put);
    top(m..r.end, hi, chunk, depth - 1, put);
}

/// Combines the subtrees' results (from `next`, in [`top`]'s order) up the same levels.
fn join_top<R>(
    r: Range<usize>,
    chunk: usize,
    depth: u32,
    next: &mut impl FnMut() -> R,
    combine: &impl Fn(R, R) -> R,
) -> R {
    if depth == 0 || r.len() <= chunk {
        return next();
    }
    let m = mid(&r, chunk);
    let a = join_top(r.start..m, chunk, depth - 1, next, combine);
    let b = join_top(m..r.end, chunk, depth - 1, next, combine);
    combine(a, b)
}

/// Calls `f(first_unit, bufs)` on consecutive pieces of `n` units covering `[0, n)`: one call
/// with everything when `n < grain` (or `n <= chunk`), else pieces of at most `chunk` units,
/// cut at multiples of `chunk` and run in parallel — or one after the other on the calling
/// thread when kernels use one thread. Same pieces either way. Buffer `k` holds `units[k]` elements per
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
        count::threads() > 1,
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
    let par = n >= grain && count::threads() > 1;
    halve(0..n, (), chunk.max(1), par, &leaf, &|a, b| a + b)
}

/// Calls `f(units, a, b)` on consecutive pieces of `n` units as [`for_units`] does, for two
/// outputs of different element types: `a` holds `units.0` elements per unit, `b` `units.1`
/// (or is empty).
pub(crate) fn for_pair<A: Send, B: Send, F>(
    (a, b): (&mut [A], &mut [B]),
    units: (usize, usize),
    n: usize,
    chunk: usize,
    grain: usize,
    f: &F,
) where
    F: Fn(Range<usize>, &mut [A], &mut [B]) + Sync,
{
    assert!(
        a.is_empty() || a.len() == n * units.0,
        "for_pair: first buffer length"
    );
    assert!(
        b.is_empty() || b.len() == n * units.1,
        "for_pair: second buffer length"
    );
    if n < grain.max(1) || n <= chunk {
        return f(0..n, a, b);
    }
    let p = (
        Bufs {
            bufs: [a],
            units: [units.0],
        },
        Bufs {
            bufs: [b],
            units: [units.1],
        },
    );
    let leaf = |r: Range<usize>, (pa, pb): (Bufs<'_, A, 1>, Bufs<'_, B, 1>)| {
        let ([a], [b]) = (pa.bufs, pb.bufs);
        f(r, a, b)
    };
    halve(
        0..n,
        p,
        chunk.max(1),
        count::threads() > 1,
        &leaf,
        &|(), ()| (),
    );
}

/// Runs `f` once with kernels on 1 thread and once on 2, for determinism tests.
#[cfg(test)]
pub(crate) fn on_1_and_2_threads<T: Send>(f: impl Fn() -> T + Sync) -> (T, T) {
    (count::with_threads(1, &f), count::with_threads(2, &f))
}

#[cfg(test)]
mod tests;
