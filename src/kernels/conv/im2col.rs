//! im2col and col2im for one image and group.
//!
//! Row `(c, i, j)` of the column matrix (channel, kernel row, kernel column) holds, for every
//! output position `(oh, ow)`, the input value at `(oh·s_h + i·d_h − p_h, ow·s_w + j·d_w −
//! p_w)`, or 0 where that falls in the padding.
//!
//! With padding, the group's channels are first copied into a zero-bordered plane
//! `[C/G, H + 2p_h, W + 2p_w]` (a scratch buffer, a few percent of the column matrix's size):
//! every position then reads a real element, so each output row of a column-matrix row is one
//! copy of `OW` values at stride `s_w` with no head or tail to zero, and the copy is a few
//! inlined vector moves (a `memcpy` call and two `memset`s per 14-float segment cost more than
//! the data). col2im adds into a zeroed bordered plane the same way, then adds its interior
//! into `dx`; the padding taps fall on the border and are dropped with it. Both planes are
//! [`with_scratch`] buffers.

use super::Conv;
use crate::kernels::layout::move_rows;
use crate::kernels::scratch::with_scratch;
use crate::kernels::simd::{load, store, LANES};

/// The bordered plane's height and width.
fn padded_size(c: &Conv) -> [usize; 2] {
    let ([h, w], [ph, pw]) = (c.in_size, c.padding);
    [h + 2 * ph, w + 2 * pw]
}

/// Calls `f(row of the column matrix, offset of its first input in the plane)` for every row
/// `(c, i, j)` of the column matrix, over a plane `[C/G, hp, wp]` (the bordered plane, or the
/// input itself without padding) in which every tap is inside; output row `oh` of that column
/// row starts `oh·s_h·wp` further on.
fn walk(c: &Conv, hp: usize, wp: usize, mut f: impl FnMut(usize, usize)) {
    let ([kh, kw], [dh, dw]) = (c.kernel, c.dilation);
    for ch in 0..c.in_per_group() {
        for i in 0..kh {
            for j in 0..kw {
                f((ch * kh + i) * kw + j, (ch * hp + i * dh) * wp + j * dw);
            }
        }
    }
}

/// One row of the column matrix: `out[oh·ow + k] = src[oh·ss + k·s]`, `out.len() = OH·OW`.
fn gather_rows(out: &mut [f32], src: &[f32], ow: usize, ss: usize, s: usize) {
    match (s, ow) {
        (1, 7) => move_rows::<7>(out, 7, src, ss, out.len() / 7),
        (1, 8) => move_rows::<8>(out, 8, src, ss, out.len() / 8),
        (1, 14) => move_rows::<14>(out, 14, src, ss, out.len() / 14),
        (1, 16) => move_rows::<16>(out, 16, src, ss, out.len() / 16),
        (1, 28) => move_rows::<28>(out, 28, src, ss, out.len() / 28),
        (1, 32) => move_rows::<32>(out, 32, src, ss, out.len() / 32),
        _ => {
            for (r, out) in out.chunks_exact_mut(ow).enumerate() {
                gather(out, &src[r * ss..], s);
            }
        }
    }
}

/// `out[k] = src[k·s]` for every `k < out.len()`.
#[inline(always)]
fn gather(out: &mut [f32], src: &[f32], s: usize) {
    let n = out.len();
    if s != 1 {
        for (o, v) in out.iter_mut().zip(src.iter().step_by(s)) {
            *o = *v;
        }
    } else if n >= LANES {
        // whole vectors, then the last LANES values again (overlapping writes of equal values)
        for k in (0..n - LANES).step_by(LANES) {
            store(load(&src[k..]), &mut out[k..]);
        }
        store(load(&src[n - LANES..]), &mut out[n - LANES..]);
    } else {
        for (o, v) in out.iter_mut().zip(src) {
            *o = *v;
        }
    }
}

/// `dst[k·s] += v[k]` for every `k < v.len()`.
#[inline(always)]
fn scatter_add(dst: &mut [f32], v: &[f32], s: usize) {
    if s != 1 {
        for (d, v) in dst.iter_mut().step_by(s).zip(v) {
            *d += v;
        }
        return;
    }
    let whole = v.len() / LANES * LANES;
    for k in (0..whole).step_by(LANES) {
        store(load(&dst[k..]) + load(&v[k..]), &mut dst[k..]);
    }
    for (d, v) in dst[whole..].iter_mut().zip(&v[whole..]) {
        *d += v;
    }
}

/// Fills `col [C/G·kh·kw, OH·OW]` from one group's channels `x [C/G, H, W]` of one image.
pub(super) fn im2col(c: &Conv, x: &[f32], col: &mut [f32]) {
    debug_assert_eq!(col.len(), c.col_rows() * c.out_plane());
    if c.padding == [0, 0] {
        return fill(c, x, c.in_size, col);
    }
    let [hp, wp] = padded_size(c);
    let ([h, w], [ph, pw]) = (c.in_size, c.padding);
    with_scratch(c.in_per_group() * hp * wp, |xp| {
        for (plane, src) in xp.chunks_exact_mut(hp * wp).zip(x.chunks_exact(h * w)) {
            plane[..ph * wp].fill(0.0);
            plane[(ph + h) * wp..].fill(0.0);
            for (row, src) in plane[ph * wp..]
                .chunks_exact_mut(wp)
                .zip(src.chunks_exact(w))
            {
                row[..pw].fill(0.0);
                row[pw..pw + w].copy_from_slice(src);
                row[pw + w..].fill(0.0);
            }
        }
        fill(c, xp, [hp, wp], col)
    })
}

/// im2col from a plane `[C/G, hp, wp]` in which every tap is inside.
fn fill(c: &Conv, x: &[f32], [hp, wp]: [usize; 2], col: &mut [f32]) {
    let (ow, p, sw) = (c.out_size[1], c.out_plane(), c.stride[1]);
    let ss = c.stride[0] * wp;
    walk(c, hp, wp, |row, at| {
        gather_rows(&mut col[row * p..][..p], &x[at..], ow, ss, sw)
    });
}

/// Adds every entry of `col [C/G·kh·kw, OH·OW]` into the element of `dx [C/G, H, W]` that
/// [`im2col`] read it from (entries read from the padding are dropped).
pub(super) fn col2im(c: &Conv, col: &[f32], dx: &mut [f32]) {
    debug_assert_eq!(col.len(), c.col_rows() * c.out_plane());
    if c.padding == [0, 0] {
        return add(c, col, c.in_size, dx);
    }
    let [hp, wp] = padded_size(c);
    let ([h, w], [ph, pw]) = (c.in_size, c.padding);
    with_scratch(c.in_per_group() * hp * wp, |dxp| {
        dxp.fill(0.0);
        add(c, col, [hp, wp], dxp);
        for (plane, dst) in dxp.chunks_exact(hp * wp).zip(dx.chunks_exact_mut(h * w)) {
            for (row, dst) in plane[ph * wp..]
                .chunks_exact(wp)
                .zip(dst.chunks_exact_mut(w))
            {
                scatter_add(dst, &row[pw..pw + w], 1);
            }
        }
    })
}

/// col2im into a plane `[C/G, hp, wp]` in which every tap is inside.
fn add(c: &Conv, col: &[f32], [hp, wp]: [usize; 2], dx: &mut [f32]) {
    let (ow, p, sw) = (c.out_size[1], c.out_plane(), c.stride[1]);
    let ss = c.stride[0] * wp;
    walk(c, hp, wp, |row, at| {
        for (oh, v) in col[row * p..][..p].chunks_exact(ow).enumerate() {
            scatter_add(&mut dx[at + oh * ss..], v, sw);
        }
    });
}
