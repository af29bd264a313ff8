//! Gradients through custom ops: finite differences (first and second order) and the
//! built-in ops computing the same function.

use arenagrad::gradcheck::{check, Tolerance};
use arenagrad::prelude::*;

use crate::ops::{DiffMul, First, FusedSilu, PlainMul};

fn x0() -> Tensor {
    Tensor::new(vec![-2.0, -0.7, 0.0, 0.4, 1.3, 2.5], &[2, 3]).unwrap()
}

fn assert_close(a: &[f32], b: &[f32], tol: f32) {
    assert_eq!(a.len(), b.len());
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        assert!((x - y).abs() <= tol, "element {i}: {x} vs {y}");
    }
}

#[test]
fn fused_silu_matches_the_builtin_and_passes_gradcheck() {
    Graph::new()
        .run(|g| {
            let x = g.leaf(x0());
            let (y, z) = (x.custom(FusedSilu)?, x.silu());
            assert_eq!(y.shape(), &[2, 3]);
            assert_close(&y.to_vec(), &z.to_vec(), 1e-6);
            (y * 3.0).sum().backward()?;
            let dy = x.grad().unwrap().to_vec();
            x.set_grad_none();
            (z * 3.0).sum().backward()?;
            assert_close(&dy, &x.grad().unwrap().to_vec(), 1e-5);
            Ok(())
        })
        .unwrap();
    let report = check(
        &[x0()],
        |_g, v| v[0].custom(FusedSilu),
        &Tolerance::default(),
    )
    .unwrap();
    assert_eq!(report.checked, 6);
}

#[test]
fn two_inputs_and_a_repeated_input_pass_gradcheck() {
    let y0 = Tensor::new(vec![0.5, -1.5, 2.0, 0.3, -0.2, 1.1], &[2, 3]).unwrap();
    let tol = Tolerance::default();
    let report = check(&[x0(), y0], |g, v| g.custom(PlainMul, &[v[0], v[1]]), &tol).unwrap();
    assert_eq!(report.checked, 12);
    // x·x: both slots of the same input add up to 2x
    check(&[x0()], |g, v| g.custom(PlainMul, &[v[0], v[0]]), &tol).unwrap();
    // one input that requires grad and one constant
    let c = Tensor::from_slice(&[0.5, -2.0, 3.0]);
    check(
        &[Tensor::from_slice(&[1.0, 2.0, -1.0])],
        |g, v| g.custom(PlainMul, &[g.input(&c), v[0]]),
        &tol,
    )
    .unwrap();
}

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
            let mut d = [x.custom(FusedSilu)?, x.silu()];
            for _ in 0..3 {
                for f in &mut d {
                    *f = grad(&[f.sum()], &[x], &opts)?[0].unwrap();
                }
                assert_close(&d[0].to_vec(), &d[1].to_vec(), 1e-5);
            }
            Ok(())
        })
        .unwrap();
}

#[test]
fn grad_without_create_graph_uses_the_plain_backward() {
    Graph::new()
        .run(|g| {
            let x = g.leaf(Tensor::from_slice(&[1.0, 2.0]));
            let y = g.leaf(Tensor::from_slice(&[3.0, -4.0]));
            let p = g.custom(PlainMul, &[x, y])?;
            let d = grad(&[p.sum()], &[x, y], &GradOptions::new())?;
            assert_eq!(d[0].unwrap().to_vec(), vec![3.0, -4.0]);
            assert_eq!(d[1].unwrap().to_vec(), vec![1.0, 2.0]);
            assert!(x.grad().is_none() && y.grad().is_none());
            Ok(())
        })
        .unwrap();
}

#[test]
fn parameters_get_the_builtin_gradients_and_no_grad_records_nothing() {
    let mut params = ParamStore::new();
    let w = params.add("w", x0()).unwrap();
    let mut graph = Graph::new();
    let mut grads = vec![];
    for custom in [true, false] {
        params.zero_grad();
        graph
            .run_with(&mut params, |g| {
                let h = g.param(w) * 0.5;
                let y = if custom {
                    h.custom(FusedSilu)?
                } else {
                    h.silu()
                };
                // retain_graph: a second backward through the custom op adds again
                y.sum().backward_with(&Backward::retain_graph())?;
                y.sum().backward()?;
                let c = g.no_grad(|| h.custom(FusedSilu))?;
                assert!(!c.requires_grad() && c.is_leaf());
                Ok(())
            })
            .unwrap();
        grads.push(params.grad(w).to_vec());
    }
    assert_close(&grads[0], &grads[1], 1e-6);
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

#[test]
fn an_input_backward_never_asks_for_gets_no_gradient() {
    Graph::new()
        .run(|g| {
            let x = g.leaf(Tensor::from_slice(&[1.0, 2.0]));
            let y = g.leaf(Tensor::from_slice(&[3.0, 4.0]));
            let f = g.custom(First, &[x, y * 2.0])?;
            assert_eq!(f.to_vec(), vec![1.0, 2.0]);
            let keep = GradOptions::new().retain_graph(true);
            let err = grad(&[f.sum()], &[x, y], &keep).unwrap_err();
            assert_eq!(
                err,
                Error::UnusedInput {
                    index: 1,
                    shape: vec![2]
                }
            );
            let opts = GradOptions::new().allow_unused(true).retain_graph(true);
            let d = grad(&[f.sum()], &[x, y], &opts)?;
            assert_eq!(d[0].unwrap().to_vec(), vec![1.0, 1.0]);
            assert!(d[1].is_none());
            f.sum().backward()?;
            assert_eq!(
                (x.grad().unwrap().to_vec(), y.grad()),
                (vec![1.0, 1.0], None)
            );
            Ok(())
        })
        .unwrap();
}
