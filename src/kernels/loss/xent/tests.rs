//! Cross-entropy: the SIMD kernels against their scalar twins on every tail length, with
//! smoothing, ignored rows, both store modes and edge values; the fused pass against forward
//! then backward, bit for bit; the same bits on 1 and 2 threads.

use super::super::scalar;
use super::*;
use crate::kernels::par::on_1_and_2_threads;
use crate::kernels::simd::testing::{agree, same_bits, values, EDGES, LENS};

/// Forward and backward (both store modes, both upstream kinds) against the twins, and the
/// fused pass against the two kernels.
fn against_twins(x: &[f32], c: usize, targets: &[usize], ignore: Option<usize>, eps: f32) {
    let n = targets.len();
    let p = Xent {
        logits: x,
        c,
        targets,
        ignore,
        eps,
    };
    let (mut st, mut loss, mut st2, mut loss2) = (
        vec![0.0; STATS * n],
        vec![0.0; n],
        vec![0.0; STATS * n],
        vec![0.0; n],
    );
    cross_entropy_rows(p, &mut st, &mut loss);
    scalar::cross_entropy_rows(p, &mut st2, &mut loss2);
    let what = format!("c={c} eps={eps}");
    agree(&format!("stats {what}"), &st, &st2, 2e-6, 1e-6);
    agree(&format!("loss {what}"), &loss, &loss2, 2e-6, 2e-6);
    let each = values(n, 4, 2.0);
    for up in [Upstream::All(0.37), Upstream::Each(&each)] {
        for acc in [Acc::Write, Acc::Add] {
            let start = values(n * c, 5, 1.0);
            let (mut d, mut d2, mut d3) = (start.clone(), start.clone(), start);
            cross_entropy_backward(p, &st2, up, &mut d, acc);
            scalar::cross_entropy_backward(p, &st2, up, &mut d2, acc);
            agree(&format!("grad {what} {acc:?}"), &d, &d2, 2e-6, 1e-6);
            // fused: the bits of the SIMD forward then backward
            let (mut st3, mut loss3) = (vec![0.0; STATS * n], vec![0.0; n]);
            cross_entropy_fused(p, up, &mut st3, &mut loss3, &mut d3, acc);
            let mut d = values(n * c, 5, 1.0);
            cross_entropy_backward(p, &st, up, &mut d, acc);
            same_bits(&format!("fused stats {what}"), &st3, &st);
            same_bits(&format!("fused loss {what}"), &loss3, &loss);
            same_bits(&format!("fused grad {what} {acc:?}"), &d3, &d);
        }
    }
}

#[test]
fn cross_entropy_matches_scalar_twin_on_every_tail_length() {
    for &c in &LENS[1..] {
        let n = 4;
        let x = values(n * c, c as u32, 6.0);
        let targets: Vec<usize> = (0..n).map(|i| (i * 7 + 3) % c).collect();
        for eps in [0.0, 0.1] {
            against_twins(&x, c, &targets, None, eps);
            // row 1 ignored (its target value marks it)
            let mut t = targets.clone();
            t[1] = c + 5;
            against_twins(&x, c, &t, Some(c + 5), eps);
        }
    }
}

#[test]
fn cross_entropy_edge_values_match_scalar_twin() {
    for &e in &EDGES {
        for at in [0, 4, 10] {
            let mut x = values(11, 3, 3.0);
            x[at] = e;
            for eps in [0.0, 0.25] {
                against_twins(&x, 11, &[4], None, eps);
            }
        }
    }
}

#[test]
fn cross_entropy_gives_the_same_bits_on_1_and_2_threads() {
    let (n, c) = (500, 1000);
    let x = values(n * c, 1, 5.0);
    let targets: Vec<usize> = (0..n).map(|i| (i * 7919) % c).collect();
    let p = Xent {
        logits: &x,
        c,
        targets: &targets,
        ignore: None,
        eps: 0.1,
    };
    let up = Upstream::All(0.5);
    let run = || {
        let (mut st, mut loss, mut d) = (vec![0.0; STATS * n], vec![0.0; n], vec![0.0; n * c]);
        cross_entropy_rows(p, &mut st, &mut loss);
        cross_entropy_backward(p, &st, up, &mut d, Acc::Write);
        let (mut st2, mut loss2, mut d2) = (vec![0.0; STATS * n], vec![0.0; n], vec![0.0; n * c]);
        cross_entropy_fused(p, up, &mut st2, &mut loss2, &mut d2, Acc::Write);
        [st, loss, d, st2, loss2, d2]
    };
    let (one, two) = on_1_and_2_threads(run);
    for (a, b) in one.iter().zip(&two) {
        same_bits("1 vs 2 threads", a, b);
    }
    for k in 0..3 {
        same_bits("fused vs forward then backward", &one[k + 3], &one[k]);
    }
    let mut seq = vec![0.0; n * c];
    cross_entropy_backward_with(Par::SEQ, p, &one[0], up, &mut seq, Acc::Write);
    same_bits("sequential vs split", &seq, &one[2]);
}
