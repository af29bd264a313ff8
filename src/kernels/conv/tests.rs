use super::reference::*;
use super::*;
use crate::kernels::par::on_1_and_2_threads;

/// Values with full mantissas in [-1, 1).
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

fn close(got: &[f32], want: &[f32], what: &str, c: &Conv) {
    assert_eq!(got.len(), want.len(), "{what} {c:?}");
    for (k, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(
            (g - w).abs() <= 1e-5 + 1e-5 * w.abs(),
            "{what} [{k}]: {g} vs {w} for {c:?}"
        );
    }
}

/// (batch, C, O, [H, W], [kh, kw], stride, padding, dilation, groups): strides that do not
/// divide, dilation, groups, non-square kernels, padding, 1×1 kernels, batch 1 and 0, long
/// rows (SIMD and GEMM tails), 1-d (height 1), the output widths im2col copies with fixed-size
/// moves.
#[allow(clippy::type_complexity)]
const CASES: &[(
    usize,
    usize,
    usize,
    [usize; 2],
    [usize; 2],
    [usize; 2],
    [usize; 2],
    [usize; 2],
    usize,
)] = &[
    (2, 3, 4, [6, 6], [3, 3], [1, 1], [1, 1], [1, 1], 1),
    (1, 2, 2, [7, 5], [3, 2], [2, 1], [0, 1], [1, 1], 1),
    (2, 4, 4, [8, 8], [3, 3], [2, 2], [1, 1], [1, 1], 2),
    (1, 3, 2, [9, 9], [3, 3], [1, 1], [2, 2], [2, 2], 1),
    (3, 6, 9, [7, 11], [2, 3], [3, 2], [1, 2], [2, 1], 3),
    (2, 4, 6, [5, 5], [1, 1], [1, 1], [0, 0], [1, 1], 2),
    (1, 5, 3, [4, 6], [1, 1], [2, 3], [1, 0], [1, 1], 1),
    (1, 1, 1, [1, 1], [1, 1], [1, 1], [0, 0], [1, 1], 1),
    (1, 2, 3, [3, 3], [5, 5], [1, 1], [1, 1], [1, 1], 1),
    (0, 2, 2, [4, 4], [3, 3], [1, 1], [1, 1], [1, 1], 1),
    (2, 3, 5, [1, 37], [1, 4], [1, 3], [0, 2], [1, 2], 1),
    (1, 8, 8, [13, 17], [3, 3], [1, 1], [1, 1], [1, 1], 8),
    (2, 16, 24, [12, 12], [3, 3], [1, 1], [1, 1], [1, 1], 1),
    (1, 2, 2, [5, 5], [2, 2], [4, 4], [3, 3], [3, 3], 1),
    (1, 2, 3, [5, 20], [2, 3], [1, 1], [0, 0], [1, 1], 1),
    (2, 1, 4, [28, 28], [5, 5], [1, 1], [2, 2], [1, 1], 1),
    (1, 3, 2, [9, 30], [3, 3], [1, 2], [1, 1], [1, 3], 1),
    // output widths with their own copy loops (7, 8, 14, 16, 28, 32)
    (2, 2, 2, [7, 7], [3, 3], [1, 1], [1, 1], [1, 1], 1),
    (1, 1, 1, [5, 10], [3, 3], [1, 1], [0, 0], [1, 1], 1),
    (1, 2, 3, [8, 14], [3, 3], [1, 1], [1, 1], [1, 1], 1),
    (1, 2, 2, [4, 16], [3, 3], [1, 1], [1, 1], [1, 1], 1),
    (1, 1, 2, [3, 34], [3, 3], [1, 1], [0, 0], [1, 1], 1),
];

fn geometries() -> impl Iterator<Item = Conv> {
    CASES.iter().map(|&(n, ci, co, hw, k, s, p, d, g)| {
        Conv::new(n, ci, co, hw, k, s, p, d, g).expect("a valid case")
    })
}

#[test]
fn output_size_is_pytorchs_formula() {
    assert_eq!(geom::out_len(6, 3, 1, 1, 1), Some(6));
    assert_eq!(geom::out_len(7, 3, 2, 0, 1), Some(3));
    assert_eq!(geom::out_len(9, 3, 1, 2, 2), Some(9));
    assert_eq!(geom::out_len(2, 5, 1, 1, 1), None); // padded 4 < kernel 5
    assert_eq!(geom::out_len(3, 5, 1, 1, 1), Some(1));
    assert_eq!(geom::out_len(3, 3, 0, 0, 1), None);
    assert_eq!(geom::out_len(usize::MAX, 3, 1, 1, 1), None);
    assert!(Conv::new(1, 3, 4, [5, 5], [3, 3], [1, 1], [0, 0], [1, 1], 2).is_none());
    assert!(Conv::new(1, 4, 3, [5, 5], [3, 3], [1, 1], [0, 0], [1, 1], 2).is_none());
    assert!(Conv::new(1, 4, 4, [5, 5], [3, 3], [1, 1], [0, 0], [0, 1], 2).is_none());
    assert!(Conv::new(1, 4, 4, [5, 5], [0, 3], [1, 1], [0, 0], [1, 1], 2).is_none());
    assert!(Conv::new(1, 4, 4, [5, 5], [3, 3], [1, 1], [0, 0], [1, 1], 0).is_none());
}

#[test]
fn fast_path_matches_the_scalar_twin() {
    for (t, c) in geometries().enumerate() {
        let [xl, wl, yl] = c.lens();
        let (x, w, b) = (
            noisy(xl, 1 + t as u32),
            noisy(wl, 50 + t as u32),
            noisy(c.out_channels, 9),
        );
        let dy = noisy(yl, 99 + t as u32);
        for acc in [Acc::Write, Acc::Add] {
            let start = |n| noisy(n, 7);
            let (mut got, mut want) = (start(yl), start(yl));
            forward(&c, &x, &w, Some(&b), &mut got, acc);
            forward_ref(&c, &x, &w, Some(&b), &mut want, acc);
            close(&got, &want, "y", &c);
            forward(&c, &x, &w, None, &mut got, acc);
            forward_ref(&c, &x, &w, None, &mut want, acc);
            close(&got, &want, "y (no bias)", &c);
            let (mut got, mut want) = (start(xl), start(xl));
            backward_input(&c, &w, &dy, &mut got, acc);
            backward_input_ref(&c, &w, &dy, &mut want, acc);
            close(&got, &want, "dx", &c);
            let (mut got, mut want) = (start(wl), start(wl));
            backward_weight(&c, &x, &dy, &mut got, acc);
            backward_weight_ref(&c, &x, &dy, &mut want, acc);
            close(&got, &want, "dw", &c);
            let (mut got, mut want) = (start(c.out_channels), start(c.out_channels));
            backward_bias(&dy, c.batch, c.out_channels, &mut got, acc);
            backward_bias_ref(&dy, c.batch, c.out_channels, &mut want, acc);
            close(&got, &want, "db", &c);
        }
    }
}

/// A transposed convolution's output size leaves rows no tap reaches (`output_padding`): the
/// kernels take an output smaller than the formula's.
#[test]
fn an_explicit_output_size_smaller_than_the_formula() {
    let mut c = Conv::new(2, 3, 4, [8, 7], [3, 3], [2, 2], [1, 1], [1, 1], 1).unwrap();
    assert_eq!(c.out_size, [4, 4]);
    c.out_size = [3, 4];
    let [xl, wl, yl] = c.lens();
    let (x, w, dy) = (noisy(xl, 3), noisy(wl, 4), noisy(yl, 5));
    let (mut got, mut want) = (vec![0.0; xl], vec![0.0; xl]);
    backward_input(&c, &w, &dy, &mut got, Acc::Write);
    backward_input_ref(&c, &w, &dy, &mut want, Acc::Write);
    close(&got, &want, "dx", &c);
    let (mut got, mut want) = (vec![0.0; yl], vec![0.0; yl]);
    forward(&c, &x, &w, None, &mut got, Acc::Write);
    forward_ref(&c, &x, &w, None, &mut want, Acc::Write);
    close(&got, &want, "y", &c);
    let (mut got, mut want) = (vec![0.0; wl], vec![0.0; wl]);
    backward_weight(&c, &x, &dy, &mut got, Acc::Write);
    backward_weight_ref(&c, &x, &dy, &mut want, Acc::Write);
    close(&got, &want, "dw", &c);
}

/// Large enough that the batch splits over threads (and some GEMMs too).
/// A batch large enough to cut the weight gradient into pieces (2 images each, the last one
/// alone), on multiples of 1/8: every product is a multiple of 1/64 and every partial sum
/// stays far below 2²⁴/64, so f32 arithmetic is exact in any order and the kernels must equal
/// the `f64` reference exactly.
#[test]
fn weight_gradient_pieces_are_exact_on_dyadic_values() {
    let c = Conv::new(11, 8, 16, [16, 16], [3, 3], [1, 1], [1, 1], [1, 1], 1).unwrap();
    assert!(c.macs() >= PAR_MIN_MACS);
    let [xl, wl, yl] = c.lens();
    let eighths = |n, seed| -> Vec<f32> {
        noisy(n, seed)
            .iter()
            .map(|v| (v * 8.0).round() / 8.0)
            .collect()
    };
    let (x, w, dy) = (eighths(xl, 1), eighths(wl, 2), eighths(yl, 3));
    for acc in [Acc::Write, Acc::Add] {
        let (mut got, mut want) = (eighths(wl, 4), eighths(wl, 4));
        backward_weight(&c, &x, &dy, &mut got, acc);
        backward_weight_ref(&c, &x, &dy, &mut want, acc);
        assert_eq!(got, want, "dw {acc:?}");
        let (mut got, mut want) = (eighths(yl, 5), eighths(yl, 5));
        forward(&c, &x, &w, None, &mut got, acc);
        forward_ref(&c, &x, &w, None, &mut want, acc);
        assert_eq!(got, want, "y {acc:?}");
    }
}

#[test]
fn bitwise_identical_on_1_and_2_threads() {
    // 11 images: the weight gradient's pieces hold 2 images each but the last
    let c = Conv::new(11, 16, 32, [24, 24], [3, 3], [1, 1], [1, 1], [1, 1], 2).unwrap();
    assert!(c.macs() >= PAR_MIN_MACS);
    let [xl, wl, yl] = c.lens();
    let (x, w, b, dy) = (noisy(xl, 1), noisy(wl, 2), noisy(32, 3), noisy(yl, 4));
    let run = || {
        let (mut y, mut dx, mut dw, mut db) =
            (vec![0.0; yl], vec![0.0; xl], vec![0.0; wl], [0.0; 32]);
        forward(&c, &x, &w, Some(&b), &mut y, Acc::Write);
        backward_input(&c, &w, &dy, &mut dx, Acc::Write);
        backward_weight(&c, &x, &dy, &mut dw, Acc::Write);
        backward_bias(&dy, c.batch, 32, &mut db, Acc::Write);
        let bits = |v: &[f32]| v.iter().map(|f| f.to_bits()).collect::<Vec<_>>();
        (bits(&y), bits(&dx), bits(&dw), bits(&db))
    };
    let (one, two) = on_1_and_2_threads(run);
    assert!(one == two, "results differ between 1 and 2 threads");
}

#[test]
#[should_panic(expected = "conv: buffer lengths")]
fn wrong_lengths_panic_before_touching_memory() {
    let c = Conv::new(1, 1, 1, [3, 3], [2, 2], [1, 1], [0, 0], [1, 1], 1).unwrap();
    forward(&c, &[0.0; 9], &[0.0; 4], None, &mut [0.0; 5], Acc::Write);
}
