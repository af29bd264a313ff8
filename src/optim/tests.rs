//! Behaviour shared by every optimizer: param groups, PyTorch's `grad is None` skip, bad
//! options, NaN propagation, and the has-grad flags backward sets.

use super::*;
use crate::graph::Graph;
use crate::params::Param;
use crate::tensor::Tensor;

/// A store with `a` [3] and `b` [2], and one optimizer of each kind over it.
fn store() -> (ParamStore, Param, Param) {
    let mut s = ParamStore::new();
    let a = s.add("a", Tensor::from_slice(&[1.0, -2.0, 3.0])).unwrap();
    let b = s.add("b", Tensor::from_slice(&[0.5, 0.25])).unwrap();
    (s, a, b)
}

fn all(s: &ParamStore) -> Vec<Box<dyn Optimizer>> {
    vec![
        Box::new(
            Sgd::new(
                s,
                SgdConfig {
                    lr: 0.1,
                    momentum: 0.9,
                    ..Default::default()
                },
            )
            .unwrap(),
        ),
        Box::new(
            Adam::new(
                s,
                AdamConfig {
                    amsgrad: true,
                    ..Default::default()
                },
            )
            .unwrap(),
        ),
        Box::new(AdamW::new(s, AdamWConfig::default()).unwrap()),
        Box::new(
            Rmsprop::new(
                s,
                RmspropConfig {
                    centered: true,
                    momentum: 0.5,
                    ..Default::default()
                },
            )
            .unwrap(),
        ),
        Box::new(
            Adagrad::new(
                s,
                AdagradConfig {
                    lr_decay: 0.1,
                    ..Default::default()
                },
            )
            .unwrap(),
        ),
    ]
}

#[test]
fn a_param_without_gradient_is_skipped_and_its_state_starts_later() {
    for i in 0..5 {
        let (mut s, a, b) = store();
        let mut opt = all(&s).swap_remove(i);
        // step 1: only a has a gradient; b keeps its value, state and step count
        s.set_grad(a, &[0.5, 0.5, 0.5]).unwrap();
        opt.step(&mut s);
        assert_eq!(s.data(b), &[0.5, 0.25], "optimizer {i}");
        let st = opt.state_dict(&s);
        assert_eq!(
            (
                st.scalar("state.a.step"),
                st.scalar("state.b.step").unwrap_or(0.0)
            ),
            (Some(1.0), 0.0)
        );
        // step 2: b's first step equals a fresh optimizer's first step on b alone
        s.zero_grad();
        s.set_grad(b, &[1.0, -1.0]).unwrap();
        let a_before = s.data(a).to_vec();
        opt.step(&mut s);
        assert_eq!(s.data(a), &a_before[..], "optimizer {i}: a had no gradient");
        let (mut fresh, _, fb) = store();
        fresh.set_grad(fb, &[1.0, -1.0]).unwrap();
        let mut opt2 = all(&fresh).swap_remove(i);
        opt2.step(&mut fresh);
        assert_eq!(s.data(b), fresh.data(fb), "optimizer {i}");
    }
}

#[test]
fn groups_have_their_own_options_and_leave_other_params_alone() {
    let (mut s, a, b) = store();
    let base = SgdConfig {
        lr: 0.1,
        weight_decay: 0.5,
        ..Default::default()
    };
    let groups = vec![ParamGroup::new(vec![b]).lr(1.0).weight_decay(0.0)];
    let mut opt = Sgd::with_groups(&s, groups, base).unwrap();
    s.set_grad(a, &[1.0; 3]).unwrap();
    s.set_grad(b, &[1.0, 2.0]).unwrap();
    opt.step(&mut s);
    assert_eq!(s.data(a), &[1.0, -2.0, 3.0]); // in no group: not optimized
    assert_eq!(s.data(b), &[-0.5, -1.75]); // lr 1, no decay
    assert_eq!(
        (
            opt.num_groups(),
            opt.group_lr(0),
            opt.group_config(0).weight_decay
        ),
        (1, 1.0, 0.0)
    );
    // .config replaces every option; lr set on the group still wins
    let c = AdamConfig {
        amsgrad: true,
        lr: 0.5,
        ..Default::default()
    };
    let opt = Adam::with_groups(
        &s,
        vec![ParamGroup::new(vec![a]).config(c).lr(0.2)],
        AdamConfig::default(),
    )
    .unwrap();
    assert_eq!((opt.group_config(0).amsgrad, opt.group_lr(0)), (true, 0.2));
}

#[test]
fn nan_and_inf_gradients_reach_the_params() {
    for i in 0..5 {
        let (mut s, a, _) = store();
        let mut opt = all(&s).swap_remove(i);
        s.set_grad(a, &[f32::NAN, f32::INFINITY, 1.0]).unwrap();
        opt.step(&mut s);
        assert!(
            s.data(a)[0].is_nan() && !s.data(a)[1].is_finite(),
            "optimizer {i}: {:?}",
            s.data(a)
        );
    }
}

#[test]
fn backward_flags_reached_params_and_zero_grad_clears() {
    let (mut s, a, b) = store();
    let c = s.add("c", Tensor::scalar(2.0)).unwrap();
    Graph::new()
        .run_with(&mut s, |g| {
            let _b = g.param(b); // built but not reached
            g.param(c).backward()?; // the output-seed path: d c / d c = 1
            (g.param(a) * 2.0).sum().backward()
        })
        .unwrap();
    assert_eq!(
        (s.has_grad(a), s.has_grad(b), s.has_grad(c)),
        (true, false, true)
    );
    assert_eq!(
        (s.grad(a), s.grad(b), s.grad(c)),
        (&[2.0; 3][..], &[0.0; 2][..], &[1.0][..])
    );
    Graph::new()
        .run_with(&mut s, |g| {
            let _const = g.no_grad(|| g.param(b).sum()); // under no_grad: never a gradient
            Ok(())
        })
        .unwrap();
    assert!(!s.has_grad(b));
    s.zero_grad();
    assert!(s.grad_flags().iter().all(|&f| !f) && s.flat_grad().iter().all(|&v| v == 0.0));
}
