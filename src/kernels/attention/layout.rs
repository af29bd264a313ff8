//! Where a call's pairs lie in memory. Pairs come in groups of `heads` consecutive pairs (a
//! batch's heads); within a group, row `i` of pair `h` of an operand `x` of width `w` starts at
//! `h·w + i·rows_x`. Two layouts use it:
//!
//! - **contiguous** (`heads = 1`, `rows = [e, e, ev]`): `q [pairs, l, e]` and so on, what
//!   [`forward`](super::forward) and [`backward`](super::backward) take;
//! - **interleaved heads** (`heads = H`, rows of `H` heads side by side): the `[B, T, H·e]`
//!   rows a projection writes, read in place. Self-attention passes `q`, `k` and `v` as the
//!   thirds of one `[B, T, 3·H·e]` projection (`rows = 3·H·e` each) and gets its output as
//!   `[B, T, H·ev]`, so no head permute or narrow is copied either way.
//!
//! The output (and its gradient) is always `[groups, l, heads, ev]`, the log-sum-exp
//! `[pairs, l]`; each gradient has its input's layout. A group's output and gradients are
//! contiguous, so groups are the unit the threads split, and pairs keep their fixed order
//! inside a group: the bits do not depend on the layout or the number of threads.

use super::Dims;

/// Pairs per group and the row strides of `q`, `k` and `v` (and of their gradients).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Layout {
    /// Consecutive pairs whose rows interleave (the heads of one batch).
    pub heads: usize,
    /// Stride between consecutive rows of `q`, `k` and `v`.
    pub rows: [usize; 3],
}

impl Layout {
    /// `q [pairs, l, e]`, `k [pairs, s, e]`, `v [pairs, s, ev]`.
    pub fn contiguous(d: &Dims) -> Layout {
        Layout {
            heads: 1,
            rows: [d.e, d.e, d.ev],
        }
    }

    /// Rows of `heads` pairs side by side with the row strides `rows` (for `q`, `k`, `v`).
    pub fn interleaved(heads: usize, rows: [usize; 3]) -> Layout {
        Layout { heads, rows }
    }

    /// Groups of pairs (batches).
    pub(super) fn groups(&self, d: &Dims) -> usize {
        d.pairs / self.heads
    }

    /// Operand `x`'s (0 = q, 1 = k, 2 = v) row count and width.
    pub(super) fn shape(d: &Dims, x: usize) -> (usize, usize) {
        [(d.l, d.e), (d.s, d.e), (d.s, d.ev)][x]
    }

    /// Floats operand `x` must span: up to the last element of the last group's last row.
    pub(super) fn extent(&self, d: &Dims, x: usize) -> usize {
        let (n, w) = Self::shape(d, x);
        let rows = self.groups(d) * n;
        if rows == 0 || w == 0 {
            0
        } else {
            (rows - 1) * self.rows[x] + self.heads * w
        }
    }

    /// Panics unless the layout fits `d` (the kernels' entry check).
    pub(super) fn check(&self, d: &Dims) {
        assert!(
            self.heads >= 1 && d.pairs.is_multiple_of(self.heads),
            "attention: {} pairs do not split into groups of {} heads",
            d.pairs,
            self.heads
        );
        for x in 0..3 {
            let (_, w) = Self::shape(d, x);
            assert!(
                self.rows[x] >= self.heads * w,
                "attention: row stride {} shorter than {} heads of {w}",
                self.rows[x],
                self.heads
            );
        }
    }

    /// Pair `h` of group `g`'s view of operand `x` in `data`.
    pub(super) fn view<'a>(
        &self,
        d: &Dims,
        x: usize,
        data: &'a [f32],
        g: usize,
        h: usize,
    ) -> View<'a> {
        let (n, w) = Self::shape(d, x);
        let rs = self.rows[x];
        let start = g * n * rs + h * w;
        View {
            data: &data[start.min(data.len())..],
            rs,
            w,
        }
    }
}

/// One pair's operand: row `i` is `data[i·rs..][..w]`.
#[derive(Clone, Copy)]
pub(super) struct View<'a> {
    pub data: &'a [f32],
    pub rs: usize,
    pub w: usize,
}

impl<'a> View<'a> {
    #[inline]
    pub fn row(&self, i: usize) -> &'a [f32] {
        &self.data[i * self.rs..][..self.w]
    }
}

/// Where [`backward_in`](super::backward_in) stores the three gradients.
pub enum Grads<'a> {
    /// `dq`, `dk`, `dv` in buffers of their own, each with its input's layout, whose rows hold
    /// exactly a group's heads (`rows[x] = heads · width`).
    Split([&'a mut [f32]; 3]),
    /// One buffer holding the three side by side (self-attention's `[B, T, 3·H·e]` projection
    /// gradient): `dx` starts at `bases[x]`, every row stride is `rows[0]` and `l = s`.
    Packed {
        /// The buffer.
        data: &'a mut [f32],
        /// Where `dq`, `dk`, `dv` start.
        bases: [usize; 3],
    },
}

impl Grads<'_> {
    /// Panics unless the buffers fit `d` in `lay`; returns the floats of one group's part of
    /// each buffer (`Packed`: the first).
    pub(super) fn check(&self, d: &Dims, lay: &Layout) -> [usize; 3] {
        let (heads, groups) = (lay.heads, lay.groups(d));
        match self {
            Grads::Split(bufs) => {
                let units = [0, 1, 2].map(|x| {
                    let (n, w) = Layout::shape(d, x);
                    assert_eq!(
                        lay.rows[x],
                        heads * w,
                        "attention: split gradient row stride"
                    );
                    n * heads * w
                });
                for (b, u) in bufs.iter().zip(units) {
                    assert_eq!(b.len(), groups * u, "attention: gradient length");
                }
                units
            }
            Grads::Packed { data, bases } => {
                let rs = lay.rows[0];
                assert!(
                    d.l == d.s && lay.rows.iter().all(|&r| r == rs),
                    "attention: packed gradients need l = s and one row stride"
                );
                assert_eq!(
                    data.len(),
                    groups * d.l * rs,
                    "attention: packed gradient length"
                );
                let mut cols: [(usize, usize); 3] =
                    std::array::from_fn(|x| (bases[x], bases[x] + heads * Layout::shape(d, x).1));
                cols.sort_unstable();
                assert!(
                    cols[0].1 <= cols[1].0 && cols[1].1 <= cols[2].0 && cols[2].1 <= rs,
                    "attention: packed gradients overlap or pass the row"
                );
                [d.l * rs; 3]
            }
        }
    }
}

/// One group's part of [`Grads`].
pub(super) enum GroupGrads<'a> {
    Split([&'a mut [f32]; 3]),
    Packed(&'a mut [f32], [usize; 3]),
}

impl GroupGrads<'_> {
    /// Row `i` of pair `h`'s gradient of operand `x` (width `w`, row stride `rs`).
    #[inline]
    pub fn row(&mut self, x: usize, h: usize, i: usize, w: usize, rs: usize) -> &mut [f32] {
        match self {
            GroupGrads::Split(b) => &mut b[x][h * w + i * rs..][..w],
            GroupGrads::Packed(b, bases) => &mut b[bases[x] + h * w + i * rs..][..w],
        }
    }
}
