//! Steady steps without convolutions: an MLP into cross-entropy with Adam and into mse with
//! SGD momentum, and a model of scalar parameters that needs no GEMM at all.

use arenagrad::nn::Mlp;
use arenagrad::optim::Optimizer;
use arenagrad::{Graph, ParamStore, Rng, Tensor};

use super::{adam, assert_steady, serial, sgd};

#[derive(Clone, Copy, PartialEq)]
enum Loss {
    CrossEntropy,
    Mse,
}

/// A full MLP step: zero_grad, `Mlp::forward`, the loss, backward, the optimizer step.
fn mlp_steps(loss: Loss, opt: impl FnOnce(&ParamStore) -> Box<dyn Optimizer>) {
    let (sizes, batch) = ([48, 64, 32, 10], 16);
    let mut rng = Rng::seed(7);
    let mut params = ParamStore::new();
    let mlp = Mlp::new(&mut params, &sizes, &mut rng).unwrap();
    let mut opt = opt(&params);
    let x = rng.normal_tensor(&[batch, sizes[0]], 0.0, 1.0);
    let target = rng.normal_tensor(&[batch, sizes[3]], 0.0, 1.0);
    let classes: Vec<usize> = (0..batch).map(|i| (i * 7) % sizes[3]).collect();
    assert_steady(&mut Graph::new(), |graph| {
        params.zero_grad();
        let l = graph
            .run_with(&mut params, |g| {
                let logits = mlp.forward(g, g.input(&x))?;
                let loss = match loss {
                    Loss::CrossEntropy => logits.cross_entropy(&classes)?,
                    Loss::Mse => logits.mse_loss(g.input(&target))?,
                };
                loss.backward()?;
                Ok(loss.item())
            })
            .unwrap();
        opt.step(&mut params);
        l
    });
}

#[test]
fn mlp_cross_entropy_adam_step_allocates_nothing() {
    serial(|| mlp_steps(Loss::CrossEntropy, |p| adam(p, 1e-2)));
}

#[test]
fn mlp_mse_sgd_step_allocates_nothing() {
    serial(|| mlp_steps(Loss::Mse, |p| sgd(p, 0.05, 0.0)));
}

/// The same step on a model of 0-d parameters, `ŷ = tanh(w·x + b)` over a few samples with
/// squared error and an mse term, which needs no GEMM: every graph-side cost of a step
/// (parameters, ops, the tape, backward with its gradient pool, zero_grad, Adam) is counted.
#[test]
fn scalar_model_step_allocates_nothing() {
    let mut params = ParamStore::new();
    let w = params.add("w", Tensor::scalar(0.1)).unwrap();
    let b = params.add("b", Tensor::scalar(0.0)).unwrap();
    let mut opt = adam(&params, 1e-2);
    let data = [(-1.0f32, -0.5f32), (0.5, 0.3), (2.0, 0.9), (1.0, 0.6)];
    let y_last = Tensor::scalar(data[3].1);
    serial(|| {
        assert_steady(&mut Graph::new(), |graph| {
            params.zero_grad();
            let l = graph
                .run_with(&mut params, |g| {
                    let (w, b) = (g.param(w), g.param(b));
                    let predict = |x: f32| (w * x + b).tanh();
                    let mut loss = g.scalar(0.0);
                    for &(x, y) in &data[..3] {
                        loss = loss + (predict(x) - y).powf(2.0);
                    }
                    loss = loss + predict(data[3].0).mse_loss(g.input(&y_last))?;
                    loss.backward()?;
                    Ok(loss.item())
                })
                .unwrap();
            opt.step(&mut params);
            l
        });
    });
}
