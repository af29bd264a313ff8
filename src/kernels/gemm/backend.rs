//! The GEMM implementations behind [`super::matmul`], over the same strided views: this
//! crate's packed driver ([`super::packed`], sequential or on column blocks run as the team's pieces),
//! the `gemm` crate (sequential, or on fixed blocks run as the team's pieces) and, with the cargo feature
//! `matrixmultiply`, `matrixmultiply::sgemm` (the same two ways, for the GEMM probe's
//! comparison only). Routing among them lives in [`super::route`]; this file only maps [`Mat`]
//! views and the output's start ([`Start`]) onto each entry point. The `gemm` crate stays for the
//! products where it allocates nothing.
//!
//! A bias start (`super::matmul_bias`) goes down to the packed driver, each thread's block of
//! `C`'s columns with the matching slice of the bias; every other entry point gets the bias rows
//! written into `C` first and adds the product.
//!
//! Every variant sums each output element over `k` in an order that does not depend on the
//! number of threads: the packed driver and `matrixmultiply` block `k` by the shape only, and
//! no parallel variant splits `k` (the `gemm` crate's `k` blocking depends on the shape only).
//! So results are bitwise identical for 1 and N threads (tested), provided the backend chosen
//! for a product does not depend on the thread count either — [`super::route`] keeps that rule.

use crate::kernels::par::team;

use super::{packed, Mat, Start};
use crate::kernels::Acc;

/// A GEMM implementation. [`super::route`] picks one per call; the probe
/// (`examples/gemm_probe.rs`) and the tests name them explicitly.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// `matrixmultiply::sgemm` on the calling thread (this crate does not enable its
    /// `threading` feature: that pool is sized apart from the kernels' threads). Only with the cargo feature
    /// `matrixmultiply` (for the GEMM probe; never routed to).
    #[cfg(feature = "matrixmultiply")]
    Matrixmultiply,
    /// `matrixmultiply::sgemm` on one block of columns of `B` and `C` per thread
    /// (blocks of a multiple of 16 columns). Only with the cargo feature `matrixmultiply`.
    #[cfg(feature = "matrixmultiply")]
    MatrixmultiplyCols,
    /// The `gemm` crate, `Parallelism::None`.
    GemmSeq,
    /// The `gemm` crate, `Parallelism::None`, on fixed blocks of 256 output columns (or
    /// rows, for a tall output) run as the team's pieces. The blocks depend on the shape only,
    /// so one thread computes the same blocks, with the same bits, as several.
    GemmSplit,
    /// This crate's packed driver over `gemm-f32`'s micro-kernels, with per-thread buffers
    /// kept across calls (`super::packed`), on the calling thread. The `gemm` crate where the
    /// CPU has no AVX2+FMA.
    Packed,
    /// [`Backend::Packed`] on one block of columns of `B` and `C` per thread, or of rows of
    /// `A` and `C` when `C` is at least twice as tall as it is wide (each thread then reads
    /// only its own rows of the tall `A`). The name keeps the common case.
    PackedCols,
}

/// Output columns (or rows) per block of [`Backend::GemmSplit`].
pub const SPLIT: usize = 256;

/// The output: element `(i, j)` at `ptr + i * ldc + j`.
#[derive(Clone, Copy)]
struct Out {
    ptr: *mut f32,
    ldc: usize,
}
// SAFETY: `Out` is only shared between the pieces of `split`, which write
// disjoint column (or row) blocks of one exclusively borrowed slice, and all finish before it
// is released.
unsafe impl Send for Out {}
// SAFETY: as above.
unsafe impl Sync for Out {}

/// `c (=|+=) a · b`, or `c = bias rows + a · b`, on `backend`. The caller has checked shapes and
/// extents (`c.len() == m·n`, each view within its slice, a bias of length `n`) and handled
/// empty dimensions (`m, n, k > 0`).
pub(super) fn run(backend: Backend, a: Mat<'_>, b: Mat<'_>, c: &mut [f32], start: Start<'_>) {
    let (m, n) = (a.rows, b.cols);
    assert!(c.len() == m * n && m > 0 && n > 0 && a.cols > 0);
    let threads = crate::kernels::par::count::threads();
    if let (Backend::Packed | Backend::PackedCols, Some(kern)) = (backend, packed::kernels()) {
        let ldc = n;
        if backend == Backend::PackedCols && threads > 1 {
            let out = Out {
                ptr: c.as_mut_ptr(),
                ldc,
            };
            // whole registers, not whole 64-row tiles: 784 columns split 400 + 384 (a
            // partial tile each), not 448 + 336
            let block = b.cols.div_ceil(threads).next_multiple_of(kern.lanes());
            let f = |a: Mat<'_>, b: Mat<'_>, out: Out, j0: usize| {
                // the block's columns [j0, j0 + b.cols) of C take the bias' same elements
                let start = start.cols(j0, b.cols);
                // SAFETY: `split` hands each piece its own block of `out`.
                unsafe { packed::run_seq(kern, a, b, out.ptr, out.ldc, start) }
            };
            if m >= 2 * n {
                // a tall product (the activations' x·Wᵀ, their gradients dy·W): each thread
                // takes a block of C's rows, so it streams only its own rows of A, and only
                // the small B is read by both
                let rows = |a: Mat<'_>, b: Mat<'_>, out: Out, _: usize| {
                    // SAFETY: `split` hands each piece its own block of `out`, all columns.
                    unsafe { packed::run_seq(kern, a, b, out.ptr, out.ldc, start) }
                };
                // SAFETY: as below.
                return unsafe { split(a, b, out, Along::Rows, m.div_ceil(threads), &rows) };
            }
            // SAFETY: `out` addresses exactly the m·n elements of `c`, which is uniquely
            // borrowed for this call, and the views are within their slices (the caller's
            // check).
            unsafe { split(a, b, out, Along::Cols, block, &f) }
        } else {
            // SAFETY: as above.
            unsafe { packed::run_seq(kern, a, b, c.as_mut_ptr(), ldc, start) }
        }
        return;
    }
    // no bias form below: the bias rows first, then the product added
    let acc = start.prefill(c);
    let out = Out {
        ptr: c.as_mut_ptr(),
        ldc: n,
    };
    // SAFETY (all arms): `out` addresses exactly the m·n elements of `c`, which is uniquely
    // borrowed for this call, and the views are within their slices (the caller's check).
    match backend {
        #[cfg(feature = "matrixmultiply")]
        Backend::Matrixmultiply => unsafe { mm(a, b, out, acc) },
        #[cfg(feature = "matrixmultiply")]
        Backend::MatrixmultiplyCols => unsafe { mm_cols(a, b, out, acc, threads) },
        Backend::GemmSeq => unsafe { gemm_crate(a, b, out, acc, gemm::Parallelism::None) },
        Backend::GemmSplit => {
            let f = |a: Mat<'_>, b: Mat<'_>, out: Out, _: usize| {
                // SAFETY: `split` hand each piece its own block of `out`.
                unsafe { gemm_crate(a, b, out, acc, gemm::Parallelism::None) }
            };
            if n >= m {
                // SAFETY: as above.
                unsafe { split(a, b, out, Along::Cols, SPLIT, &f) }
            } else {
                // SAFETY: as above.
                unsafe { split(a, b, out, Along::Rows, SPLIT, &f) }
            }
        }
        // no AVX2+FMA: the packed driver's fallback
        Backend::Packed | Backend::PackedCols => unsafe {
            gemm_crate(a, b, out, acc, gemm::Parallelism::None)
        },
    }
}

/// `matrixmultiply` on column blocks `[j0, j0 + w)` of `B` and `C`, one per thread.
///
/// # Safety
/// As [`gemm_crate`]; blocks are disjoint, so no element of `out` is touched by two tasks.
#[cfg(feature = "matrixmultiply")]
unsafe fn mm_cols(a: Mat<'_>, b: Mat<'_>, out: Out, acc: Acc, threads: usize) {
    let block = b.cols.div_ceil(threads).next_multiple_of(16);
    let f = |a: Mat<'_>, b: Mat<'_>, out: Out, _: usize| {
        // SAFETY: `split` hands each piece its own block of `out`.
        unsafe { mm(a, b, out, acc) }
    };
    // SAFETY: the caller's contract, passed on.
    unsafe { split(a, b, out, Along::Cols, block, &f) }
}

/// Which dimension of the output [`split`] cuts into blocks.
#[derive(Clone, Copy)]
enum Along {
    /// Columns `[j0, j0 + block)` of `B` and `C`.
    Cols,
    /// Rows `[i0, i0 + block)` of `A` and `C`.
    Rows,
}

/// Runs `f` on blocks of `block` output columns (or rows), the blocks as the team's pieces;
/// `f` gets the sub-views, the block's output and the index of its first column (or row).
///
/// # Safety
/// As [`gemm_crate`], for `f` on each block; blocks are disjoint, so no element of `out` is
/// touched by two pieces.
unsafe fn split(
    a: Mat<'_>,
    b: Mat<'_>,
    out: Out,
    along: Along,
    block: usize,
    f: &(dyn Fn(Mat<'_>, Mat<'_>, Out, usize) + Sync),
) {
    let n = match along {
        Along::Cols => b.cols,
        Along::Rows => a.rows,
    };
    team::run(n.div_ceil(block), &|i| {
        let out: Out = out; // capture the Send + Sync wrapper, not its raw pointer field
        let (k0, w) = (i * block, block.min(n - i * block));
        let (a, b, offset) = match along {
            Along::Cols => (
                a,
                Mat {
                    data: &b.data[k0 * b.cs..],
                    cols: w,
                    ..b
                },
                k0,
            ),
            Along::Rows => (
                Mat {
                    data: &a.data[k0 * a.rs..],
                    rows: w,
                    ..a
                },
                b,
                k0 * out.ldc,
            ),
        };
        let out = Out {
            // SAFETY: k0 < n, so the offset (column k0 of row 0, or row k0) stays inside the
            // output.
            ptr: unsafe { out.ptr.add(offset) },
            ..out
        };
        // The block's elements lie at (i, j) with i < rows, j < cols of the sub-views, that is
        // inside the m × n output and written by this piece only; the sub-views lie within
        // their slices because the whole views do: `f`'s contract holds.
        f(a, b, out, k0)
    });
}

/// # Safety
/// As [`gemm_crate`].
#[cfg(feature = "matrixmultiply")]
unsafe fn mm(a: Mat<'_>, b: Mat<'_>, out: Out, acc: Acc) {
    let (m, k, n) = (a.rows, a.cols, b.cols);
    debug_assert!(a.extent() <= a.data.len() && b.extent() <= b.data.len());
    let beta = if acc == Acc::Write { 0.0 } else { 1.0 };
    // SAFETY: every index sgemm reads is r·rs + c·cs for r < rows, c < cols of a view, within
    // its slice (the caller's contract); the output is valid as the contract says; strides fit
    // in isize because they come from in-memory slice dimensions. With beta = 0 sgemm does not
    // read the output.
    unsafe {
        matrixmultiply::sgemm(
            m,
            k,
            n,
            1.0,
            a.data.as_ptr(),
            a.rs as isize,
            a.cs as isize,
            b.data.as_ptr(),
            b.rs as isize,
            b.cs as isize,
            beta,
            out.ptr,
            out.ldc as isize,
            1,
        );
    }
}

/// # Safety
/// `out` must be valid for reads and writes of the `a.rows × b.cols` elements it addresses,
/// with no other access to them during the call; `a` and `b` must lie within their slices.
unsafe fn gemm_crate(a: Mat<'_>, b: Mat<'_>, out: Out, acc: Acc, par: gemm::Parallelism) {
    let (m, k, n) = (a.rows, a.cols, b.cols);
    debug_assert!(a.extent() <= a.data.len() && b.extent() <= b.data.len());
    // gemm computes dst = alpha·dst + beta·lhs·rhs, reading dst only when read_dst is true.
    let read_dst = acc == Acc::Add;
    // SAFETY: views within their slices, the output valid and exclusive; with
    // read_dst = false gemm writes the output without reading it; the conj flags are no-ops
    // for f32.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            out.ptr,
            1,
            out.ldc as isize,
            read_dst,
            a.data.as_ptr(),
            a.cs as isize,
            a.rs as isize,
            b.data.as_ptr(),
            b.cs as isize,
            b.rs as isize,
            1.0,
            1.0,
            false,
            false,
            false,
            par,
        );
    }
}
