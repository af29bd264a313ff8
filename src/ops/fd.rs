//! Test helper: central finite differences for the ops' unit tests (a small local stand-in;
//! the public checker is `crate::gradcheck`).
//!
//! The scalar checked is `L = Σ y · w` for fixed random weights `w`, so every output element
//! contributes with a different weight; its analytic gradient is the VJP with `w` as the output
//! gradient. The forward runs in `f32`, `L` is summed in `f64`, and `∂L/∂x ≈ (L(x+h) −
//! L(x−h)) / 2h` with `h = 1e-2`: truncation `h²/6 · L''' ≈ 1e-5`, rounding `ε|L|/h ≈ 1e-4`.

use crate::prelude::*;

/// A deterministic uniform sample in `[-1, 1)` (xorshift64*).
pub(crate) fn uniform(n: usize, seed: u64) -> Vec<f32> {
    let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..n)
        .map(|_| {
            s ^= s >> 12;
            s ^= s << 25;
            s ^= s >> 27;
            let r = s.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 40;
            (r as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
        })
        .collect()
}

/// Checks the analytic gradient of `f` at `inputs` against central differences; panics with
/// the first element that differs by more than `2e-3 + 2e-3 · |numeric|`.
pub(crate) fn check(inputs: &[Tensor], f: impl for<'g> Fn(&[Var<'g>]) -> Result<Var<'g>>) {
    const H: f32 = 1e-2;
    let mut graph = Graph::new();
    let (analytic, w) = graph
        .run(|g| {
            let xs: Vec<Var> = inputs.iter().map(|t| g.leaf(t)).collect();
            let y = f(&xs)?;
            let w = uniform(y.numel(), 7);
            y.backward_with(&Backward::gradient(Tensor::new(w.clone(), y.shape())?))?;
            let grads = xs.iter().map(|x| {
                x.grad()
                    .map_or_else(|| vec![0.0; x.numel()], |t| t.to_vec())
            });
            Ok((grads.collect::<Vec<_>>(), w))
        })
        .unwrap();
    let mut loss = |ins: &[Tensor]| -> f64 {
        graph
            .run(|g| {
                let xs: Vec<Var> = ins.iter().map(|t| g.input(t)).collect();
                let y = f(&xs)?.to_vec();
                Ok(y.iter().zip(&w).map(|(&a, &b)| a as f64 * b as f64).sum())
            })
            .unwrap()
    };
    let mut ins = inputs.to_vec();
    for (i, grads) in analytic.iter().enumerate() {
        for (k, &got) in grads.iter().enumerate() {
            let x0 = ins[i].data()[k];
            ins[i].data_mut()[k] = x0 + H;
            let up = loss(&ins);
            ins[i].data_mut()[k] = x0 - H;
            let down = loss(&ins);
            ins[i].data_mut()[k] = x0;
            let numeric = (up - down) / (2.0 * H as f64);
            let got = got as f64;
            assert!(
                (got - numeric).abs() <= 2e-3 + 2e-3 * numeric.abs(),
                "input {i} element {k}: analytic {got} vs numeric {numeric}"
            );
        }
    }
}

#[test]
#[should_panic(expected = "analytic")]
fn catches_a_wrong_gradient() {
    // y = x · detach(x): the analytic gradient is x, the true one 2x
    check(&[Tensor::from_slice(&[0.5, -1.0])], |v| {
        Ok(v[0] * v[0].detach())
    });
}

/// Deterministic, distinct test values of `shape` (no two equal, none 0).
pub(crate) fn ramp(shape: &[usize]) -> Tensor {
    let n = shape.iter().product::<usize>();
    let data = (0..n)
        .map(|i| 0.5 + i as f32 * 0.25 - 1.7 * (i % 3) as f32)
        .collect();
    Tensor::new(data, shape).unwrap()
}
