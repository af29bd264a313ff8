//! Every optimizer's step makes no heap allocation once built: a counting global allocator
//! watches steps over a store with several params, param groups, a param without gradient,
//! and every state buffer in use (momentum, amsgrad, centered).

use arenagrad::optim::*;
use arenagrad::{Param, ParamStore, Tensor};

mod common;
use common::counting_alloc::allocations;

/// `[w, unused]` with the base options, `[b]` with lr 0.5 and no weight decay.
fn two_groups<C: GroupConfig>(w: Param, unused: Param, b: Param) -> Vec<ParamGroup<C>> {
    vec![
        ParamGroup::new(vec![w, unused]),
        ParamGroup::new(vec![b]).lr(0.5).weight_decay(0.0),
    ]
}

#[test]
fn optimizer_steps_do_not_allocate() {
    let mut s = ParamStore::new();
    let w = s.add("w", Tensor::full(&[37, 53], 0.5).unwrap()).unwrap();
    let b = s.add("b", Tensor::full(&[53], -0.5).unwrap()).unwrap();
    let unused = s.add("unused", Tensor::full(&[9], 1.0).unwrap()).unwrap();
    let mut opts: Vec<(&str, Box<dyn Optimizer>)> = vec![
        (
            "SGD",
            Box::new(
                Sgd::with_groups(
                    &s,
                    two_groups(w, unused, b),
                    SgdConfig {
                        momentum: 0.9,
                        nesterov: true,
                        weight_decay: 0.1,
                        ..Default::default()
                    },
                )
                .unwrap(),
            ),
        ),
        (
            "Adam",
            Box::new(
                Adam::with_groups(
                    &s,
                    two_groups(w, unused, b),
                    AdamConfig {
                        amsgrad: true,
                        weight_decay: 0.1,
                        ..Default::default()
                    },
                )
                .unwrap(),
            ),
        ),
        (
            "AdamW",
            Box::new(
                AdamW::with_groups(
                    &s,
                    two_groups(w, unused, b),
                    AdamWConfig {
                        amsgrad: true,
                        ..Default::default()
                    },
                )
                .unwrap(),
            ),
        ),
        (
            "RMSprop",
            Box::new(
                Rmsprop::with_groups(
                    &s,
                    two_groups(w, unused, b),
                    RmspropConfig {
                        centered: true,
                        momentum: 0.9,
                        ..Default::default()
                    },
                )
                .unwrap(),
            ),
        ),
        (
            "Adagrad",
            Box::new(
                Adagrad::with_groups(
                    &s,
                    two_groups(w, unused, b),
                    AdagradConfig {
                        lr_decay: 0.01,
                        ..Default::default()
                    },
                )
                .unwrap(),
            ),
        ),
    ];
    let gw: Vec<f32> = (0..37 * 53).map(|k| (k as f32 * 0.1).sin()).collect();
    let gb: Vec<f32> = (0..53).map(|k| (k as f32 * 0.3).cos()).collect();
    // the SIMD level is chosen once per process, at the first kernel; reading ARENAGRAD_SIMD
    // for it allocates, so it is chosen here, before the counted steps
    arenagrad::simd_level();
    for (name, opt) in &mut opts {
        for step in 0..3 {
            s.zero_grad();
            s.set_grad(w, &gw).unwrap();
            s.set_grad(b, &gb).unwrap();
            let ((), n) = allocations(|| {
                opt.step(&mut s);
                opt.set_group_lr(1, 0.25).unwrap(); // what a schedule does between steps
            });
            assert_eq!(n, 0, "{name}: step {step} made {n} heap allocations");
        }
        assert!(s.data(w).iter().all(|v| v.is_finite()) && s.data(unused) == [1.0; 9]);
    }
}
