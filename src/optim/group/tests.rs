//! Param groups and options: a parameter in two groups, a foreign handle and every invalid
//! option are errors at construction that name the optimizer and the value.

use crate::error::{Error, Result};
use crate::optim::*;
use crate::params::{Param, ParamStore};
use crate::tensor::Tensor;

fn store() -> (ParamStore, Param, Param) {
    let mut s = ParamStore::new();
    let a = s.add("a", Tensor::from_slice(&[1.0, -2.0, 3.0])).unwrap();
    let b = s.add("b", Tensor::from_slice(&[0.5, 0.25])).unwrap();
    (s, a, b)
}

#[test]
fn bad_groups_are_errors() {
    let (s, a, b) = store();
    let err = Adam::with_groups(
        &s,
        vec![ParamGroup::new(vec![a, b]), ParamGroup::new(vec![b])],
        AdamConfig::default(),
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("'b'") && err.contains("groups 0 and 1"),
        "{err}"
    );
    let (other, foreign, _) = store();
    drop(other);
    let r = Rmsprop::with_groups(
        &s,
        vec![ParamGroup::new(vec![foreign])],
        RmspropConfig::default(),
    );
    assert!(matches!(r, Err(Error::ForeignParam { op: "RMSprop", .. })));
    let r = AdamW::with_groups(
        &s,
        vec![ParamGroup::new(vec![a]).lr(-1.0)],
        AdamWConfig::default(),
    );
    assert!(r
        .unwrap_err()
        .to_string()
        .starts_with("AdamW: invalid learning rate -1"));
}

#[test]
fn invalid_options_name_the_optimizer_and_value() {
    let s = ParamStore::new();
    let e = |r: Result<()>| r.unwrap_err().to_string();
    let adam = |c| Adam::new(&s, c).map(|_| ());
    assert!(e(adam(AdamConfig {
        betas: (0.9, 1.0),
        ..Default::default()
    }))
    .contains("index 1: 1"));
    assert!(e(adam(AdamConfig {
        betas: (-0.1, 0.9),
        ..Default::default()
    }))
    .contains("index 0: -0.1"));
    assert!(e(adam(AdamConfig {
        eps: -1e-8,
        ..Default::default()
    }))
    .contains("epsilon value -0.00000001"));
    assert!(e(adam(AdamConfig {
        weight_decay: f32::NAN,
        ..Default::default()
    }))
    .contains("NaN"));
    let w = e(AdamW::new(
        &s,
        AdamWConfig {
            lr: -2.0,
            ..Default::default()
        },
    )
    .map(|_| ()));
    assert!(w.starts_with("AdamW: invalid learning rate -2"), "{w}");
    let r = e(Rmsprop::new(
        &s,
        RmspropConfig {
            alpha: -0.5,
            ..Default::default()
        },
    )
    .map(|_| ()));
    assert!(r.starts_with("RMSprop: invalid alpha value -0.5"), "{r}");
    let r = e(Rmsprop::new(
        &s,
        RmspropConfig {
            momentum: -0.1,
            ..Default::default()
        },
    )
    .map(|_| ()));
    assert!(r.contains("momentum value -0.1"), "{r}");
    let g = e(Adagrad::new(
        &s,
        AdagradConfig {
            lr_decay: -1.0,
            ..Default::default()
        },
    )
    .map(|_| ()));
    assert!(g.starts_with("Adagrad: invalid lr_decay value -1"), "{g}");
    let g = e(Adagrad::new(
        &s,
        AdagradConfig {
            initial_accumulator_value: -1.0,
            ..Default::default()
        },
    )
    .map(|_| ()));
    assert!(g.contains("initial_accumulator_value value -1"), "{g}");
    let mut opt = Adagrad::new(&s, AdagradConfig::default()).unwrap();
    assert!(opt.set_group_lr(0, -0.1).is_err());
    assert!(opt
        .set_group_lr(1, 0.1)
        .unwrap_err()
        .to_string()
        .contains("group 1 out of range"));
    assert_eq!(opt.group_lr(0), 1e-2); // unchanged
}
