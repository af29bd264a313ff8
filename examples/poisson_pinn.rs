//! A physics-informed network: second derivatives inside the loss.
//!
//! Run: `cargo run --release --example poisson_pinn`
//!
//! The network `u(x)` (1-32-32-1, tanh) is trained so that `u'' = −π² sin(πx)` on `(0, 1)` with
//! `u(0) = u(1) = 0`, whose solution is `sin(πx)`. No value of `u` is ever shown to it: the loss
//! is the residual of the equation at random collocation points plus the boundary values,
//!
//! ```text
//! loss = mean((u''(xᵢ) + π² sin(πxᵢ))²) + u(0)² + u(1)²
//! ```
//!
//! `u'` and `u''` are gradients of the network's output with respect to its input, taken with
//! [`grad`] and create_graph, so the loss contains them as graph nodes and `loss.backward()`
//! differentiates through both (third derivatives of the network, with respect to its
//! weights). The example prints the loss falling and, at the end, the largest error against
//! `sin(πx)` on a grid.

use std::f32::consts::PI;

use arenagrad::prelude::*;

/// The network: 1 → 32 → 32 → 1 with tanh between the layers.
struct Net([Linear; 3]);

impl Net {
    fn new(params: &mut ParamStore, rng: &mut Rng) -> Result<Net> {
        Ok(Net([
            Linear::new(params, "0", 1, 32, rng)?,
            Linear::new(params, "2", 32, 32, rng)?,
            Linear::new(params, "4", 32, 1, rng)?,
        ]))
    }

    fn forward<'g>(&self, g: &'g Scope<'g>, x: Var<'g>) -> Result<Var<'g>> {
        let h = self.0[0].forward(g, x)?.tanh();
        let h = self.0[1].forward(g, h)?.tanh();
        self.0[2].forward(g, h)
    }
}

fn main() -> std::result::Result<(), Box<dyn std::error::Error>> {
    let (points, steps) = (64, 2000);
    let mut rng = Rng::seed(0);
    let mut params = ParamStore::new();
    let net = Net::new(&mut params, &mut rng)?;
    let mut opt = Adam::new(
        &params,
        AdamConfig {
            lr: 3e-3,
            ..Default::default()
        },
    )?;
    let mut graph = Graph::new();
    let ends = Tensor::new(vec![0.0, 1.0], &[2, 1])?;
    let (mut first, mut last) = (None, f32::NAN);
    for step in 0..=steps {
        let x = rng.uniform_tensor(&[points, 1], 0.0, 1.0);
        params.zero_grad();
        let loss = graph.run_with(&mut params, |g| {
            let x = g.leaf(&x);
            let u = net.forward(g, x)?;
            let opts = GradOptions::new().create_graph(true);
            let du = grad(&[u.sum()], &[x], &opts)?[0].expect("u depends on x");
            let d2u = grad(&[du.sum()], &[x], &opts)?[0].expect("u' depends on x");
            let residual = d2u + (x * PI).sin() * (PI * PI);
            let boundary = net.forward(g, g.input(&ends))?;
            let loss = (residual * residual).mean() + (boundary * boundary).sum();
            loss.backward()?;
            loss.try_item()
        })?;
        opt.step(&mut params);
        first.get_or_insert(loss);
        last = loss;
        if step % 250 == 0 {
            println!("step {step:4}  loss {loss:.5}");
        }
    }
    // the solution it found, against sin(πx), on a grid of 101 points
    let grid = Tensor::new((0..=100).map(|i| i as f32 / 100.0).collect(), &[101, 1])?;
    let worst = graph.eval_with(&params, |g| {
        let u = net.forward(g, g.input(&grid))?;
        let err = (u.data().iter().zip(grid.data()))
            .map(|(u, x)| (u - (PI * x).sin()).abs())
            .fold(0.0f32, f32::max);
        Ok(err)
    })?;
    let first = first.unwrap_or(f32::NAN);
    println!("loss {first:.4} -> {last:.5}; max |u(x) - sin(pi x)| on [0, 1]: {worst:.4}");
    // run by CI as a check: the equation must have been learned
    if !(last < 1e-2 * first && worst < 0.05) {
        let why = format!("did not converge: loss {first} -> {last}, max error {worst}");
        return Err(why.into());
    }
    Ok(())
}
