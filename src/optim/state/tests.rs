//! Save and load: resuming from a saved state is bitwise the same as training straight
//! through, and a state that does not fit is an error that changes nothing.

use super::*;
use crate::optim::*;
use crate::params::Param;

/// A store with three params; `b` gets a gradient only on even steps (so its state starts
/// late and its step count lags).
fn store(values: Option<&[Vec<f32>]>) -> (ParamStore, Vec<Param>) {
    let mut s = ParamStore::new();
    let shapes: [&[usize]; 3] = [&[3, 5], &[7], &[2]];
    let ps = shapes
        .iter()
        .enumerate()
        .map(|(i, sh)| {
            let n: usize = sh.iter().product();
            let v = values.map_or_else(
                || (0..n).map(|k| (k as f32 * 0.37 + i as f32).sin()).collect(),
                |v| v[i].clone(),
            );
            s.add(["a", "b", "c"][i], Tensor::new(v, sh).unwrap())
                .unwrap()
        })
        .collect();
    (s, ps)
}

fn grads(s: &mut ParamStore, ps: &[Param], t: usize) {
    s.zero_grad();
    for (i, &p) in ps.iter().enumerate() {
        if i == 1 && t % 2 == 1 {
            continue; // grad is None
        }
        let g: Vec<f32> = (0..s.numel_of(p))
            .map(|k| ((k * 7 + t * 13 + i) as f32 * 0.61).cos())
            .collect();
        s.set_grad(p, &g).unwrap();
    }
}

type Make = fn(&ParamStore, &[Param]) -> Box<dyn Optimizer>;

fn makers() -> Vec<Make> {
    vec![
        |s, p| {
            let g = vec![
                ParamGroup::new(vec![p[0], p[1]]),
                ParamGroup::new(vec![p[2]]).lr(0.05),
            ];
            let base = SgdConfig {
                lr: 0.1,
                momentum: 0.9,
                dampening: 0.1,
                ..Default::default()
            };
            Box::new(Sgd::with_groups(s, g, base).unwrap())
        },
        |s, p| {
            let g = vec![
                ParamGroup::new(vec![p[0], p[1]]).weight_decay(0.1),
                ParamGroup::new(vec![p[2]]),
            ];
            Box::new(
                Adam::with_groups(
                    s,
                    g,
                    AdamConfig {
                        amsgrad: true,
                        lr: 0.01,
                        ..Default::default()
                    },
                )
                .unwrap(),
            )
        },
        |s, _| {
            Box::new(
                AdamW::new(
                    s,
                    AdamWConfig {
                        lr: 0.01,
                        ..Default::default()
                    },
                )
                .unwrap(),
            )
        },
        |s, _| {
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
            )
        },
        |s, _| {
            Box::new(
                Adagrad::new(
                    s,
                    AdagradConfig {
                        lr_decay: 0.1,
                        initial_accumulator_value: 0.2,
                        ..Default::default()
                    },
                )
                .unwrap(),
            )
        },
    ]
}

#[test]
fn resuming_from_a_saved_state_is_bitwise_identical() {
    let (n, m) = (5, 4);
    for (k, make) in makers().into_iter().enumerate() {
        // straight through: N + M steps
        let (mut s, ps) = store(None);
        let mut opt = make(&s, &ps);
        let mut saved = None;
        for t in 0..n + m {
            if t == n {
                let values: Vec<Vec<f32>> = ps.iter().map(|&p| s.data(p).to_vec()).collect();
                saved = Some((values, opt.state_dict(&s).to_bytes()));
                opt.set_group_lr(0, 0.02).unwrap(); // change the lr: the load must restore it
            }
            grads(&mut s, &ps, t);
            opt.step(&mut s);
        }
        // resumed: a fresh store and optimizer loaded at N
        let (values, bytes) = saved.unwrap();
        let (mut r, rps) = store(Some(&values));
        let mut opt2 = make(&r, &rps);
        opt2.load_state_dict(&r, &OptimState::from_bytes(&bytes).unwrap())
            .unwrap();
        opt2.set_group_lr(0, 0.02).unwrap();
        for t in n..n + m {
            grads(&mut r, &rps, t);
            opt2.step(&mut r);
        }
        for (&p, &q) in ps.iter().zip(&rps) {
            let (a, b): (Vec<u32>, Vec<u32>) = (
                s.data(p).iter().map(|v| v.to_bits()).collect(),
                r.data(q).iter().map(|v| v.to_bits()).collect(),
            );
            assert_eq!(a, b, "optimizer {k}, param {}", s.name(p));
        }
        assert_eq!(opt.state_dict(&s), opt2.state_dict(&r), "optimizer {k}");
    }
}

#[test]
fn a_state_that_does_not_fit_is_an_error_and_changes_nothing() {
    let (mut s, ps) = store(None);
    let mut adam = Adam::new(&s, AdamConfig::default()).unwrap();
    grads(&mut s, &ps, 0);
    adam.step(&mut s);
    let good = adam.state_dict(&s);
    let before = good.clone();
    let mut wrong_name = good.clone();
    wrong_name.optimizer = "SGD".into();
    let mut wrong_groups = good.clone();
    wrong_groups.groups[0].pop();
    let mut wrong_shape = good.clone();
    wrong_shape.tensors[0].1 = Tensor::zeros(&[15]).unwrap();
    let mut missing = good.clone();
    missing.tensors.retain(|(k, _)| k != "state.c.exp_avg");
    let mut amsgrad = good.clone();
    amsgrad
        .scalars
        .iter_mut()
        .filter(|(k, _)| k == "group.0.amsgrad")
        .for_each(|(_, v)| *v = 1.0);
    let mut bad_lr = good.clone();
    bad_lr
        .scalars
        .iter_mut()
        .filter(|(k, _)| k == "group.0.lr")
        .for_each(|(_, v)| *v = -1.0);
    for (what, st) in [
        ("name", wrong_name),
        ("groups", wrong_groups),
        ("shape", wrong_shape),
        ("missing", missing),
        ("amsgrad", amsgrad),
        ("lr", bad_lr),
    ] {
        assert!(adam.load_state_dict(&s, &st).is_err(), "{what}");
        assert_eq!(
            adam.state_dict(&s),
            before,
            "{what}: the failed load changed the state"
        );
    }
}

#[test]
fn bytes_round_trip_and_every_truncation_is_an_error() {
    let (mut s, ps) = store(None);
    let mut opt = Rmsprop::new(
        &s,
        RmspropConfig {
            momentum: 0.9,
            ..Default::default()
        },
    )
    .unwrap();
    grads(&mut s, &ps, 0);
    opt.step(&mut s);
    let st = opt.state_dict(&s);
    let bytes = st.to_bytes();
    assert_eq!(&bytes[..8], b"AGOPTST1");
    assert_eq!(OptimState::from_bytes(&bytes).unwrap(), st);
    for cut in 0..bytes.len() {
        assert!(
            OptimState::from_bytes(&bytes[..cut]).is_err(),
            "prefix of {cut} bytes"
        );
    }
    let mut extra = bytes.clone();
    extra.push(0);
    assert!(OptimState::from_bytes(&extra).is_err());
    // a huge claimed tensor size is an error, not an allocation
    let mut huge = OptimState {
        optimizer: "x".into(),
        groups: vec![],
        scalars: vec![],
        tensors: vec![],
    }
    .to_bytes();
    huge.truncate(huge.len() - 4);
    huge.extend(1u32.to_le_bytes());
    huge.extend([1, 0, 0, 0, b'k', 2, 0, 0, 0]);
    huge.extend(u64::MAX.to_le_bytes());
    huge.extend(u64::MAX.to_le_bytes());
    assert!(OptimState::from_bytes(&huge).is_err());
}
