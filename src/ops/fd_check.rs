//! Test helper: central finite differences against backward, for the ops' unit tests.
//!
//! The op's output `y` is contracted with fixed weights `w` (L = Σ w·y), so every output
//! element matters and an index mix-up shows. The analytic gradient is backward with output
//! gradient `w`; the numeric one is `(L(x + εe_i) − L(x − εe_i)) / 2ε` per element, with L
//! summed in f64. (The public `gradcheck` module is the users' version of this.)

use crate::prelude::*;

fn weights(n: usize) -> Vec<f32> {
    (0..n).map(|i| (i as f32 * 0.73 + 0.31).sin()).collect()
}

/// Checks the gradients of `f` with respect to every one of `inputs`.
pub(crate) fn check<F>(inputs: &[Tensor], f: F)
where
    F: for<'g> Fn(&[Var<'g>]) -> Result<Var<'g>>,
{
    let mut graph = Graph::new();
    let analytic: Vec<Vec<f32>> = graph
        .run(|g| {
            let xs: Vec<Var> = inputs.iter().map(|t| g.leaf(t)).collect();
            let y = f(&xs)?;
            let w = Tensor::new(weights(y.numel()), y.shape())?;
            y.backward_with(&Backward::gradient(w))?;
            Ok(xs
                .iter()
                .zip(inputs)
                .map(|(x, t)| x.grad().map_or(vec![0.0; t.numel()], |g| g.to_vec()))
                .collect())
        })
        .unwrap();
    let mut loss = |ts: &[Tensor]| -> f64 {
        graph
            .run(|g| {
                let xs: Vec<Var> = ts.iter().map(|t| g.input(t)).collect();
                let y = f(&xs)?;
                let w = weights(y.numel());
                Ok(y.data()
                    .iter()
                    .zip(&w)
                    .map(|(&a, &b)| a as f64 * b as f64)
                    .sum())
            })
            .unwrap()
    };
    let eps = 1e-2f32;
    for (i, t) in inputs.iter().enumerate() {
        for (j, &got) in analytic[i].iter().enumerate() {
            let mut ts = inputs.to_vec();
            ts[i].data_mut()[j] = t.data()[j] + eps;
            let up = loss(&ts);
            ts[i].data_mut()[j] = t.data()[j] - eps;
            let down = loss(&ts);
            let numeric = (up - down) / (2.0 * eps as f64);
            let got = got as f64;
            assert!(
                (got - numeric).abs() <= 2e-3 + 2e-3 * numeric.abs(),
                "input {i} element {j}: backward {got}, finite difference {numeric}"
            );
        }
    }
}

/// Deterministic, distinct test values of `shape` (no two equal, none 0).
pub(crate) fn ramp(shape: &[usize]) -> Tensor {
    let n = shape.iter().product::<usize>();
    Tensor::new(
        (0..n)
            .map(|i| 0.5 + i as f32 * 0.25 - 1.7 * (i % 3) as f32)
            .collect(),
        shape,
    )
    .unwrap()
}
