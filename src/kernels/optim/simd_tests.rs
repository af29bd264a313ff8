//! The SIMD updates against their scalar twins, bit for bit: every option combination, every
//! tail length (0..=17, 31, 33, 127, 129), edge values in the parameters and gradients, three
//! steps so the state evolves; and the same bits on 1 and 2 threads above the grain.

use super::*;
use crate::kernels::par::on_1_and_2_threads;
use crate::kernels::simd::testing::{same_bits, values, EDGES, LENS};

/// Parameters and gradients of length `n` with the edge values spread in, and a
/// non-negative state buffer (squares accumulate there).
fn inputs(n: usize, seed: u32) -> (Vec<f32>, Vec<Vec<f32>>, Vec<f32>) {
    let mut p = values(n, seed, 2.0);
    let grads: Vec<Vec<f32>> = (0..3)
        .map(|s| {
            let mut g = values(n, seed + 10 + s, 1.5);
            for (k, e) in EDGES.iter().enumerate() {
                if n > 0 && (k + s as usize) % 3 == 0 {
                    g[(k * 7 + s as usize) % n] = *e;
                }
            }
            g
        })
        .collect();
    for (k, e) in EDGES.iter().enumerate().filter(|(k, _)| k % 4 == 1) {
        if n > 0 {
            p[(k * 5) % n] = *e;
        }
    }
    let state = values(n, seed + 20, 0.5).iter().map(|v| v.abs()).collect();
    (p, grads, state)
}

/// Runs `simd` and `twin` for three steps from the same buffers `[p, s1, s2, s3]`, comparing
/// all of them after every step.
fn twin_steps(
    n: usize,
    what: &str,
    simd: impl Fn(&mut [Vec<f32>; 4], &[f32], u64),
    twin: impl Fn(&mut [Vec<f32>; 4], &[f32], u64),
) {
    let (p, grads, state) = inputs(n, n as u32);
    let mut a = [p, state.clone(), state.clone(), state];
    let mut b = a.clone();
    for (t, g) in grads.iter().enumerate() {
        simd(&mut a, g, t as u64 + 1);
        twin(&mut b, g, t as u64 + 1);
        for (k, (x, y)) in a.iter().zip(&b).enumerate() {
            same_bits(&format!("{what} n={n} step {t} buffer {k}"), x, y);
        }
    }
}

#[test]
fn sgd_matches_twin_bit_for_bit() {
    for &n in &LENS {
        for (mom, damp, nest) in [
            (0.0, 0.0, false),
            (0.9, 0.0, false),
            (0.9, 0.1, false),
            (0.9, 0.0, true),
        ] {
            for (wd, maximize) in [(0.0, false), (0.01, true)] {
                let a = SgdArgs {
                    lr: 0.03,
                    momentum: mom,
                    dampening: damp,
                    weight_decay: wd,
                    nesterov: nest,
                    maximize,
                };
                let what = format!("{a:?}");
                let run = |f: fn(&mut [f32], &[f32], &mut [f32], &SgdArgs, bool)| {
                    move |s: &mut [Vec<f32>; 4], g: &[f32], t: u64| {
                        let [p, b, ..] = s;
                        f(p, g, b, &a, t == 1)
                    }
                };
                twin_steps(n, &what, run(sgd), run(scalar::sgd));
            }
        }
    }
}

#[test]
fn adam_matches_twin_bit_for_bit() {
    for &n in &LENS {
        for (wd, decoupled) in [(0.0, false), (0.01, false), (0.01, true)] {
            for (amsgrad, maximize) in [(false, false), (true, false), (false, true)] {
                let a = AdamArgs {
                    lr: 1e-2,
                    betas: (0.9, 0.999),
                    eps: 1e-8,
                    weight_decay: wd,
                    decoupled_weight_decay: decoupled,
                    amsgrad,
                    maximize,
                    step: 1,
                };
                type F = fn(&mut [f32], &[f32], &mut [f32], &mut [f32], &mut [f32], &AdamArgs);
                let run = |f: F| {
                    move |s: &mut [Vec<f32>; 4], g: &[f32], step: u64| {
                        let [p, m, v, vm] = s;
                        f(p, g, m, v, vm, &AdamArgs { step, ..a })
                    }
                };
                twin_steps(n, &format!("{a:?}"), run(adam), run(scalar::adam));
            }
        }
    }
}

#[test]
fn rmsprop_and_adagrad_match_twins_bit_for_bit() {
    for &n in &LENS {
        for (centered, momentum) in [(false, 0.0), (true, 0.0), (false, 0.9), (true, 0.9)] {
            for (wd, maximize) in [(0.0, false), (0.01, true)] {
                let a = RmspropArgs {
                    lr: 0.01,
                    alpha: 0.99,
                    eps: 1e-8,
                    weight_decay: wd,
                    momentum,
                    centered,
                    maximize,
                };
                type F = fn(&mut [f32], &[f32], &mut [f32], &mut [f32], &mut [f32], &RmspropArgs);
                let run = |f: F| {
                    move |s: &mut [Vec<f32>; 4], g: &[f32], _: u64| {
                        let [p, sq, avg, buf] = s;
                        f(p, g, sq, avg, buf, &a)
                    }
                };
                twin_steps(n, &format!("{a:?}"), run(rmsprop), run(scalar::rmsprop));
                let a = AdagradArgs {
                    lr: 0.1,
                    lr_decay: 0.01,
                    weight_decay: wd,
                    eps: 1e-10,
                    maximize,
                    step: 1,
                };
                let run = |f: fn(&mut [f32], &[f32], &mut [f32], &AdagradArgs)| {
                    move |s: &mut [Vec<f32>; 4], g: &[f32], step: u64| {
                        let [p, sum, ..] = s;
                        f(p, g, sum, &AdagradArgs { step, ..a })
                    }
                };
                twin_steps(n, &format!("{a:?}"), run(adagrad), run(scalar::adagrad));
            }
        }
    }
}

#[test]
fn updates_give_the_same_bits_on_1_and_2_threads() {
    let n = 300_001; // many chunks and a tail
    let g = values(n, 1, 1.0);
    let a = AdamArgs {
        lr: 1e-3,
        betas: (0.9, 0.999),
        eps: 1e-8,
        weight_decay: 0.0,
        decoupled_weight_decay: false,
        amsgrad: true,
        maximize: false,
        step: 3,
    };
    let run = || {
        let (mut p, mut m, mut v, mut vm) =
            (values(n, 2, 1.0), vec![0.1; n], vec![0.2; n], vec![0.3; n]);
        adam(&mut p, &g, &mut m, &mut v, &mut vm, &a);
        [p, m, v, vm]
    };
    let (one, two) = on_1_and_2_threads(run);
    for (x, y) in one.iter().zip(&two) {
        same_bits("1 vs 2 threads", x, y);
    }
    let (mut p, mut m, mut v, mut vm) =
        (values(n, 2, 1.0), vec![0.1; n], vec![0.2; n], vec![0.3; n]);
    scalar::adam(&mut p, &g, &mut m, &mut v, &mut vm, &a);
    same_bits("split vs scalar twin", &one[0], &p);
}
