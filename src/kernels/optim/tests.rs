//! Scalar tests of the update rules: two steps by hand (f64 reference values from the
//! formulas in each optimizer's module doc), plus edge cases.

use super::*;

fn close(got: f32, want: f64) {
    assert!((got as f64 - want).abs() < 2e-6, "got {got}, want {want}");
}

const SGD: SgdArgs = SgdArgs {
    lr: 0.1,
    momentum: 0.0,
    dampening: 0.0,
    weight_decay: 0.0,
    nesterov: false,
    maximize: false,
};

/// Two SGD steps from p = 1 with g = 0.5 then g = 1.
fn sgd2(a: SgdArgs) -> f32 {
    let (mut p, mut buf) = ([1.0f32], [0.0f32]);
    sgd(&mut p, &[0.5], &mut buf, &a, true);
    sgd(&mut p, &[1.0], &mut buf, &a, false);
    p[0]
}

#[test]
fn sgd_variants() {
    // plain: 1 - 0.1 * 0.5 - 0.1 * 1 = 0.85
    close(sgd2(SGD), 0.85);
    // maximize: 1 + 0.15
    close(
        sgd2(SgdArgs {
            maximize: true,
            ..SGD
        }),
        1.15,
    );
    // weight decay 0.1: d1 = 0.5 + 0.1 = 0.6, p = 0.94; d2 = 1 + 0.094, p = 0.94 - 0.1094
    close(
        sgd2(SgdArgs {
            weight_decay: 0.1,
            ..SGD
        }),
        0.8306,
    );
    // momentum 0.9: buf1 = 0.5 (raw grad), p = 0.95; buf2 = 0.45 + 1 = 1.45, p = 0.805
    let mom = SgdArgs {
        momentum: 0.9,
        ..SGD
    };
    close(sgd2(mom), 0.805);
    // dampening 0.1: buf2 = 0.45 + 0.9 * 1 = 1.35, p = 0.95 - 0.135
    close(
        sgd2(SgdArgs {
            dampening: 0.1,
            ..mom
        }),
        0.815,
    );
    // nesterov: d1 = 0.5 + 0.9 * 0.5 = 0.95, p = 0.905; d2 = 1 + 0.9 * 1.45 = 2.305
    close(
        sgd2(SgdArgs {
            nesterov: true,
            ..mom
        }),
        0.6745,
    );
}

fn adam_args() -> AdamArgs {
    AdamArgs {
        lr: 0.1,
        betas: (0.9, 0.999),
        eps: 1e-8,
        weight_decay: 0.0,
        decoupled_weight_decay: false,
        amsgrad: false,
        maximize: false,
        step: 1,
    }
}

#[test]
fn adam_two_steps_and_amsgrad() {
    // step 1: m̂ = g, v̂ = g², so p -= lr · g / (|g| + eps) = 1 - 0.1
    let (mut p, mut m, mut v) = ([1.0f32], [0.0f32], [0.0f32]);
    let a = adam_args();
    adam(&mut p, &[0.5], &mut m, &mut v, &mut [], &a);
    close(p[0], 0.900000002);
    // step 2, g = -1: m = -0.055, v = 0.00124975, m̂ = m/0.19, v̂ = v/0.001999
    adam(
        &mut p,
        &[-1.0],
        &mut m,
        &mut v,
        &mut [],
        &AdamArgs { step: 2, ..a },
    );
    close(p[0], 0.9366103542405654);
    // amsgrad, g = 1 then 0: v shrinks to 0.999e-3 but v_max keeps 1e-3
    let a = AdamArgs { amsgrad: true, ..a };
    let (mut p, mut m, mut v, mut vm) = ([1.0f32], [0.0f32], [0.0f32], [0.0f32]);
    adam(&mut p, &[1.0], &mut m, &mut v, &mut vm, &a);
    adam(
        &mut p,
        &[0.0],
        &mut m,
        &mut v,
        &mut vm,
        &AdamArgs { step: 2, ..a },
    );
    assert_eq!(vm[0], 1e-3);
    close(p[0], 0.8330276878258663);
}

#[test]
fn adamw_shrinks_before_the_step() {
    // p = 1 · (1 - 0.1 · 0.1) - 0.1 · sign(0.5)
    let a = AdamArgs {
        weight_decay: 0.1,
        decoupled_weight_decay: true,
        ..adam_args()
    };
    let (mut p, mut m, mut v) = ([1.0f32], [0.0f32], [0.0f32]);
    adam(&mut p, &[0.5], &mut m, &mut v, &mut [], &a);
    close(p[0], 0.890000002);
}

#[test]
fn rmsprop_plain_centered_momentum() {
    let a = RmspropArgs {
        lr: 0.01,
        alpha: 0.99,
        eps: 1e-8,
        weight_decay: 0.0,
        momentum: 0.0,
        centered: false,
        maximize: false,
    };
    // two steps from p = 1, g = 0.5 then -1 (sq = 0.99 sq + 0.01 g², ḡ = 0.99 ḡ + 0.01 g)
    let run = |a: RmspropArgs| {
        let (mut p, mut sq, mut avg, mut buf) = ([1.0f32], [0.0f32], [0.0f32], [0.0f32]);
        for g in [0.5, -1.0] {
            rmsprop(&mut p, &[g], &mut sq, &mut avg, &mut buf, &a);
        }
        p[0]
    };
    close(run(a), 0.9895323081911337);
    close(
        run(RmspropArgs {
            centered: true,
            ..a
        }),
        0.9891201823276711,
    );
    close(run(RmspropArgs { momentum: 0.9, ..a }), 0.8995323261911301);
}

#[test]
fn adagrad_decay_and_initial_accumulator() {
    // sum starts at 0.1; d = g + 0.1 p; clr = 0.1 / (1 + (t - 1) · 0.5)
    let a = AdagradArgs {
        lr: 0.1,
        lr_decay: 0.5,
        weight_decay: 0.1,
        eps: 1e-10,
        maximize: false,
        step: 1,
    };
    let (mut p, mut sum) = ([1.0f32], [0.1f32]);
    adagrad(&mut p, &[0.5], &mut sum, &a);
    adagrad(&mut p, &[-1.0], &mut sum, &AdagradArgs { step: 2, ..a });
    close(p[0], 0.9649640012352003);
}

#[test]
fn nan_and_inf_gradients_propagate() {
    let mut p = [1.0f32, 1.0];
    sgd(&mut p, &[f32::NAN, f32::INFINITY], &mut [], &SGD, true);
    assert!(p[0].is_nan() && p[1] == f32::NEG_INFINITY);
    let (mut p, mut m, mut v, mut vm) = ([1.0f32], [0.0f32], [0.0f32], [0.0f32]);
    let a = AdamArgs {
        amsgrad: true,
        ..adam_args()
    };
    adam(&mut p, &[f32::NAN], &mut m, &mut v, &mut vm, &a);
    assert!(p[0].is_nan() && vm[0].is_nan());
    let (mut p, mut sum) = ([1.0f32], [0.0f32]);
    let a = AdagradArgs {
        lr: 0.1,
        lr_decay: 0.0,
        weight_decay: 0.0,
        eps: 1e-10,
        maximize: false,
        step: 1,
    };
    adagrad(&mut p, &[f32::NAN], &mut sum, &a);
    assert!(p[0].is_nan());
}

#[test]
fn widen_recovers_the_decimal_and_lerp_matches_torch() {
    assert_eq!(widen(0.9), 0.9f64);
    assert_eq!(widen(0.999), 0.999f64);
    assert_eq!(widen(1e-8), 1e-8f64);
    assert_eq!(widen(f32::INFINITY), f64::INFINITY);
    assert_ne!(0.9f32 as f64, 0.9f64);
    // 1 - 0.9 in f64 rounds to 0.1f32, in f32 it does not
    assert_eq!((1.0 - widen(0.9)) as f32, 0.1f32);
    assert_ne!(1.0 - 0.9f32, 0.1f32);
    // lerp with a large weight goes from the end: 1 - (1 - 0.75) · (1 - 0) = 0.75
    assert_eq!(lerp(0.0f32, 1.0, 0.75), 0.75);
    assert_eq!(lerp(2.0f32, 4.0, 0.1), 2.2);
    assert!(nan_max(f32::NAN, 1.0).is_nan() && nan_max(1.0, f32::NAN).is_nan());
}
