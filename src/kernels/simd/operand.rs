//! What the padded loops run: operands that are a slice or one value ([`Operand`]) and lane
//! functions of up to four of them ([`Lane4`]), both generic over the lane type ([`Lanes`]) so
//! one definition serves every form of the lanes.

use super::Lanes;

/// An operand of a lane loop: a slice read in step with the output, or one value.
pub(crate) trait Operand: Copy + Send + Sync {
    /// Lanes `i..i + 8`.
    fn get<V: Lanes>(self, i: usize) -> V;
    /// Lanes `i..i + n` (n < 8), zero-padded.
    fn get_part<V: Lanes>(self, i: usize, n: usize) -> V;
    /// The operand seen from element `k` on.
    fn skip(self, k: usize) -> Self;
    /// Element `i` in every lane.
    fn splat_at<V: Lanes>(self, i: usize) -> V;
}

impl Operand for &[f32] {
    #[inline(always)]
    fn get<V: Lanes>(self, i: usize) -> V {
        V::load(&self[i..])
    }
    #[inline(always)]
    fn get_part<V: Lanes>(self, i: usize, n: usize) -> V {
        V::load_part(&self[i..i + n])
    }
    #[inline(always)]
    fn skip(self, k: usize) -> Self {
        &self[k..]
    }
    #[inline(always)]
    fn splat_at<V: Lanes>(self, i: usize) -> V {
        V::splat(self[i])
    }
}

/// One value in every lane.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Splat(pub f32);

impl Splat {
    /// `v` in every lane.
    pub(crate) fn new(v: f32) -> Self {
        Splat(v)
    }
}

impl Operand for Splat {
    #[inline(always)]
    fn get<V: Lanes>(self, _: usize) -> V {
        V::splat(self.0)
    }
    #[inline(always)]
    fn get_part<V: Lanes>(self, _: usize, _: usize) -> V {
        V::splat(self.0)
    }
    #[inline(always)]
    fn skip(self, _: usize) -> Self {
        self
    }
    #[inline(always)]
    fn splat_at<V: Lanes>(self, _: usize) -> V {
        V::splat(self.0)
    }
}

/// An unused operand.
pub(crate) const NONE: Splat = Splat(0.0);

/// A lane function of up to four operands, generic over the lane type. Kernels implement it
/// on small `Copy` structs with an `#[inline(always)]` [`call`](Lane4::call), so the function
/// body is inlined into every loop that runs it whatever its size.
pub(crate) trait Lane4: Copy + Send + Sync {
    /// The function at one vector of each operand.
    fn call<V: Lanes>(self, a: V, b: V, c: V, d: V) -> V;
}

/// The first operand, unchanged (sums, fills).
#[derive(Clone, Copy, Debug)]
pub(crate) struct First;

impl Lane4 for First {
    #[inline(always)]
    fn call<V: Lanes>(self, a: V, _: V, _: V, _: V) -> V {
        a
    }
}
