//! A packed GEMM driver whose packing buffers are kept per thread across calls, so a product
//! makes no heap allocation once each thread has run one. The arithmetic is the `gemm` crate's
//! own micro-kernels (`gemm-f32`: AVX-512 64×6 tiles, or AVX2+FMA 16×6), chosen at run time.
//!
//! Both GEMM crates allocate their packing buffers on every call and take no buffer from the
//! caller (`matrixmultiply::sgemm` one allocation, `gemm` 1–2: its packed operands and a
//! `Vec<bool>` of packed panels), which stood between a training step and zero allocations.
//!
//! ## The loops (BLIS order)
//!
//! The micro-kernels write column-major tiles, so the driver computes `Cᵀ = Bᵀ·Aᵀ` (the `gemm`
//! crate does the same for a row-major `C`): with `L = Bᵀ` (`n×k`), `R = Aᵀ` (`k×m`) and `D = Cᵀ`,
//! whose rows (`C`'s columns) are contiguous,
//!
//! ```text
//! for jc in 0..m step NC:            R's columns (C's rows)
//!   for pc in 0..k step KC:          the depth, in this order for every element
//!     pack R[pc.., jc..] into panels of NR columns           (per-thread buffer)
//!     for ic in 0..n step MC:
//!       for each NR panel, for each MR panel:
//!         (first NR panel only) pack that panel of L[ic.., pc..], zero-padded  (per-thread buffer)
//!         (pc == 0, a bias start only) D_tile = the bias, one copy per column of the tile
//!         D_tile (=|+=) L_panel · R_panel
//! ```
//!
//! The first depth block writes (`Acc::Write`) or adds (`Acc::Add`), later ones add. With a bias
//! (`super::matmul_bias`) the first depth block fills each tile with the bias just before its
//! micro-kernel call and adds: a tile's rows are `C`'s columns, so its column `j` takes the
//! contiguous run `bias[ic + i0 ..][..rows]`. The tile is written while the kernel is about to
//! read it, which saves the separate pass over `C` a broadcast would make, and the kernel call
//! is the one an `Acc::Add` product makes after a broadcast: the same bits. The depth
//! blocking is a constant, so each output element sums over `k` in the same order whatever
//! the split; `Backend::PackedCols` splits `C`'s columns (or rows) over the team's threads, so
//! results are bitwise the same for 1 and N threads.
//!
//! The per-thread buffer has a fixed size (`MC·KC + KC·NC` floats, 2.6 MB), allocated on a
//! thread's first product: which rayon worker runs which block varies from call to call, and
//! a buffer sized to the first block it saw could grow later, after warm-up.

use std::cell::RefCell;

use super::{Mat, Start};
use crate::kernels::layout::{move_rows, transpose_panel};

/// Longest depth block. `k` is cut into `ceil(k / KC)` blocks of equal length (the `gemm`
/// crate's rule): one pass over `C` up to `k = 512`.
const KC: usize = 512;
/// Rows of `L` (columns of `C`) packed at once: a multiple of both kernels' `MR`.
const MC: usize = 256;
/// Columns of `R` (rows of `C`) packed at once: a multiple of `NR` (6), and enough for the
/// products of a training step (up to 1032 rows of `C`) in one block, so that each panel of
/// `L` is packed once per depth block rather than once per block of `R` as well. `R`'s block
/// (`KC·NC` floats, 2.1 MB) is read from L2/L3 a micro-panel at a time, each one then reused
/// from L1 by every panel of `L`.
const NC: usize = 1032;
/// Read `L` in place (no packing) when at most this many columns of `R` use each panel: the
/// `gemm` crate's threshold (8 tiles of 6).
const DIRECT_MAX_COLS: usize = 48;
/// Floats in one thread's buffer: the two packed operands, and room to start them on a
/// cache line.
const BUF: usize = MC * KC + KC * NC + ALIGN;
/// Floats per cache line: packed `L` panels start on one, so the kernel's vector loads never
/// straddle two lines (a `Vec<f32>` is only 16-byte aligned; unaligned panels cost the
/// 1024³ product and the MLP's products about 10%).
const ALIGN: usize = 16;

/// `gemm-f32`'s micro-kernel: `(m, n, k, dst, lhs, rhs, dst_cs, dst_rs, lhs_cs, rhs_rs,
/// rhs_cs, alpha, beta, alpha_status, conj_dst, conj_lhs, conj_rhs, next_lhs)`, with
/// `dst (= | +=) beta · lhs·rhs` for `alpha_status` 0 or 1 (`alpha = 1`).
type Ukr = unsafe fn(
    usize,
    usize,
    usize,
    *mut f32,
    *const f32,
    *const f32,
    isize,
    isize,
    isize,
    isize,
    isize,
    f32,
    f32,
    u8,
    bool,
    bool,
    bool,
    *const f32,
);

/// A micro-kernel family: lanes per register, tile `MR×NR`, and the kernels by tile size.
#[derive(Clone, Copy)]
pub(super) struct Kernels {
    lanes: usize,
    mr: usize,
    nr: usize,
    /// `ukr(packs, cols)`: the kernel for `packs` registers of rows and `cols` columns.
    ukr: fn(usize, usize) -> Ukr,
}

impl Kernels {
    /// Floats per vector register: parallel blocks of `C`'s columns are multiples of it, so
    /// only the last block can end in a partial register.
    pub(super) fn lanes(&self) -> usize {
        self.lanes
    }
}

/// The kernels this CPU runs (detected once by std), or `None` off x86-64 or without
/// AVX2+FMA, where the caller falls back to the `gemm` crate.
pub(super) fn kernels() -> Option<Kernels> {
    avx512().or_else(avx2_fma)
}

/// Every kernel family this CPU runs, for the tests (valgrind, which lacks AVX-512, runs the
/// AVX2+FMA family; a machine with AVX-512 runs both).
#[cfg(test)]
pub(super) fn all_kernels() -> Vec<Kernels> {
    [avx512(), avx2_fma()].into_iter().flatten().collect()
}

fn avx512() -> Option<Kernels> {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx512f") {
        use gemm_f32::microkernel::avx512f::f32 as v4;
        return Some(Kernels {
            lanes: 16,
            mr: v4::MR_DIV_N * 16,
            nr: v4::NR,
            ukr: |p, c| v4::UKR[p - 1][c - 1],
        });
    }
    None
}

fn avx2_fma() -> Option<Kernels> {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") {
        use gemm_f32::microkernel::fma::f32 as v3;
        return Some(Kernels {
            lanes: 8,
            mr: v3::MR_DIV_N * 8,
            nr: v3::NR,
            ukr: |p, c| v3::UKR[p - 1][c - 1],
        });
    }
    None
}

thread_local! {
    /// This thread's packing buffer: `BUF` floats once used, never grown.
    static PACK: RefCell<Vec<f32>> = const { RefCell::new(Vec::new()) };
}

/// `c (=|+=) a·b`, or `c = bias rows + a·b`, on the calling thread, `c` row-major with row
/// stride `ldc`.
///
/// # Safety
/// `c` must be valid for reads and writes of the `a.rows × b.cols` elements at
/// `c + i·ldc + j`, with no other access during the call (so a bias, a shared borrow, lies
/// outside them); `a` and `b` lie within their slices; `m, n, k > 0`. (A bias of another length
/// than `b.cols` panics.)
pub(super) unsafe fn run_seq(
    kern: Kernels,
    a: Mat<'_>,
    b: Mat<'_>,
    c: *mut f32,
    ldc: usize,
    start: Start<'_>,
) {
    if let Start::Bias(bias) = start {
        assert_eq!(bias.len(), b.cols, "gemm: bias length");
    }
    PACK.with(|cell| match cell.try_borrow_mut() {
        Ok(mut buf) => {
            if buf.len() < BUF {
                *buf = vec![0.0; BUF];
            }
            // SAFETY: the caller's contract; `buf` holds BUF floats.
            unsafe { drive(kern, a, b, c, ldc, start, &mut buf) }
        }
        // Re-entered on this thread (not done by this crate): a buffer of its own.
        // SAFETY: as above.
        Err(_) => unsafe { drive(kern, a, b, c, ldc, start, &mut vec![0.0; BUF]) },
    })
}

/// The loops of the module doc over `buf` (at least `BUF` floats).
///
/// # Safety
/// As [`run_seq`].
unsafe fn drive(
    kern: Kernels,
    a: Mat<'_>,
    b: Mat<'_>,
    c: *mut f32,
    ldc: usize,
    start: Start<'_>,
    buf: &mut [f32],
) {
    let (m, k, n) = (a.rows, a.cols, b.cols);
    let skip = buf.as_ptr().align_offset(ALIGN * 4).min(ALIGN);
    let (lbuf, rbuf) = buf[skip..].split_at_mut(MC * KC);
    let Kernels { lanes, mr, nr, ukr } = kern;
    for jc in (0..m).step_by(NC) {
        let nc = NC.min(m - jc);
        let kb = k.div_ceil(k.div_ceil(KC));
        for pc in (0..k).step_by(kb) {
            let kc = kb.min(k - pc);
            // R = Aᵀ: R(p, j) = a(j, p). The kernel broadcasts R one element at a time, so it
            // reads R in place unless many L panels reuse it from a strided layout (the
            // `gemm` crate's rule); else panels of nr rows of A, zero-padded.
            let pack_r = if a.cs == 1 { n > 128 * mr } else { n > 2 * mr };
            if pack_r {
                pack(rbuf, a, jc, nc, pc, kc, nr, 1, a.rs, a.cs);
            }
            let status = if pc == 0 && matches!(start, Start::Write) {
                0
            } else {
                1
            };
            // the bias to fill the tiles with before their first product
            let bias = match start {
                Start::Bias(bias) if pc == 0 => Some(bias),
                _ => None,
            };
            for ic in (0..n).step_by(MC) {
                let mc = MC.min(n - ic);
                // L = Bᵀ: L(i, p) = b(p, i). Read in place when its rows are contiguous and few
                // R panels reuse it (as the `gemm` crate does), else packed in panels of mr.
                let direct = b.cs == 1 && nc <= DIRECT_MAX_COLS;
                // the last panel, when its rows are not whole registers: packed, because the
                // kernel loads whole registers, which would read past the view
                let tail = if mc % lanes == 0 { mc } else { mc / mr * mr };
                if direct && tail < mc {
                    pack(lbuf, b, ic + tail, mc - tail, pc, kc, mr, lanes, b.cs, b.rs);
                }
                for (jp, j0) in (0..nc).step_by(nr).enumerate() {
                    let cols = nr.min(nc - j0);
                    let (rp, r_rs, r_cs) = if pack_r {
                        (rbuf[jp * kc * nr..].as_ptr(), nr, 1)
                    } else {
                        (a.data[(jc + j0) * a.rs + pc * a.cs..].as_ptr(), a.cs, a.rs)
                    };
                    for (ip, i0) in (0..mc).step_by(mr).enumerate() {
                        let rows = mr.min(mc - i0);
                        let dst = (jc + j0) * ldc + ic + i0; // the tile's offset in c
                        if let Some(bias) = bias {
                            // C's columns ic + i0 .. + rows: the tile's rows
                            let run = &bias[ic + i0..ic + i0 + rows];
                            for j in 0..cols {
                                // SAFETY: the tile's column j is C's row jc + j0 + j < m,
                                // columns ic + i0 .. + rows ≤ n: `rows` elements inside the
                                // m×n output (the caller's contract), which nothing else
                                // reads or writes during the call, so they do not overlap
                                // `run`, a shared borrow.
                                unsafe {
                                    let to = c.add(dst + j * ldc);
                                    std::ptr::copy_nonoverlapping(run.as_ptr(), to, rows);
                                }
                            }
                        }
                        if !direct && jp == 0 {
                            // each panel packed just before its first product, while the
                            // kernel's other operand is in L1 (the `gemm` crate's order)
                            let panel = &mut lbuf[ip * kc * mr..(ip + 1) * kc * mr];
                            pack(panel, b, ic + i0, rows, pc, kc, mr, lanes, b.cs, b.rs);
                        }
                        let (lp, lcs) = if !direct {
                            (lbuf[ip * kc * mr..].as_ptr(), mr)
                        } else if i0 < tail {
                            (b.data[(ic + i0) + pc * b.rs..].as_ptr(), b.rs)
                        } else {
                            (lbuf.as_ptr(), mr)
                        };
                        // SAFETY: the tile's elements (i, j), i < rows, j < cols, are C's
                        // (jc + j0 + j, ic + i0 + i), inside the m×n output (the caller's
                        // contract). The kernel reads ceil(rows / lanes)·lanes rows of L at
                        // kc depths: in a packed panel (kc·mr floats, zero-padded), or in
                        // place only when rows is a multiple of lanes, all within the view;
                        // and kc depths of `cols` columns of R: packed (kc·nr floats,
                        // zero-padded) or in place, within the view.
                        unsafe {
                            (ukr)(rows.div_ceil(lanes), cols)(
                                rows,
                                cols,
                                kc,
                                c.add(dst),
                                lp,
                                rp,
                                ldc as isize,
                                1,
                                lcs as isize,
                                r_rs as isize,
                                r_cs as isize,
                                1.0,
                                1.0,
                                status,
                                false,
                                false,
                                false,
                                lp,
                            );
                        }
                    }
                }
            }
        }
    }
}

/// Packs `x(o + t, p0 + p)` for `t < len`, `p < kc` into panels of `w` consecutive `t`:
/// panel `q` holds element `(t = q·w + s, p)` at `q·kc·w + p·w + s`, zero past `len` up to
/// a multiple of `pad` (what the kernel reads). `x`'s element `(t, p)` is at `t·ts + p·ps`.
///
/// Three shapes of source: contiguous in depth (`ps = 1`: a transpose, the forward `x·Wᵀ`'s
/// weight), contiguous in `t` (`ts = 1`: a copy of `width` floats per depth), or neither (a
/// gather). The transpose goes by 8×8 blocks through `f32x8::transpose` (register shuffles
/// where the build has AVX; the same values either way); the copies by fixed-size moves for
/// the panel widths the kernels use, which a `memcpy` call per 24-byte row would dominate.
/// [`pack_ref`] is the scalar twin the tests hold it to.
#[allow(clippy::too_many_arguments)]
pub(super) fn pack(
    dst: &mut [f32],
    x: Mat<'_>,
    o: usize,
    len: usize,
    p0: usize,
    kc: usize,
    w: usize,
    pad: usize,
    ts: usize,
    ps: usize,
) {
    for (q, t0) in (0..len).step_by(w).enumerate() {
        let width = w.min(len - t0);
        let panel = &mut dst[q * kc * w..(q + 1) * kc * w];
        let base = (o + t0) * ts + p0 * ps;
        if ps == 1 && ts != 1 {
            transpose_panel(panel, x.data, base, ts, width, kc, w);
        } else if ts == 1 {
            copy_panel(panel, x.data, base, ps, width, kc, w);
        } else {
            for p in 0..kc {
                let row = &mut panel[p * w..p * w + width];
                for (s, v) in row.iter_mut().enumerate() {
                    *v = x.data[base + p * ps + s * ts];
                }
            }
        }
        let padded = width.next_multiple_of(pad);
        if width < padded {
            for p in 0..kc {
                panel[p * w + width..p * w + padded].fill(0.0);
            }
        }
    }
}

/// `panel[p·w + s] = src[base + p·ps + s]` for `s < width`, `p < kc`, with a fixed-size move
/// per depth for the widths the kernels use.
fn copy_panel(
    panel: &mut [f32],
    src: &[f32],
    base: usize,
    ps: usize,
    width: usize,
    kc: usize,
    w: usize,
) {
    match width {
        4 => move_rows::<4>(panel, w, &src[base..], ps, kc),
        6 => move_rows::<6>(panel, w, &src[base..], ps, kc),
        8 => move_rows::<8>(panel, w, &src[base..], ps, kc),
        16 => move_rows::<16>(panel, w, &src[base..], ps, kc),
        24 => move_rows::<24>(panel, w, &src[base..], ps, kc),
        32 => move_rows::<32>(panel, w, &src[base..], ps, kc),
        48 => move_rows::<48>(panel, w, &src[base..], ps, kc),
        64 => move_rows::<64>(panel, w, &src[base..], ps, kc),
        _ => {
            for p in 0..kc {
                panel[p * w..p * w + width].copy_from_slice(&src[base + p * ps..][..width]);
            }
        }
    }
}

/// The scalar twin of [`pack`]: the element formula of its doc, one element at a time.
#[cfg(test)]
#[allow(clippy::too_many_arguments)]
pub(super) fn pack_ref(
    dst: &mut [f32],
    x: Mat<'_>,
    o: usize,
    len: usize,
    p0: usize,
    kc: usize,
    w: usize,
    pad: usize,
    ts: usize,
    ps: usize,
) {
    for (q, t0) in (0..len).step_by(w).enumerate() {
        let width = w.min(len - t0);
        for p in 0..kc {
            for s in 0..width.next_multiple_of(pad) {
                dst[q * kc * w + p * w + s] = if s < width {
                    x.data[(o + t0 + s) * ts + (p0 + p) * ps]
                } else {
                    0.0
                };
            }
        }
    }
}
