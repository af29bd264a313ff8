//! The Adagrad update: two steps by hand with decay, weight decay and a non-zero initial
//! accumulator (f64 reference values from the formulas in the optimizer's module doc), NaN,
//! and the SIMD update against its scalar twin bit for bit (every option combination, every
//! tail length).

use super::*;
use crate::kernels::simd::testing::LENS;
use crate::optim::update::{close, twin_steps};

#[test]
fn adagrad_decay_and_initial_accumulator() {
    // sum starts at 0.1; d = g + 0.1 p; clr = 0.1 / (1 + (t - 1) · 0.5)
    let c = AdagradConfig {
        lr: 0.1,
        lr_decay: 0.5,
        weight_decay: 0.1,
        eps: 1e-10,
        ..Default::default()
    };
    let (mut p, mut sum) = ([1.0f32], [0.1f32]);
    adagrad(&mut p, &[0.5], &mut sum, &c, 1);
    adagrad(&mut p, &[-1.0], &mut sum, &c, 2);
    close(p[0], 0.9649640012352003);
}

#[test]
fn nan_gradients_propagate() {
    let (mut p, mut sum) = ([1.0f32], [0.0f32]);
    let c = AdagradConfig {
        lr: 0.1,
        ..Default::default()
    };
    adagrad(&mut p, &[f32::NAN], &mut sum, &c, 1);
    assert!(p[0].is_nan());
}

#[test]
fn adagrad_matches_twin_bit_for_bit() {
    for &n in &LENS {
        for (wd, maximize) in [(0.0, false), (0.01, true)] {
            let c = AdagradConfig {
                lr: 0.1,
                lr_decay: 0.01,
                weight_decay: wd,
                eps: 1e-10,
                maximize,
                ..Default::default()
            };
            let run = |f: fn(&mut [f32], &[f32], &mut [f32], &AdagradConfig, u64)| {
                move |s: &mut [Vec<f32>; 4], g: &[f32], step: u64| {
                    let [p, sum, ..] = s;
                    f(p, g, sum, &c, step)
                }
            };
            twin_steps(n, &format!("{c:?}"), run(adagrad), run(scalar::adagrad));
        }
    }
}
