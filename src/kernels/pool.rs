//! 2-d pooling over `[planes, H, W]` (the `N·C` planes of an NCHW tensor): max, average and
//! adaptive average, forward and backward, with PyTorch's window rules.
//!
//! Along one axis of input size `n`, kernel `k`, stride `s`, padding `p` and dilation `d`,
//! output `i`'s window covers `i·s − p + j·d` for `j < k`. The output size is PyTorch's
//! `pooling_output_shape`:
//!
//! ```text
//! out = ⌊(n + 2p − d(k−1) − 1 + (ceil ? s−1 : 0)) / s⌋ + 1
//! if ceil and (out − 1)·s ≥ n + p: out −= 1     (the last window starts inside input or left pad)
//! ```
//!
//! - **max**: padding is −∞, so a window is the max over its positions inside the input (NaN
//!   wins, as in PyTorch); the flat in-plane index `h·W + w` of the first maximum is saved, and
//!   backward adds each output's gradient at its index. A window with no position inside the
//!   input (possible only with dilation) gives −∞ and [`NO_ARG`], which backward skips.
//! - **avg** (no dilation): the window is clipped to the *padded* input `[−p, n + p)`, giving
//!   `pool = (h1 − h0)(w1 − w0)`, then to the input; the sum over the clipped window is divided
//!   by `pool` with `count_include_pad`, else by the number of input elements in it. With
//!   `ceil_mode` the last window may run past the padded input: it is clipped, so its divisor
//!   is smaller than `kh·kw` even with `count_include_pad`. Backward spreads `g / divisor`
//!   over the same clipped window.
//! - **adaptive avg** to `[oh, ow]`: output `i` averages input rows `⌊i·H/oh⌋ .. ⌈(i+1)·H/oh⌉`
//!   (likewise for columns); windows may overlap or, when `oh > H`, repeat rows.
//!
//! Design: planes are independent, so work is split over whole planes (`for_planes`): each
//! output and each input-gradient element is computed by one task in a fixed order, and the
//! result is bitwise the same for 1 and N threads. Backward writes per *input* plane, so the
//! scatter of overlapping windows never races. Sums run in `f64`. Within a plane the loops
//! walk precomputed, clipped window ranges (no per-element bounds test); the [`scalar`] twins
//! walk every kernel position with a bounds test, the definition the fast path is tested
//! against.

mod avg;
mod max;
pub mod scalar;
#[cfg(test)]
mod tests;

pub use avg::{adaptive_avg_pool2d, adaptive_avg_pool2d_backward};
pub use avg::{avg_pool2d, avg_pool2d_backward};
pub use max::{max_pool2d, max_pool2d_backward, NO_ARG};

use super::par::{self, EW_GRAIN};

/// One spatial axis of a pooling window: input size, output size, kernel, stride, padding
/// and dilation (1 for average pooling).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Axis {
    /// Input size along the axis.
    pub input: usize,
    /// Output size along the axis.
    pub output: usize,
    /// Kernel size (`>= 1`).
    pub kernel: usize,
    /// Stride (`>= 1`).
    pub stride: usize,
    /// Padding on each side.
    pub padding: usize,
    /// Spacing of kernel positions (`>= 1`).
    pub dilation: usize,
}

impl Axis {
    /// The axis with PyTorch's output size (see the module docs), which may be `< 1`: the
    /// caller rejects that. Parameters must be `>= 1` (kernel, stride, dilation).
    ///
    /// ```
    /// use arenagrad::kernels::pool::Axis;
    /// // 5 inputs, kernel 2, stride 2: floor mode gives 2 windows, ceil mode 3
    /// assert_eq!(Axis::output_size(5, 2, 2, 0, 1, false), 2);
    /// assert_eq!(Axis::output_size(5, 2, 2, 0, 1, true), 3);
    /// // the third window would start at 4 >= 3 + 1 (in the right padding): dropped
    /// assert_eq!(Axis::output_size(3, 2, 2, 1, 1, true), 2);
    /// ```
    pub fn output_size(
        input: usize,
        kernel: usize,
        stride: usize,
        padding: usize,
        dilation: usize,
        ceil_mode: bool,
    ) -> i64 {
        let (n, k, s, p, d) = (input, kernel, stride, padding, dilation);
        let [n, k, s, p, d] = [n, k, s, p, d].map(|v| v as i64);
        let extra = if ceil_mode { s - 1 } else { 0 };
        let mut out = (n + 2 * p - d * (k - 1) - 1 + extra).div_euclid(s) + 1;
        if ceil_mode && (out - 1) * s >= n + p {
            out -= 1;
        }
        out
    }

    /// Output `i`'s first position (may be negative: in the left padding).
    #[inline]
    pub(crate) fn start(&self, i: usize) -> i64 {
        (i * self.stride) as i64 - self.padding as i64
    }
}

/// A 2-d pooling geometry: `planes` planes of `[h.input, w.input]` pooled to
/// `[h.output, w.output]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pool2d {
    /// Number of planes (`N·C`).
    pub planes: usize,
    /// The height axis.
    pub h: Axis,
    /// The width axis.
    pub w: Axis,
}

impl Pool2d {
    /// Elements of one input plane.
    pub fn in_plane(&self) -> usize {
        self.h.input * self.w.input
    }
    /// Elements of one output plane.
    pub fn out_plane(&self) -> usize {
        self.h.output * self.w.output
    }
    /// Elements read per output plane, a measure of a plane's work (for the grain).
    fn work(&self) -> usize {
        self.out_plane() * self.h.kernel * self.w.kernel + self.in_plane()
    }
}

/// Below this many elements of work (outputs × window) pooling stays on the calling thread;
/// above it, tasks of whole planes. Pooling is memory-bound like the element-wise kernels.
pub const GRAIN: usize = EW_GRAIN;

/// Calls `f(plane, a, b)` for each plane, where `a` and `b` are that plane's pieces of two
/// buffers holding `pa` and `pb` elements per plane (`b` may be empty: then `f` gets empty
/// slices). Whole planes go to the team's pieces when `work · planes` reaches [`GRAIN`]; each plane's
/// result depends only on its own inputs, so the split never changes the bits.
pub(crate) fn for_planes<A: Send, B: Send>(
    planes: usize,
    work: usize,
    (a, pa): (&mut [A], usize),
    (b, pb): (&mut [B], usize),
    f: &(impl Fn(usize, &mut [A], &mut [B]) + Sync),
) {
    assert!(a.len() == planes * pa && (b.is_empty() || b.len() == planes * pb));
    let per_task = (GRAIN / 4 / work.max(1)).max(1);
    let each = |planes: std::ops::Range<usize>, a: &mut [A], b: &mut [B]| {
        let first = planes.start;
        for p in 0..planes.len() {
            let bp: &mut [B] = if b.is_empty() {
                &mut []
            } else {
                &mut b[p * pb..(p + 1) * pb]
            };
            f(first + p, &mut a[p * pa..(p + 1) * pa], bp);
        }
    };
    if planes > 1 && work.saturating_mul(planes) >= GRAIN && par::count::threads() > 1 {
        par::for_pair((a, b), (pa, pb), planes, per_task, 2, &each);
    } else {
        each(0..planes, a, b);
    }
}
