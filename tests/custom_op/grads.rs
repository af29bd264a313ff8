//! Gradients through custom ops: finite differences (first and second order) and the
//! built-in ops computing the same function.

use arenagrad::gradcheck::{check, Tolerance};
use arenagrad::prelude::*;

use crate::ops::{First, FusedSilu, PlainMul};
use crate::{assert_close, x0};

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
