//! Checkpoints: resuming from step N is bitwise the same as training straight through, and a
//! checkpoint that does not fit changes nothing.

use crate::io::{checkpoint_to_bytes, load_checkpoint, load_checkpoint_bytes, save_checkpoint};
use crate::optim::{Adam, AdamConfig, Optimizer, Sgd, SgdConfig};
use crate::prelude::*;

/// A small MLP and a fixed batch; every call builds the same initial weights.
fn model() -> (ParamStore, Mlp, Tensor, Vec<usize>) {
    let mut params = ParamStore::new();
    let mut rng = Rng::seed(3);
    let mlp = Mlp::new(&mut params, &[5, 7, 3], &mut rng).unwrap();
    let x = rng.normal_tensor(&[6, 5], 0.0, 1.0);
    (params, mlp, x, vec![0, 1, 2, 2, 1, 0])
}

fn train(
    params: &mut ParamStore,
    mlp: &Mlp,
    opt: &mut dyn Optimizer,
    x: &Tensor,
    y: &[usize],
    steps: usize,
) {
    let mut graph = Graph::new();
    for _ in 0..steps {
        params.zero_grad();
        graph
            .run_with(params, |g| {
                mlp.forward(g, g.input(x))?.cross_entropy(y)?.backward()
            })
            .unwrap();
        opt.step(params);
    }
}

#[test]
fn resuming_is_bitwise_identical_to_training_straight_through() {
    let adam = |p: &ParamStore| -> Box<dyn Optimizer> {
        Box::new(
            Adam::new(
                p,
                AdamConfig {
                    lr: 0.05,
                    amsgrad: true,
                    ..Default::default()
                },
            )
            .unwrap(),
        )
    };
    let sgd = |p: &ParamStore| -> Box<dyn Optimizer> {
        let cfg = SgdConfig {
            lr: 0.1,
            momentum: 0.9,
            nesterov: true,
            ..Default::default()
        };
        Box::new(Sgd::new(p, cfg).unwrap())
    };
    for make in [adam, sgd] {
        // straight through: 7 + 5 steps
        let (mut straight, mlp, x, y) = model();
        let mut opt = make(&straight);
        train(&mut straight, &mlp, opt.as_mut(), &x, &y, 7);
        let path =
            std::env::temp_dir().join(format!("arenagrad-ckpt-{}.safetensors", std::process::id()));
        save_checkpoint(&path, &straight, opt.as_ref(), 7).unwrap();
        train(&mut straight, &mlp, opt.as_mut(), &x, &y, 5);

        // resumed: a fresh model and optimizer, loaded at step 7, then 5 steps
        let (mut resumed, mlp2, _, _) = model();
        let mut opt2 = make(&resumed);
        assert_ne!(resumed.flat_data(), straight.flat_data());
        assert_eq!(
            load_checkpoint(&path, &mut resumed, opt2.as_mut()).unwrap(),
            7
        );
        train(&mut resumed, &mlp2, opt2.as_mut(), &x, &y, 5);
        std::fs::remove_file(&path).unwrap();
        let bits = |s: &ParamStore| {
            s.flat_data()
                .iter()
                .map(|v| v.to_bits())
                .collect::<Vec<_>>()
        };
        assert_eq!(bits(&resumed), bits(&straight));
    }
}

#[test]
fn a_checkpoint_that_does_not_fit_changes_nothing() {
    let (mut params, mlp, x, y) = model();
    let mut opt = Adam::new(&params, AdamConfig::default()).unwrap();
    train(&mut params, &mlp, &mut opt, &x, &y, 2);
    let bytes = checkpoint_to_bytes(&params, &opt, 2).unwrap();

    // another optimizer kind: the state is rejected and the store keeps its values
    let (mut other, _, _, _) = model();
    let before = other.flat_data().to_vec();
    let mut sgd = Sgd::new(&other, SgdConfig::default()).unwrap();
    assert!(load_checkpoint_bytes(&bytes, &mut other, &mut sgd).is_err());
    assert_eq!(other.flat_data(), &before[..]);

    // another architecture: strict loading names the missing and unexpected keys
    let mut small = ParamStore::new();
    Mlp::new(&mut small, &[5, 3], &mut Rng::seed(0)).unwrap();
    let mut opt_small = Adam::new(&small, AdamConfig::default()).unwrap();
    let err = load_checkpoint_bytes(&bytes, &mut small, &mut opt_small).unwrap_err();
    assert!(matches!(err, Error::StateDict { .. }), "{err}");
    assert!(err.to_string().contains("2.weight"), "{err}");

    // a plain parameter file is not a checkpoint
    let plain = crate::io::to_bytes(&params).unwrap();
    let err = load_checkpoint_bytes(&plain, &mut params, &mut opt).unwrap_err();
    assert!(
        err.to_string().contains("not an arenagrad checkpoint"),
        "{err}"
    );
}
