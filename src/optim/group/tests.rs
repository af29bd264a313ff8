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
    // a handle of a live store is named ("a"), of a dropped one numbered ("#0")
    let r = Sgd::with_groups(
        &s,
        vec![ParamGroup::new(vec![foreign])],
        SgdConfig::default(),
    );
    assert_eq!(
        r.unwrap_err(),
        Error::ForeignParam {
            op: "SGD",
            name: "a".into()
        }
    );
    drop(other);
    let r = Rmsprop::with_groups(
        &s,
        vec![ParamGroup::new(vec![foreign])],
        RmspropConfig::default(),
    );
    assert!(matches!(r, Err(Error::ForeignParam { op: "RMSprop", name }) if name == "#0"));
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
    let (s, _, _) = store();
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

/// PyTorch: `torch.optim.SGD([], lr=0.1)` raises "optimizer got an empty parameter list";
/// every optimizer's constructor, with or without groups.
#[test]
fn an_empty_parameter_list_is_an_error() {
    let empty = ParamStore::new();
    let (s, _, _) = store();
    let check = |r: Result<()>, op: &str, part: &str| {
        let e = r.unwrap_err();
        assert!(
            matches!(&e, Error::InvalidArgument { op: o, .. } if *o == op),
            "{e:?}"
        );
        let text = e.to_string();
        assert!(
            text.contains("optimizer got an empty parameter list"),
            "{text}"
        );
        assert!(text.contains(part), "{text}");
    };
    let none = "the ParamStore has no parameters";
    check(
        Sgd::new(&empty, SgdConfig::default()).map(drop),
        "SGD",
        none,
    );
    check(
        Adam::new(&empty, AdamConfig::default()).map(drop),
        "Adam",
        none,
    );
    check(
        AdamW::new(&empty, AdamWConfig::default()).map(drop),
        "AdamW",
        none,
    );
    check(
        Rmsprop::new(&empty, RmspropConfig::default()).map(drop),
        "RMSprop",
        none,
    );
    check(
        Adagrad::new(&empty, AdagradConfig::default()).map(drop),
        "Adagrad",
        none,
    );
    // groups that hold nothing, over a store that has parameters
    let groups = "the 1 param group(s) hold none of the store's 2 parameters";
    let r = Sgd::with_groups(&s, vec![ParamGroup::new(vec![])], SgdConfig::default());
    check(r.map(drop), "SGD", groups);
    let r = Adam::with_groups(&s, vec![], AdamConfig::default());
    check(r.map(drop), "Adam", "the 0 param group(s)");
    let r = AdamW::with_groups(&s, vec![ParamGroup::new(vec![])], AdamWConfig::default());
    check(r.map(drop), "AdamW", groups);
    let r = Rmsprop::with_groups(&s, vec![ParamGroup::new(vec![])], RmspropConfig::default());
    check(r.map(drop), "RMSprop", groups);
    let r = Adagrad::with_groups(&s, vec![ParamGroup::new(vec![])], AdagradConfig::default());
    check(r.map(drop), "Adagrad", groups);
    // one empty group beside a non-empty one is fine (PyTorch accepts it too)
    let a = s.get("a").unwrap();
    let groups = vec![ParamGroup::new(vec![]), ParamGroup::new(vec![a])];
    assert!(Sgd::with_groups(&s, groups, SgdConfig::default()).is_ok());
    // a bad option is reported before the empty list, as in PyTorch
    let bad = SgdConfig {
        lr: -1.0,
        ..Default::default()
    };
    let e = Sgd::new(&empty, bad).unwrap_err().to_string();
    assert!(e.starts_with("SGD: invalid learning rate -1"), "{e}");
}
