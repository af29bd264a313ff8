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
//! across calls, so a training step makes no heap allocation after warm-up (tests/alloc_steady.rs).
//! Neither GEMM crate takes a buffer from its caller: `matrixmultiply::sgemm` allocates its
//! packing buffer on every call, `gemm` its packed operands and a `Vec<bool>` (1–2 allocations
//! per call, `examples/gemm_probe.rs` counts them). The `gemm` crate keeps the products where
//! it allocates nothing and packing would only cost.
//!
//! ## Routing
//!
//! | layout | backend |
//! |---|---|
//! | `k ≤ 2` (the bias broadcast `1ₘ·b`), `n = 1` with `a.rs = 1` or `a.cs = b.rs = 1` (the bias gradient `dyᵀ·1ₘ`), `m = 1` with `b.cs = 1` or `b.rs = a.cs = 1`, `x·Wᵀ` with `m·n ≤ 256` | `gemm` (its gevv, gemv and horizontal kernels, which allocate nothing); its own rayon split from [`PAR_MIN_MACS`] |
//! | everything else | the packed driver; columns of `C` split over rayon from [`PAR_MIN_MACS`] |
//!
//! The packed driver against the crates, GFLOP/s, one thread, medians of 7 interleaved rounds
//! of `examples/gemm_probe.rs` (machine otherwise idle):
//!
//! | m×k×n layout | gemm | packed | matrixmultiply |
//! |---|---|---|---|
//! | 128×784×512 Bᵀ | 144 | 151 | 131 |
//! | 128×512×512 Bᵀ | 124 | 154 | 140 |
//! | 128×512×512 NN | 147 | 165 | 140 |
//! | 512×128×784 Aᵀ | 167 | 166 | 159 |
//! | 512×128×512 Aᵀ | 172 | 171 | 164 |
//! | 10×128×512 Aᵀ | 142 | 145 | 60 |
//! | 128×10×512 NN | 138 | 138 | 116 |
//! | 1024³ NN, Bᵀ, Aᵀ | 165, 160, 150 | 162, 159, 145 | 138, 140, 133 |
//!
//! Three changes brought the driver level with the `gemm` crate or ahead of it (it had trailed
//! by 10–20%): packed `L` panels start on a cache line (a `Vec<f32>` is 16-byte aligned, so
//! every 64-byte load of a panel straddled two lines: ~10% on every product, 1024³ included);
//! each `L` panel is packed just before its first product instead of the whole block up front;
//! and the transposing pack (the forward's `Wᵀ`) goes by 8×8 register transposes along 8 rows at
//! a time. Before/after, the MLP 784-512-512-10 b128 Adam step (bench_suite, medians of 5
//! interleaved runs): 3.79 → 3.38 ms at one thread, 2.78 → 2.50 ms at two.

//! The history below (the two crates, before the packed driver) is why `gemm`'s kernels were
//! chosen: without `x86-v4`, `gemm` fell to 99 GFLOP/s on `128×784×512 Bᵀ` (160 with it).
//!
//! ## Numbers (the two crates, before the packed driver)
//!
//! One sitting (2-vCPU Xeon with AVX-512, shared with other builds: load average 9–14, both
//! probes under `nice -n -20`), GFLOP/s, medians of two runs of 7 rounds each,
//! `examples/gemm_probe.rs` against `scripts/gemm_probe_torch.py` (PyTorch 2.15, MKL), 1 thread:
//!
//! | product | m×k×n layout | matrixmultiply | gemm | routed | PyTorch | routed / PyTorch |
//! |---|---|---|---|---|---|---|
//! | MLP fwd l1 | 128×784×512 Bᵀ | 138 | 147 | 149 | 163 | 0.91 |
//! | MLP fwd l2 | 128×512×512 Bᵀ | 146 | 126 | 146 | 164 | 0.89 |
//! | MLP fwd l3 | 128×512×10 Bᵀ | 55 | 63 | 65¹ | 76 | 0.86 |
//! | MLP dx l2 | 128×512×512 NN | 144 | 154 | 154 | 184 | 0.84 |
//! | MLP dx l3 | 128×10×512 NN | 115 | 139 | 139 | 135 | 1.03 |
//! | MLP dW l1 | 512×128×784 Aᵀ | 158 | 167 | 166 | 177 | 0.94 |
//! | MLP dW l2 | 512×128×512 Aᵀ | 164 | 172 | 173 | 182 | 0.95 |
//! | MLP dW l3 | 10×128×512 Aᵀ | 60 | 175 | 174 | 140 | 1.24 |
//! | MLP bias, db | 128×1×512, 512×128×1 | 14, 8 | 31, 51 | 32, 51 | 25, 42 | 1.3, 1.2 |
//! | 1024³ | NN, Bᵀ, Aᵀ | 48, 44, 42 | 57, 53, 49 | 57, 51, 51 | 62, 56, 58 | 0.93, 0.92, 0.88 |
//!
//! ¹ Re-measured after the `n ≥ 64` condition moved it to `gemm` (PyTorch 75 in that run).
//! (The 1024³ products do not fit a core's 2 MB L2 and ran far below their speed on a calmer
//! machine for every library in this sitting: PyTorch reached 138 earlier the same day.) Below 0.9× MKL at one thread: `128×512×10 Bᵀ`
//! (0.86×), `128×512×512 NN` (0.84×), `128×512×512 Bᵀ` (0.89×) and `1024³ Aᵀ` (0.88×); weighted
//! by their flops, the MLP step's eight products take 2.63 ms here against MKL's 2.39 ms
//! (10% more). What would close it: MKL packs both operands into
//! buffers it keeps, with AVX-512 edge kernels; here `gemm` skips packing `Bᵀ` for small `m`
//! and both crates allocate their packing buffers on every call (`matrixmultiply` 1
//! allocation per call, `gemm` 0–4, counted by the probe), which also stands between the MLP
//! step and zero heap allocations. A packed AVX-512 kernel with per-thread buffers kept
//! across calls would remove both.
//!
//! Two threads: in this sitting neither crate's parallel path beat its own sequential one on
//! the MLP products (medians; the two vCPUs were oversubscribed), and PyTorch's medians
//! collapsed to 3–6 GFLOP/s (OpenMP barriers under contention). Best-of-run samples show the
//! ceiling: MKL 370–390 GFLOP/s (2× its one-thread figure), `gemm` with rayon 243–254 on
//! `512×128×784 Aᵀ` and `128×512×512 NN` (1.3–1.4× sequential), `matrixmultiply` by columns
//! no better than sequential. [`PAR_MIN_MACS`] keeps the products that lost most when split
//! (`10×128×512`: 141 → 43) sequential.
//!
//! Results are bitwise identical for 1 and N threads: the backend depends on the shape only, and
//! no parallel path changes the order of the sums over `k` (tested).

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
        if acc == Acc::Write {
            c.fill(0.0);
        }
        return;
    }
    backend::run(backend, a, b, c, acc)
}

/// Products of at least this many multiply-adds (`m·k·n`) run on all rayon threads; smaller
/// ones stay on the calling thread. 2²² (≈ 8 MFLOP, ≈ 50 µs on one core here) keeps the
/// small layers of the MLP sequential (`10×128×512`, 0.66M: 141 GFLOP/s on one thread, 43
/// when `gemm` split it over two) and splits its big ones (`128×784×512`, 51M).
pub const PAR_MIN_MACS: usize = 1 << 22;

/// The backend [`matmul`] uses for `a · b` (the routing table in the module doc). It depends on
/// the shape and layout only, never on the thread count, so results are bitwise identical
/// for 1 and N threads.
pub fn route(a: &Mat<'_>, b: &Mat<'_>) -> Backend {
    let (m, k, n) = (a.rows, a.cols, b.cols);
    let par = m.saturating_mul(k).saturating_mul(n) >= PAR_MIN_MACS;
    // The `gemm` crate's paths that allocate nothing (and beat packing there): `k ≤ 2` (the
    // bias broadcast `1ₘ·b`), matrix-vector products with a unit stride where its gemv needs
    // one (the bias gradient `dyᵀ·1ₘ`, a layer of width 1), and tiny `x·Wᵀ` (its horizontal
    // kernels, `m·n ≤ 256`). Everything else goes to the packed driver, whose buffers are kept.
    let gemm_alloc_free = k <= 2
        || (n == 1 && (a.rs == 1 || (a.cs == 1 && b.rs == 1)))
        || (m == 1 && (b.cs == 1 || (b.rs == 1 && a.cs == 1)))
        || (a.cs == 1 && b.rs == 1 && m * n <= 256);
    match (gemm_alloc_free, par) {
        (true, false) => Backend::GemmSeq,
        (true, true) => Backend::GemmRayon,
        (false, false) => Backend::Packed,
        (false, true) => Backend::PackedCols,
    }
}

/// The scalar twin of [`matmul`]: a triple loop, the reference in tests.
pub fn matmul_ref(a: Mat<'_>, b: Mat<'_>, c: &mut [f32], acc: Acc) {
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
