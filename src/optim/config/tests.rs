//! Optimizers by name: every name, options set and validated, text parsing, and errors that
//! name the unknown optimizer, option or value.

use super::*;
use crate::error::Error;
use crate::tensor::Tensor;

fn store() -> ParamStore {
    let mut s = ParamStore::new();
    s.add("w", Tensor::from_slice(&[1.0, -2.0])).unwrap();
    s
}

#[test]
fn every_name_gives_pytorchs_defaults_then_the_options() {
    let cases = [
        ("SGD", OptimConfig::Sgd(SgdConfig::default())),
        ("adam", OptimConfig::Adam(AdamConfig::default())),
        ("AdamW", OptimConfig::AdamW(AdamWConfig::default())),
        ("RMSprop", OptimConfig::Rmsprop(RmspropConfig::default())),
        ("adagrad", OptimConfig::Adagrad(AdagradConfig::default())),
    ];
    for (name, want) in cases {
        assert_eq!(OptimConfig::from_options(name, &[]).unwrap(), want);
    }
    let c = OptimConfig::from_options("rmsprop", &[("alpha", 0.9), ("centered", 1.0)]).unwrap();
    let want = RmspropConfig {
        alpha: 0.9,
        centered: true,
        ..Default::default()
    };
    assert_eq!(c, OptimConfig::Rmsprop(want));
    assert_eq!(c.name(), "RMSprop");
}

#[test]
fn built_optimizers_step_as_their_configs_say() {
    // SGD with momentum 0.9, lr 0.1, gradient g = 1 each step on w = 1:
    // buf = g (first step), then buf = 0.9 buf + g: w = 1 - 0.1 (1 + 1.9) = 0.71
    let mut params = store();
    let w = params.get("w").unwrap();
    let mut opt = from_config("sgd", &params, &[("lr", 0.1), ("momentum", 0.9)]).unwrap();
    for _ in 0..2 {
        params.set_grad(w, &[1.0, 1.0]).unwrap();
        opt.step(&mut params);
    }
    let got = params.data(w);
    assert!(
        (got[0] - 0.71).abs() < 1e-6 && (got[1] - (-2.29)).abs() < 1e-6,
        "{got:?}"
    );
    // AdamW by name takes the same steps as AdamW built directly
    let options = [("lr", 0.05), ("betas.0", 0.8), ("weight_decay", 0.1)];
    let mut by_name = store();
    let mut direct = store();
    let mut a = from_config("adamw", &by_name, &options).unwrap();
    let config = AdamWConfig {
        lr: 0.05,
        betas: (0.8, 0.999),
        weight_decay: 0.1,
        ..Default::default()
    };
    let mut b = AdamW::new(&direct, config).unwrap();
    for step in 0..3 {
        let g = [step as f32 - 1.0, 0.5];
        let (wa, wb) = (by_name.get("w").unwrap(), direct.get("w").unwrap());
        by_name.set_grad(wa, &g).unwrap();
        direct.set_grad(wb, &g).unwrap();
        a.step(&mut by_name);
        b.step(&mut direct);
    }
    assert_eq!(by_name.flat_data(), direct.flat_data());
}

#[test]
fn text_configs_parse_pairs_and_booleans() {
    let c = OptimConfig::parse("  AdamW  lr=1e-3 betas=0.9,0.95\tweight_decay=0.1 amsgrad=true ")
        .unwrap();
    let want = AdamWConfig {
        lr: 1e-3,
        betas: (0.9, 0.95),
        weight_decay: 0.1,
        amsgrad: true,
        ..Default::default()
    };
    assert_eq!(c, OptimConfig::AdamW(want));
    assert_eq!(
        OptimConfig::parse("adagrad").unwrap(),
        OptimConfig::Adagrad(AdagradConfig::default())
    );
}

fn message(r: Result<OptimConfig>) -> String {
    match r.unwrap_err() {
        e @ Error::InvalidArgument { .. } => e.to_string(),
        e => panic!("not InvalidArgument: {e:?}"),
    }
}

#[test]
fn bad_configs_are_errors_naming_what_is_wrong() {
    let e = message(OptimConfig::from_options("lbfgs", &[]));
    assert!(
        e.contains("unknown optimizer 'lbfgs'") && e.contains("sgd, adam, adamw"),
        "{e}"
    );
    let e = message(OptimConfig::from_options("adam", &[("momentum", 0.9)]));
    assert!(
        e.starts_with("Adam: unknown option 'momentum'") && e.contains("betas.0"),
        "{e}"
    );
    let e = message(OptimConfig::from_options(
        "adam",
        &[("lr", 0.1), ("lr", 0.2)],
    ));
    assert!(e.contains("option 'lr' is given twice"), "{e}");
    let e = message(OptimConfig::from_options("sgd", &[("lr", -1.0)]));
    assert!(e.starts_with("SGD: invalid learning rate -1"), "{e}");
    let e = message(OptimConfig::from_options("sgd", &[("nesterov", 0.5)]));
    assert!(e.contains("nesterov") && e.contains("0.5"), "{e}");
    let e = message(OptimConfig::parse(""));
    assert!(e.contains("empty config"), "{e}");
    let e = message(OptimConfig::parse("sgd lr"));
    assert!(e.contains("'lr' is not key=value"), "{e}");
    let e = message(OptimConfig::parse("sgd lr=0.1x"));
    assert!(e.contains("option 'lr': '0.1x' is not a number"), "{e}");
    // a pair where the optimizer has no such pair: the split names are unknown options
    let e = message(OptimConfig::parse("sgd lr=0.1,0.2"));
    assert!(e.contains("unknown option 'lr.0'"), "{e}");
    // a valid config over an empty store: the optimizer's own error
    let e = from_config("adam", &ParamStore::new(), &[])
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("empty parameter list"), "{e}");
}

#[test]
fn the_text_form_round_trips_every_option() {
    let configs = [
        OptimConfig::Sgd(SgdConfig {
            lr: 0.3,
            momentum: 0.9,
            nesterov: true,
            ..Default::default()
        }),
        OptimConfig::Adam(AdamConfig {
            lr: 1e-3,
            betas: (0.85, 0.995),
            amsgrad: true,
            decoupled_weight_decay: true,
            weight_decay: 1e-2,
            ..Default::default()
        }),
        OptimConfig::AdamW(AdamWConfig::default()),
        OptimConfig::Rmsprop(RmspropConfig {
            centered: true,
            alpha: 0.95,
            eps: 1e-6,
            ..Default::default()
        }),
        OptimConfig::Adagrad(AdagradConfig {
            lr_decay: 1e-4,
            initial_accumulator_value: 0.1,
            ..Default::default()
        }),
    ];
    for c in configs {
        let text = c.to_string();
        assert_eq!(text.parse::<OptimConfig>().unwrap(), c, "{text}");
    }
    assert_eq!(
        OptimConfig::Sgd(SgdConfig::default()).to_string(),
        "sgd lr=0.001 momentum=0 dampening=0 weight_decay=0 nesterov=0 maximize=0"
    );
}
