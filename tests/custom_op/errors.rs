//! Custom-op errors name the op and the shapes, and leave every gradient as it was.

use arenagrad::custom::{CustomOp, Forward, InputGrads, Saved, TensorRef};
use arenagrad::prelude::*;

use crate::ops::{Broken, Double, PlainMul};

/// Runs `failing` on `loss = op(x) + 3x` after an earlier backward gave `x` the gradient 2,
/// and checks the error, that `.grad` (and the parameter's) kept its value, and that the
/// graph was not released.
fn fails_leaving_grads<O: CustomOp>(
    op: impl Fn() -> O,
    failing: impl for<'g> Fn(Var<'g>, Var<'g>) -> Result<()>,
) -> Error {
    let mut params = ParamStore::new();
    let w = params
        .add("w", Tensor::from_slice(&[0.5, -1.0, 2.0]))
        .unwrap();
    params.zero_grad();
    let err = Graph::new()
        .run_with(&mut params, |g| {
            let x = g.leaf(Tensor::from_slice(&[1.0, -2.0, 0.5]));
            let p = g.param(w);
            ((x + p) * 2.0).sum().backward()?;
            let loss = (g.custom(op(), &[x + p])? + x * 3.0).sum();
            let err = failing(loss, x).unwrap_err();
            assert_eq!(x.grad().unwrap().to_vec(), vec![2.0; 3], "{err}");
            assert!(x.grad_var().is_none());
            // nothing was released either: the values-only walk runs through the graph
            let dx = grad(&[loss], &[x], &GradOptions::new())?[0].unwrap();
            assert_eq!(dx.shape(), &[3]);
            assert_eq!(x.grad().unwrap().to_vec(), vec![2.0; 3]);
            Ok(err)
        })
        .unwrap();
    assert_eq!(params.grad(w), &[2.0; 3]);
    err
}

fn create_graph<'g>(loss: Var<'g>, _x: Var<'g>) -> Result<()> {
    loss.backward_with(&Backward::create_graph())
}

fn grad_create<'g>(loss: Var<'g>, x: Var<'g>) -> Result<()> {
    grad(&[loss], &[x], &GradOptions::new().create_graph(true)).map(drop)
}

#[test]
fn create_graph_through_a_plain_backward_says_to_write_backward_graph() {
    struct Square;
    impl CustomOp for Square {
        fn name(&self) -> &'static str {
            "square"
        }
        fn forward(&self, x: &[TensorRef<'_>], out: &mut Forward<'_>) -> Result<()> {
            let sq: Vec<f32> = x[0].data.iter().map(|v| v * v).collect();
            out.output(x[0].shape, &sq)
        }
        fn backward(&self, s: &Saved<'_>, g: &[f32], grads: &mut InputGrads<'_>) {
            let x = s.input(0).data;
            if let Some(d) = grads.get(0) {
                d.iter_mut()
                    .enumerate()
                    .for_each(|(i, d)| *d = 2.0 * x[i] * g[i]);
            }
        }
    }
    for failing in [create_graph, grad_create] {
        let err = fails_leaving_grads(|| Square, failing);
        assert_eq!(err, Error::CustomNotDifferentiable { op: "square" });
        let text = err.to_string();
        assert!(text.starts_with("square:") && text.contains("CustomOp::backward_graph"));
    }
}

#[test]
fn a_wrong_number_of_gradients_is_an_error() {
    for failing in [create_graph, grad_create] {
        let err = fails_leaving_grads(|| Double(Broken::Count), failing);
        let expected = Error::CustomGradCount {
            op: "double",
            expected: 1,
            got: 2,
        };
        assert_eq!(err, expected);
        assert!(err
            .to_string()
            .contains("returned 2 gradients for its 1 inputs"));
    }
}

#[test]
fn a_gradient_of_the_wrong_shape_is_an_error() {
    for failing in [create_graph, grad_create] {
        let err = fails_leaving_grads(|| Double(Broken::Shape), failing);
        let expected = Error::CustomGradShape {
            op: "double",
            input: 0,
            expected: vec![3],
            got: vec![1],
        };
        assert_eq!(err, expected);
        assert!(err
            .to_string()
            .contains("shape [1] for input 0, which has shape [3]"));
    }
    // the plain backward of the same op is right
    let report = arenagrad::gradcheck::check(
        &[Tensor::from_slice(&[1.0, 2.0])],
        |_g, v| v[0].custom(Double(Broken::Shape)),
        &Default::default(),
    );
    assert!(report.is_ok());
}

/// An op whose forward declares its output as `declare` says.
struct Declares(fn(&mut Forward<'_>) -> Result<()>);

impl CustomOp for Declares {
    fn name(&self) -> &'static str {
        "declares"
    }
    fn forward(&self, _: &[TensorRef<'_>], out: &mut Forward<'_>) -> Result<()> {
        (self.0)(out)
    }
    fn backward(&self, _: &Saved<'_>, _: &[f32], _: &mut InputGrads<'_>) {}
}

#[test]
fn forward_output_errors() {
    Graph::new()
        .run(|g| {
            let x = g.leaf(Tensor::scalar(1.0));
            let apply = |f| g.custom(Declares(f), &[x]).unwrap_err();
            let err = apply(|out| out.output(&[2, 2], &[1.0, 2.0, 3.0]));
            let expected = Error::DataLength {
                op: "declares",
                shape: vec![2, 2],
                len: 3,
            };
            assert_eq!(err, expected);
            assert!(err
                .to_string()
                .starts_with("declares: shape [2, 2] needs 4 values"));
            let err = apply(|_| Ok(()));
            assert!(err
                .to_string()
                .starts_with("declares: forward returned without"));
            let err = apply(|out| {
                out.output(&[], &[1.0])?;
                out.output_with(&[1], |_| {})
            });
            assert!(err.to_string().contains("declared its output twice"));
            // the forward's own errors come back as they are
            let err = g.custom(PlainMul, &[x, g.input(Tensor::zeros(&[2])?)]);
            assert!(matches!(
                err,
                Err(Error::ShapeMismatch {
                    op: "plain_mul",
                    ..
                })
            ));
            // a well-formed output of another shape than the inputs'
            let y = g.custom(Declares(|out| out.output(&[2], &[1.0, 2.0])), &[x])?;
            assert_eq!((y.shape(), y.requires_grad()), (&[2][..], true));
            Ok(())
        })
        .unwrap();
}
