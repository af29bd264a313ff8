//! The Adam update: two steps by hand (f64 reference values from the formulas in the
//! optimizer's module doc), AdamW's shrink, NaN, and the SIMD update against its scalar twin
//! bit for bit (every option combination, every tail length, on 1 and 2 threads).

use super::*;
use crate::kernels::par::on_1_and_2_threads;
use crate::kernels::simd::testing::{same_bits, values, LENS};
use crate::optim::update::{close, twin_steps};

fn config() -> AdamConfig {
    AdamConfig {
        lr: 0.1,
        ..Default::default()
    }
}

#[test]
fn adam_two_steps_and_amsgrad() {
    // step 1: m̂ = g, v̂ = g², so p -= lr · g / (|g| + eps) = 1 - 0.1
    let (mut p, mut m, mut v) = ([1.0f32], [0.0f32], [0.0f32]);
    let c = config();
    adam(&mut p, &[0.5], &mut m, &mut v, &mut [], &c, 1);
    close(p[0], 0.900000002);
    // step 2, g = -1: m = -0.055, v = 0.00124975, m̂ = m/0.19, v̂ = v/0.001999
    adam(&mut p, &[-1.0], &mut m, &mut v, &mut [], &c, 2);
    close(p[0], 0.9366103542405654);
    // amsgrad, g = 1 then 0: v shrinks to 0.999e-3 but v_max keeps 1e-3
    let c = AdamConfig { amsgrad: true, ..c };
    let (mut p, mut m, mut v, mut vm) = ([1.0f32], [0.0f32], [0.0f32], [0.0f32]);
    adam(&mut p, &[1.0], &mut m, &mut v, &mut vm, &c, 1);
    adam(&mut p, &[0.0], &mut m, &mut v, &mut vm, &c, 2);
    assert_eq!(vm[0], 1e-3);
    close(p[0], 0.8330276878258663);
}

#[test]
fn adamw_shrinks_before_the_step() {
    // p = 1 · (1 - 0.1 · 0.1) - 0.1 · sign(0.5)
    let c = AdamConfig {
        weight_decay: 0.1,
        decoupled_weight_decay: true,
        ..config()
    };
    let (mut p, mut m, mut v) = ([1.0f32], [0.0f32], [0.0f32]);
    adam(&mut p, &[0.5], &mut m, &mut v, &mut [], &c, 1);
    close(p[0], 0.890000002);
}

#[test]
fn nan_gradients_propagate() {
    let (mut p, mut m, mut v, mut vm) = ([1.0f32], [0.0f32], [0.0f32], [0.0f32]);
    let c = AdamConfig {
        amsgrad: true,
        ..config()
    };
    adam(&mut p, &[f32::NAN], &mut m, &mut v, &mut vm, &c, 1);
    assert!(p[0].is_nan() && vm[0].is_nan());
}

#[test]
fn adam_matches_twin_bit_for_bit() {
    for &n in &LENS {
        for (wd, decoupled) in [(0.0, false), (0.01, false), (0.01, true)] {
            for (amsgrad, maximize) in [(false, false), (true, false), (false, true)] {
                let c = AdamConfig {
                    lr: 1e-2,
                    betas: (0.9, 0.999),
                    eps: 1e-8,
                    weight_decay: wd,
                    decoupled_weight_decay: decoupled,
                    amsgrad,
                    maximize,
                };
                type F =
                    fn(&mut [f32], &[f32], &mut [f32], &mut [f32], &mut [f32], &AdamConfig, u64);
                let run = |f: F| {
                    move |s: &mut [Vec<f32>; 4], g: &[f32], step: u64| {
                        let [p, m, v, vm] = s;
                        f(p, g, m, v, vm, &c, step)
                    }
                };
                twin_steps(n, &format!("{c:?}"), run(adam), run(scalar::adam));
            }
        }
    }
}

#[test]
fn updates_give_the_same_bits_on_1_and_2_threads() {
    let n = 300_001; // many chunks and a tail
    let g = values(n, 1, 1.0);
    let c = AdamConfig {
        amsgrad: true,
        ..Default::default()
    };
    let run = || {
        let (mut p, mut m, mut v, mut vm) =
            (values(n, 2, 1.0), vec![0.1; n], vec![0.2; n], vec![0.3; n]);
        adam(&mut p, &g, &mut m, &mut v, &mut vm, &c, 3);
        [p, m, v, vm]
    };
    let (one, two) = on_1_and_2_threads(run);
    for (x, y) in one.iter().zip(&two) {
        same_bits("1 vs 2 threads", x, y);
    }
    let (mut p, mut m, mut v, mut vm) =
        (values(n, 2, 1.0), vec![0.1; n], vec![0.2; n], vec![0.3; n]);
    scalar::adam(&mut p, &g, &mut m, &mut v, &mut vm, &c, 3);
    same_bits("split vs scalar twin", &one[0], &p);
}
