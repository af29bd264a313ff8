//! Matrix products through a GEMM crate, with strides, so transposes are never copied.
//!
//! `C (=|+=) A · B` with `A: m×k`, `B: k×n`, `C: m×n`, each given as a slice plus row and
//! column strides in elements. A transposed operand is the same slice with its strides
//! swapped, which is how backward computes `dA = dC · Bᵀ` and `dB = Aᵀ · dC` without copies.
//! The fan-in mode maps onto GEMM's `beta` (0 to write, 1 to add).
//!
//! The products run on this crate's packed driver ([`Backend::Packed`], `gemm/packed.rs`):
//! `gemm-f32`'s micro-kernels (the `gemm` 0.19 crate's, AVX-512 where the CPU has it, detected
//! at run time; AVX2+FMA otherwise) under BLIS loops whose packing buffers are kept per thread
//! across calls, so a training step makes no heap allocation after warm-up (tests/alloc_steady/).
//! Neither GEMM crate takes a buffer from its caller: `matrixmultiply::sgemm` allocates its
//! packing buffer on every call, `gemm` its packed operands and a `Vec<bool>` (1–2 allocations
//! per call, `examples/gemm_probe.rs` counts them). The `gemm` crate keeps the products where
//! it allocates nothing and packing would only cost.
//!
//! ## Routing
//!
//! | layout | backend |
//! |---|---|
//! | `k ≤ 2` (outer products), `n = 1` with `a.rs = 1` or `a.cs = b.rs = 1` (the bias gradient `dyᵀ·1ₘ`), `m = 1` with `b.cs = 1` or `b.rs = a.cs = 1`, `x·Wᵀ` with `m·n ≤ 256` | `gemm` (its gevv, gemv and horizontal kernels, which allocate nothing); on fixed blocks of 256 output columns or rows from [`PAR_MIN_MACS`] |
//! | everything else | the packed driver; columns of `C` (rows, when `C` is at least twice as tall as wide) split over the team from [`PAR_MIN_MACS`] |
//!
//! Why this split: the packed driver matches or beats the `gemm` crate on every product of the
//! standard workloads once its panels start on a cache line and are packed just before their
//! first product, and it keeps its buffers; `gemm` wins only where it packs nothing. The
//! GFLOP/s behind it, and how to re-measure them, are in `docs/perf.md` ("GEMM").
//!
//! Results are bitwise identical for 1 and N threads: the backend depends on the shape only, and
//! no parallel path changes the order of the sums over `k` (tested).
//!
//! ## A bias row in the product
//!
//! [`matmul_bias`] computes `C = 1ₘ·biasᵀ + A·B` (the forward of `nn::Linear`) without a pass of
//! its own over `C`: the packed driver copies the bias into each micro-kernel's tile just
//! before the tile's first depth block, while the tile is about to be read anyway, and runs
//! that block as an add. The design choice is a third way for the output to start
//! (`Start::Bias`, beside [`Acc`]'s write and add) carried down to the driver, rather than a
//! bias argument on every backend: only the packed driver has a place to fold it in, and the
//! other backends (and the packed driver's `gemm` fallback) write the bias rows first and add
//! the product, which is what the driver's kernels do per tile. Either way each element is
//! `bias[j] + Σ` computed by the same kernel call, so the result is bit for bit the broadcast
//! followed by an [`Acc::Add`] product (tested on every backend and thread count).

use crate::kernels::reduce::{broadcast_axis, AxisLayout};
use crate::kernels::Acc;

mod backend;
mod packed;
#[cfg(test)]
mod tests;

pub use backend::Backend;

/// A strided matrix operand: `data[r * rs + c * cs]` is element `(r, c)`.
#[derive(Clone, Copy, Debug)]
pub struct Mat<'a> {
    /// The backing slice.
    pub data: &'a [f32],
    /// Number of rows.
    pub rows: usize,
    /// Number of columns.
    pub cols: usize,
    /// Row stride in elements.
    pub rs: usize,
    /// Column stride in elements.
    pub cs: usize,
}

impl<'a> Mat<'a> {
    /// A row-major `rows × cols` matrix.
    pub fn row_major(data: &'a [f32], rows: usize, cols: usize) -> Self {
        Mat {
            data,
            rows,
            cols,
            rs: cols,
            cs: 1,
        }
    }
    /// The transpose: same data, swapped dimensions and strides.
    pub fn t(self) -> Self {
        Mat {
            data: self.data,
            rows: self.cols,
            cols: self.rows,
            rs: self.cs,
            cs: self.rs,
        }
    }
    /// The largest offset this view touches plus one (0 when empty).
    fn extent(&self) -> usize {
        if self.rows == 0 || self.cols == 0 {
            0
        } else {
            (self.rows - 1) * self.rs + (self.cols - 1) * self.cs + 1
        }
    }
}

/// `c (=|+=) a · b` where `c` is row-major `a.rows × b.cols`, on the backend [`route`] picks.
///
/// Panics if the shapes disagree or a view reaches past its slice (callers pass views built
/// from checked shapes, so this is an internal invariant).
///
/// ```
/// use arenagrad::kernels::Acc;
/// use arenagrad::kernels::gemm::{matmul, Mat};
/// let a = [1.0, 2.0, 3.0, 4.0]; // [[1, 2], [3, 4]]
/// let mut c = [0.0; 4];
/// matmul(Mat::row_major(&a, 2, 2), Mat::row_major(&a, 2, 2).t(), &mut c, Acc::Write);
/// assert_eq!(c, [5.0, 11.0, 11.0, 25.0]); // a · aᵀ
/// ```
pub fn matmul(a: Mat<'_>, b: Mat<'_>, c: &mut [f32], acc: Acc) {
    matmul_on(route(&a, &b), a, b, c, acc)
}

/// [`matmul`] on a chosen backend (for probes and tests; same checks, same result up to
/// rounding).
pub fn matmul_on(backend: Backend, a: Mat<'_>, b: Mat<'_>, c: &mut [f32], acc: Acc) {
    product(backend, a, b, c, acc.into())
}

/// `c = bias + a · b` with `bias` (of length `b.cols`) added to every row of the row-major
/// `a.rows × b.cols` output: `nn::Linear`'s `x·Wᵀ + b`, on the backend [`route`] picks for
/// `a · b`. The bias goes into the product's first pass over `c` (the module doc, "A bias row
/// in the product"); the result is bit for bit a broadcast of `bias` over the rows followed by
/// [`matmul`] with [`Acc::Add`]. Every element of `c` is written, whatever it held.
///
/// Panics as [`matmul`] does, or if `bias.len() != b.cols`.
///
/// ```
/// use arenagrad::kernels::Acc;
/// use arenagrad::kernels::gemm::{matmul, matmul_bias, Mat};
/// let x = [1.0, 2.0, 3.0, 4.0]; // [[1, 2], [3, 4]]
/// let w = [1.0, 0.0, 1.0, 1.0, 0.0, 2.0]; // 3 outputs of 2 inputs
/// let bias = [0.5, -1.0, 2.0];
/// let mut y = [f32::NAN; 6]; // overwritten
/// matmul_bias(Mat::row_major(&x, 2, 2), Mat::row_major(&w, 3, 2).t(), &bias, &mut y);
/// assert_eq!(y, [1.5, 2.0, 6.0, 3.5, 6.0, 10.0]);
///
/// let mut two_passes = [0.5, -1.0, 2.0, 0.5, -1.0, 2.0]; // the bias rows, then the product
/// matmul(Mat::row_major(&x, 2, 2), Mat::row_major(&w, 3, 2).t(), &mut two_passes, Acc::Add);
/// assert_eq!(y, two_passes);
/// ```
pub fn matmul_bias(a: Mat<'_>, b: Mat<'_>, bias: &[f32], c: &mut [f32]) {
    matmul_bias_on(route(&a, &b), a, b, bias, c)
}

/// [`matmul_bias`] on a chosen backend (for probes and tests; same checks). The bias is folded
/// into the packed driver's tiles on [`Backend::Packed`] and [`Backend::PackedCols`]; other
/// backends write the bias rows, then add the product.
///
/// ```
/// use arenagrad::kernels::gemm::{matmul_bias_on, Backend, Mat};
/// let a = [1.0, 2.0, 3.0]; // 1×3
/// let b = [1.0, 1.0, 1.0, -1.0, 1.0, 0.0]; // 3×2
/// for be in [Backend::Packed, Backend::PackedCols, Backend::GemmSeq, Backend::GemmSplit] {
///     let mut c = [0.0; 2];
///     matmul_bias_on(be, Mat::row_major(&a, 1, 3), Mat::row_major(&b, 3, 2), &[10.0, 20.0], &mut c);
///     assert_eq!(c, [16.0, 19.0]);
/// }
/// ```
pub fn matmul_bias_on(backend: Backend, a: Mat<'_>, b: Mat<'_>, bias: &[f32], c: &mut [f32]) {
    assert_eq!(bias.len(), b.cols, "gemm: bias length");
    product(backend, a, b, c, Start::Bias(bias))
}

/// How a product's output starts, before the sum over `k` is added: [`Acc`]'s two modes, or
/// a bias row in each row of `C` ([`matmul_bias`]).
#[derive(Clone, Copy, Debug)]
enum Start<'a> {
    /// `C = A·B`.
    Write,
    /// `C += A·B`.
    Add,
    /// `C = 1ₘ·biasᵀ + A·B`, the bias one element per column of `C` (per column of the block
    /// a piece computes, once `backend::run` has split `C`).
    Bias(&'a [f32]),
}

impl From<Acc> for Start<'_> {
    fn from(acc: Acc) -> Self {
        match acc {
            Acc::Write => Start::Write,
            Acc::Add => Start::Add,
        }
    }
}

impl<'a> Start<'a> {
    /// The start of the block of `C`'s columns `[j0, j0 + w)`: the bias' matching slice.
    fn cols(self, j0: usize, w: usize) -> Self {
        match self {
            Start::Bias(bias) => Start::Bias(&bias[j0..j0 + w]),
            s => s,
        }
    }

    /// For a backend without a bias form: writes the bias rows into the row-major `c` (of rows
    /// of `bias.len()`), so the product is then added; the mode that product runs in.
    fn prefill(self, c: &mut [f32]) -> Acc {
        match self {
            Start::Write => Acc::Write,
            Start::Add => Acc::Add,
            Start::Bias(bias) => {
                let l = AxisLayout {
                    outer: 1,
                    len: c.len() / bias.len(),
                    inner: bias.len(),
                };
                broadcast_axis(bias, l, 1.0, c, Acc::Write);
                Acc::Add
            }
        }
    }
}

/// The checks and empty cases shared by [`matmul_on`] and [`matmul_bias_on`], then the product.
fn product(backend: Backend, a: Mat<'_>, b: Mat<'_>, c: &mut [f32], start: Start<'_>) {
    let (m, k, n) = (a.rows, a.cols, b.cols);
    assert_eq!(b.rows, k, "gemm: inner dimensions differ");
    assert_eq!(c.len(), m * n, "gemm: output size");
    assert!(
        a.extent() <= a.data.len() && b.extent() <= b.data.len(),
        "gemm: view past its slice"
    );
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        match start.prefill(c) {
            Acc::Write => c.fill(0.0),
            Acc::Add => {}
        }
        return;
    }
    backend::run(backend, a, b, c, start)
}

/// [`matmul`] on the calling thread: the backend [`route`] picks, as on one thread (the same
/// bits). For callers that already run their work as the team's pieces (the convolutions'
/// images), where a nested split would run on the calling thread anyway.
///
/// ```
/// use arenagrad::kernels::Acc;
/// use arenagrad::kernels::gemm::{matmul, matmul_seq, Mat, PAR_MIN_MACS};
/// let (m, k, n) = (128, 256, 256); // 2²³ multiply-adds: `matmul` splits the columns
/// assert!(m * k * n >= PAR_MIN_MACS);
/// let a: Vec<f32> = (0..m * k).map(|i| (i as f32 * 0.37).sin()).collect();
/// let b: Vec<f32> = (0..k * n).map(|i| (i as f32 * 0.11).cos()).collect();
/// let (mut c, mut c_seq) = (vec![0.0; m * n], vec![0.0; m * n]);
/// matmul(Mat::row_major(&a, m, k), Mat::row_major(&b, k, n), &mut c, Acc::Write);
/// matmul_seq(Mat::row_major(&a, m, k), Mat::row_major(&b, k, n), &mut c_seq, Acc::Write);
/// assert_eq!(c, c_seq); // bit for bit
/// ```
pub fn matmul_seq(a: Mat<'_>, b: Mat<'_>, c: &mut [f32], acc: Acc) {
    crate::kernels::par::count::with_threads(1, || matmul_on(route(&a, &b), a, b, c, acc))
}

/// Products of at least this many multiply-adds (`m·k·n`) run on all the kernels' threads;
/// smaller ones stay on the calling thread. 2²¹ (≈ 4 MFLOP, ≈ 25 µs on one core): a
/// 64×128×128 product (1M) gains nothing from a second thread, a 64×256×256 one (4M) runs in
/// 34 instead of 56 µs (`docs/perf.md`, "Grain sizes").
pub const PAR_MIN_MACS: usize = 1 << 21;

/// The backend [`matmul`] uses for `a · b` (the routing table in the module doc). It depends on
/// the shape and layout only, never on the thread count, so results are bitwise identical
/// for 1 and N threads.
pub fn route(a: &Mat<'_>, b: &Mat<'_>) -> Backend {
    let (m, k, n) = (a.rows, a.cols, b.cols);
    let par = m.saturating_mul(k).saturating_mul(n) >= PAR_MIN_MACS;
    // The `gemm` crate's paths that allocate nothing (and beat packing there): `k ≤ 2` (outer
    // products), matrix-vector products with a unit stride where its gemv needs
    // one (the bias gradient `dyᵀ·1ₘ`, a layer of width 1), and tiny `x·Wᵀ` (its horizontal
    // kernels, `m·n ≤ 256`). Everything else goes to the packed driver, whose buffers are kept.
    let gemm_alloc_free = k <= 2
        || (n == 1 && (a.rs == 1 || (a.cs == 1 && b.rs == 1)))
        || (m == 1 && (b.cs == 1 || (b.rs == 1 && a.cs == 1)))
        || (a.cs == 1 && b.rs == 1 && m * n <= 256);
    match (gemm_alloc_free, par) {
        (true, false) => Backend::GemmSeq,
        (true, true) => Backend::GemmSplit,
        (false, false) => Backend::Packed,
        (false, true) => Backend::PackedCols,
    }
}

/// The scalar twin of [`matmul`]: a triple loop, the reference in tests.
#[cfg(test)]
pub(crate) fn matmul_ref(a: Mat<'_>, b: Mat<'_>, c: &mut [f32], acc: Acc) {
    let (m, k, n) = (a.rows, a.cols, b.cols);
    for i in 0..m {
        for j in 0..n {
            let mut s = 0.0f64;
            for p in 0..k {
                s += a.data[i * a.rs + p * a.cs] as f64 * b.data[p * b.rs + j * b.cs] as f64;
            }
            acc.put(&mut c[i * n + j], s as f32);
        }
    }
}
