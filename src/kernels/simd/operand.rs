//! What the padded loops run: operands that are a slice or one value ([`Operand`]) and lane
//! functions of up to four of them ([`Lane4`]).

use super::{f32x8, load, load_part};

/// An operand of a lane loop: a slice read in step with the output, or one value.
pub(crate) trait Operand: Copy + Send + Sync {
    /// Lanes `i..i + 8`.
    fn get(self, i: usize) -> f32x8;
    /// Lanes `i..i + n` (n < 8), zero-padded.
    fn get_part(self, i: usize, n: usize) -> f32x8;
    /// The operand seen from element `k` on.
    fn skip(self, k: usize) -> Self;
    /// Element `i` in every lane.
    fn splat_at(self, i: usize) -> f32x8;
}

impl Operand for &[f32] {
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
pub(crate) struct Splat(pub f32x8);

impl Splat {
    /// `v` in every lane.
    pub(crate) fn new(v: f32) -> Self {
        Splat(f32x8::splat(v))
    }
}

impl Operand for Splat {
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
pub(crate) const NONE: Splat = Splat(f32x8::ZERO);

/// A lane function of up to four operands. Kernels implement it on small `Copy` structs with
/// an `#[inline(always)]` [`call`](Lane4::call), so the function body is inlined into every
/// loop that runs it whatever its size (a closure used at several call sites may stay an
/// out-of-line call, spilling its vectors to the stack on each). Closures implement it too.
pub(crate) trait Lane4: Copy + Send + Sync {
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
pub(crate) struct First;

impl Lane4 for First {
    #[inline(always)]
    fn call(self, a: f32x8, _: f32x8, _: f32x8, _: f32x8) -> f32x8 {
        a
    }
}
