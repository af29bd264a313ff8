//! `Graph::run_err` / `run_with_err`: a graph closure may return the caller's own error type,
//! into which arenagrad's errors convert with `?`.

use arenagrad::prelude::*;

#[derive(Debug)]
enum AppError {
    Arena(Error),
    Nan(&'static str),
}

impl From<Error> for AppError {
    fn from(e: Error) -> Self {
        AppError::Arena(e)
    }
}

#[test]
fn graph_closures_may_return_the_callers_error_type() {
    let mut graph = Graph::new();
    let r: Result<(), AppError> = graph.run_err(|g| {
        let x = g.leaf(Tensor::scalar(-1.0));
        let y = x.sqrt();
        if y.item().is_nan() {
            return Err(AppError::Nan("sqrt"));
        }
        Ok(())
    });
    assert!(matches!(r, Err(AppError::Nan("sqrt"))));
    let mut params = ParamStore::new();
    let w = params.add("w", Tensor::scalar(3.0)).unwrap();
    let r = graph.run_with_err(&mut params, |g| -> Result<f32, AppError> {
        let w = g.try_param(w)?;
        (w * w).backward()?;
        Ok(w.try_reshape(&[2])?.item()) // 1 element into 2: arenagrad's error, converted
    });
    assert!(matches!(
        r,
        Err(AppError::Arena(Error::ReshapeNumel { .. }))
    ));
    assert_eq!(params.grad(w), &[6.0]); // the backward before the error still happened
                                        // the graph is reusable after a closure that failed with the caller's error
    let v = graph
        .run(|g| Ok(g.leaf(Tensor::scalar(2.0)).item()))
        .unwrap();
    assert_eq!(v, 2.0);
}
