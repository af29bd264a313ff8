//! Constant padding (`F.pad(x, pad, mode="constant", value)`) of any rank, and its backward.
//!
//! Dim `d` of the input gets `before[d]` elements in front and `after[d]` behind (PyTorch's
//! list is last dim first, `[left, right, top, bottom, ...]`; the op turns it into these
//! per-dim arrays). Output element `o` reads input element `o − before` when that lies in the
//! input, else `value`. A negative pad crops: `before[d] = −2` drops the first two elements.
//! The backward is the same map read the other way: `dx[i] = g[i + before]` when that lies in
//! the output, else 0 (a cropped element has no effect on the output).
//!
//! Design: both directions walk rows of the last dim. A row either maps to a row of the other
//! tensor — then it is a fill, a contiguous copy and a fill — or lies wholly in the padding (a
//! fill). Rows are split over rayon tasks above [`EW_GRAIN`] elements ([`for_rows`]); each
//! element is written by one task, so the split never changes the bits. The [`scalar`]
//! twin maps element by element.

pub mod scalar;
#[cfg(test)]
mod tests;

use super::par::{for_rows, EW_GRAIN};
use crate::kernels::Acc;
use crate::shape::Dims;

/// The other tensor's row (in rows of its last dim) that row `r` of `from` maps to, with
/// `sign · shift[d]` added to each index: `None` when some index leaves `to`'s range.
fn row_map(r: usize, from: &[usize], to: &[usize], shift: &[isize], sign: isize) -> Option<usize> {
    let last = from.len() - 1;
    let (mut r, mut to_row, mut stride) = (r, 0usize, 1usize);
    for d in (0..last).rev() {
        let i = (r % from[d]) as isize + sign * shift[d];
        r /= from[d];
        if i < 0 || i as usize >= to[d] {
            return None;
        }
        to_row += i as usize * stride;
        stride *= to[d];
    }
    Some(to_row)
}

/// Stores `src` shifted by `shift` into the row `out` (`out[j] = src[j − shift]` where that
/// exists, `fill` elsewhere), by mode.
#[inline]
fn shifted_row(src: Option<&[f32]>, shift: isize, out: &mut [f32], fill: f32, acc: Acc) {
    let n = out.len();
    let (lo, hi) = match src {
        Some(s) => {
            let lo = shift.clamp(0, n as isize) as usize;
            let hi = (s.len() as isize + shift).clamp(lo as isize, n as isize) as usize;
            (lo, hi)
        }
        None => (n, n),
    };
    let (head, rest) = out.split_at_mut(lo.min(n));
    let (mid, tail) = rest.split_at_mut(hi - lo);
    if acc == Acc::Write || fill != 0.0 {
        for o in head.iter_mut().chain(tail.iter_mut()) {
            acc.put(o, fill);
        }
    }
    if let (Some(s), false) = (src, mid.is_empty()) {
        let from = (lo as isize - shift) as usize;
        let len = mid.len();
        for (o, &v) in mid.iter_mut().zip(&s[from..from + len]) {
            acc.put(o, v);
        }
    }
}

/// `y` = `x` (shape `shape`) padded by `before`/`after` per dim (negative crops) with
/// `value`; `y` has the padded shape, whose dims must all be `>= 0`.
///
/// ```
/// use arenagrad::kernels::pad::pad;
/// // [[1, 2], [3, 4]]: one column of 0 on the left, the first row cropped
/// let mut y = [9.0; 3];
/// pad(&[1.0, 2.0, 3.0, 4.0], &[2, 2], &[-1, 1], &[0, 0], 0.0, &mut y);
/// assert_eq!(y, [0.0, 3.0, 4.0]);
/// ```
pub fn pad(
    x: &[f32],
    shape: &[usize],
    before: &[isize],
    after: &[isize],
    value: f32,
    y: &mut [f32],
) {
    let out = padded_shape(shape, before, after);
    assert!(x.len() == shape.iter().product::<usize>() && y.len() == out.iter().product::<usize>());
    if shape.is_empty() {
        return y.copy_from_slice(x);
    }
    let last = shape.len() - 1;
    let (n_in, n_out) = (shape[last], out[last]);
    for_rows(y, n_out, EW_GRAIN, |r0, y| {
        for (k, row) in y.chunks_exact_mut(n_out.max(1)).enumerate() {
            let src =
                row_map(r0 + k, &out, shape, before, -1).map(|i| &x[i * n_in..(i + 1) * n_in]);
            shifted_row(src, before[last], row, value, Acc::Write);
        }
    });
}

/// The gradient of [`pad`]: `dx[i] = g[i + before]` inside the output, 0 for cropped elements.
///
/// ```
/// use arenagrad::kernels::{Acc, pad::pad_backward};
/// let mut dx = [9.0; 4];
/// pad_backward(&[5.0, 6.0, 7.0], &[2, 2], &[-1, 1], &[0, 0], &mut dx, Acc::Write);
/// assert_eq!(dx, [0.0, 0.0, 6.0, 7.0]);
/// ```
pub fn pad_backward(
    g: &[f32],
    shape: &[usize],
    before: &[isize],
    after: &[isize],
    dx: &mut [f32],
    acc: Acc,
) {
    let out = padded_shape(shape, before, after);
    assert!(
        dx.len() == shape.iter().product::<usize>() && g.len() == out.iter().product::<usize>()
    );
    if shape.is_empty() {
        return crate::kernels::elementwise::store(dx, g, acc);
    }
    let last = shape.len() - 1;
    let (n_in, n_out) = (shape[last], out[last]);
    for_rows(dx, n_in, EW_GRAIN, |r0, dx| {
        for (k, row) in dx.chunks_exact_mut(n_in.max(1)).enumerate() {
            let src =
                row_map(r0 + k, shape, &out, before, 1).map(|o| &g[o * n_out..(o + 1) * n_out]);
            shifted_row(src, -before[last], row, 0.0, acc);
        }
    });
}

/// The padded shape, `shape[d] + before[d] + after[d]` (each must be `>= 0`).
pub fn padded_shape(shape: &[usize], before: &[isize], after: &[isize]) -> Dims {
    assert!(
        before.len() == shape.len() && after.len() == shape.len(),
        "pad: ranks"
    );
    let mut out = Dims::zeros(shape.len());
    for (d, o) in out.iter_mut().enumerate() {
        let v = shape[d] as isize + before[d] + after[d];
        assert!(v >= 0, "pad: a dim cropped below 0");
        *o = v as usize;
    }
    out
}
