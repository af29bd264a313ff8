//! Data movement: strided copies (permute, broadcast), row-block copies (concat, narrow), and
//! indexed reads/writes (index_select, embedding, gather) with their scatter-add adjoints.
//!
//! Every kernel writes a row-major output and takes the [`Acc`] store mode, so a backward rule
//! hands it the gradient buffer directly: no temporary, no extra pass. The scatter kernels
//! (several sources may land on one element) zero the output first under `Acc::Write`, then
//! add. Indices are trusted here (ops validate them); a bad one is a bounds-check panic, never
//! UB.

mod transpose;

pub(crate) use transpose::transpose_panel;

use super::par::{self, EW_GRAIN};
use super::strided::{for_each1, for_rows2};
use crate::kernels::Acc;
use crate::shape::Dims;

/// `out[o] (=|+=) src[Σ_d idx_d · src_strides[d]]` where `idx` is the row-major index of `o` in
/// `out_shape`. A permutation passes the source strides permuted; a broadcast passes 0 on
/// broadcast dimensions.
///
/// Above [`EW_GRAIN`] elements the first dimension is split over threads (each piece a copy of
/// its own); rows whose source is contiguous (last stride 1, as in a head permute) are copied
/// as slices. A copy computes nothing, so the bits never depend on the split.
pub fn strided_copy(
    src: &[f32],
    src_strides: &[usize],
    out_shape: &[usize],
    out: &mut [f32],
    acc: Acc,
) {
    let n = out.len();
    if out_shape.len() < 2 || n <= EW_GRAIN || out_shape[0] < 2 || par::count::threads() == 1 {
        return copy_seq(src, src_strides, out_shape, out, acc);
    }
    let per = n / out_shape[0];
    let chunk = EW_GRAIN.div_ceil(per.max(1)).max(1);
    par::for_units([out], [per], out_shape[0], chunk, 2, &|i0, [o]| {
        let mut shape = Dims::from_slice(out_shape);
        shape[0] = o.len() / per;
        copy_seq(&src[i0 * src_strides[0]..], src_strides, &shape, o, acc)
    });
}

/// [`strided_copy`] on the calling thread.
fn copy_seq(src: &[f32], strides: &[usize], shape: &[usize], out: &mut [f32], acc: Acc) {
    let r = shape.len();
    if r == 0 || strides[r - 1] != 1 {
        return match acc {
            Acc::Write => for_each1(shape, strides, |o, s| out[o] = src[s]),
            Acc::Add => for_each1(shape, strides, |o, s| out[o] += src[s]),
        };
    }
    let inner = shape[r - 1];
    for_rows2(shape, strides, strides, |o, s, _| {
        let (to, from) = (&mut out[o..o + inner], &src[s..s + inner]);
        match acc {
            Acc::Write => to.copy_from_slice(from),
            Acc::Add => to.iter_mut().zip(from).for_each(|(t, f)| *t += f),
        }
    });
}

/// A set of rows inside a flat buffer: row `r` starts at `offset + r * stride`.
#[derive(Clone, Copy, Debug)]
pub struct Rows {
    /// Where row 0 starts.
    pub offset: usize,
    /// Distance between row starts, in elements.
    pub stride: usize,
}

/// Copies `rows` rows of `width` elements from `src` to `dst` (`=` or `+=`). Concat and narrow
/// are this copy on a `[outer, axis, inner]` view, with `width = len · inner`.
pub fn copy_rows(
    src: &[f32],
    s: Rows,
    dst: &mut [f32],
    d: Rows,
    rows: usize,
    width: usize,
    acc: Acc,
) {
    if width == 0 {
        return;
    }
    for r in 0..rows {
        let (so, dof) = (s.offset + r * s.stride, d.offset + r * d.stride);
        let (from, to) = (&src[so..so + width], &mut dst[dof..dof + width]);
        super::elementwise::store(to, from, acc);
    }
}

/// `out (=|+=) src[:, start..start + len, :]` with `src` viewed as `[outer, size, inner]` and
/// `out` as `[outer, len, inner]`: narrow, and the gradient of each piece of a concat.
pub fn take_block(
    src: &[f32],
    (outer, size, inner): (usize, usize, usize),
    start: usize,
    len: usize,
    out: &mut [f32],
    acc: Acc,
) {
    let from = Rows {
        offset: start * inner,
        stride: size * inner,
    };
    let to = Rows {
        offset: 0,
        stride: len * inner,
    };
    copy_rows(src, from, out, to, outer, len * inner, acc)
}

/// `out[:, start..start + len, :] (=|+=) src` with `out` viewed as `[outer, size, inner]` and
/// `src` as `[outer, len, inner]`: concat's placement of a piece, and the gradient of narrow.
/// Elements of `out` outside the block are left as they are.
pub fn put_block(
    src: &[f32],
    (outer, size, inner): (usize, usize, usize),
    start: usize,
    len: usize,
    out: &mut [f32],
    acc: Acc,
) {
    let from = Rows {
        offset: 0,
        stride: len * inner,
    };
    let to = Rows {
        offset: start * inner,
        stride: size * inner,
    };
    copy_rows(src, from, out, to, outer, len * inner, acc)
}

/// `out[o, j, :] = src[o, indices[j], :]` with `src` viewed as `[outer, a, inner]` and `out` as
/// `[outer, indices.len(), inner]` (index_select; embedding is `outer = 1`).
pub fn index_select(src: &[f32], a: usize, inner: usize, indices: &[usize], out: &mut [f32]) {
    let k = indices.len();
    if inner == 0 || k == 0 {
        return;
    }
    for (o, block) in out.chunks_exact_mut(k * inner).enumerate() {
        for (j, &ix) in indices.iter().enumerate() {
            let from = (o * a + ix) * inner;
            block[j * inner..(j + 1) * inner].copy_from_slice(&src[from..from + inner]);
        }
    }
}

/// The adjoint of [`index_select`]: `out[o, indices[j], :] += grad[o, j, :]`, so repeated
/// indices accumulate. Under `Acc::Write` `out` is zeroed first (rows never selected get 0).
pub fn index_add(
    grad: &[f32],
    a: usize,
    inner: usize,
    indices: &[usize],
    out: &mut [f32],
    acc: Acc,
) {
    if acc == Acc::Write {
        out.fill(0.0);
    }
    let k = indices.len();
    if inner == 0 || k == 0 {
        return;
    }
    for (o, block) in grad.chunks_exact(k * inner).enumerate() {
        for (j, &ix) in indices.iter().enumerate() {
            let to = (o * a + ix) * inner;
            let dst = &mut out[to..to + inner];
            dst.iter_mut()
                .zip(&block[j * inner..(j + 1) * inner])
                .for_each(|(d, g)| *d += g);
        }
    }
}

/// Source strides for gather/scatter: `src_shape`'s own strides with `axis` zeroed (the index
/// supplies that coordinate), and the stride of `axis`.
fn axis_strides(src_shape: &[usize], axis: usize) -> (Dims, usize) {
    let mut s = Dims::strides(src_shape);
    let sa = s[axis];
    s[axis] = 0;
    (s, sa)
}

/// `torch.gather`: `out[i] = src[i with coordinate axis replaced by index[i]]`, where `out`
/// and `index` have shape `index_shape` (same rank as `src_shape`, no larger off `axis`).
pub fn gather(
    src: &[f32],
    src_shape: &[usize],
    axis: usize,
    index: &[usize],
    index_shape: &[usize],
    out: &mut [f32],
) {
    let (s, sa) = axis_strides(src_shape, axis);
    for_each1(index_shape, &s, |o, base| {
        out[o] = src[base + index[o] * sa]
    });
}

/// The adjoint of [`gather`] (`scatter_add`): `out[i with axis = index[i]] += grad[i]`. Under
/// `Acc::Write` `out` (shape `out_shape`) is zeroed first.
pub fn scatter_add(
    grad: &[f32],
    index: &[usize],
    index_shape: &[usize],
    axis: usize,
    out_shape: &[usize],
    out: &mut [f32],
    acc: Acc,
) {
    if acc == Acc::Write {
        out.fill(0.0);
    }
    let (s, sa) = axis_strides(out_shape, axis);
    for_each1(index_shape, &s, |o, base| {
        out[base + index[o] * sa] += grad[o]
    });
}

#[cfg(test)]
mod tests;

/// `dst[r·ds .. r·ds + N] = src[r·ss .. r·ss + N]` for `r < rows`: one fixed-size move per row,
/// no loop per element and no `memcpy` call (which short rows, like a GEMM panel's 6 floats or
/// an im2col output row's 14, would spend most of their time in).
#[inline(always)]
pub(crate) fn move_rows<const N: usize>(
    dst: &mut [f32],
    ds: usize,
    src: &[f32],
    ss: usize,
    rows: usize,
) {
    for r in 0..rows {
        let from: &[f32; N] = src[r * ss..][..N].try_into().expect("N floats");
        let to: &mut [f32; N] = (&mut dst[r * ds..][..N]).try_into().expect("N floats");
        *to = *from;
    }
}
