//! The three small products attention is made of, on row blocks of at most [`R`] query rows
//! and on operands packed with their row length rounded up to whole vectors (zeros after the
//! real values, so every load is a full `f32x8`):
//!
//! - [`rows_by_cols`]: `out[r][j] = Σₑ a[r][e] · bt[e][j]`, the scores `Q·Kᵀ` and `dO·Vᵀ`
//!   (broadcast `a[r][e]`, one vector of `bt`'s row `e`, four rows at a time);
//! - [`add_rows`]: `out[r][:] += Σⱼ p[r][j] · b[j][:]`, the products `P·V` and `dS·K`;
//! - [`add_cols`]: `out[j][:] += Σᵣ p[r][j] · x[r][:]`, the products `Pᵀ·dO` and `dSᵀ·Q`.
//!
//! Every multiply-add is a lane FMA ([`fma`](crate::kernels::simd::fma) rounding) and the sums
//! run in index order, so the scalar twins in `scalar.rs` give the same bits.

use crate::kernels::simd::{f32x8, load, store, LANES};

/// Query rows per block.
pub(super) const R: usize = 4;

/// A matrix operand: row `i` starts at `data[i · stride]`.
#[derive(Clone, Copy)]
pub(super) struct Rows<'a> {
    pub data: &'a [f32],
    pub stride: usize,
}

/// A matrix result, as [`Rows`].
pub(super) struct RowsMut<'a> {
    pub data: &'a mut [f32],
    pub stride: usize,
}

/// `out[r][j] = Σₑ a[r][e] · bt[e][j]` for `r < rows ≤ R`, `e < n`, `j < w`
/// (`w` a multiple of 8).
pub(super) fn rows_by_cols(
    a: Rows<'_>,
    rows: usize,
    n: usize,
    bt: Rows<'_>,
    w: usize,
    out: RowsMut<'_>,
) {
    let (a, sa, bt, sb, os, out) = (a.data, a.stride, bt.data, bt.stride, out.stride, out.data);
    debug_assert!(rows <= R && w % LANES == 0);
    let mut j = 0;
    while j < w {
        let mut acc = [f32x8::ZERO; R];
        for e in 0..n {
            let b = load(&bt[e * sb + j..]);
            for (r, acc) in acc.iter_mut().enumerate().take(rows) {
                *acc = f32x8::splat(a[r * sa + e]).mul_add(b, *acc);
            }
        }
        for (r, acc) in acc.iter().enumerate().take(rows) {
            store(*acc, &mut out[r * os + j..]);
        }
        j += LANES;
    }
}

/// `out[r][c] += Σⱼ p[r][j] · b[j][c]` for `r < rows ≤ R`, `j < w`, `c < n` (`n` a
/// multiple of 8, at most 64).
pub(super) fn add_rows(
    p: Rows<'_>,
    rows: usize,
    w: usize,
    b: Rows<'_>,
    n: usize,
    out: RowsMut<'_>,
) {
    let (p, sp, b, sb, os, out) = (p.data, p.stride, b.data, b.stride, out.stride, out.data);
    debug_assert!(rows <= R && n % LANES == 0);
    let mut c = 0;
    while c < n {
        // up to two vectors of columns per pass: 2·R accumulators
        let two = c + 2 * LANES <= n;
        let mut lo = [f32x8::ZERO; R];
        let mut hi = [f32x8::ZERO; R];
        for r in 0..rows {
            lo[r] = load(&out[r * os + c..]);
            if two {
                hi[r] = load(&out[r * os + c + LANES..]);
            }
        }
        for j in 0..w {
            let b0 = load(&b[j * sb + c..]);
            if two {
                let b1 = load(&b[j * sb + c + LANES..]);
                for r in 0..rows {
                    let s = f32x8::splat(p[r * sp + j]);
                    lo[r] = s.mul_add(b0, lo[r]);
                    hi[r] = s.mul_add(b1, hi[r]);
                }
            } else {
                for r in 0..rows {
                    lo[r] = f32x8::splat(p[r * sp + j]).mul_add(b0, lo[r]);
                }
            }
        }
        for r in 0..rows {
            store(lo[r], &mut out[r * os + c..]);
            if two {
                store(hi[r], &mut out[r * os + c + LANES..]);
            }
        }
        c += if two { 2 * LANES } else { LANES };
    }
}

/// `out[j][c] += Σᵣ p[r][j] · x[r][c]` for `j < w`, `r < rows ≤ R`, `c < n` (`n` a
/// multiple of 8).
pub(super) fn add_cols(
    p: Rows<'_>,
    rows: usize,
    w: usize,
    x: Rows<'_>,
    n: usize,
    out: RowsMut<'_>,
) {
    let (p, sp, x, sx, os, out) = (p.data, p.stride, x.data, x.stride, out.stride, out.data);
    debug_assert!(rows <= R && n % LANES == 0);
    let mut c = 0;
    while c < n {
        let mut xs = [f32x8::ZERO; R];
        for (r, xs) in xs.iter_mut().enumerate().take(rows) {
            *xs = load(&x[r * sx + c..]);
        }
        for j in 0..w {
            let o = &mut out[j * os + c..];
            let mut acc = load(o);
            for (r, xs) in xs.iter().enumerate().take(rows) {
                acc = f32x8::splat(p[r * sp + j]).mul_add(*xs, acc);
            }
            store(acc, o);
        }
        c += LANES;
    }
}
