//! Gradients of gradients through custom ops' differentiable backwards: second order
//! against finite differences, higher orders against the built-in ops.

use arenagrad::gradcheck::{check, Tolerance};
use arenagrad::prelude::*;

use crate::ops::{DiffMul, FusedSilu, NestedSilu};
use crate::{assert_close, x0};

/// `v ⊙ ∂(Σ w·f(x))/∂x`, recorded with create_graph so that gradcheck differentiates it again.
/// The numeric evaluations of gradcheck pass constants: they are made leaves here, so that
/// `grad` has something to differentiate (only the value is used there).
fn first_derivative<'g>(g: &'g Scope<'g>, x: Var<'g>, custom: bool) -> Result<Var<'g>> {
    let x = if x.requires_grad() {
        x
    } else {
        g.leaf(x.to_tensor())
    };
    let w = g.input(Tensor::new(vec![0.7, -1.2, 0.9, 1.5, -0.6, 1.1], &[2, 3])?);
    let v = g.input(Tensor::new(vec![1.3, 0.8, -1.1, 0.6, 1.4, -0.9], &[2, 3])?);
    let y = if custom {
        x.custom(FusedSilu)?
    } else {
        x.silu()
    };
    let opts = GradOptions::new().create_graph(true);
    let dx = grad(&[(y * w).sum()], &[x], &opts)?[0].unwrap();
    Ok(dx * v)
}

#[test]
fn second_order_gradcheck_through_the_differentiable_backward() {
    let report = check(
        &[x0()],
        |g, v| first_derivative(g, v[0], true),
        &Tolerance::default(),
    )
    .unwrap();
    assert_eq!(report.checked, 6);
    // and the same numbers as the built-in silu, at second order
    Graph::new()
        .run(|g| {
            let x = g.leaf(x0());
            let (a, b) = (
                first_derivative(g, x, true)?,
                first_derivative(g, x, false)?,
            );
            assert_close(&a.to_vec(), &b.to_vec(), 1e-5);
            let da = grad(&[a.sum()], &[x], &GradOptions::new())?[0].unwrap();
            let db = grad(&[b.sum()], &[x], &GradOptions::new())?[0].unwrap();
            assert_close(&da.to_vec(), &db.to_vec(), 1e-5);
            Ok(())
        })
        .unwrap();
}

#[test]
fn third_order_matches_the_builtin() {
    Graph::new()
        .run(|g| {
            let x = g.leaf(x0());
            let opts = GradOptions::new().create_graph(true);
            // the fused op, the one whose backward applies a custom sigmoid, the built-in
            let mut d = [x.custom(FusedSilu)?, x.custom(NestedSilu)?, x.silu()];
            for _ in 0..3 {
                for f in &mut d {
                    *f = grad(&[f.sum()], &[x], &opts)?[0].unwrap();
                }
                assert_close(&d[0].to_vec(), &d[2].to_vec(), 1e-5);
                assert_close(&d[1].to_vec(), &d[2].to_vec(), 1e-5);
            }
            Ok(())
        })
        .unwrap();
}

#[test]
fn backward_with_create_graph_leaves_a_differentiable_grad() {
    let mut second = vec![];
    for custom in [true, false] {
        let d2 = Graph::new()
            .run(|g| {
                let x = g.leaf(x0());
                let y = if custom {
                    x.custom(NestedSilu)?
                } else {
                    x.silu()
                };
                (y * 3.0).sum().backward_with(&Backward::create_graph())?;
                let dx = x.grad_var().unwrap();
                assert!(dx.requires_grad());
                assert_close(&x.grad().unwrap().to_vec(), &dx.to_vec(), 0.0);
                x.zero_grad();
                dx.sum().backward()?;
                Ok(x.grad().unwrap().to_vec())
            })
            .unwrap();
        second.push(d2);
    }
    assert_close(&second[0], &second[1], 1e-5);
}

/// `v ⊙ ∂(Σ w·x²y)/∂(x or y)` through two [`DiffMul`]s, recorded: gradcheck of it checks the
/// (mixed) second derivatives. Constants are lifted to leaves as in [`first_derivative`].
fn mixed<'g>(g: &'g Scope<'g>, v: &[Var<'g>], wrt: usize) -> Result<Var<'g>> {
    let lift = |x: Var<'g>| {
        if x.requires_grad() {
            x
        } else {
            g.leaf(x.to_tensor())
        }
    };
    let (x, y) = (lift(v[0]), lift(v[1]));
    let p = g.custom(DiffMul, &[x, y])?;
    let q = g.custom(DiffMul, &[p, x])?; // x²y, with x twice in the graph
    let w = g.input(Tensor::new(vec![0.7, -1.2, 0.9, 1.5, -0.6, 1.1], &[2, 3])?);
    let opts = GradOptions::new().create_graph(true);
    let d = grad(&[(q * w).sum()], &[[x, y][wrt]], &opts)?[0].unwrap();
    Ok(d * g.input(Tensor::new(vec![1.3, 0.8, -1.1, 0.6, 1.4, -0.9], &[2, 3])?))
}

#[test]
fn two_inputs_at_second_order() {
    let y0 = Tensor::new(vec![0.5, -1.5, 2.0, 0.3, -0.2, 1.1], &[2, 3]).unwrap();
    for wrt in [0, 1] {
        let inputs = [x0(), y0.clone()];
        let report = check(&inputs, |g, v| mixed(g, v, wrt), &Tolerance::default()).unwrap();
        assert_eq!(report.checked, 12);
    }
    // and x·x through one op, recorded: d²(x²)/dx² = 2
    Graph::new()
        .run(|g| {
            let x = g.leaf(x0());
            let opts = GradOptions::new().create_graph(true);
            let d = grad(&[g.custom(DiffMul, &[x, x])?.sum()], &[x], &opts)?[0].unwrap();
            assert_close(&d.to_vec(), &(x * 2.0).to_vec(), 0.0);
            let d2 = grad(&[d.sum()], &[x], &GradOptions::new())?[0].unwrap();
            assert_eq!(d2.to_vec(), vec![2.0; 6]);
            Ok(())
        })
        .unwrap();
}
