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
    // m = 1040 > NC (two blocks of R); m = 10 reads L in place with a packed tail of 26 rows
    // (not whole registers); m = 7 > k reads R in place, strided.
    for &(m, k, n) in &[(1040, 1030, 270), (10, 600, 90), (7, 3, 300), (1, 5, 65)] {
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
                unsafe { super::packed::run_seq(kern, a, b, c.as_mut_ptr(), b.cols, acc.into()) }
            });
        }
    }
}

#[test]
fn results_are_bitwise_identical_for_1_2_and_3_threads() {
    // shapes of the MLP 784-512-512-10 step (every backend and every parallel path) and odd ones
    let shapes = [
        (128, 784, 512),
        (128, 512, 512),
        (10, 128, 512),
        (512, 128, 784),
        (129, 257, 131),
        // tall outputs, split by rows: a GPT block's dy·W, and odd row counts
        (768, 384, 128),
        (1001, 130, 65),
        (131, 64, 7),
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

/// `bias` broadcast over the rows of `c` (as `ops::linear` did before [`matmul_bias`]), then
/// `f`'s product added: what [`matmul_bias`] must equal bit for bit.
fn bias_then_add(bias: &[f32], c: &mut [f32], f: &dyn Fn(&mut [f32])) {
    if !bias.is_empty() {
        let l = AxisLayout {
            outer: 1,
            len: c.len() / bias.len(),
            inner: bias.len(),
        };
        broadcast_axis(bias, l, 1.0, c, Acc::Write);
    }
    f(c)
}

/// The bits of `c`, for comparisons that tell -0.0 from 0.0 and compare NaNs.
fn bits(c: &[f32]) -> Vec<u32> {
    c.iter().map(|v| v.to_bits()).collect()
}

/// `matmul_bias_on(be, ..)` against the bias rows plus `matmul_on(be, .., Add)`, bit for bit,
/// on every layout, at 1 and 3 threads; also the same bits at 1 and 3 threads. The output
/// starts as NaN, so an element the bias path does not write shows.
fn check_bias(be: Option<Backend>, m: usize, k: usize, n: usize, all_layouts: bool) {
    let (a, b, bias) = (noisy(m * k, 4), noisy(k * n, 5), noisy(n, 6));
    let views = layouts(&a, &b, m, k, n);
    // the forward of a linear layer, x·Wᵀ, first
    let views = if all_layouts {
        &views[..]
    } else {
        &views[1..2]
    };
    for &[va, vb] in views {
        let run = |threads: usize| {
            with_threads(threads, || {
                let mut got = vec![f32::NAN; m * n];
                let mut want = vec![f32::NAN; m * n];
                match be {
                    Some(be) => {
                        matmul_bias_on(be, va, vb, &bias, &mut got);
                        bias_then_add(&bias, &mut want, &|c| matmul_on(be, va, vb, c, Acc::Add));
                    }
                    None => {
                        matmul_bias(va, vb, &bias, &mut got);
                        bias_then_add(&bias, &mut want, &|c| matmul(va, vb, c, Acc::Add));
                    }
                }
                let what = format!("{be:?} m={m} k={k} n={n} a.rs={} b.rs={}", va.rs, vb.rs);
                assert!(bits(&got) == bits(&want), "{what} threads={threads}");
                bits(&got)
            })
        };
        assert!(run(1) == run(3), "{be:?} m={m} k={k} n={n} 1 vs 3 threads");
    }
}

#[test]
fn matmul_bias_is_the_broadcast_then_the_added_product_on_every_backend() {
    // m: C's rows (the driver's NC = 1032 blocks); n: C's columns (MC = 256 blocks, tiles of
    // 16 or 64 rows, the split over threads); k around the KC = 512 depth blocks
    const M: [usize; 6] = [1, 7, 63, 65, 130, 385];
    const K: [usize; 4] = [1, 7, 64, 513];
    const N: [usize; 8] = [1, 7, 63, 64, 65, 130, 257, 513];
    for be in BACKENDS.iter().copied().map(Some).chain([None]) {
        for m in M {
            for k in K {
                for n in N {
                    check_bias(be, m, k, n, m * k * n <= 1 << 20);
                }
            }
        }
        // larger and rarer edges: m past NC twice, k = 1030 (3 depth blocks), n past 2·MC
        for (m, k, n) in [
            (2100, 1030, 65),
            (769, 600, 130),
            (130, 1030, 1000),
            (64, 520, 1024),
        ] {
            check_bias(be, m, k, n, false);
        }
        // empty dimensions: k = 0 leaves the bias rows; m = 0 or n = 0 leave nothing
        for (m, k, n) in [(3, 0, 5), (0, 4, 5), (3, 4, 0), (0, 0, 0)] {
            check_bias(be, m, k, n, true);
        }
    }
}

#[test]
fn matmul_bias_on_every_packed_kernel_family() {
    use super::packed::{all_kernels, run_seq};
    for kern in all_kernels() {
        for &(m, k, n) in &[(1, 1, 1), (7, 513, 63), (385, 64, 257), (65, 1030, 130)] {
            let (a, b, bias) = (noisy(m * k, 7), noisy(k * n, 8), noisy(n, 9));
            for [va, vb] in layouts(&a, &b, m, k, n) {
                let mut got = vec![f32::NAN; m * n];
                let mut want = vec![f32::NAN; m * n];
                // SAFETY: the m×n outputs are whole, the views within their slices, the sizes
                // not 0, and the bias a separate vector.
                unsafe {
                    run_seq(kern, va, vb, got.as_mut_ptr(), n, Start::Bias(&bias));
                    bias_then_add(&bias, &mut want, &|c| {
                        run_seq(kern, va, vb, c.as_mut_ptr(), n, Start::Add)
                    });
                }
                let what = format!("lanes {} m={m} k={k} n={n} a.rs={}", kern.lanes(), va.rs);
                assert!(bits(&got) == bits(&want), "{what}");
            }
        }
    }
}

#[test]
fn matmul_bias_writes_exactly_bias_plus_product() {
    // exact values (halves), so the triple loop gives the expected output
    let (m, k, n) = (33, 70, 129);
    let (a, b, bias) = (halves(m * k, 0.1), halves(k * n, 0.7), halves(n, 0.2));
    for [va, vb] in layouts(&a, &b, m, k, n) {
        let mut want: Vec<f32> = bias.iter().copied().cycle().take(m * n).collect();
        matmul_ref(va, vb, &mut want, Acc::Add);
        for be in BACKENDS {
            let mut got = vec![f32::NAN; m * n];
            matmul_bias_on(*be, va, vb, &bias, &mut got);
            assert_eq!(got, want, "{be:?} a.rs={} b.rs={}", va.rs, vb.rs);
        }
    }
}

#[test]
#[should_panic(expected = "gemm: bias length")]
fn matmul_bias_rejects_a_bias_of_the_wrong_length() {
    let a = [1.0; 6];
    let mut c = [0.0; 4];
    matmul_bias(
        Mat::row_major(&a, 2, 3),
        Mat::row_major(&a, 3, 2),
        &[1.0; 3],
        &mut c,
    );
}
