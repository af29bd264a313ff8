use super::*;
use crate::kernels::par::count::with_threads;

const BACKENDS: &[Backend] = &[
    Backend::Packed,
    Backend::PackedCols,
    #[cfg(feature = "matrixmultiply")]
    Backend::Matrixmultiply,
    #[cfg(feature = "matrixmultiply")]
    Backend::MatrixmultiplyCols,
    Backend::GemmSeq,
    Backend::GemmSplit,
];
/// Odd sizes, the empty and the unit dimension included.
const SIZES: [usize; 4] = [0, 1, 33, 129];

/// Multiples of 1/2 in [-2, 2]: products are multiples of 1/4 and any sum of up to 2^20 of
/// them is exact in f32, so every summation order gives the triple loop's result exactly.
fn halves(n: usize, seed: f32) -> Vec<f32> {
    (0..n)
        .map(|i| ((i as f32 * 0.37 + seed).sin() * 4.0).round() / 2.0)
        .collect()
}

/// Values with full mantissas, so a change of summation order shows in the bits.
fn noisy(n: usize, seed: u32) -> Vec<f32> {
    let mut s = seed.wrapping_mul(2_654_435_761) | 1;
    (0..n)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 17;
            s ^= s << 5;
            (s >> 8) as f32 / (1u32 << 23) as f32 - 1.0
        })
        .collect()
}

/// The `NN`, `AT`, `BT`, `ATBT` views of `a` (m×k) and `b` (k×n).
fn layouts<'a>(a: &'a [f32], b: &'a [f32], m: usize, k: usize, n: usize) -> Vec<[Mat<'a>; 2]> {
    let va = [Mat::row_major(a, m, k), Mat::row_major(a, k, m).t()];
    let vb = [Mat::row_major(b, k, n), Mat::row_major(b, n, k).t()];
    va.iter()
        .flat_map(|&x| vb.iter().map(move |&y| [x, y]))
        .collect()
}

/// A matmul under test.
type Gemm<'f> = &'f dyn Fn(Mat<'_>, Mat<'_>, &mut [f32], Acc);

/// Checks `f` against the triple loop on every layout of `m×k×n`, both modes.
fn check(m: usize, k: usize, n: usize, f: Gemm<'_>) {
    let (a, b) = (halves(m * k, 0.1), halves(k * n, 0.7));
    for [va, vb] in layouts(&a, &b, m, k, n) {
        for acc in [Acc::Write, Acc::Add] {
            let mut c1 = halves(m * n, 0.3);
            let mut c2 = c1.clone();
            f(va, vb, &mut c1, acc);
            matmul_ref(va, vb, &mut c2, acc);
            let what = format!("m={m} k={k} n={n} {acc:?} a.rs={} b.rs={}", va.rs, vb.rs);
            assert_eq!(c1, c2, "{what}");
        }
    }
}

#[test]
fn the_routed_path_matches_the_triple_loop_on_all_layouts_and_odd_sizes() {
    for m in SIZES {
        for k in SIZES {
            for n in SIZES {
                check(m, k, n, &matmul);
            }
        }
    }
}

#[test]
fn every_backend_matches_the_triple_loop() {
    for &be in BACKENDS {
        for &(m, k, n) in &[
            (1, 1, 1),
            (3, 5, 2),
            (17, 9, 33),
            (33, 129, 1),
            (129, 33, 129),
        ] {
            check(m, k, n, &|a, b, c, acc| matmul_on(be, a, b, c, acc));
        }
        check(0, 3, 2, &|a, b, c, acc| matmul_on(be, a, b, c, acc));
        check(2, 0, 3, &|a, b, c, acc| matmul_on(be, a, b, c, acc));
    }
}

#[test]
fn the_routed_path_matches_on_the_shapes_that_switch_backend() {
    // the gemm crate's allocation-free paths (k ≤ 2, tiny x·Wᵀ), and past PAR_MIN_MACS
    for &(m, k, n) in &[
        (33, 64, 40),
        (7, 2, 33),
        (8, 32, 32),
        (129, 256, 33),
        (200, 512, 17),
        (129, 256, 129),
        (257, 256, 129),
    ] {
        check(m, k, n, &matmul);
    }
    let bt = |m: usize, k: usize, n: usize| {
        let (a, b) = (vec![0.0; m * k], vec![0.0; k * n]);
        route(&Mat::row_major(&a, m, k), &Mat::row_major(&b, n, k).t())
    };
    assert_eq!(bt(128, 512, 512), Backend::PackedCols);
    assert_eq!(bt(8, 32, 32), Backend::GemmSeq);
    assert_eq!(bt(8, 32, 1), Backend::GemmSeq);
    assert_eq!(bt(2048, 2, 2048), Backend::GemmSplit);
    assert_eq!(bt(32, 300, 64), Backend::Packed);
}

#[test]
fn the_packed_driver_matches_across_its_block_edges() {
    // kc: 1030 = 3 depth blocks; n = 270 > MC (two blocks of L, the last not a whole panel);
    // m = 390 > NC (two blocks of R); m = 10 reads L in place with a packed tail of 26 rows
    // (not whole registers); m = 7 > k reads R in place, strided.
    for &(m, k, n) in &[(390, 1030, 270), (10, 600, 90), (7, 3, 300), (1, 5, 65)] {
        for be in [Backend::Packed, Backend::PackedCols] {
            check(m, k, n, &|a, b, c, acc| matmul_on(be, a, b, c, acc));
        }
    }
}

#[test]
fn every_packed_kernel_family_matches_the_triple_loop() {
    for kern in super::packed::all_kernels() {
        for &(m, k, n) in &[
            (1, 1, 1),
            (3, 5, 2),
            (17, 9, 33),
            (390, 1030, 270),
            (10, 600, 90),
        ] {
            check(m, k, n, &|a, b, c, acc| {
                // SAFETY: `check` passes the m×n output and views within their slices, and
                // these sizes are not 0.
                unsafe { super::packed::run_seq(kern, a, b, c.as_mut_ptr(), b.cols, acc) }
            });
        }
    }
}

#[test]
fn results_are_bitwise_identical_for_1_2_and_3_threads() {
    // shapes of the MLP 784-512-512-10 step (every backend and both parallel paths) and odd ones
    let shapes = [
        (128, 784, 512),
        (128, 512, 512),
        (10, 128, 512),
        (512, 128, 784),
        (129, 257, 131),
    ];
    for (m, k, n) in shapes {
        let (a, b) = (noisy(m * k, 1), noisy(k * n, 2));
        for [va, vb] in layouts(&a, &b, m, k, n) {
            for be in BACKENDS.iter().copied().map(Some).chain([None]) {
                let run = |threads: usize| {
                    let mut c = noisy(m * n, 3);
                    with_threads(threads, || match be {
                        Some(be) => matmul_on(be, va, vb, &mut c, Acc::Add),
                        None => matmul(va, vb, &mut c, Acc::Add),
                    });
                    c.iter().map(|v| v.to_bits()).collect::<Vec<u32>>()
                };
                let one = run(1);
                for threads in [2, 3] {
                    assert!(
                        one == run(threads),
                        "{be:?} m={m} k={k} n={n} b.rs={}",
                        vb.rs
                    );
                }
            }
        }
    }
}

#[test]
fn packing_matches_its_scalar_twin_on_every_source_layout() {
    use super::packed::{pack, pack_ref};
    // widths around the 8×8 blocks and the fixed-size copies (6, 64), depths around the
    // 16-deep tiles, offsets into the source, and padding to whole registers
    for &(len, kc, w, pad) in &[
        (64, 392, 64, 16),
        (70, 17, 64, 16),
        (13, 9, 8, 8),
        (7, 33, 6, 1),
        (12, 5, 6, 1),
        (1, 1, 64, 16),
        (23, 24, 24, 8),
        (30, 40, 32, 8),
    ] {
        let (o, p0) = (3, 5);
        let (rows, cols) = (o + len + 2, p0 + kc + 3);
        let data: Vec<f32> = (0..rows * cols).map(|i| i as f32 * 0.5 - 7.0).collect();
        let x = Mat::row_major(&data, rows, cols);
        // (ts, ps): contiguous in depth (a transpose), contiguous in t (a copy), neither
        let xt = Mat::row_major(&data, cols, rows);
        for (view, ts, ps) in [(x, cols, 1), (xt, 1, rows), (x, 2 * cols, 1)] {
            let len = if ts == 2 * cols { len / 2 } else { len };
            let size = len.div_ceil(w) * kc * w;
            let (mut got, mut want) = (vec![f32::NAN; size], vec![f32::NAN; size]);
            pack(&mut got, view, o, len, p0, kc, w, pad, ts, ps);
            pack_ref(&mut want, view, o, len, p0, kc, w, pad, ts, ps);
            let same = got
                .iter()
                .zip(&want)
                .all(|(g, w)| g.to_bits() == w.to_bits());
            assert!(same, "len {len} kc {kc} w {w} pad {pad} ts {ts} ps {ps}");
        }
    }
}
