use super::*;
use crate::error::Error;
use crate::optim::Optimizer;
use crate::tensor::Tensor;

#[test]
fn bad_options_are_errors_naming_the_value() {
    let mut params = ParamStore::new();
    params.add("w", Tensor::scalar(0.0)).unwrap();
    for lr in [-0.1, f32::NAN] {
        let err = Sgd::new(
            &params,
            SgdConfig {
                lr,
                ..Default::default()
            },
        )
        .unwrap_err()
        .to_string();
        assert!(err.starts_with("SGD: invalid learning rate"), "{err}");
        assert!(err.contains(&lr.to_string()), "{err}");
    }
    let bad = [
        SgdConfig {
            momentum: -0.5,
            ..Default::default()
        },
        SgdConfig {
            weight_decay: -1e-4,
            ..Default::default()
        },
        SgdConfig {
            nesterov: true,
            ..Default::default()
        },
        SgdConfig {
            nesterov: true,
            momentum: 0.9,
            dampening: 0.1,
            ..Default::default()
        },
    ];
    for (c, want) in bad
        .iter()
        .zip(["-0.5", "-0.0001", "Nesterov", "dampening 0.1"])
    {
        let err = Sgd::new(&params, *c).unwrap_err().to_string();
        assert!(err.starts_with("SGD: ") && err.contains(want), "{err}");
    }
    let mut opt = Sgd::new(&params, SgdConfig::default()).unwrap();
    assert!(opt.set_lr(-1.0).is_err());
    assert!(matches!(
        opt.set_group_lr(0, f32::NAN),
        Err(Error::InvalidArgument { .. })
    ));
    assert_eq!((opt.config().lr, opt.group_lr(0)), (1e-3, 1e-3));
}

#[test]
fn step_updates_every_parameter_and_keeps_padding() {
    let mut params = ParamStore::new();
    let a = params.add("a", Tensor::from_slice(&[1.0, 2.0])).unwrap();
    let b = params.add("b", Tensor::scalar(5.0)).unwrap();
    params.set_grad(a, &[10.0, -10.0]).unwrap();
    params.set_grad(b, &[1.0]).unwrap();
    let mut opt = Sgd::new(
        &params,
        SgdConfig {
            lr: 0.5,
            ..Default::default()
        },
    )
    .unwrap();
    opt.step(&mut params);
    assert_eq!(
        (params.data(a), params.data(b)),
        (&[-4.0, 7.0][..], &[4.5][..])
    );
    let oa = params.offset(a);
    assert!(params.flat_data()[oa + 2..params.offset(b)]
        .iter()
        .all(|&v| v == 0.0));
}

#[test]
fn momentum_starts_per_parameter_at_its_first_gradient() {
    // b gets no gradient in step 1: its buffer starts at step 2 as its raw gradient.
    let mut params = ParamStore::new();
    let a = params.add("a", Tensor::scalar(1.0)).unwrap();
    let b = params.add("b", Tensor::scalar(1.0)).unwrap();
    let c = SgdConfig {
        lr: 0.1,
        momentum: 0.9,
        dampening: 0.5,
        ..Default::default()
    };
    let mut opt = Sgd::new(&params, c).unwrap();
    params.set_grad(a, &[1.0]).unwrap();
    opt.step(&mut params);
    assert_eq!(params.data(b), &[1.0]); // skipped: grad is None
    params.zero_grad();
    params.set_grad(a, &[1.0]).unwrap();
    params.set_grad(b, &[1.0]).unwrap();
    opt.step(&mut params);
    // a: buf = 0.9 · 1 + 0.5 · 1 = 1.4, p = 0.9 - 0.14; b: buf = 1, p = 1 - 0.1
    assert!((params.data(a)[0] - 0.76).abs() < 1e-6);
    assert!((params.data(b)[0] - 0.9).abs() < 1e-6);
    let s = opt.state_dict(&params);
    assert_eq!(
        (s.scalar("state.a.step"), s.scalar("state.b.step")),
        (Some(2.0), Some(1.0))
    );
    assert_eq!(s.tensor("state.b.momentum_buffer").unwrap().item(), 1.0);
}
