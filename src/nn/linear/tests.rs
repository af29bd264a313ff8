//! Linear: values and gradients by hand, shapes and errors, init, and PyTorch's scenario k.

use super::*;
use crate::optim::{Sgd, SgdConfig};
use crate::prelude::*;

/// A 3 → 2 layer with W = [[1, 0, -1], [2, 1, 0]], b = [0.5, -1].
fn layer(params: &mut ParamStore) -> Linear {
    let l = Linear::new(params, "fc", 3, 2, &mut Rng::seed(0)).unwrap();
    params
        .data_mut(l.weight)
        .copy_from_slice(&[1.0, 0.0, -1.0, 2.0, 1.0, 0.0]);
    params
        .data_mut(l.bias.unwrap())
        .copy_from_slice(&[0.5, -1.0]);
    l
}

#[test]
fn forward_and_backward_by_hand() {
    let mut params = ParamStore::new();
    let l = layer(&mut params);
    Graph::new()
        .run_with(&mut params, |g| {
            let x = g.leaf(Tensor::new(vec![1.0, 2.0, 3.0, 0.0, -1.0, 4.0], &[2, 3])?);
            let y = l.forward(g, x)?;
            // row 0: [1 - 3 + 0.5, 2 + 2 - 1]; row 1: [0 - 4 + 0.5, 0 - 1 - 1]
            assert_eq!(y.to_vec(), vec![-1.5, 3.0, -3.5, -2.0]);
            // loss = sum(y * c): dy = c
            let c = g.input(Tensor::new(vec![1.0, 2.0, -1.0, 0.5], &[2, 2])?);
            (y * c).sum().backward()?;
            // dx = c W: [1*W0 + 2*W1, -W0 + 0.5*W1]
            assert_eq!(
                x.grad().unwrap().to_vec(),
                vec![5.0, 2.0, -1.0, 0.0, 0.5, 1.0]
            );
            Ok(())
        })
        .unwrap();
    // dW = cᵀ x: [1*x0 - x1, 2*x0 + 0.5*x1]; db = column sums of c
    assert_eq!(params.grad(l.weight), &[1.0, 3.0, -1.0, 2.0, 3.5, 8.0]);
    assert_eq!(params.grad(l.bias.unwrap()), &[0.0, 2.5]);
}

#[test]
fn shapes_no_bias_and_errors() {
    let mut params = ParamStore::new();
    let l = layer(&mut params);
    let nb = Linear::new_no_bias(&mut params, "nb", 3, 2, &mut Rng::seed(1)).unwrap();
    params
        .data_mut(nb.weight)
        .copy_from_slice(&[1.0, 0.0, -1.0, 2.0, 1.0, 0.0]);
    Graph::new()
        .run_with(&mut params, |g| {
            let v = g.input(Tensor::from_slice(&[1.0, 2.0, 3.0]));
            assert_eq!(l.forward(g, v)?.to_vec(), vec![-1.5, 3.0]);
            assert_eq!(nb.forward(g, v)?.to_vec(), vec![-2.0, 4.0]);
            let x = g.input(Tensor::zeros(&[4, 1, 3])?);
            assert_eq!(l.forward(g, x)?.shape(), &[4, 1, 2]);
            let e = l.forward(g, g.input(Tensor::zeros(&[2, 4])?)).unwrap_err();
            assert_eq!(
                e.to_string(),
                "Linear: input of shape [2, 4] does not end in in_features = 3 (weight \
                 [2, 3]); pass an input of shape [.., 3]"
            );
            assert!(l.forward(g, g.scalar(1.0)).is_err());
            Ok(())
        })
        .unwrap();
    let e = Linear::new(&mut params, "z", 0, 2, &mut Rng::seed(0)).unwrap_err();
    assert!(e
        .to_string()
        .starts_with("Linear::new: in_features must be positive"));
    assert!(matches!(
        Linear::new(&mut params, "fc", 3, 2, &mut Rng::seed(0)),
        Err(Error::DuplicateParam { .. })
    ));
}

#[test]
fn default_init_is_uniform_within_one_over_sqrt_in() {
    let mut params = ParamStore::new();
    let l = Linear::new(&mut params, "fc", 16, 64, &mut Rng::seed(3)).unwrap();
    let (w, b) = (params.data(l.weight), params.data(l.bias.unwrap()));
    assert!(w.iter().chain(b).all(|v| v.abs() <= 0.25));
    // U(-1/4, 1/4) has variance 1/48
    let var = w.iter().map(|&v| (v * v) as f64).sum::<f64>() / w.len() as f64;
    assert!((var - 1.0 / 48.0).abs() < 0.002, "variance {var}");
    assert_eq!(params.name(l.weight), "fc.weight");
    assert_eq!(params.shape(l.bias.unwrap()), &[64]);
}

#[test]
fn linear_regression_matches_pytorch_scenario_k() {
    // /work/shared/vectors/autograd.json, scenario "k_linear_regression" (PyTorch 2.15):
    // nn.Linear(1, 1) with weight -0.5 and bias 0.25, MSELoss, SGD(lr=0.01), 100 steps of
    // zero_grad / loss / backward / step; the loss every 10 steps, then the final values.
    let xs = [
        -0.792_850_6,
        0.430_271_3,
        -0.010_776_17,
        -0.675_358_5,
        -0.738_800_7,
        0.996_616_24,
        0.131_046_4,
        0.333_205_5,
        -0.581_709,
        0.905_592_3,
        -0.565_177_26,
        0.386_077_9,
        -0.697_710_6,
        0.274_848_94,
        -0.151_073_99,
        0.623_259_4,
    ];
    let ys = [
        -0.585_701_2,
        1.860_542_5,
        0.978_447_7,
        -0.350_717_07,
        -0.477_601_4,
        2.993_232_5,
        1.262_092_8,
        1.666_411,
        -0.163_418_05,
        2.811_184_6,
        -0.130_354_52,
        1.772_155_8,
        -0.395_421_15,
        1.549_697_9,
        0.697_852,
        2.246_518_9,
    ];
    let want_losses = [
        2.694_647_8,
        2.240_615_1,
        1.880_233,
        1.589_798,
        1.352_522_1,
        1.156_360_6,
        0.992_542_6,
        0.854_578_26,
        0.737_582_1,
        0.637_811_66,
    ];
    let (x, y) = (
        Tensor::new(xs.to_vec(), &[16, 1]).unwrap(),
        Tensor::new(ys.to_vec(), &[16, 1]).unwrap(),
    );
    let mut params = ParamStore::new();
    let model = Linear::new(&mut params, "model", 1, 1, &mut Rng::seed(0)).unwrap();
    params.data_mut(model.weight)[0] = -0.5;
    params.data_mut(model.bias.unwrap())[0] = 0.25;
    let mut opt = Sgd::new(
        &params,
        SgdConfig {
            lr: 0.01,
            ..Default::default()
        },
    )
    .unwrap();
    let mut graph = Graph::new();
    let close = |a: f32, b: f32| (a - b).abs() <= 1e-5 * (1.0 + b.abs());
    for step in 0..100 {
        params.zero_grad();
        let loss = graph
            .run_with(&mut params, |g| {
                let loss = model.forward(g, g.input(&x))?.mse_loss(g.input(&y))?;
                loss.backward()?;
                Ok(loss.item())
            })
            .unwrap();
        opt.step(&mut params);
        if step % 10 == 0 {
            let want = want_losses[step / 10];
            assert!(close(loss, want), "step {step}: {loss} vs {want}");
        }
    }
    let (w, b) = (
        params.data(model.weight)[0],
        params.data(model.bias.unwrap())[0],
    );
    assert!(close(w, 0.748_257_8) && close(b, 0.888_900_16), "{w} {b}");
    let final_loss = graph
        .run_with(&mut params, |g| {
            let loss = model.forward(g, g.input(&x))?.mse_loss(g.input(&y))?;
            Ok(loss.item())
        })
        .unwrap();
    assert!(close(final_loss, 0.552_350_6), "{final_loss}");
}
