//! Convolution over NCHW data (1-d is 2-d with height 1) lowered to GEMMs by im2col.
//!
//! ## The maths
//!
//! For an image `x [C, H, W]`, weights `W [O, C/G, kh, kw]` in `G` groups, stride `s`, padding
//! `p` and dilation `d` (per axis), output position `(oh, ow)` of output channel `o` in group
//! `g` reads input position `(oh·s_h − p_h + i·d_h, ow·s_w − p_w + j·d_w)` for kernel tap
//! `(i, j)`, with zeros outside the input. Writing `col_g [C/G·kh·kw, OH·OW]` for the taps of
//! group `g`'s channels at every output position (im2col; padding reads as 0):
//!
//! | quantity | computed as |
//! |---|---|
//! | y (per image, group) | `W_g [O/G, C/G·kh·kw] · col_g` (GEMM), then `+ b` per channel |
//! | dx (per image, group) | `dcol = W_gᵀ · dY_g` (GEMM), then col2im: each `dcol` entry added back to the input position it was read from (padding taps dropped) |
//! | dW_g | `(Σₙ col_g[n] · dY_g[n]ᵀ)ᵀ` (GEMM per image, adding; transposed at the end) |
//! | db | `Σ` of `dY` over the batch and the output positions |
//!
//! The transposed convolution is the same pair run the other way round: its forward is this
//! module's input gradient ([`backward_input`]), its input gradient is [`forward`], and its
//! weight gradient is [`backward_weight`] with the roles of input and output gradient
//! swapped. [`Conv`] therefore carries the output size explicitly (a transposed convolution's
//! `output_padding` can leave output rows no input position reaches).
//!
//! ## Design
//!
//! - One im2col buffer of one image and group at a time (`C/G·kh·kw · OH·OW` floats), kept per
//!   thread across calls (`im2col.rs`): no heap allocation per call in the steady state, and
//!   memory bounded by one image rather than the batch. A 1×1 kernel with stride 1 and no
//!   padding needs no im2col: the image itself is the `col` matrix.
//! - Every product is one [`matmul`] on row-major views; transposes are swapped strides.
//! - Threads: [`forward`] and [`backward_input`] split the batch over rayon (each output
//!   element belongs to one image, so one task computes it). [`backward_weight`] sums over the
//!   batch: it cuts the images into pieces fixed by the batch size, sums each piece in its own
//!   buffer (in parallel), and adds the pieces in order. Either way every result is bitwise
//!   the same for 1 and N threads (tested). A task's products stay on its thread, so each
//!   thread needs one im2col buffer.
//! - The kernels check lengths and the geometry with `assert!` (an internal invariant: the ops
//!   validate shapes and arguments first and return typed errors).
//! - `reference.rs` holds the scalar twin: direct nested loops accumulating in `f64`.

use std::ops::Range;

use crate::kernels::gemm::{matmul, matmul_seq, Mat};
use crate::kernels::par::for_units;
use crate::kernels::simd::row_sum;
use crate::kernels::Acc;

mod geom;
mod im2col;
pub mod reference;
#[cfg(test)]
mod tests;

use crate::kernels::scratch::with_scratch;
pub use geom::{out_len, Conv};
use im2col::{col2im, im2col};

/// Batches of at least this many multiply-adds split their images over rayon threads.
pub const PAR_MIN_MACS: usize = 1 << 20;

/// Images per task when the batch is split (depends on the shape only).
fn image_grain(c: &Conv) -> usize {
    if c.macs() >= PAR_MIN_MACS && c.batch > 1 {
        1
    } else {
        usize::MAX
    }
}

/// The product an image's (or a weight-gradient piece's) task makes while it holds an im2col
/// buffer: on the task's thread when the batch is split over rayon tasks, else [`matmul`]
/// (split over rayon when large). Split inside a task, it would let the waiting thread run
/// another task on top of the first, which needs a second buffer whenever the stealing goes
/// deeper than before: an allocation in any late step.
fn image_matmul(c: &Conv) -> fn(Mat<'_>, Mat<'_>, &mut [f32], Acc) {
    if image_grain(c) == 1 {
        matmul_seq
    } else {
        matmul
    }
}

/// `y (=|+=) conv(x, w) + bias`: `x [N, C, H, W]`, `w [O, C/G, kh, kw]`, `bias [O]`,
/// `y [N, O, OH, OW]` with the sizes of `c`.
///
/// ```
/// use arenagrad::kernels::conv::{forward, Conv};
/// use arenagrad::kernels::Acc;
/// // a 1-d signal [1, 2, 3, 4] convolved (cross-correlated) with the kernel [1, -1]
/// let c = Conv::new_1d(1, 1, 1, 4, 2, 1, 0, 1, 1).unwrap();
/// let mut y = [0.0; 3];
/// forward(&c, &[1.0, 2.0, 3.0, 4.0], &[1.0, -1.0], Some(&[10.0]), &mut y, Acc::Write);
/// assert_eq!(y, [9.0, 9.0, 9.0]);
/// ```
pub fn forward(c: &Conv, x: &[f32], w: &[f32], bias: Option<&[f32]>, y: &mut [f32], acc: Acc) {
    c.assert_lengths(x.len(), w.len(), y.len());
    assert!(bias.is_none_or(|b| b.len() == c.out_channels), "conv: bias");
    let (x_img, y_img) = (c.in_channels * c.in_plane(), c.out_channels * c.out_plane());
    let (og, k, p) = (c.out_per_group(), c.col_rows(), c.out_plane());
    for_units([y], [y_img], c.batch, 1, image_grain(c), &|n0, [ys]| {
        for (n, y) in (n0..).zip(ys.chunks_exact_mut(y_img)) {
            let x = &x[n * x_img..(n + 1) * x_img];
            for g in 0..c.groups {
                let wg = Mat::row_major(&w[g * og * k..(g + 1) * og * k], og, k);
                let yg = &mut y[g * og * p..(g + 1) * og * p];
                let xg =
                    &x[g * c.in_per_group() * c.in_plane()..][..c.in_per_group() * c.in_plane()];
                if c.is_pointwise() {
                    matmul(wg, Mat::row_major(xg, k, p), yg, acc);
                } else {
                    with_scratch(k * p, |col| {
                        im2col(c, xg, col);
                        image_matmul(c)(wg, Mat::row_major(col, k, p), yg, acc);
                    });
                }
            }
            if let Some(b) = bias {
                for (row, &b) in y.chunks_exact_mut(p).zip(b) {
                    row.iter_mut().for_each(|v| *v += b);
                }
            }
        }
    });
}

/// `dx (=|+=)` the gradient of [`forward`] with respect to `x`, given the output gradient
/// `dy [N, O, OH, OW]`; the forward of a transposed convolution.
pub fn backward_input(c: &Conv, w: &[f32], dy: &[f32], dx: &mut [f32], acc: Acc) {
    c.assert_lengths(dx.len(), w.len(), dy.len());
    let (x_img, y_img) = (c.in_channels * c.in_plane(), c.out_channels * c.out_plane());
    let (og, k, p) = (c.out_per_group(), c.col_rows(), c.out_plane());
    let xg_len = c.in_per_group() * c.in_plane();
    for_units([dx], [x_img], c.batch, 1, image_grain(c), &|n0, [dxs]| {
        for (n, dx) in (n0..).zip(dxs.chunks_exact_mut(x_img)) {
            let dy = &dy[n * y_img..(n + 1) * y_img];
            for g in 0..c.groups {
                let wg = Mat::row_major(&w[g * og * k..(g + 1) * og * k], og, k);
                let dyg = Mat::row_major(&dy[g * og * p..(g + 1) * og * p], og, p);
                let dxg = &mut dx[g * xg_len..(g + 1) * xg_len];
                if c.is_pointwise() {
                    matmul(wg.t(), dyg, dxg, acc);
                } else {
                    with_scratch(k * p, |dcol| {
                        image_matmul(c)(wg.t(), dyg, dcol, Acc::Write);
                        if acc == Acc::Write {
                            dxg.fill(0.0);
                        }
                        col2im(c, dcol, dxg);
                    });
                }
            }
        }
    });
}

/// Weight-gradient batches of at least [`PAR_MIN_MACS`] are cut into this many pieces of
/// consecutive images (fewer for small batches).
const WEIGHT_PIECES: usize = 8;

/// `dw (=|+=)` the gradient of [`forward`] with respect to `w`.
///
/// Per group, `dW_gᵀ [C/G·kh·kw, O/G] = Σₙ col_g[n] · dY_g[n]ᵀ`: written this way round, the
/// GEMM reads the column matrix in place (the other way round, `dY · colᵀ`, packs a transposed
/// copy of every image's column matrix). The images are cut into pieces that depend on the
/// batch size only; each piece's sum (images in order) goes to its own buffer, the pieces run
/// in parallel, and their sums are added in piece order while being transposed into `dw`: the
/// bits do not depend on the thread count.
pub fn backward_weight(c: &Conv, x: &[f32], dy: &[f32], dw: &mut [f32], acc: Acc) {
    c.assert_lengths(x.len(), dw.len(), dy.len());
    let len = dw.len();
    let pieces = if c.macs() >= PAR_MIN_MACS {
        c.batch.min(WEIGHT_PIECES)
    } else {
        c.batch.min(1)
    };
    if pieces == 0 {
        if acc == Acc::Write {
            dw.fill(0.0);
        }
        return;
    }
    let per = c.batch.div_ceil(pieces);
    let pieces = c.batch.div_ceil(per);
    with_scratch(pieces * len, |parts| {
        for_units([parts], [len], pieces, 1, 2, &|q0, [ps]| {
            for (q, part) in (q0..).zip(ps.chunks_exact_mut(len)) {
                weight_piece(c, x, dy, q * per..((q + 1) * per).min(c.batch), part);
            }
        });
        let (og, k) = (c.out_per_group(), c.col_rows());
        for (g, dwg) in dw.chunks_exact_mut(og * k).enumerate() {
            for (o, row) in dwg.chunks_exact_mut(k).enumerate() {
                for (r, out) in row.iter_mut().enumerate() {
                    let at = g * k * og + r * og + o;
                    let s = parts
                        .chunks_exact(len)
                        .skip(1)
                        .fold(parts[at], |s, p| s + p[at]);
                    acc.put(out, s);
                }
            }
        }
    });
}

/// `part [G, C/G·kh·kw, O/G] = Σ` over `images` (in order) of each group's `col_g · dY_gᵀ`.
fn weight_piece(c: &Conv, x: &[f32], dy: &[f32], images: Range<usize>, part: &mut [f32]) {
    let (x_img, y_img) = (c.in_channels * c.in_plane(), c.out_channels * c.out_plane());
    let (og, k, p) = (c.out_per_group(), c.col_rows(), c.out_plane());
    let xg_len = c.in_per_group() * c.in_plane();
    let first = images.start;
    for n in images {
        let acc = if n == first { Acc::Write } else { Acc::Add };
        for (g, part) in part.chunks_exact_mut(k * og).enumerate() {
            let dyg_t = Mat::row_major(&dy[n * y_img + g * og * p..][..og * p], og, p).t();
            let xg = &x[n * x_img + g * xg_len..][..xg_len];
            if c.is_pointwise() {
                matmul(Mat::row_major(xg, k, p), dyg_t, part, acc);
            } else {
                with_scratch(k * p, |col| {
                    im2col(c, xg, col);
                    image_matmul(c)(Mat::row_major(col, k, p), dyg_t, part, acc);
                });
            }
        }
    }
}

/// `db (=|+=)` the sums of `dy [batch, channels, plane]` over the batch and the plane, per
/// channel: images added in order, each plane summed in `f32` lanes in a fixed order
/// (`row_sum!`).
pub fn backward_bias(dy: &[f32], batch: usize, channels: usize, db: &mut [f32], acc: Acc) {
    assert_eq!(db.len(), channels, "conv: bias gradient length");
    let plane = dy.len().checked_div(batch * channels).unwrap_or(0);
    assert_eq!(
        dy.len(),
        batch * channels * plane,
        "conv: output gradient length"
    );
    for (ch, out) in db.iter_mut().enumerate() {
        let mut s = 0.0f32;
        for n in 0..batch {
            let row = &dy[(n * channels + ch) * plane..][..plane];
            s += row_sum!(plane, |i, L| L::load(&row[i..]));
        }
        acc.put(out, s);
    }
}
