//! The f32x8 plumbing every SIMD kernel shares: loads and stores, operands that are either a
//! slice or one value repeated ([`Lanes`]), and the loops that run a lane function over
//! slices ([`zip4`], [`par_zip4`], [`sum4`]).
//!
//! Tails (the last `len % 8` elements) go through the same lane function on a zero-padded
//! vector instead of a scalar loop, so an element's result never depends on its position or on
//! where a parallel chunk starts: the scalar twins of the kernels (their plain `f32` forms) are
//! the reference the tests hold the lanes to, not a second code path with other roundings.
//! Padded lanes are computed and dropped; their values (`0/0` and the like) never leak.

use super::par::for_chunks;
use crate::kernels::Acc;
pub use wide::f32x8;

/// Lanes per vector.
pub const LANES: usize = 8;

/// `a·b + c` rounded as this build's `f32x8::mul_add` rounds it: once (a fused multiply-add)
/// when the build targets FMA (`-C target-cpu=native` on an AVX2 machine, or aarch64), twice
/// otherwise. The scalar forms of the kernels (lane tails, one-element paths, scalar twins) use
/// it, so lanes, tails and twins agree bit for bit in either kind of build; an FMA build and a
/// plain one differ by at most an ulp per multiply-add.
///
/// ```
/// use arenagrad::kernels::simd::{f32x8, fma};
/// let (a, b) = (1.0 + f32::EPSILON, 1.0 - f32::EPSILON);
/// let lanes = f32x8::splat(a).mul_add(f32x8::splat(b), f32x8::splat(-1.0));
/// // −ε² with one rounding, 0 with two: either way the lanes and `fma` agree
/// assert_eq!(fma(a, b, -1.0), lanes.as_array()[0]);
/// ```
#[inline(always)]
pub fn fma(a: f32, b: f32, c: f32) -> f32 {
    if cfg!(any(
        target_feature = "fma",
        all(target_arch = "aarch64", target_feature = "neon")
    )) {
        a.mul_add(b, c)
    } else {
        a * b + c
    }
}

/// Lanes `0..8` of `s` (which must hold at least 8 elements).
#[inline(always)]
pub fn load(s: &[f32]) -> f32x8 {
    let a: [f32; LANES] = s[..LANES].try_into().expect("8 lanes");
    f32x8::from(a)
}

/// The first `s.len() < 8` lanes from `s`, zeros after.
#[inline(always)]
pub fn load_part(s: &[f32]) -> f32x8 {
    let mut a = [0.0f32; LANES];
    a[..s.len()].copy_from_slice(s);
    f32x8::from(a)
}

/// Stores the lanes into `d[..8]`.
#[inline(always)]
pub fn store(v: f32x8, d: &mut [f32]) {
    d[..LANES].copy_from_slice(v.as_array());
}

/// Stores the first `d.len() < 8` lanes into `d`.
#[inline(always)]
pub fn store_part(v: f32x8, d: &mut [f32]) {
    let n = d.len();
    d.copy_from_slice(&v.as_array()[..n]);
}

/// An operand of a lane loop: a slice read in step with the output, or one value.
pub trait Lanes: Copy + Send + Sync {
    /// Lanes `i..i + 8`.
    fn get(self, i: usize) -> f32x8;
    /// Lanes `i..i + n` (n < 8), zero-padded.
    fn get_part(self, i: usize, n: usize) -> f32x8;
    /// The operand seen from element `k` on.
    fn skip(self, k: usize) -> Self;
    /// Element `i` in every lane.
    fn splat_at(self, i: usize) -> f32x8;
}

impl Lanes for &[f32] {
    #[inline(always)]
    fn get(self, i: usize) -> f32x8 {
        load(&self[i..])
    }
    #[inline(always)]
    fn get_part(self, i: usize, n: usize) -> f32x8 {
        load_part(&self[i..i + n])
    }
    #[inline(always)]
    fn skip(self, k: usize) -> Self {
        &self[k..]
    }
    #[inline(always)]
    fn splat_at(self, i: usize) -> f32x8 {
        f32x8::splat(self[i])
    }
}

/// One value in every lane.
#[derive(Clone, Copy, Debug)]
pub struct Splat(pub f32x8);

impl Splat {
    /// `v` in every lane.
    pub fn new(v: f32) -> Self {
        Splat(f32x8::splat(v))
    }
}

impl Lanes for Splat {
    #[inline(always)]
    fn get(self, _: usize) -> f32x8 {
        self.0
    }
    #[inline(always)]
    fn get_part(self, _: usize, _: usize) -> f32x8 {
        self.0
    }
    #[inline(always)]
    fn skip(self, _: usize) -> Self {
        self
    }
    #[inline(always)]
    fn splat_at(self, _: usize) -> f32x8 {
        self.0
    }
}

/// An unused operand.
pub const NONE: Splat = Splat(f32x8::ZERO);

/// A lane function of up to four operands. Kernels implement it on small `Copy` structs with
/// an `#[inline(always)]` [`call`](Lane4::call), so the function body is inlined into every
/// loop that runs it whatever its size (a closure used at several call sites may stay an
/// out-of-line call, spilling its vectors to the stack on each). Closures implement it too.
pub trait Lane4: Copy + Send + Sync {
    /// The function at one vector of each operand.
    fn call(self, a: f32x8, b: f32x8, c: f32x8, d: f32x8) -> f32x8;
}

impl<F: Fn(f32x8, f32x8, f32x8, f32x8) -> f32x8 + Copy + Send + Sync> Lane4 for F {
    #[inline(always)]
    fn call(self, a: f32x8, b: f32x8, c: f32x8, d: f32x8) -> f32x8 {
        self(a, b, c, d)
    }
}

/// The first operand, unchanged (sums, fills).
#[derive(Clone, Copy, Debug)]
pub struct First;

impl Lane4 for First {
    #[inline(always)]
    fn call(self, a: f32x8, _: f32x8, _: f32x8, _: f32x8) -> f32x8 {
        a
    }
}

/// `out[i] (=|+=) f(a[i], b[i], c[i], d[i])` for every `i < out.len()` (operands at least as
/// long). Operands a lane function ignores cost nothing: their loads are dead code.
#[inline(always)]
pub fn zip4<A: Lanes, B: Lanes, C: Lanes, D: Lanes>(
    (a, b, c, d): (A, B, C, D),
    out: &mut [f32],
    acc: Acc,
    f: impl Lane4,
) {
    let n = out.len();
    if n == 1 {
        // one element (0-d tensors, scalar graphs): the same lanes on splats, no padding
        let v = f.call(a.splat_at(0), b.splat_at(0), c.splat_at(0), d.splat_at(0));
        return acc.put(&mut out[0], v.as_array()[0]);
    }
    let body = n - n % LANES;
    let (head, tail) = out.split_at_mut(body);
    // operands are plain values here (no closure capturing them by reference), so their
    // pointers stay in registers across the stores to `out`
    match acc {
        Acc::Write => {
            for (k, o) in head.chunks_exact_mut(LANES).enumerate() {
                let i = k * LANES;
                store(f.call(a.get(i), b.get(i), c.get(i), d.get(i)), o);
            }
        }
        Acc::Add => {
            for (k, o) in head.chunks_exact_mut(LANES).enumerate() {
                let i = k * LANES;
                store(load(o) + f.call(a.get(i), b.get(i), c.get(i), d.get(i)), o);
            }
        }
    }
    if !tail.is_empty() {
        let m = tail.len();
        let v = f.call(
            a.get_part(body, m),
            b.get_part(body, m),
            c.get_part(body, m),
            d.get_part(body, m),
        );
        let v = if acc == Acc::Add {
            load_part(tail) + v
        } else {
            v
        };
        store_part(v, tail);
    }
}

/// [`zip4`] split over threads above `grain` output elements.
#[inline(always)]
pub fn par_zip4<A: Lanes, B: Lanes, C: Lanes, D: Lanes>(
    grain: usize,
    (a, b, c, d): (A, B, C, D),
    out: &mut [f32],
    acc: Acc,
    f: impl Lane4,
) {
    for_chunks(out, grain, |s, o| {
        zip4((a.skip(s), b.skip(s), c.skip(s), d.skip(s)), o, acc, f)
    });
}

/// `io[i] = f(a[i], b[i], c[i], io[i])` for every `i < io.len()`: a [`zip4`] whose output is
/// also its last operand (a gradient rewritten in place), with the same lanes, so the same
/// bits as `zip4((a, b, c, io_before), out, Acc::Write, f)`.
#[inline(always)]
pub fn update4<A: Lanes, B: Lanes, C: Lanes>((a, b, c): (A, B, C), io: &mut [f32], f: impl Lane4) {
    if let [v] = io {
        // one element: splats, no padding (as zip4)
        let d = f32x8::splat(*v);
        *v = f
            .call(a.splat_at(0), b.splat_at(0), c.splat_at(0), d)
            .as_array()[0];
        return;
    }
    let body = io.len() - io.len() % LANES;
    let (head, tail) = io.split_at_mut(body);
    for (k, o) in head.chunks_exact_mut(LANES).enumerate() {
        let i = k * LANES;
        store(f.call(a.get(i), b.get(i), c.get(i), load(o)), o);
    }
    if !tail.is_empty() {
        let m = tail.len();
        let d = load_part(tail);
        let v = f.call(
            a.get_part(body, m),
            b.get_part(body, m),
            c.get_part(body, m),
            d,
        );
        store_part(v, tail);
    }
}

/// [`update4`] split over threads above `grain` elements.
#[inline(always)]
pub fn par_update4<A: Lanes, B: Lanes, C: Lanes>(
    grain: usize,
    (a, b, c): (A, B, C),
    io: &mut [f32],
    f: impl Lane4,
) {
    for_chunks(io, grain, |s, o| {
        update4((a.skip(s), b.skip(s), c.skip(s)), o, f)
    });
}

/// `Σ_{i<n} f(a[i], b[i], c[i], d[i])` accumulated in `f64` (16 accumulators, in lane order).
#[inline(always)]
pub fn sum4<A: Lanes, B: Lanes, C: Lanes, D: Lanes>(
    (a, b, c, d): (A, B, C, D),
    n: usize,
    f: impl Lane4,
) -> f64 {
    let body = n - n % LANES;
    let mut s = [0.0f64; 2 * LANES];
    let mut i = 0;
    while i + 2 * LANES <= body {
        let (v, w) = (
            f.call(a.get(i), b.get(i), c.get(i), d.get(i)),
            f.call(a.get(i + 8), b.get(i + 8), c.get(i + 8), d.get(i + 8)),
        );
        add64(&mut s[..LANES], v.as_array());
        add64(&mut s[LANES..], w.as_array());
        i += 2 * LANES;
    }
    if i < body {
        add64(
            &mut s[..LANES],
            f.call(a.get(i), b.get(i), c.get(i), d.get(i)).as_array(),
        );
    }
    let m = n - body;
    if m > 0 {
        let t = f.call(
            a.get_part(body, m),
            b.get_part(body, m),
            c.get_part(body, m),
            d.get_part(body, m),
        );
        add64(&mut s[LANES..LANES + m], &t.as_array()[..m]);
    }
    fold64(&s)
}

/// `acc[j] += v[j] as f64` (vectorised by LLVM into `vcvtps2pd` + `vaddpd`).
#[inline(always)]
pub fn add64(acc: &mut [f64], v: &[f32]) {
    for (s, &x) in acc.iter_mut().zip(v) {
        *s += x as f64;
    }
}

/// Sum of 16 accumulators as a fixed pairwise tree.
#[inline(always)]
pub fn fold64(s: &[f64; 2 * LANES]) -> f64 {
    let mut h = [0.0f64; LANES];
    for j in 0..LANES {
        h[j] = s[j] + s[j + LANES];
    }
    ((h[0] + h[4]) + (h[2] + h[6])) + ((h[1] + h[5]) + (h[3] + h[7]))
}

#[cfg(test)]
mod tests;
