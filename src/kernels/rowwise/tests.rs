//! Row kernels: hand-computed values, the SIMD kernels against their [scalar](super::scalar)
//! twins on every length that exercises the tail (0..=17, 31, 33, 127, 129) and on edge values,
//! and the same bits on 1 and 2 threads.

use super::*;
use crate::kernels::par::on_1_and_2_threads;

fn close(a: &[f32], b: &[f32], tol: f32) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| (x - y).abs() <= tol)
}

#[test]
fn softmax_rows_and_columns() {
    // softmax([0, ln 3]) = [1/4, 3/4]; log_softmax = [-ln 4, ln 3 - ln 4]
    let l3 = 3f32.ln();
    let mut y = [0.0; 2];
    softmax(&[0.0, l3], AxisLayout::new(&[2], 0), &mut y);
    assert!(close(&y, &[0.25, 0.75], 1e-7));
    log_softmax(&[0.0, l3], AxisLayout::new(&[2], 0), &mut y);
    assert!(close(&y, &[-4f32.ln(), l3 - 4f32.ln()], 1e-6));
    // along axis 0 of [2,2] = [[0, 1], [ln 3, 1]]: columns [0, ln3] and [1, 1]
    let mut y = [0.0; 4];
    softmax(&[0.0, 1.0, l3, 1.0], AxisLayout::new(&[2, 2], 0), &mut y);
    assert!(close(&y, &[0.25, 0.5, 0.75, 0.5], 1e-7));
}

#[test]
fn stable_for_large_logits() {
    // e^1000 overflows f32; after subtracting the max the row is [1, e^-1000 = 0]
    let mut y = [0.0; 2];
    softmax(&[1000.0, 0.0], AxisLayout::new(&[2], 0), &mut y);
    assert_eq!(y, [1.0, 0.0]);
    log_softmax(&[1000.0, 0.0], AxisLayout::new(&[2], 0), &mut y);
    assert_eq!(y, [0.0, -1000.0]);
}

#[test]
fn softmax_gradients_from_output() {
    // y = [1/4, 3/4], g = [1, 0]: Σ g y = 1/4; dx = y (g - 1/4) = [3/16, -3/16]
    let l = AxisLayout::new(&[2], 0);
    let mut dx = [0.0; 2];
    softmax_backward(&[0.25, 0.75], &[1.0, 0.0], l, &mut dx, Acc::Write);
    assert!(close(&dx, &[0.1875, -0.1875], 1e-7));
    // log_softmax: y = ln[1/4, 3/4], g = [1, 2]: dx = g - p Σg = [1 - 3/4, 2 - 9/4]
    let y = [0.25f32.ln(), 0.75f32.ln()];
    log_softmax_backward(&y, &[1.0, 2.0], l, &mut dx, Acc::Add);
    assert!(close(&dx, &[0.1875 + 0.25, -0.1875 - 0.25], 1e-6));
}

#[test]
fn layer_norm_row() {
    // row [1, 3]: mean 2, var 1, rstd = 1/√(1 + 0) = 1, x̂ = [-1, 1]; y = x̂ w + b
    let (mut y, mut mean, mut rstd) = ([0.0; 2], [0.0; 1], [0.0; 1]);
    let (w, b) = ([2.0, 3.0], [0.5, -0.5]);
    layer_norm(
        &[1.0, 3.0],
        2,
        Some(&w),
        Some(&b),
        0.0,
        &mut y,
        &mut mean,
        &mut rstd,
    );
    assert_eq!((y, mean, rstd), ([-1.5, 2.5], [2.0], [1.0]));
    // g = [1, 0]: ĝ = g w = [2, 0], mean ĝ = 1, mean ĝ x̂ = -1
    // dx = 1 · ([2, 0] - 1 - [-1, 1] · (-1)) = [0, 0]: a shift of x changes nothing here
    let mut dx = [9.0; 2];
    let g = [1.0, 0.0];
    layer_norm_backward_x(
        &[1.0, 3.0],
        &g,
        Some(&w),
        &mean,
        &rstd,
        2,
        &mut dx,
        Acc::Write,
    );
    assert_eq!(dx, [0.0, 0.0]);
    // g = [1, 2], no weight: mean g = 1.5, mean g x̂ = 0.5; dx = [1-1.5+0.5, 2-1.5-0.5]
    let g = [1.0, 2.0];
    layer_norm_backward_x(&[1.0, 3.0], &g, None, &mean, &rstd, 2, &mut dx, Acc::Write);
    assert_eq!(dx, [0.0, 0.0]);
    // dw = g x̂ = [-1, 2]; db = g
    let mut dw = [0.0; 2];
    layer_norm_backward_w(&[1.0, 3.0], &g, &mean, &rstd, 2, &mut dw, Acc::Write);
    assert_eq!(dw, [-1.0, 2.0]);
    layer_norm_backward_b(&g, 2, &mut dw, Acc::Add);
    assert_eq!(dw, [0.0, 4.0]);
}

#[test]
fn layer_norm_eps_and_rows() {
    // rows [0, 0, 0] (var 0, rstd = 1/√eps = 10 at eps 0.01) and [1, 2, 3]
    // (mean 2, var 2/3, rstd = 1/√(2/3 + 0.01))
    let x = [0.0, 0.0, 0.0, 1.0, 2.0, 3.0];
    let (mut y, mut mean, mut rstd) = ([0.0; 6], [0.0; 2], [0.0; 2]);
    layer_norm(&x, 3, None, None, 0.01, &mut y, &mut mean, &mut rstd);
    let r = 1.0 / (2.0f32 / 3.0 + 0.01).sqrt();
    assert!(close(&rstd, &[10.0, r], 1e-5) && mean == [0.0, 2.0]);
    assert!(close(&y, &[0.0, 0.0, 0.0, -r, 0.0, r], 1e-6));
    // the x gradient of a row sums to 0 (layer norm is shift-invariant)
    let mut dx = [0.0; 6];
    let g = [0.3, -1.0, 2.0, 0.5, 0.25, -4.0];
    layer_norm_backward_x(&x, &g, None, &mean, &rstd, 3, &mut dx, Acc::Write);
    assert!(dx[3..].iter().sum::<f32>().abs() < 1e-5);
    // a constant row: x̂ = 0, dx = rstd (g - mean g) = 10 (g - 0.4333)
    assert!(close(
        &dx[..3],
        &[-1.333_333_4, -14.333_333, 15.666_667],
        1e-4
    ));
}

use crate::kernels::simd::testing::{agree, same_bits, values, EDGES, LENS};

/// Softmax and log_softmax, forward and both backward modes, SIMD against scalar on `l`.
fn softmax_family_against_twins(x: &[f32], l: AxisLayout, tol: f32) {
    let n = x.len();
    let g = values(n, 7, 1.0);
    let start = values(n, 9, 1.0);
    for log in [false, true] {
        let (mut y, mut want) = (vec![0.0; n], vec![0.0; n]);
        if log {
            log_softmax(x, l, &mut y);
            scalar::log_softmax(x, l, &mut want);
        } else {
            softmax(x, l, &mut y);
            scalar::softmax(x, l, &mut want);
        }
        // log_softmax's `(x − m) − lse` cancels near 0: its error is that of `lse`, absolute
        let abs = if log { 1e-6 } else { 1e-30 };
        agree(&format!("fwd log={log} {l:?}"), &y, &want, tol, abs);
        for acc in [Acc::Write, Acc::Add] {
            let (mut dx, mut dw) = (start.clone(), start.clone());
            if log {
                log_softmax_backward(&want, &g, l, &mut dx, acc);
                scalar::log_softmax_backward(&want, &g, l, &mut dw, acc);
            } else {
                softmax_backward(&want, &g, l, &mut dx, acc);
                scalar::softmax_backward(&want, &g, l, &mut dw, acc);
            }
            // dx = y (g − Σ g y) cancels: bound the error by the row's scale, not dx's own
            agree(&format!("bwd log={log} {acc:?} {l:?}"), &dx, &dw, tol, 4e-6);
        }
    }
}

#[test]
fn softmax_matches_scalar_twin_on_every_tail_length() {
    for &n in &LENS {
        for rows in [1, 3] {
            let x = values(rows * n, n as u32, 8.0);
            softmax_family_against_twins(&x, AxisLayout::new(&[rows, n], 1), 2e-6);
        }
    }
    // strided rows: eight neighbouring rows per vector, tails of every width
    for &inner in &LENS[1..] {
        for len in [1, 5] {
            let x = values(2 * len * inner, inner as u32, 8.0);
            softmax_family_against_twins(&x, AxisLayout::new(&[2, len, inner], 1), 2e-6);
        }
    }
}

#[test]
fn softmax_edge_values_match_scalar_twin() {
    for &e in &EDGES {
        for at in [0, 5, 12] {
            let mut x = values(13, 3, 4.0);
            x[at] = e;
            softmax_family_against_twins(&x, AxisLayout::new(&[13], 0), 2e-6);
            // the same rows down columns: [13, 9] along axis 0
            let xt: Vec<f32> = (0..13 * 9).map(|k| x[k / 9] + (k % 9) as f32).collect();
            softmax_family_against_twins(&xt, AxisLayout::new(&[13, 9], 0), 2e-6);
        }
    }
}

#[test]
fn layer_norm_matches_scalar_twin() {
    for &d in &LENS[1..] {
        let rows = 3;
        let x = values(rows * d, d as u32, 5.0);
        let g = values(rows * d, 11, 1.0);
        let (w, b) = (values(d, 12, 2.0), values(d, 13, 1.0));
        for (w, b) in [
            (None, None),
            (Some(&w[..]), Some(&b[..])),
            (Some(&w[..]), None),
        ] {
            let (mut y, mut mean, mut rstd) =
                (vec![0.0; rows * d], vec![0.0; rows], vec![0.0; rows]);
            let (mut y2, mut mean2, mut rstd2) = (y.clone(), mean.clone(), rstd.clone());
            layer_norm(&x, d, w, b, 1e-5, &mut y, &mut mean, &mut rstd);
            scalar::layer_norm(&x, d, w, b, 1e-5, &mut y2, &mut mean2, &mut rstd2);
            agree("mean", &mean, &mean2, 1e-6, 1e-6);
            agree("rstd", &rstd, &rstd2, 1e-6, 0.0);
            agree(&format!("y d={d}"), &y, &y2, 1e-5, 1e-5);
            for acc in [Acc::Write, Acc::Add] {
                let (mut dx, mut dx2) = (g.clone(), g.clone());
                layer_norm_backward_x(&x, &g, w, &mean2, &rstd2, d, &mut dx, acc);
                scalar::layer_norm_backward_x(&x, &g, w, &mean2, &rstd2, d, &mut dx2, acc);
                agree(&format!("dx d={d} {acc:?}"), &dx, &dx2, 1e-5, 1e-5);
            }
        }
    }
}

#[test]
fn layer_norm_edge_values_match_scalar_twin() {
    for &e in &EDGES {
        let mut x = values(19, 5, 3.0);
        x[7] = e;
        let (mut y, mut m, mut r) = (vec![0.0; 19], [0.0], [0.0]);
        let (mut y2, mut m2, mut r2) = (vec![0.0; 19], [0.0], [0.0]);
        layer_norm(&x, 19, None, None, 1e-5, &mut y, &mut m, &mut r);
        scalar::layer_norm(&x, 19, None, None, 1e-5, &mut y2, &mut m2, &mut r2);
        // a huge value makes the f32 variance overflow where the f64 twin's does not: both
        // rows are then degenerate (rstd ~ 0 or NaN); compare the finite cases
        if x.iter().all(|v| v.abs() < 1e18) {
            agree(&format!("y e={e}"), &y, &y2, 1e-5, 1e-5);
        } else {
            assert!(y
                .iter()
                .zip(&y2)
                .all(|(a, b)| a.is_nan() == b.is_nan() || a.abs() <= 1.0));
        }
    }
}

#[test]
fn layer_norm_of_a_constant_row_is_exactly_zero() {
    // PyTorch's Welford moments give mean = c and var = 0 exactly for a constant row, so the
    // output is exactly 0; an f32 lane sum of d copies of c is not d·c (c = -ln 75, d = 75 gave
    // |y| = 3e-4 before the shifted sum)
    for d in [1, 7, 8, 75, 1000, 4097] {
        for c in [-75f32.ln(), 0.1, 3.3, 1e6 + 3.0, -2.5e-30] {
            let x = vec![c; d];
            let (mut y, mut m, mut r) = (vec![1.0; d], [0.0], [0.0]);
            layer_norm(&x, d, None, None, 1e-5, &mut y, &mut m, &mut r);
            assert_eq!(m[0], c, "mean d={d} c={c}");
            assert!(
                y.iter().all(|&v| v == 0.0),
                "y d={d} c={c}: {:?}",
                &y[..d.min(9)]
            );
        }
    }
}

#[test]
fn rows_give_the_same_bits_on_1_and_2_threads() {
    let (rows, d) = (300, 1000); // 300K elements: many rayon tasks
    let x = values(rows * d, 1, 6.0);
    let g = values(rows * d, 2, 1.0);
    let l = AxisLayout::new(&[rows, d], 1);
    let run = || {
        let (mut y, mut dx) = (vec![0.0; rows * d], vec![0.0; rows * d]);
        softmax(&x, l, &mut y);
        softmax_backward(&y, &g, l, &mut dx, Acc::Write);
        let (mut z, mut mean, mut rstd) = (vec![0.0; rows * d], vec![0.0; rows], vec![0.0; rows]);
        layer_norm(&x, d, None, None, 1e-5, &mut z, &mut mean, &mut rstd);
        layer_norm_backward_x(&x, &g, None, &mean, &rstd, d, &mut z, Acc::Add);
        [y, dx, z]
    };
    let (one, two) = on_1_and_2_threads(run);
    for (a, b) in one.iter().zip(&two) {
        same_bits("1 vs 2 threads", a, b);
    }
    let mut seq = vec![0.0; rows * d];
    softmax_with(Par::SEQ, &x, l, &mut seq);
    same_bits("sequential vs split", &seq, &one[0]);
}

#[test]
fn rms_norm_matches_scalar_twin() {
    for &d in &LENS[1..] {
        let rows = 3;
        let x = values(rows * d, d as u32, 5.0);
        let g = values(rows * d, 11, 1.0);
        let w = values(d, 12, 2.0);
        for w in [None, Some(&w[..])] {
            let (mut y, mut rstd) = (vec![0.0; rows * d], vec![0.0; rows]);
            let (mut y2, mut rstd2) = (y.clone(), rstd.clone());
            rms_norm(&x, d, w, 1e-6, &mut y, &mut rstd);
            scalar::rms_norm(&x, d, w, 1e-6, &mut y2, &mut rstd2);
            agree("rstd", &rstd, &rstd2, 1e-6, 0.0);
            agree(&format!("y d={d}"), &y, &y2, 1e-5, 1e-6);
            for acc in [Acc::Write, Acc::Add] {
                let (mut dx, mut dx2) = (g.clone(), g.clone());
                rms_norm_backward_x(&x, &g, w, &rstd2, d, &mut dx, acc);
                scalar::rms_norm_backward_x(&x, &g, w, &rstd2, d, &mut dx2, acc);
                agree(&format!("dx d={d} {acc:?}"), &dx, &dx2, 1e-5, 1e-5);
            }
        }
    }
}

#[test]
fn rms_norm_edge_values_match_scalar_twin() {
    for &e in &EDGES {
        let mut x = values(19, 5, 3.0);
        x[7] = e;
        let (mut y, mut r) = (vec![0.0; 19], [0.0]);
        let (mut y2, mut r2) = (vec![0.0; 19], [0.0]);
        rms_norm(&x, 19, None, 1e-5, &mut y, &mut r);
        scalar::rms_norm(&x, 19, None, 1e-5, &mut y2, &mut r2);
        // as for layer norm: a huge value overflows the f32 mean of squares (not the f64 one)
        if x.iter().all(|v| v.abs() < 1e18) {
            agree(&format!("y e={e}"), &y, &y2, 1e-5, 1e-6);
        } else {
            assert!(y
                .iter()
                .zip(&y2)
                .all(|(a, b)| a.is_nan() == b.is_nan() || a.abs() <= 1.0));
        }
    }
}

#[test]
fn rms_norm_weight_gradient_is_the_column_sum() {
    // two rows [3, 4] (rstd 1/4 with eps 3.5) and [0, 2] (mean x² = 2, rstd 1/√5.5)
    let (x, g) = ([3.0, 4.0, 0.0, 2.0], [1.0, 2.0, 3.0, 4.0]);
    let (mut y, mut rstd) = ([0.0; 4], [0.0; 2]);
    rms_norm(&x, 2, None, 3.5, &mut y, &mut rstd);
    let mut dw = [1.0; 2];
    rms_norm_backward_w(&x, &g, &rstd, 2, &mut dw, Acc::Add);
    let r2 = 1.0 / 5.5f32.sqrt();
    assert_eq!(dw[0], 1.0 + 0.75);
    assert!((dw[1] - (1.0 + 2.0 + 4.0 * 2.0 * r2)).abs() < 1e-6);
}
