//! im2col and col2im for one image and group, and the per-thread scratch buffer they use.
//!
//! Row `(c, i, j)` of the column matrix (channel, kernel row, kernel column) holds, for every
//! output position `(oh, ow)`, the input value at `(oh·s_h + i·d_h − p_h, ow·s_w + j·d_w −
//! p_w)`, or 0 where that falls in the padding. Along a row of the output the valid `ow` form
//! one range (computed once per kernel column), so each output row is a zero-filled head, a
//! strided (or, for stride 1, contiguous) copy, and a zero-filled tail. col2im walks the same
//! positions and adds instead of copying; the padding taps are dropped.

use std::cell::{Cell, RefCell};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

use super::Conv;

thread_local! {
    /// This thread's column buffers, each grown to the largest request it served and never
    /// shrunk: one in a plain call, more while a rayon task that needs one runs inside
    /// another's wait (a parallel GEMM's join can run a stolen task on the same thread).
    static COLS: RefCell<Vec<Vec<f32>>> = const { RefCell::new(Vec::new()) };
}

/// The largest request seen at each nesting depth of [`with_scratch`] (0: the outermost), on
/// any thread. A buffer that grows grows to it, so a thread that serves any request after
/// warm-up is ready for every layer's: a worker that happened to steal no image of the
/// largest layer during warm-up would otherwise grow its buffer in some later step.
static WIDEST: [AtomicUsize; 4] = [const { AtomicUsize::new(0) }; 4];

thread_local! {
    /// How many of this thread's buffers are in use: the depth of its next request.
    static DEPTH: Cell<usize> = const { Cell::new(0) };
}

/// Calls `f` with a buffer of `len` floats of unspecified contents, taken from this thread's
/// kept buffers (a new one when all are in use further up the stack) and put back afterwards:
/// no heap allocation once every buffer has reached its size.
pub(super) fn with_scratch<R>(len: usize, f: impl FnOnce(&mut [f32]) -> R) -> R {
    let depth = DEPTH.with(|d| d.replace(d.get() + 1));
    let mut buf = COLS.with(|c| c.borrow_mut().pop()).unwrap_or_default();
    // a plain load first: a write to the shared counter on every call would bounce its line
    let widest = WIDEST.get(depth).map_or(len, |w| match w.load(Relaxed) {
        seen if seen >= len => seen,
        _ => w.fetch_max(len, Relaxed).max(len),
    });
    if buf.len() < widest {
        buf.resize(widest, 0.0);
    }
    let r = f(&mut buf[..len]);
    COLS.with(|c| c.borrow_mut().push(buf));
    DEPTH.with(|d| d.set(depth));
    r
}

/// The output positions `lo..hi` along one axis whose input index `o·s + off − pad` lies in
/// `0..len`, for `o` in `0..out`.
fn valid(off: usize, pad: usize, s: usize, len: usize, out: usize) -> (usize, usize) {
    let lo = pad.saturating_sub(off).div_ceil(s);
    let hi = (len + pad).saturating_sub(off).div_ceil(s).min(out);
    (lo.min(hi), hi)
}

/// The input row of output row `o` for kernel row offset `off` (`o·s + off − pad`), if inside.
fn in_row(o: usize, off: usize, pad: usize, s: usize, len: usize) -> Option<usize> {
    (o * s + off).checked_sub(pad).filter(|&r| r < len)
}

/// Calls `f(dst row of the column matrix, input row index or None, lo, hi, first input column)`
/// for every (row of the column matrix, output row).
fn walk(c: &Conv, mut f: impl FnMut(usize, usize, Option<usize>, usize, usize, usize)) {
    let ([kh, kw], [oh_n, ow_n]) = (c.kernel, c.out_size);
    let ([h, w], [sh, sw], [ph, pw], [dh, dw]) = (c.in_size, c.stride, c.padding, c.dilation);
    for ch in 0..c.in_per_group() {
        for i in 0..kh {
            for j in 0..kw {
                let row = (ch * kh + i) * kw + j;
                let (lo, hi) = valid(j * dw, pw, sw, w, ow_n);
                // the input column of output column `lo` (meaningful when lo < hi)
                let first = (lo * sw + j * dw).saturating_sub(pw);
                for oh in 0..oh_n {
                    let ih = in_row(oh, i * dh, ph, sh, h).map(|r| (ch * h + r) * w);
                    f(row, oh, ih, lo, hi, first);
                }
            }
        }
    }
}

/// Fills `col [C/G·kh·kw, OH·OW]` from one group's channels `x [C/G, H, W]` of one image.
pub(super) fn im2col(c: &Conv, x: &[f32], col: &mut [f32]) {
    let (ow_n, p, sw) = (c.out_size[1], c.out_plane(), c.stride[1]);
    debug_assert_eq!(col.len(), c.col_rows() * p);
    walk(c, |row, oh, src, lo, hi, first| {
        let out = &mut col[row * p + oh * ow_n..][..ow_n];
        let Some(src) = src.filter(|_| lo < hi) else {
            return out.fill(0.0);
        };
        out[..lo].fill(0.0);
        out[hi..].fill(0.0);
        let src = &x[src + first..];
        if sw == 1 {
            out[lo..hi].copy_from_slice(&src[..hi - lo]);
        } else {
            for (o, v) in out[lo..hi].iter_mut().zip(src.iter().step_by(sw)) {
                *o = *v;
            }
        }
    });
}

/// Adds every entry of `col [C/G·kh·kw, OH·OW]` into the element of `dx [C/G, H, W]` that
/// [`im2col`] read it from (entries read from the padding are dropped).
pub(super) fn col2im(c: &Conv, col: &[f32], dx: &mut [f32]) {
    let (ow_n, p, sw) = (c.out_size[1], c.out_plane(), c.stride[1]);
    debug_assert_eq!(col.len(), c.col_rows() * p);
    walk(c, |row, oh, dst, lo, hi, first| {
        let Some(dst) = dst.filter(|_| lo < hi) else {
            return;
        };
        let src = &col[row * p + oh * ow_n..][lo..hi];
        let dst = &mut dx[dst + first..];
        if sw == 1 {
            for (d, v) in dst.iter_mut().zip(src) {
                *d += v;
            }
        } else {
            for (d, v) in dst.iter_mut().step_by(sw).zip(src) {
                *d += v;
            }
        }
    });
}
