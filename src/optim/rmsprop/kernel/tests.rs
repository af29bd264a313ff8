//! The RMSprop update: two steps by hand, plain, centered and with momentum (f64 reference
//! values from the formulas in the optimizer's module doc), and the SIMD update against its
//! scalar twin bit for bit (every option combination, every tail length).

use super::*;
use crate::kernels::simd::testing::LENS;
use crate::optim::update::{close, twin_steps};

#[test]
fn rmsprop_plain_centered_momentum() {
    let c = RmspropConfig {
        lr: 0.01,
        alpha: 0.99,
        eps: 1e-8,
        weight_decay: 0.0,
        momentum: 0.0,
        centered: false,
        maximize: false,
    };
    // two steps from p = 1, g = 0.5 then -1 (sq = 0.99 sq + 0.01 g², ḡ = 0.99 ḡ + 0.01 g)
    let run = |c: RmspropConfig| {
        let (mut p, mut sq, mut avg, mut buf) = ([1.0f32], [0.0f32], [0.0f32], [0.0f32]);
        for g in [0.5, -1.0] {
            rmsprop(&mut p, &[g], &mut sq, &mut avg, &mut buf, &c);
        }
        p[0]
    };
    close(run(c), 0.9895323081911337);
    close(
        run(RmspropConfig {
            centered: true,
            ..c
        }),
        0.9891201823276711,
    );
    close(
        run(RmspropConfig { momentum: 0.9, ..c }),
        0.8995323261911301,
    );
}

#[test]
fn rmsprop_matches_twin_bit_for_bit() {
    for &n in &LENS {
        for (centered, momentum) in [(false, 0.0), (true, 0.0), (false, 0.9), (true, 0.9)] {
            for (wd, maximize) in [(0.0, false), (0.01, true)] {
                let c = RmspropConfig {
                    lr: 0.01,
                    alpha: 0.99,
                    eps: 1e-8,
                    weight_decay: wd,
                    momentum,
                    centered,
                    maximize,
                };
                type F = fn(&mut [f32], &[f32], &mut [f32], &mut [f32], &mut [f32], &RmspropConfig);
                let run = |f: F| {
                    move |s: &mut [Vec<f32>; 4], g: &[f32], _: u64| {
                        let [p, sq, avg, buf] = s;
                        f(p, g, sq, avg, buf, &c)
                    }
                };
                twin_steps(n, &format!("{c:?}"), run(rmsprop), run(scalar::rmsprop));
            }
        }
    }
}
