//! The SGD update: two steps by hand for every option (f64 reference values from the formulas
//! in the optimizer's module doc), NaN and infinity, and the SIMD update against its scalar
//! twin bit for bit (every option combination, every tail length).

use super::*;
use crate::kernels::simd::testing::LENS;
use crate::optim::update::{close, twin_steps};

const SGD: SgdConfig = SgdConfig {
    lr: 0.1,
    momentum: 0.0,
    dampening: 0.0,
    weight_decay: 0.0,
    nesterov: false,
    maximize: false,
};

/// Two SGD steps from p = 1 with g = 0.5 then g = 1.
fn sgd2(c: SgdConfig) -> f32 {
    let (mut p, mut buf) = ([1.0f32], [0.0f32]);
    sgd(&mut p, &[0.5], &mut buf, &c, true);
    sgd(&mut p, &[1.0], &mut buf, &c, false);
    p[0]
}

#[test]
fn sgd_variants() {
    // plain: 1 - 0.1 * 0.5 - 0.1 * 1 = 0.85
    close(sgd2(SGD), 0.85);
    // maximize: 1 + 0.15
    close(
        sgd2(SgdConfig {
            maximize: true,
            ..SGD
        }),
        1.15,
    );
    // weight decay 0.1: d1 = 0.5 + 0.1 = 0.6, p = 0.94; d2 = 1 + 0.094, p = 0.94 - 0.1094
    close(
        sgd2(SgdConfig {
            weight_decay: 0.1,
            ..SGD
        }),
        0.8306,
    );
    // momentum 0.9: buf1 = 0.5 (raw grad), p = 0.95; buf2 = 0.45 + 1 = 1.45, p = 0.805
    let mom = SgdConfig {
        momentum: 0.9,
        ..SGD
    };
    close(sgd2(mom), 0.805);
    // dampening 0.1: buf2 = 0.45 + 0.9 * 1 = 1.35, p = 0.95 - 0.135
    close(
        sgd2(SgdConfig {
            dampening: 0.1,
            ..mom
        }),
        0.815,
    );
    // nesterov: d1 = 0.5 + 0.9 * 0.5 = 0.95, p = 0.905; d2 = 1 + 0.9 * 1.45 = 2.305
    close(
        sgd2(SgdConfig {
            nesterov: true,
            ..mom
        }),
        0.6745,
    );
}

#[test]
fn nan_and_inf_gradients_propagate() {
    let mut p = [1.0f32, 1.0];
    sgd(&mut p, &[f32::NAN, f32::INFINITY], &mut [], &SGD, true);
    assert!(p[0].is_nan() && p[1] == f32::NEG_INFINITY);
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
                let c = SgdConfig {
                    lr: 0.03,
                    momentum: mom,
                    dampening: damp,
                    weight_decay: wd,
                    nesterov: nest,
                    maximize,
                };
                let what = format!("{c:?}");
                let run = |f: fn(&mut [f32], &[f32], &mut [f32], &SgdConfig, bool)| {
                    move |s: &mut [Vec<f32>; 4], g: &[f32], t: u64| {
                        let [p, b, ..] = s;
                        f(p, g, b, &c, t == 1)
                    }
                };
                twin_steps(n, &what, run(sgd), run(scalar::sgd));
            }
        }
    }
}
