//! The seed tutorial, step by step: what do `loss.backward()`, `optimizer.zero_grad()` and
//! `optimizer.step()` actually do?
//!
//! Run: `cargo run --release --example seed`
//!
//! Each step prints arenagrad's value next to PyTorch's, read from the reference file
//! `tests/vectors/autograd.json` that real PyTorch produced.

use arenagrad::nn::Linear;
use arenagrad::optim::{Sgd, SgdConfig};
use arenagrad::prelude::*;
use serde_json::Value;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/autograd.json");
    let scenarios: Vec<Value> = serde_json::from_str(&std::fs::read_to_string(path)?)?;
    let torch = |scenario: &str, key: &str| -> Vec<f32> {
        let s = scenarios
            .iter()
            .find(|s| s["name"] == scenario)
            .expect("scenario in file");
        let item = s["expected"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["key"] == key)
            .expect("key");
        item["value"]["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap() as f32)
            .collect()
    };
    let input = |scenario: &str, name: &str| -> Tensor {
        let s = scenarios
            .iter()
            .find(|s| s["name"] == scenario)
            .expect("scenario in file");
        let t = &s["inputs"][name];
        let shape: Vec<usize> = t["shape"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d.as_u64().unwrap() as usize)
            .collect();
        let data = t["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap() as f32)
            .collect();
        Tensor::new(data, &shape).expect("well-formed tensor")
    };

    println!("== 1. f(x) = x^3 at x = 4: what does backward() do?");
    let mut graph = Graph::new();
    graph.run(|g| {
        let x = g.leaf(Tensor::scalar(4.0));
        println!("x.grad before backward: {:?}", x.grad().map(|t| t.item()));
        let f = x.powf(3.0);
        f.backward_with(&Backward::retain_graph())?;
        println!(
            "f = {}, after backward x.grad = {}   (3x^2; PyTorch {})",
            f.item(),
            x.grad().unwrap().item(),
            torch("a_cube_grad", "x.grad")[0]
        );
        f.backward()?;
        println!(
            "second backward (first kept the graph): x.grad = {}   (accumulates; PyTorch {})",
            x.grad().unwrap().item(),
            torch(
                "b_backward_twice_retain_graph_accumulates",
                "x.grad after 2nd"
            )[0]
        );
        match f.backward() {
            Ok(()) => println!("third backward unexpectedly succeeded"),
            Err(e) => println!("third backward (graph released): error: {e}"),
        }
        Ok(())
    })?;

    println!("\n== 2. zero_grad: why the optimizer clears gradients");
    graph.run(|g| {
        let x = g.leaf(Tensor::scalar(4.0));
        let f = x.powf(3.0);
        f.backward_with(&Backward::retain_graph())?;
        x.zero_grad();
        println!("after zero_grad: x.grad = {}", x.grad().unwrap().item());
        f.backward()?;
        println!(
            "backward again: x.grad = {}   (48, not 96; PyTorch {})",
            x.grad().unwrap().item(),
            torch("d_zero_grad_then_backward", "x.grad 2")[0]
        );
        Ok(())
    })?;

    println!("\n== 3. backward on a leaf itself");
    graph.run(|g| {
        let x = g.leaf(Tensor::scalar(4.0));
        x.backward()?;
        println!(
            "x.backward(): x.grad = {}   (dx/dx; PyTorch {})",
            x.grad().unwrap().item(),
            torch("e_backward_on_leaf_scalar", "x.grad")[0]
        );
        Ok(())
    })?;

    println!("\n== 4. SGD minimising (x - 3)^2 from x = 0, lr 0.1: zero_grad, backward, step");
    let mut params = ParamStore::new();
    let x = params.add("x", Tensor::scalar(0.0))?;
    let mut opt = Sgd::new(
        &params,
        SgdConfig {
            lr: 0.1,
            ..Default::default()
        },
    )?;
    let want = torch("l_sgd_minimise_quadratic", "x trajectory");
    let mut worst = 0.0f32;
    for (k, &x_torch) in want.iter().enumerate() {
        params.zero_grad();
        let f = graph.run_with(&mut params, |g| {
            let f = (g.param(x) - 3.0).powf(2.0);
            f.backward()?;
            Ok(f.item())
        })?;
        opt.step(&mut params);
        let xk = params.data(x)[0];
        worst = worst.max((xk - x_torch).abs());
        if k < 5 || k % 10 == 9 {
            println!(
                "step {:>2}: f = {f:<13.6e} x = {xk:<10} PyTorch x = {}",
                k + 1,
                x_torch
            );
        }
    }
    println!("max |x - x_torch| over {} steps: {worst:e}", want.len());

    println!("\n== 5. y = 2x + 1 with Linear(1, 1) + MSE + SGD(lr 0.01), 100 steps");
    let (xs, ys) = (
        input("k_linear_regression", "X"),
        input("k_linear_regression", "Y"),
    );
    let mut params = ParamStore::new();
    let mut rng = Rng::seed(0);
    let model = Linear::new(&mut params, "0", 1, 1, &mut rng)?;
    params.data_mut(model.weight)[0] = input("k_linear_regression", "w0").item();
    params.data_mut(model.bias.expect("Linear has a bias"))[0] =
        input("k_linear_regression", "b0").item();
    let mut opt = Sgd::new(
        &params,
        SgdConfig {
            lr: 0.01,
            ..Default::default()
        },
    )?;
    for step in 0..100 {
        params.zero_grad();
        let loss = graph.run_with(&mut params, |g| {
            let loss = model.forward(g, g.input(&xs))?.mse_loss(g.input(&ys))?;
            loss.backward()?;
            Ok(loss.item())
        })?;
        opt.step(&mut params);
        if step % 10 == 0 {
            let want = torch("k_linear_regression", &format!("loss step {step}"))[0];
            println!("step {step:>2}: loss = {loss:<12} PyTorch {want}");
        }
    }
    println!(
        "final weight = {}, bias = {}   (PyTorch {}, {})",
        params.data(model.weight)[0],
        params.data(model.bias.unwrap())[0],
        torch("k_linear_regression", "final weight")[0],
        torch("k_linear_regression", "final bias")[0]
    );
    Ok(())
}
