//! A custom op: SiLU, `x·σ(x)`, fused into one pass with a backward of its own
//! (`arenagrad::custom`, PyTorch's `torch.autograd.Function`).
//!
//! Run: `cargo run --release --example custom_op`
//!
//! 1. defines the op, with the plain backward (fast path, over slices) and the differentiable
//!    one (in `Var` ops, for create_graph);
//! 2. checks it with gradcheck, first order and second order (the gradient of a gradient
//!    recorded with create_graph), and against the built-in `silu`;
//! 3. trains a tiny MLP, `Linear(3, 16) → fused SiLU → Linear(16, 1)`, printing the loss.

use arenagrad::custom::{CustomOp, Forward, InputGrads, Saved, SavedVars, TensorRef};
use arenagrad::gradcheck::{check, gradgradcheck, Tolerance};
use arenagrad::nn::Linear;
use arenagrad::prelude::*;

/// `x·σ(x)`; forward saves `σ(x)`, which the plain backward reads.
struct FusedSilu;

impl CustomOp for FusedSilu {
    fn name(&self) -> &'static str {
        "fused_silu"
    }
    fn forward(&self, inputs: &[TensorRef<'_>], out: &mut Forward<'_>) -> Result<()> {
        let x = inputs[0];
        let s = out.save_with(x.data.len(), |s| {
            for (s, &v) in s.iter_mut().zip(x.data) {
                *s = 1.0 / (1.0 + (-v).exp());
            }
        });
        out.output_with(x.shape, |y| {
            for ((y, &v), &s) in y.iter_mut().zip(x.data).zip(s) {
                *y = v * s;
            }
        })
    }
    // d/dx x·σ(x) = σ(x)·(1 + x·(1 − σ(x)))
    fn backward(&self, saved: &Saved<'_>, grad: &[f32], grads: &mut InputGrads<'_>) {
        let (x, s) = (saved.input(0).data, saved.saved(0));
        if let Some(dx) = grads.get(0) {
            for (i, dx) in dx.iter_mut().enumerate() {
                *dx = grad[i] * s[i] * (1.0 + x[i] * (1.0 - s[i]));
            }
        }
    }
    // the same in Var ops, σ(x) recomputed from x so that it is differentiable again
    fn backward_graph<'g>(
        &self,
        saved: &SavedVars<'g>,
        grad: Var<'g>,
    ) -> Result<Vec<Option<Var<'g>>>> {
        let x = saved.input(0);
        let s = x.sigmoid();
        Ok(vec![Some(grad * (s * (x * (1.0 - s) + 1.0)))])
    }
}

/// `v ⊙ ∂(Σ w·silu(x))/∂x` recorded with create_graph: its gradient is a second derivative.
/// gradcheck's numeric evaluations pass constants; they become leaves here so that `grad`
/// has something to differentiate.
fn first_derivative<'g>(g: &'g Scope<'g>, x: Var<'g>, fused: bool) -> Result<Var<'g>> {
    let x = if x.requires_grad() {
        x
    } else {
        g.leaf(x.to_tensor())
    };
    let w = g.input(Tensor::new(
        vec![0.7, -1.2, 0.9, 1.5, -0.6, 1.1],
        x.shape(),
    )?);
    let v = g.input(Tensor::new(
        vec![1.3, 0.8, -1.1, 0.6, 1.4, -0.9],
        x.shape(),
    )?);
    let y = if fused {
        x.custom(FusedSilu)?
    } else {
        x.silu()
    };
    let opts = GradOptions::new().create_graph(true);
    let dx = grad(&[(y * w).sum()], &[x], &opts)?[0].expect("y depends on x");
    Ok(dx * v)
}

fn main() -> std::result::Result<(), Box<dyn std::error::Error>> {
    let x0 = Tensor::new(vec![-2.0, -0.7, 0.1, 0.4, 1.3, 2.5], &[2, 3])?;
    let tol = Tolerance::default();

    let first = check(
        std::slice::from_ref(&x0),
        |_g, v| v[0].custom(FusedSilu),
        &tol,
    )?;
    let second = check(
        std::slice::from_ref(&x0),
        |g, v| first_derivative(g, v[0], true),
        &tol,
    )?;
    // the library's gradgradcheck: second derivatives in the input and in the output gradient
    let gg = gradgradcheck(
        std::slice::from_ref(&x0),
        |_g, v| v[0].custom(FusedSilu),
        &tol,
    )?;
    println!(
        "gradcheck: first order max |err| {:.1e}, second order max |err| {:.1e}; \
         gradgradcheck max |err| {:.1e}",
        first.max_abs_err, second.max_abs_err, gg.max_abs_err
    );
    let gap = Graph::new().run(|g| {
        let x = g.leaf(&x0);
        let (a, b) = (x.custom(FusedSilu)?, x.silu());
        let (da, db) = (
            first_derivative(g, x, true)?,
            first_derivative(g, x, false)?,
        );
        let gap = |p: Var<'_>, q: Var<'_>| {
            let d = p.data().iter().zip(q.data()).map(|(p, q)| (p - q).abs());
            d.fold(0.0f32, f32::max)
        };
        Ok((gap(a, b), gap(da, db)))
    })?;
    println!(
        "against the built-in silu: values within {:.1e}, first derivatives within {:.1e}",
        gap.0, gap.1
    );

    // a tiny regression: y = sin(x₀) + x₁·x₂/2
    let mut rng = Rng::seed(7);
    let x = rng.normal_tensor(&[64, 3], 0.0, 1.0);
    let y: Vec<f32> = (x.data().chunks(3))
        .map(|r| r[0].sin() + 0.5 * r[1] * r[2])
        .collect();
    let y = Tensor::new(y, &[64, 1])?;
    let mut params = ParamStore::new();
    let l1 = Linear::new(&mut params, "0", 3, 16, &mut rng)?;
    let l2 = Linear::new(&mut params, "2", 16, 1, &mut rng)?;
    let mut opt = Adam::new(
        &params,
        AdamConfig {
            lr: 1e-2,
            ..Default::default()
        },
    )?;
    let mut graph = Graph::new();
    let mut losses = vec![];
    for step in 0..=300 {
        params.zero_grad();
        let loss = graph.run_with(&mut params, |g| {
            let h = l1.forward(g, g.input(&x))?.custom(FusedSilu)?;
            let loss = l2.forward(g, h)?.mse_loss(g.input(&y))?;
            loss.backward()?;
            Ok(loss.item())
        })?;
        opt.step(&mut params);
        if step % 50 == 0 {
            println!("step {step:3}: loss {loss:.4}");
        }
        losses.push(loss);
    }
    let (start, end) = (losses[0], losses[losses.len() - 1]);
    if end >= 0.25 * start {
        return Err(format!("the loss did not fall: {start} -> {end}").into());
    }
    println!("loss fell from {start:.4} to {end:.4}");
    Ok(())
}
