//! The three small products attention is made of, on row blocks of at most [`R`] query rows
//! and on operands packed with their row length rounded up to whole vectors (zeros after the
//! real values, so every load is a full vector). The vectors are `f32x16`: one AVX-512
//! register, or two AVX2 registers elsewhere (wide splits it), so a pass keeps eight
//! independent accumulators either way:
//!
//! - [`rows_times`]: `out[r][:] (+)= Σⱼ p[r][j] · b[j][:]` (broadcast `p[r][j]` against two
//!   vectors of `b`'s row `j`, four rows at a time): the scores `Q·Kᵀ` and `dO·Vᵀ` (with
//!   `b` the packed transpose, written) and the products `P·V` and `dS·K` (added);
//! - [`add_cols`]: `out[j][:] += Σᵣ p[r][j] · x[r][:]`, the products `Pᵀ·dO` and `dSᵀ·Q`.
//!
//! Every multiply-add is a lane FMA and the sums run in index order; the kernel as a whole is
//! tested against the f64 twin in `scalar.rs`.

// The row loops index several arrays at once (accumulators, row slices) by the same `r`.
#![allow(clippy::needless_range_loop)]

use crate::kernels::simd::Wide16;
use crate::kernels::Acc;

/// Lanes per vector here; packed widths are multiples of it.
pub(super) const W: usize = 16;

#[inline(always)]
fn load<X: Wide16>(s: &[f32]) -> X {
    X::load(s)
}

#[inline(always)]
fn store<X: Wide16>(v: X, d: &mut [f32]) {
    v.store(d)
}

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

/// Calls `$f::<X, N>(args)` (`X` the caller's lane type) with `N = $rows`, a constant in each body, so the row loops unroll
/// and the accumulators stay in registers.
macro_rules! by_rows {
    ($rows:expr, $f:ident($($arg:expr),*)) => {
        match $rows {
            4 => $f::<X, 4>($($arg),*),
            3 => $f::<X, 3>($($arg),*),
            2 => $f::<X, 2>($($arg),*),
            1 => $f::<X, 1>($($arg),*),
            _ => unreachable!("at most R rows per block"),
        }
    };
}

/// `out[r][c] = Σⱼ p[r][j] · b[j][c]` (`Acc::Write`) or `+=` it (`Acc::Add`), for
/// `r < rows ≤ R`, `j < w`, `c < n` (`n` a multiple of 16).
#[inline(always)]
pub(super) fn rows_times<X: Wide16>(
    p: Rows<'_>,
    rows: usize,
    w: usize,
    b: Rows<'_>,
    n: usize,
    out: RowsMut<'_>,
    acc: Acc,
) {
    debug_assert!(rows <= R && n.is_multiple_of(W));
    by_rows!(rows, rows_times_n(p, w, b, n, out, acc))
}

#[inline(always)]
fn rows_times_n<X: Wide16, const N: usize>(
    p: Rows<'_>,
    w: usize,
    b: Rows<'_>,
    n: usize,
    out: RowsMut<'_>,
    acc: Acc,
) {
    let p: [&[f32]; N] = std::array::from_fn(|r| &p.data[r * p.stride..][..w]);
    let mut c = 0;
    while c < n {
        // two vectors of columns per pass when there are two: 2·N accumulators
        let two = c + 2 * W <= n;
        let (mut lo, mut hi) = ([X::zero(); N], [X::zero(); N]);
        if acc == Acc::Add {
            for r in 0..N {
                lo[r] = load(&out.data[r * out.stride + c..]);
                if two {
                    hi[r] = load(&out.data[r * out.stride + c + W..]);
                }
            }
        }
        if two {
            for j in 0..w {
                let bj = &b.data[j * b.stride + c..][..2 * W];
                let (b0, b1): (X, X) = (load(bj), load(&bj[W..]));
                for r in 0..N {
                    let s = X::splat(p[r][j]);
                    lo[r] = s.mul_add(b0, lo[r]);
                    hi[r] = s.mul_add(b1, hi[r]);
                }
            }
        } else {
            for j in 0..w {
                let b0: X = load(&b.data[j * b.stride + c..]);
                for r in 0..N {
                    lo[r] = X::splat(p[r][j]).mul_add(b0, lo[r]);
                }
            }
        }
        for r in 0..N {
            store(lo[r], &mut out.data[r * out.stride + c..]);
            if two {
                store(hi[r], &mut out.data[r * out.stride + c + W..]);
            }
        }
        c += if two { 2 * W } else { W };
    }
}

/// `out[j][c] += Σᵣ p[r][j] · x[r][c]` for `j < w`, `r < rows ≤ R`, `c < n` (`n` a multiple
/// of 16).
#[inline(always)]
pub(super) fn add_cols<X: Wide16>(
    p: Rows<'_>,
    rows: usize,
    w: usize,
    x: Rows<'_>,
    n: usize,
    out: RowsMut<'_>,
) {
    debug_assert!(rows <= R && n.is_multiple_of(W));
    by_rows!(rows, add_cols_n(p, w, x, n, out))
}

#[inline(always)]
fn add_cols_n<X: Wide16, const N: usize>(
    p: Rows<'_>,
    w: usize,
    x: Rows<'_>,
    n: usize,
    out: RowsMut<'_>,
) {
    let p: [&[f32]; N] = std::array::from_fn(|r| &p.data[r * p.stride..][..w]);
    let mut c = 0;
    while c < n {
        let xs: [X; N] = std::array::from_fn(|r| load(&x.data[r * x.stride + c..]));
        for j in 0..w {
            let o = &mut out.data[j * out.stride + c..][..W];
            let mut acc: X = load(o);
            for r in 0..N {
                acc = X::splat(p[r][j]).mul_add(xs[r], acc);
            }
            store(acc, o);
        }
        c += W;
    }
}
